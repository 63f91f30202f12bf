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

  it('says that the audit days of a review were extrapolated above the MD5 table', () => {
    expect(summarize('ApplicationReviewed', { outcome: 'accepted', requiredAuditDays: 7 })).toBe(
      'Application accepted, 7 audit days required',
    );
    expect(
      summarize('ApplicationReviewed', {
        outcome: 'accepted',
        requiredAuditDays: 27,
        requiredAuditDaysExtrapolated: true,
      }),
    ).toBe('Application accepted, 27 audit days required (extrapolated above the IAF MD5 table)');
  });
});
