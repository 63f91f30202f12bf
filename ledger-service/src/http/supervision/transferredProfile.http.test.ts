import request from 'supertest';
import type { LedgerService } from '../../compose';
import { initialCertification, transfer } from '../../testing/scenario';
import { postAsAgency, supervisedService, type SupervisedService } from '../../testing/supervisedService';

// The enterprise profile of a client whose certification moved to another CB (IAF MD2): the accepting
// CB issued a certificate of its own, which replaced the one the previous CB had issued.

const HOLDER = '91320106MA1Q3R5T8Y';
const ENTERPRISE = 'Bearer demo-enterprise';
const NANJING = 'Bearer demo-regulator-3201';
const RELEASING_CB = 'CNCA-R-2002-001';
const ACCEPTING_CB = 'CNCA-R-2002-002';
const CERTIFICATION = 'JSQC-2025-0201';
const PREVIOUS_NO = 'JSQC-2025-T0201';
const ACCEPTING_NO = 'SUTC-2025-T0201';
const NOW = new Date('2025-09-01T12:00:00+08:00');

describe('the enterprise profile after a transfer: each certificate under the CB that issued it, the replaced one not valid', () => {
  let supervised: SupervisedService;
  let service: LedgerService;

  const profile = (authorization: string) =>
    request(service.app).get(`/v1/enterprises/${HOLDER}/profile`).set('authorization', authorization);

  beforeAll(async () => {
    supervised = await supervisedService(() => NOW);
    service = supervised.service;
    const initial = initialCertification({
      certificationId: CERTIFICATION,
      appliedOn: '2025-03-01',
      creditCode: HOLDER,
      certificateNo: PREVIOUS_NO,
    });
    const { released, accepted } = transfer(initial, {
      fromAgencyId: RELEASING_CB,
      toAgencyId: ACCEPTING_CB,
      releasedOn: '2025-06-02',
      certificateNo: ACCEPTING_NO,
    });
    await postAsAgency(service, [...initial, ...released]);
    await postAsAgency(service, accepted, 'Bearer demo-agency-002');
    await supervised.evaluate();
  }, 60_000);

  afterAll(() => supervised.close());

  const expectedCertificates = [
    expect.objectContaining({
      certificateNo: PREVIOUS_NO,
      agencyId: RELEASING_CB,
      status: 'valid',
      supersededBy: ACCEPTING_NO,
    }),
    expect.objectContaining({ certificateNo: ACCEPTING_NO, agencyId: ACCEPTING_CB, status: 'valid' }),
  ];

  it('gives regulators the previous certificate under the releasing CB, replaced by the accepting CB’s, and one valid certificate', async () => {
    const response = await profile(NANJING);
    expect(response.status).toBe(200);
    expect(response.body.certificates).toEqual(expectedCertificates);
    expect(response.body.certificates[1]).not.toHaveProperty('supersededBy');
    expect(response.body.summary).toMatchObject({ validCertificates: 1 });
  });

  it('gives the enterprise the same in its own view', async () => {
    const response = await profile(ENTERPRISE);
    expect(response.status).toBe(200);
    expect(response.body.certificates).toEqual(expectedCertificates);
    expect(response.body.summary).toMatchObject({ validCertificates: 1 });
  });
});
