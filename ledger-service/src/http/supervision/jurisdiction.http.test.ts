import { randomUUID } from 'node:crypto';
import request from 'supertest';
import type { Warning } from '@certledger/projections';
import type { LedgerService } from '../../compose';
import type { EventStore } from '../../eventStore/port';
import { initialCertification, withCheckCharacter } from '../../testing/scenario';
import { postAsAgency, supervisedService, type SupervisedService } from '../../testing/supervisedService';

const NANJING = 'Bearer demo-regulator-3201';
const SUZHOU = 'Bearer demo-regulator-3205';
const JIANGSU = 'Bearer demo-regulator-32';
const ADMIN = 'Bearer demo-admin';
const NOW = new Date('2025-09-01T12:00:00+08:00');
/** A client in Nanjing (Gulou, 320106) and one in Suzhou (320506), each with an issued certificate. */
const NJ = {
  certificationId: 'JUR-NJ-1',
  certificateNo: 'CERT-JUR-NJ',
  creditCode: withCheckCharacter('91320106MA1JUR0NJ'),
};
const SZ = {
  certificationId: 'JUR-SZ-1',
  certificateNo: 'CERT-JUR-SZ',
  creditCode: withCheckCharacter('91320506MA1JUR0TW'),
};

/** Every supervision event type that names a client, each naming the Nanjing one in every way it can. */
const ABOUT_NANJING: ReadonlyArray<[string, string, Record<string, unknown>]> = [
  [
    'WithdrawalTriggerRecorded',
    'certificateNo',
    { certificateNo: NJ.certificateNo, trigger: 'made up', recordedOn: '2025-08-01' },
  ],
  [
    'AuditTeamEvaluated',
    'certificationId',
    {
      certificationId: NJ.certificationId,
      auditId: 'A2',
      evaluatorRole: 'client',
      ratings: [{ auditorId: 'AUD-0001', score: 1 }],
    },
  ],
  ['SpotCheckRecorded', 'creditCode', { creditCode: NJ.creditCode, result: 'fail', checkedAt: '2025-08-01' }],
  ['ComplaintRecorded', 'creditCode', { creditCode: NJ.creditCode, receivedAt: '2025-08-01', subject: 's' }],
  ['ComplaintRecorded', 'certificateNo', { certificateNo: NJ.certificateNo, receivedAt: '2025-08-01', subject: 's' }],
];

/** A Suzhou client's spot check that names a Nanjing certificate as well. */
const ALSO_ABOUT_NANJING: [string, string, Record<string, unknown>] = [
  'SpotCheckRecorded',
  'certificateNo',
  { creditCode: SZ.creditCode, certificateNo: NJ.certificateNo, result: 'fail', checkedAt: '2025-08-01' },
];

describe("a regulator records supervision data only about its own jurisdiction's clients", () => {
  let supervised: SupervisedService;
  let service: LedgerService;
  let store: EventStore;

  const post = (authorization: string, type: string, data: Record<string, unknown>) => {
    const eventId = randomUUID();
    return request(service.app)
      .post('/v1/supervision/events')
      .set('authorization', authorization)
      .send({ eventId, type, occurredAt: '2025-08-01T10:00:00+08:00', data })
      .then((response) => ({ eventId, response }));
  };

  beforeAll(async () => {
    supervised = await supervisedService(() => NOW);
    ({ service, store } = supervised);
    await postAsAgency(service, [
      ...initialCertification({ ...NJ, appliedOn: '2025-03-01', regionCode: '320106' }),
      ...initialCertification({ ...SZ, appliedOn: '2025-03-01', regionCode: '320506', clientName: '苏州示例有限公司' }),
    ]);
  }, 60_000);

  afterAll(() => supervised.close());

  it.each([...ABOUT_NANJING, ALSO_ABOUT_NANJING])(
    'refuses Suzhou a %s naming a Nanjing client by %s: 403 outside-jurisdiction, nothing stored',
    async (type, field, data) => {
      const { eventId, response } = await post(SUZHOU, type, data);
      expect([response.status, response.body.code, response.body.field]).toEqual([
        403,
        'outside-jurisdiction',
        `data.${field}`,
      ]);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(await store.findEvent(eventId)).toBeUndefined();
    },
  );

  it.each(ABOUT_NANJING)(
    'stores a %s naming a Nanjing client by %s from Nanjing, the province and an admin',
    async (type, _field, data) => {
      for (const authorization of [NANJING, JIANGSU, ADMIN]) {
        const { response } = await post(authorization, type, data);
        expect([authorization, response.status]).toEqual([authorization, 201]);
      }
    },
  );

  it.each([
    [
      'WithdrawalTriggerRecorded',
      'certificateNo',
      { certificateNo: 'CERT-NONE', trigger: 't', recordedOn: '2025-08-01' },
    ],
    [
      'AuditTeamEvaluated',
      'certificationId',
      {
        certificationId: 'NO-SUCH-1',
        auditId: 'A2',
        evaluatorRole: 'client',
        ratings: [{ auditorId: 'AUD-0001', score: 3 }],
      },
    ],
    [
      'SpotCheckRecorded',
      'creditCode',
      { creditCode: withCheckCharacter('91320106MA1NXTWCH'), result: 'pass', checkedAt: '2025-08-01' },
    ],
  ])(
    'refuses a %s whose %s the ledger holds no certification of: 422 unknown-subject, for an admin too',
    async (type, field, data) => {
      for (const authorization of [NANJING, ADMIN]) {
        const { eventId, response } = await post(authorization, type, data);
        expect([response.status, response.body.code, response.body.field]).toEqual([
          422,
          'unknown-subject',
          `data.${field}`,
        ]);
        expect(await store.findEvent(eventId)).toBeUndefined();
      }
    },
  );

  it('takes a complaint that names only a CB from any regulator (a CB lies in no region)', async () => {
    const { response } = await post(SUZHOU, 'ComplaintRecorded', {
      agencyId: 'CNCA-R-2002-001',
      receivedAt: '2025-08-01',
      subject: 'fees',
    });
    expect(response.status).toBe(201);
  });

  it("gives Nanjing the W11 of its own trigger, with evidence it can open, and none from Suzhou's refused one", async () => {
    await post(SUZHOU, 'WithdrawalTriggerRecorded', {
      certificateNo: NJ.certificateNo,
      trigger: 'forged',
      recordedOn: '2025-08-01',
    });
    const { eventId } = await post(NANJING, 'WithdrawalTriggerRecorded', {
      certificateNo: NJ.certificateNo,
      trigger: 'fraud found',
      recordedOn: '2025-08-01',
    });
    await supervised.evaluate();
    const warnings: Warning[] = (
      await request(service.app)
        .get('/v1/warnings')
        .set('authorization', NANJING)
        .query({ rule: 'W11', certificationId: NJ.certificationId })
    ).body.items;
    expect(warnings.some((w) => w.message.includes('forged'))).toBe(false);
    const own = warnings.find((w) => w.evidence.includes(eventId))!;
    expect(own).toMatchObject({ kind: 'withdrawal-overdue', raisedAt: '2025-08-09T00:00:00+08:00' });
    for (const evidence of own.evidence)
      expect((await request(service.app).get(`/v1/events/${evidence}`).set('authorization', NANJING)).status).toBe(200);
  });
});
