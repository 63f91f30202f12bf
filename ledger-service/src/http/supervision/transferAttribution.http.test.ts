import { randomUUID } from 'node:crypto';
import request from 'supertest';
import type { AgencyGrade, AuditorAuditRow, Warning } from '@certledger/projections';
import type { LedgerService } from '../../compose';
import { initialCertification, transfer } from '../../testing/scenario';
import { postAsAgency, supervisedService, type SupervisedService } from '../../testing/supervisedService';

// A client whose certification the releasing CB transferred (IAF MD2) to the accepting CB, which
// accepted it on 2025-10-08 and has not issued its own certificate yet. The releasing CB never
// reported its plans, results or certificate to CNCA; the first surveillance fell due on
// 2025-10-17, after the transfer, and was never made.

const NANJING = 'Bearer demo-regulator-3201';
const RELEASING_CB = 'CNCA-R-2002-001';
const ACCEPTING_CB = 'CNCA-R-2002-002';
const CERTIFICATION = 'JSQC-2024-0301';
const PREVIOUS_NO = 'JSQC-2024-T0301';
const NOW = new Date('2025-11-20T12:00:00+08:00');

describe('supervision after a transfer: each warning, tally, audit and rating under the CB answerable for it', () => {
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
    // After the transfer, the client rates the stage 2 team the releasing CB sent.
    const rating = await request(service.app)
      .post('/v1/supervision/events')
      .set('authorization', NANJING)
      .send({
        eventId: randomUUID(),
        type: 'AuditTeamEvaluated',
        occurredAt: '2025-11-01T10:00:00+08:00',
        data: {
          certificationId: CERTIFICATION,
          auditId: 'A2',
          evaluatorRole: 'client',
          ratings: [
            { auditorId: 'AUD-0001', score: 2 },
            { auditorId: 'AUD-0002', score: 2 },
          ],
        },
      });
    expect(rating.status).toBe(201);
    await supervised.evaluate();
  }, 60_000);

  afterAll(() => supervised.close());

  it('files the surveillance that fell due while the transfer awaited its certificate under the accepting CB, on the certificate in force', async () => {
    expect((await warnings('W1')).map((w) => [w.certificateNo, w.agencyId, w.raisedAt])).toEqual([
      [PREVIOUS_NO, ACCEPTING_CB, '2025-10-18T00:00:00+08:00'],
    ]);
  });

  it('files the reports the releasing CB never made under the releasing CB', async () => {
    const w10 = await warnings('W10');
    expect(w10.map((w) => w.kind)).toEqual(Array(5).fill('not-reported'));
    expect(new Set(w10.map((w) => w.agencyId))).toEqual(new Set([RELEASING_CB]));
  });

  it('grades each CB on its own reporting, ratings and warnings', async () => {
    const { items } = await get<{ items: AgencyGrade[] }>('/v1/agencies/grades');
    const grade = (agencyId: string) => items.find((g) => g.agencyId === agencyId)!;
    expect(grade(RELEASING_CB)).toMatchObject({
      certifications: 0,
      reporting: { due: 5, onTime: 0 },
      ratings: { count: 2, mean: 2 },
    });
    expect(grade(ACCEPTING_CB)).toMatchObject({
      certifications: 1,
      reporting: { due: 0, onTime: 0 },
      ratings: { count: 0, mean: null },
    });
    expect(grade(ACCEPTING_CB).deductions.map((d) => d.reason.split(' ').slice(0, 2).join(' '))).toEqual([
      'W1 surveillance-overdue',
    ]);
  });

  it('lists an auditor’s audits and their ratings under the CB that ran them', async () => {
    const auditor = await get<{ audits: AuditorAuditRow[] }>('/v1/auditors/AUD-0001');
    expect(auditor.audits.map((row) => [row.auditId, row.agencyId])).toEqual([
      ['A1', RELEASING_CB],
      ['A2', RELEASING_CB],
    ]);
    const rated = async (agencyId: string) =>
      (await get<{ items: Array<{ agencyId: string }> }>(`/v1/evaluations?agencyId=${agencyId}`)).items.map(
        (r) => r.agencyId,
      );
    expect(await rated(RELEASING_CB)).toEqual([RELEASING_CB, RELEASING_CB]);
    expect(await rated(ACCEPTING_CB)).toEqual([]);
  });
});
