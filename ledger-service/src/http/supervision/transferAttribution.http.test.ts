import { randomUUID } from 'node:crypto';
import request from 'supertest';
import type { AgencyGrade, AuditorAuditRow, Warning } from '@certledger/projections';
import type { LedgerService } from '../../compose';
import { initialCertification, transfer, type ScenarioEvent } from '../../testing/scenario';
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

/** GETs `path` as the Nanjing regulator. */
async function regulatorGet<T>(service: LedgerService, path: string): Promise<T> {
  const response = await request(service.app).get(path).set('authorization', NANJING);
  expect(response.status).toBe(200);
  return response.body as T;
}

const warningsOf = async (service: LedgerService, certificationId: string, rule: string) =>
  (await regulatorGet<{ items: Warning[] }>(service, `/v1/warnings?certificationId=${certificationId}&rule=${rule}`))
    .items;

const gradeOf = async (service: LedgerService, agencyId: string): Promise<AgencyGrade | undefined> =>
  (await regulatorGet<{ items: AgencyGrade[] }>(service, '/v1/agencies/grades')).items.find(
    (g) => g.agencyId === agencyId,
  );

/**
 * Posts `history` (of the certification `initial` opened) as the releasing CB, its release to the
 * accepting CB on `releasedOn` and the accepting CB's acceptance a week later, before it issues a
 * certificate of its own.
 */
async function postTransferred(
  service: LedgerService,
  initial: readonly ScenarioEvent[],
  history: readonly ScenarioEvent[],
  releasedOn: string,
): Promise<void> {
  const { released, accepted } = transfer(initial, {
    fromAgencyId: RELEASING_CB,
    toAgencyId: ACCEPTING_CB,
    releasedOn,
    certificateNo: 'SUTC-NOT-ISSUED',
  });
  const [transferred] = accepted.filter((event) => event.type === 'CertificationTransferred');
  await postAsAgency(service, [...history, ...released]);
  await postAsAgency(service, [transferred!], 'Bearer demo-agency-002');
}

describe('supervision after a transfer: each warning, tally, audit and rating under the CB answerable for it', () => {
  let supervised: SupervisedService;
  let service: LedgerService;

  const get = <T>(path: string): Promise<T> => regulatorGet<T>(service, path);
  const warnings = (rule: string) => warningsOf(service, CERTIFICATION, rule);

  beforeAll(async () => {
    supervised = await supervisedService(() => NOW);
    service = supervised.service;
    // Issued on 2024-10-17: the first surveillance is due by 2025-10-17.
    const initial = initialCertification({
      certificationId: CERTIFICATION,
      appliedOn: '2024-09-01',
      certificateNo: PREVIOUS_NO,
    });
    await postTransferred(service, initial, initial, '2025-10-01');
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
    const grade = async (agencyId: string) => (await gradeOf(service, agencyId))!;
    expect(await grade(RELEASING_CB)).toMatchObject({
      certifications: 0,
      reporting: { due: 5, onTime: 0 },
      ratings: { count: 2, mean: 2 },
    });
    expect(await grade(ACCEPTING_CB)).toMatchObject({
      certifications: 1,
      reporting: { due: 0, onTime: 0 },
      ratings: { count: 0, mean: null },
    });
    expect((await grade(ACCEPTING_CB)).deductions.map((d) => d.reason.split(' ').slice(0, 2).join(' '))).toEqual([
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

// The releasing CB issues its certificate on 2025-05-20, due to CNCA by 2025-06-10, having reported
// every plan and result in time; the accepting CB accepts the transfer on 2025-05-28, before the
// certificate was reported. From then on only the accepting CB writes to the certification (R15).
describe('a report that falls due after the transfer: the accepting CB answers for it, as it alone can record it', () => {
  const certificationId = 'JSQC-2025-0302';
  let supervised: SupervisedService;
  let service: LedgerService;
  let issued: ScenarioEvent;

  const REPORT_KINDS: Readonly<Record<string, string>> = {
    AuditPlanned: 'audit_plan',
    AuditConducted: 'audit_result',
    CertificateIssued: 'certificate',
  };
  /** The CB's report to CNCA of `subject`, two hours after it or at `on`. */
  const reportOf = (subject: ScenarioEvent, on?: string): ScenarioEvent => {
    const reportedAt = on ?? subject.occurredAt.replace('T10:', 'T12:');
    return {
      certificationId,
      eventId: randomUUID(),
      type: 'ReportedToCnca',
      occurredAt: reportedAt,
      data: { certificationId, kind: REPORT_KINDS[subject.type], subjectEventId: subject.eventId, reportedAt },
    };
  };

  beforeAll(async () => {
    supervised = await supervisedService(() => new Date('2025-06-20T12:00:00+08:00'));
    service = supervised.service;
    const initial = initialCertification({
      certificationId,
      appliedOn: '2025-04-04',
      certificateNo: 'JSQC-2025-T0302',
    });
    issued = initial.at(-1)!;
    expect(issued).toMatchObject({ type: 'CertificateIssued', occurredAt: '2025-05-20T10:00:00+08:00' });
    const reported = initial.flatMap((event) =>
      event.type === 'AuditPlanned' || event.type === 'AuditConducted' ? [event, reportOf(event)] : [event],
    );
    await postTransferred(service, initial, reported, '2025-05-21');
    await supervised.evaluate();
  }, 60_000);

  afterAll(() => supervised.close());

  it('refuses the releasing CB’s report of its own certificate once the transfer is accepted (R15)', async () => {
    const { certificationId: id, ...body } = reportOf(issued, '2025-06-05T10:00:00+08:00');
    const response = await request(service.app)
      .post(`/v1/certifications/${id}/events`)
      .set('authorization', 'Bearer demo-agency-001')
      .send(body);
    expect(response.status).toBe(422);
    expect(response.body).toMatchObject({ rule: 'R15', code: 'not-holding-agency' });
  });

  it('files the certificate never reported under the accepting CB, and its share of the reporting tally', async () => {
    expect((await warningsOf(service, certificationId, 'W10')).map((w) => [w.kind, w.agencyId, w.evidence[0]])).toEqual(
      [['not-reported', ACCEPTING_CB, issued.eventId]],
    );
    expect((await gradeOf(service, ACCEPTING_CB))?.reporting).toEqual({ due: 1, onTime: 0 });
    // The releasing CB reported all it could in time (the stage 2 result, due 2025-06-10 too, before
    // the transfer): it holds nothing and loses nothing, so it is not graded.
    expect(await gradeOf(service, RELEASING_CB)).toBeUndefined();
  });
});
