import request from 'supertest';
import type { Warning } from '@certledger/projections';
import type { LedgerService } from '../../compose';
import { initialCertification, transfer } from '../../testing/scenario';
import { postAsAgency, supervisedService, type SupervisedService } from '../../testing/supervisedService';

// A client whose certification the releasing CB transferred (IAF MD2) to the accepting CB, which
// accepted it on 2025-10-08 and has not issued its own certificate yet. The first surveillance fell
// due on 2025-10-17, after the transfer, and was never made.

const NANJING = 'Bearer demo-regulator-3201';
const RELEASING_CB = 'CNCA-R-2002-001';
const ACCEPTING_CB = 'CNCA-R-2002-002';
const CERTIFICATION = 'JSQC-2024-0301';
const PREVIOUS_NO = 'JSQC-2024-T0301';
const NOW = new Date('2025-11-20T12:00:00+08:00');

describe('supervision after a transfer: each warning under the CB answerable for it', () => {
  let supervised: SupervisedService;
  let service: LedgerService;

  const get = async <T>(path: string): Promise<T> => {
    const response = await request(service.app).get(path).set('authorization', NANJING);
    expect(response.status).toBe(200);
    return response.body as T;
  };
  const warnings = async (rule: string) =>
    (await get<{ items: Warning[] }>(`/v1/warnings?certificationId=${CERTIFICATION}&rule=${rule}`)).items;

  beforeAll(async () => {
    supervised = await supervisedService(() => NOW);
    service = supervised.service;
    // Issued on 2024-10-17: the first surveillance is due by 2025-10-17.
    const initial = initialCertification({
      certificationId: CERTIFICATION,
      appliedOn: '2024-09-01',
      certificateNo: PREVIOUS_NO,
    });
    const { released, accepted } = transfer(initial, {
      fromAgencyId: RELEASING_CB,
      toAgencyId: ACCEPTING_CB,
      releasedOn: '2025-10-01',
      certificateNo: 'SUTC-2025-T0301',
    });
    const [transferred] = accepted.filter((event) => event.type === 'CertificationTransferred');
    await postAsAgency(service, [...initial, ...released]);
    await postAsAgency(service, [transferred!], 'Bearer demo-agency-002');
    await supervised.evaluate();
  }, 60_000);

  afterAll(() => supervised.close());

  it('files the surveillance that fell due while the transfer awaited its certificate under the accepting CB, on the certificate in force', async () => {
    expect((await warnings('W1')).map((w) => [w.certificateNo, w.agencyId, w.raisedAt])).toEqual([
      [PREVIOUS_NO, ACCEPTING_CB, '2025-10-18T00:00:00+08:00'],
    ]);
  });
});
