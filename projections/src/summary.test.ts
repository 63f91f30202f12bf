import { summarize } from './summary';

describe('the one-line summary of an event', () => {
  it('tells a transfer release, its withdrawal and the transfer apart, without their free-text reasons', () => {
    expect(summarize('TransferReleased', { toAgencyId: 'CNCA-R-2016-042', reason: '客户申请转换认证机构' })).toBe(
      'Released for transfer to CNCA-R-2016-042',
    );
    expect(summarize('TransferReleaseWithdrawn', { reason: '客户决定不转换' })).toBe('Transfer release withdrawn');
    expect(summarize('CertificationTransferred', { fromAgencyId: 'CNCA-R-2002-001' })).toBe(
      'Transferred from CNCA-R-2002-001',
    );
  });
});
