import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { loadConfig } from '../../config';
import { startFullService, type FullService } from '../../testing/fullService';
import { initialCertification, recertification, type ScenarioEvent } from '../../testing/scenario';
import { eventually } from './testing/service';
import { verificationToken } from './index';

// What the public reads, through the whole service, of a certificate its certification issued
// again, and of one a transfer to another CB replaced.

const AGENCY = 'Bearer demo-agency-001';
const ACCEPTING_AGENCY = 'Bearer demo-agency-002';
const RECERTIFIED_NO = 'JSQC-2023-R0001';
const TRANSFERRED_NO = 'JSQC-2025-T0001';
const ACCEPTING_CB_NO = 'SUTC-2026-T0001';

let full: FullService;
/** The recertified number's first issue, and the scope change made to it (its second surveillance cycle keeps the number). */
let firstIssue: ScenarioEvent;
let scopeChange: ScenarioEvent;

const submit = async (events: readonly ScenarioEvent[], authorization = AGENCY): Promise<void> => {
  for (const { certificationId, ...body } of events) {
    const response = await request(full.service.app)
      .post(`/v1/certifications/${certificationId}/events`)
      .set('authorization', authorization)
      .send(body);
    if (response.status !== 201) throw new Error(`${body.type}: ${response.status} ${JSON.stringify(response.body)}`);
  }
};

/** The certification's later events, at 10:00 in China on each day. */
const laterEvents = (certificationId: string) => (type: ScenarioEvent['type'], day: string, data: object) => ({
  certificationId,
  eventId: randomUUID(),
  type,
  occurredAt: `${day}T10:00:00+08:00`,
  data: data as Record<string, unknown>,
});

beforeAll(async () => {
  full = await startFullService();
  const initial = initialCertification({
    certificationId: 'JSQC-2023-0001',
    appliedOn: '2023-03-01',
    certificateNo: RECERTIFIED_NO,
    sectors: [19, 23],
  });
  firstIssue = initial.find((e) => e.type === 'CertificateIssued')!;
  scopeChange = laterEvents('JSQC-2023-0001')('CertificateScopeChanged', '2023-12-01', {
    scope: '电子元器件的设计',
    sectors: [19],
  });
  await submit([...initial, scopeChange, ...recertification(initial, RECERTIFIED_NO)]);
  const transferred = initialCertification({
    certificationId: 'JSQC-2025-0002',
    appliedOn: '2025-09-01',
    certificateNo: TRANSFERRED_NO,
  });
  const event = laterEvents('JSQC-2025-0002');
  await submit([
    ...transferred,
    event('TransferReleased', '2026-05-25', { toAgencyId: 'CNCA-R-2002-002', reason: '客户申请转换认证机构' }),
  ]);
  await submit(
    [event('CertificationTransferred', '2026-06-01', { fromAgencyId: 'CNCA-R-2002-001' })],
    ACCEPTING_AGENCY,
  );
}, 60_000);

afterAll(async () => {
  await full.close();
});

const lookup = (certificateNo: string, query = '') =>
  request(full.service.app).get(`/v1/certificates/${certificateNo}${query}`);
const verificationPage = (certificateNo: string) =>
  request(full.service.app).get(
    `/verify/${verificationToken(loadConfig({ LEDGER_DATA_DIR: full.dataDir }).qrSecret, certificateNo)}`,
  );
const bannerOf = (page: string) => /role="status" data-status="([^"]+)"/.exec(page)?.[1];

describe('a certificate its certification issued again under the same number (recertification)', () => {
  it('is answered with the new dates, valid past the first expiry', async () => {
    const answer = await eventually(async () => {
      const response = await lookup(RECERTIFIED_NO);
      return response.body.issuedAt === '2026-03-15' ? response.body : undefined;
    });
    expect(answer).toMatchObject({ status: 'valid', issuedAt: '2026-03-15', validUntil: '2029-03-09' });
  });

  it('is answered as of a date with the scope then in force and the events that set it', async () => {
    const now = await eventually(async () => {
      const { body } = await lookup(RECERTIFIED_NO);
      return body.issuedAt === '2026-03-15' ? body : undefined;
    });
    const asOf = async (date: string) => {
      const { body } = await lookup(RECERTIFIED_NO, `?asOf=${date}`);
      return [body.status, body.scope, body.sectors, body.proofs.map((p: { eventId: string }) => p.eventId)];
    };
    expect(await asOf('2023-11-30')).toEqual(['valid', '电子元器件的设计和生产', [19, 23], [firstIssue.eventId]]);
    expect(await asOf('2023-12-01')).toEqual([
      'valid',
      '电子元器件的设计',
      [19],
      [firstIssue.eventId, scopeChange.eventId],
    ]);
    // Issued again: the scope of that issue, which no change has touched since.
    expect(await asOf('2026-03-15')).toEqual([
      'valid',
      now.scope,
      now.sectors,
      now.proofs.map((p: { eventId: string }) => p.eventId),
    ]);
    expect([now.scope, now.sectors, now.proofs.length]).toEqual(['电子元器件的设计和生产', [19], 1]);
  });

  it('is vouched for by its stream: ?verify=true and the verification page say valid, not unknown', async () => {
    const verified = await lookup(RECERTIFIED_NO, '?verify=true');
    expect(verified.body).toMatchObject({ status: 'valid', history: { ok: true } });
    const page = await verificationPage(RECERTIFIED_NO);
    expect(page.status).toBe(200);
    expect(bannerOf(page.text)).toBe('valid');
  });
});

describe('a certification transferred to another CB (IAF MD2)', () => {
  const issueByAcceptingCb = (certificateNo: string) => {
    const { certificationId, ...body } = laterEvents('JSQC-2025-0002')('CertificateIssued', '2026-06-10', {
      certificateNo,
      issuedAt: '2026-06-10',
      validUntil: '2028-10-15',
      scope: '电子元器件的设计和生产',
      sectors: [19],
    });
    return request(full.service.app)
      .post(`/v1/certifications/${certificationId}/events`)
      .set('authorization', ACCEPTING_AGENCY)
      .send(body);
  };

  it('has the accepting CB issue a new number: the previous CB’s is refused (R10) and stays that CB’s', async () => {
    const reused = await issueByAcceptingCb(TRANSFERRED_NO);
    expect(reused.status).toBe(422);
    expect(reused.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(reused.body).toMatchObject({ rule: 'R10', code: 'transfer-needs-new-certificate' });
    expect((await issueByAcceptingCb(ACCEPTING_CB_NO)).status).toBe(201);
    const replaced = await eventually(async () => {
      const response = await lookup(TRANSFERRED_NO);
      return response.body.supersededBy ? response.body : undefined;
    });
    expect(replaced).toMatchObject({ supersededBy: ACCEPTING_CB_NO, agency: { agencyId: 'CNCA-R-2002-001' } });
    expect((await lookup(ACCEPTING_CB_NO)).body.agency.agencyId).toBe('CNCA-R-2002-002');
  });

  it('shows the replaced certificate as replaced, pointing at the new one, while the API keeps its status', async () => {
    expect((await lookup(TRANSFERRED_NO)).body).toMatchObject({ status: 'valid', supersededBy: ACCEPTING_CB_NO });
    const page = await verificationPage(TRANSFERRED_NO);
    expect(bannerOf(page.text)).toBe('replaced');
    const link = /<a href="([^"]+)" data-replacement>/.exec(page.text)?.[1];
    expect(link).toMatch(/\/verify\/[^/]+$/);
    const newer = await request(full.service.app).get(new URL(link!, 'http://localhost').pathname);
    expect(bannerOf(newer.text)).toBe('valid');
    expect(newer.text).toContain(ACCEPTING_CB_NO);
  });
});
