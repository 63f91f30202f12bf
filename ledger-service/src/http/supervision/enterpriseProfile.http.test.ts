import { randomUUID } from 'node:crypto';
import request from 'supertest';
import type { Warning } from '@certledger/projections';
import type { LedgerService } from '../../compose';
import { initialCertification, withCheckCharacter } from '../../testing/scenario';
import { postAsAgency, supervisedService, type SupervisedService } from '../../testing/supervisedService';

// Demo principals (ledger-service/demo/principals.json): demo-enterprise is the holder below.
const HOLDER = '91320106MA1Q3R5T8Y';
const OTHER = withCheckCharacter('91320506MA1Q3R5T9');
const ENTERPRISE = 'Bearer demo-enterprise';
const NANJING = 'Bearer demo-regulator-3201';
const SUZHOU = 'Bearer demo-regulator-3205';
const JIANGSU = 'Bearer demo-regulator-32';
const ADMIN = 'Bearer demo-admin';
const NOW = new Date('2025-09-01T12:00:00+08:00');
/** The holder's certification in Nanjing (Gulou), and another client's in Suzhou audited by the same team at the same time (W8). */
const OWN = 'JSQC-2025-0101';
const ELSEWHERE = 'JSQC-2025-0102';
/** The holder's earlier certification, whose certificate lapsed on 2025-02-16 with no event saying so. */
const LAPSED = 'JSQC-2022-0103';
const NANJING_COMPLAINT = '投诉人张三，电话13812345678：证书范围与实际不符';
const PROVINCE_COMPLAINT = '投诉人王五，电话13900001111：未按期监督审核';

describe('the enterprise profile: a reduced view for the enterprise itself, regional entries for regulators', () => {
  let supervised: SupervisedService;
  let service: LedgerService;

  const profile = (authorization: string, creditCode = HOLDER) =>
    request(service.app).get(`/v1/enterprises/${creditCode}/profile`).set('authorization', authorization);
  const overlaps = async (authorization: string): Promise<Warning[]> => {
    const response = await request(service.app)
      .get('/v1/warnings')
      .set('authorization', authorization)
      .query({ rule: 'W8', kind: 'auditor-overlap' });
    expect(response.status).toBe(200);
    return response.body.items;
  };

  beforeAll(async () => {
    supervised = await supervisedService(() => NOW);
    service = supervised.service;
    await postAsAgency(service, [
      ...initialCertification({ certificationId: LAPSED, appliedOn: '2022-01-03', creditCode: HOLDER }),
      ...initialCertification({
        certificationId: OWN,
        appliedOn: '2025-03-01',
        creditCode: HOLDER,
        regionCode: '320106',
      }),
      ...initialCertification({
        certificationId: ELSEWHERE,
        appliedOn: '2025-03-01',
        creditCode: OTHER,
        clientName: '苏州另一电子有限公司',
        regionCode: '320506',
      }),
    ]);
    const supervise = async (authorization: string, type: string, data: Record<string, unknown>) => {
      const response = await request(service.app)
        .post('/v1/supervision/events')
        .set('authorization', authorization)
        .send({ eventId: randomUUID(), type, occurredAt: '2025-07-01T10:00:00+08:00', data });
      if (response.status !== 201) throw new Error(`${type}: ${response.status} ${JSON.stringify(response.body)}`);
    };
    await supervise(NANJING, 'SpotCheckRecorded', {
      creditCode: HOLDER,
      result: 'pass',
      checkedAt: '2025-06-10',
      authority: '南京市市场监督管理局',
      summary: '据举报人李四线索抽查',
    });
    await supervise(NANJING, 'ComplaintRecorded', {
      creditCode: HOLDER,
      receivedAt: '2025-06-01',
      subject: NANJING_COMPLAINT,
      substantiated: true,
    });
    // The province's own record about the Nanjing client (Suzhou may not file one: outside-jurisdiction).
    await supervise(JIANGSU, 'ComplaintRecorded', {
      creditCode: HOLDER,
      receivedAt: '2025-06-05',
      subject: PROVINCE_COMPLAINT,
    });
    await supervised.evaluate();
  }, 60_000);

  afterAll(() => supervised.close());

  it('gives the enterprise its certificates, spot-check dates and results and complaint counts: no subject, note or warning', async () => {
    const response = await profile(ENTERPRISE);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      creditCode: HOLDER,
      name: '南京示例电子有限公司',
      certificates: [
        expect.objectContaining({ certificationId: LAPSED, status: 'expired', validUntil: '2025-02-16' }),
        expect.objectContaining({
          certificationId: OWN,
          agencyId: 'CNCA-R-2002-001',
          status: 'valid',
          issuedAt: '2025-04-16',
        }),
      ],
      spotChecks: [{ checkedAt: '2025-06-10', result: 'pass' }],
      complaints: { received: 2, substantiated: 1 },
      summary: { validCertificates: 1, failedSpotChecks: 0, substantiatedComplaints: 1 },
    });
    for (const secret of ['13812345678', '张三', '13900001111', '李四', ELSEWHERE, 'AUD-0001'])
      expect(response.text).not.toContain(secret);
    expect((await profile(ENTERPRISE, OTHER)).status).toBe(403);
  });

  it('gives regulators the full profile with the spot checks and complaints of their own region only, admins all', async () => {
    const nanjing = (await profile(NANJING)).body;
    expect(nanjing.complaints.map((c: { subject: string }) => c.subject)).toEqual([NANJING_COMPLAINT]);
    expect(nanjing.spotChecks).toEqual([expect.objectContaining({ result: 'pass', summary: '据举报人李四线索抽查' })]);
    expect(nanjing.openWarnings.map((w: Warning) => w.kind)).toContain('auditor-overlap');
    expect(nanjing.summary).toMatchObject({
      validCertificates: 1,
      substantiatedComplaints: 1,
      openWarnings: nanjing.openWarnings.length,
    });
    expect(nanjing.certificates.map((c: { status: string }) => c.status)).toEqual(['expired', 'valid']);
    expect((await profile(SUZHOU)).status).toBe(404);
    for (const authorization of [JIANGSU, ADMIN]) {
      const full = (await profile(authorization)).body;
      expect(full.complaints.map((c: { subject: string }) => c.subject)).toEqual([
        NANJING_COMPLAINT,
        PROVINCE_COMPLAINT,
      ]);
    }
  });

  it('W8 names the other audit only in its evidence, which resolves within that audit’s region only', async () => {
    const nanjing = await overlaps(NANJING);
    const suzhou = await overlaps(SUZHOU);
    expect(nanjing.length).toBeGreaterThan(0);
    expect(suzhou.length).toBe(nanjing.length);
    expect(nanjing.every((w) => w.certificationId === OWN)).toBe(true);
    expect(JSON.stringify(nanjing)).not.toContain(ELSEWHERE);
    expect(JSON.stringify(suzhou)).not.toContain(OWN);
    expect(nanjing[0]!.message).toMatch(
      /^auditor AUD-000\d on audit A\d \(.+\) and at the same time on another audit \(.+\)$/,
    );
    expect(new Set((await overlaps(JIANGSU)).map((w) => w.certificationId))).toEqual(new Set([OWN, ELSEWHERE]));
    const [own, other] = nanjing[0]!.evidence;
    const event = (authorization: string, eventId: string) =>
      request(service.app).get(`/v1/events/${eventId}`).set('authorization', authorization);
    expect((await event(NANJING, own!)).status).toBe(200);
    expect((await event(NANJING, other!)).status).toBe(404);
    expect((await event(SUZHOU, other!)).body.certificationId).toBe(ELSEWHERE);
  });
});
