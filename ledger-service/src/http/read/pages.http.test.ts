import express, { type Request } from 'express';
import request from 'supertest';
import type { AuditTrailQuery, CertificateView, LoggedEventView, ReadQueries } from '@certledger/projections';
import { notFoundHandler, problemHandler } from '../errors';
import type { Principal } from '../principal';
import { PUBLIC_PRINCIPAL } from '../principal';
import { createRegulatorSessions } from '../regulatorCookie';
import { createReadRouter, verificationToken } from './index';
import pino from 'pino';

// The browser pages of the read side over HTTP, on a fake read model: what a person sees when the
// request is wrong, and where sign-in takes them.

const SECRET = 'pages-test-secret-0123456789';
const NANJING: Principal = { id: 'regulator-nanjing', role: 'regulator', regionCode: '3201' };
const AGENCY: Principal = { id: 'agency-1', role: 'agency', agencyId: 'CNCA-R-2002-001' };
const TOKENS: Record<string, Principal> = { nanjing: NANJING, agency: AGENCY };
const principals = new Map(Object.values(TOKENS).map((p) => [p.id, p]));

const suspended: CertificateView = {
  certificateNo: '00125Q31234R0M',
  certificationId: 'cert-1',
  recordedStatus: 'suspended',
  status: 'suspended',
  statusSince: '2026-01-10',
  statusReason: '未按期接受监督审核',
  suspendedUntil: '2026-04-10',
  holder: { name: '南京示例电子有限公司', creditCode: '91320106MA1Q3R5T8X' },
  regionCode: '320106',
  scheme: 'QMS',
  standard: 'GB/T 19001-2016 / ISO 9001:2015',
  scope: '电子元器件的设计和生产',
  sectors: [19],
  issuedAt: '2025-06-01',
  validUntil: '2028-05-31',
  agency: { agencyId: 'CNCA-R-2002-001', name: '示例认证有限公司', approvalNo: 'CNCA-R-2002-001' },
  proofEventIds: [],
};

const event = (position: number, occurredAt: string, recordedAt: string): LoggedEventView => ({
  position,
  eventId: `e-${position}`,
  streamId: 'certification-cert-1',
  certificationId: 'cert-1',
  type: 'CertificateSuspended',
  version: position,
  agencyId: 'CNCA-R-2002-001',
  regionCode: '320106',
  occurredAt,
  recordedAt,
  hash: 'a'.repeat(64),
  prevHash: 'b'.repeat(64),
  data: {},
  chain: { ok: true },
  anchor: { status: 'pending' },
  summary: 'suspended',
});

const asked: AuditTrailQuery[] = [];
const queries = {
  certificate: async (no: string) => (no === suspended.certificateNo ? suspended : undefined),
  // No stored answers: every lookup is composed from the certificate.
  certificateAnswer: async () => undefined,
  auditTrail: async (query: AuditTrailQuery) => {
    asked.push(query);
    const anchored = {
      ...event(3, '2026-01-09T11:00:00Z', '2026-01-12T02:01:00Z'),
      anchor: {
        status: 'anchored' as const,
        blockNumber: 4,
        transactionId: 'tx4',
        anchoredAt: '2026-01-12T02:01:01.000Z',
      },
    };
    return { items: [event(2, '2026-01-09T10:00:00Z', '2026-01-12T02:00:00Z'), anchored] };
  },
} as unknown as ReadQueries;

const sessions = createRegulatorSessions({ secret: SECRET, principals, publicBaseUrl: 'http://ledger.test' });
const app = express();
app.use(
  createReadRouter({
    queries,
    anchorReceipts: { receiptOf: async () => undefined, verify: async () => ({ ok: false, checks: [] }) as never },
    principalOf: (req: Request) => TOKENS[(req.headers.authorization ?? '').replace('Bearer ', '')] ?? PUBLIC_PRINCIPAL,
    authenticateToken: (token) => TOKENS[token],
    sessions,
    publicBaseUrl: 'http://ledger.test',
    qrSecret: SECRET,
    today: () => '2026-05-01',
  }),
);
app.use(notFoundHandler);
app.use(problemHandler(pino({ level: 'silent' })));

/** The same read side while its register is being rebuilt, far behind the log. */
const rebuilding = express();
rebuilding.use(
  createReadRouter({
    queries,
    anchorReceipts: { receiptOf: async () => undefined, verify: async () => ({ ok: false, checks: [] }) as never },
    principalOf: () => PUBLIC_PRINCIPAL,
    publicBaseUrl: 'http://ledger.test',
    qrSecret: SECRET,
    registryCatchingUp: async () => true,
  }),
);
rebuilding.use(notFoundHandler);
rebuilding.use(problemHandler(pino({ level: 'silent' })));

const asNanjing = (path: string) => request(app).get(path).set('authorization', 'Bearer nanjing');
const isHtml = (response: request.Response) => expect(response.headers['content-type']).toMatch(/^text\/html/);

describe('verification page over HTTP', () => {
  it('shows why and since when the certificate is suspended, and that the suspension has run out', async () => {
    const response = await request(app).get(`/verify/${verificationToken(SECRET, suspended.certificateNo)}`);
    expect(response.status).toBe(200);
    expect(response.text).toContain('未按期接受监督审核');
    expect(response.text).toMatch(/原因 <span lang="en">Reason<\/span>/);
    expect(response.text).toContain('data-suspension-ended');
  });

  it('says not found with next steps, as a 404 page, for a tampered token', async () => {
    const token = verificationToken(SECRET, suspended.certificateNo).replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'));
    const response = await request(app).get(`/verify/${token}`);
    expect(response.status).toBe(404);
    isHtml(response);
    expect(response.text).toContain('未查到');
    expect(response.text).toContain('NOT FOUND');
    expect(response.text).toContain('12315');
  });

  it('says "try again shortly", never "not found", while the register is being rebuilt', async () => {
    const missing = '00125Q99999R0M';
    const page = await request(rebuilding).get(`/verify/${verificationToken(SECRET, missing)}`);
    expect([page.status, page.headers['retry-after']]).toEqual([503, '60']);
    isHtml(page);
    expect(page.text).toContain('data-catching-up');
    expect(page.text).not.toContain('NOT FOUND');
    expect(page.text).not.toContain('12315');
    const lookup = await request(rebuilding).get(`/v1/certificates/${missing}`);
    expect([lookup.status, lookup.body.code, lookup.headers['retry-after']]).toEqual([
      503,
      'registry-catching-up',
      '60',
    ]);
    // A certificate the register holds is answered as ever; a forged token is still not found.
    expect((await request(rebuilding).get(`/v1/certificates/${suspended.certificateNo}`)).status).toBe(200);
    const forged = verificationToken(SECRET, missing).replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'));
    expect((await request(rebuilding).get(`/verify/${forged}`)).status).toBe(404);
    // And when the register is not behind, a missing certificate is not found.
    expect((await request(app).get(`/v1/certificates/${missing}`)).status).toBe(404);
  });

  it.each(['/verify', '/verify/', '/verify/a/b'])('answers %s with the not-found page, not JSON', async (path) => {
    const response = await request(app).get(path);
    expect(response.status).toBe(404);
    isHtml(response);
    expect(response.text).toContain('未查到');
  });

  it('leaves the API routes problem+json', async () => {
    const response = await request(app).get('/v1/nothing-here');
    expect(response.status).toBe(404);
    expect(response.headers['content-type']).toMatch(/application\/problem\+json/);
    const trail = await request(app).get('/v1/audit-trail?region=3205').set('authorization', 'Bearer nanjing');
    expect(trail.status).toBe(403);
    expect(trail.headers['content-type']).toMatch(/application\/problem\+json/);
  });
});

describe('regulator timeline page over HTTP', () => {
  it.each([
    ['/regulator?type=certificate+suspended', 400, '事件类型'],
    ['/regulator?cursor=zzz', 400, '翻页'],
    ['/regulator?region=3205', 403, '辖区'],
  ])('%s: shows the error above the page to a signed-in regulator, filters kept', async (path, status, zh) => {
    const response = await asNanjing(path);
    expect(response.status).toBe(status);
    isHtml(response);
    expect(response.text).not.toContain('name="token"');
    expect(response.text).toMatch(/role="alert"/);
    expect(response.text).toContain(zh);
    expect(response.text).toContain('action="/regulator/logout"');
  });

  it('keeps the refused filter in the form', async () => {
    const response = await asNanjing('/regulator?type=certificate+suspended&agencyId=CNCA-R-2002-001');
    expect(response.text).toMatch(/<option value="certificate suspended" selected/);
    expect(response.text).toMatch(/name="agencyId"[^>]*value="CNCA-R-2002-001"/);
  });

  it('offers the event types as a select, with labelled date fields', async () => {
    const response = await asNanjing('/regulator');
    expect(response.text).toMatch(/<select name="type">/);
    expect(response.text).toMatch(/<option value="CertificateWithdrawn"/);
    expect(response.text).toMatch(/<label><span>起始日期 <span lang="en">From<\/span><\/span><input name="from"/);
    expect(response.text).toMatch(/<label><span>截止日期 <span lang="en">To<\/span><\/span><input name="to"/);
  });

  it('shows the active filter with a link to show all', async () => {
    const filtered = await asNanjing('/regulator?type=CertificateSuspended');
    expect(filtered.text).toContain('data-active-filters');
    expect(filtered.text).toMatch(/<a href="\/regulator" data-show-all>/);
    expect((await asNanjing('/regulator')).text).not.toContain('data-active-filters');
  });

  it('says the timeline is in the order recorded and shows both times', async () => {
    const response = await asNanjing('/regulator');
    expect(response.text).toContain('按登记顺序');
    expect(response.text).toMatch(/data-occurred-at>2026-01-09T10:00:00Z/);
    expect(response.text).toMatch(/data-recorded-at>2026-01-12T02:00:00Z/);
  });

  it('shows when the ledger anchored an event, beside when it occurred and was recorded', async () => {
    const response = await asNanjing('/regulator');
    expect(response.text).toMatch(/data-anchored-at>2026-01-12T02:01:01.000Z/);
    expect(response.text.match(/data-anchored-at/g)).toHaveLength(1);
  });

  it('links the timeline and the warnings, with sign-out', async () => {
    const response = await asNanjing('/regulator');
    expect(response.text).toMatch(/<a href="\/regulator\/warnings"/);
    expect(response.text).toMatch(/<a href="\/regulator" aria-current="page"/);
  });

  it('answers an error of the regulator pages with an HTML page of the same status', async () => {
    const forged = await request(app)
      .post('/regulator/logout')
      .set('origin', 'http://evil.example')
      .set('host', 'ledger.test');
    expect(forged.status).toBe(403);
    isHtml(forged);
    expect(forged.text).toContain('此表单只能从本站提交');
  });
});

describe('regulator sign-in returns to the page that asked', () => {
  const signIn = (returnTo: string) =>
    request(app).post('/regulator/login').type('form').send({ token: 'nanjing', returnTo });

  it('puts the asking page into the sign-in form', async () => {
    const asked = await request(app).get('/regulator?type=CertificateSuspended');
    expect(asked.status).toBe(401);
    expect(asked.text).toContain('name="returnTo" value="/regulator?type=CertificateSuspended"');
  });

  it('redirects to a regulator path after sign-in', async () => {
    const response = await signIn('/regulator/warnings?rule=W2');
    expect(response.status).toBe(303);
    expect(response.headers.location).toBe('/regulator/warnings?rule=W2');
    expect(response.headers['set-cookie']).toBeDefined();
  });

  it('sends a GET of the sign-in address to a regulator page, never elsewhere', async () => {
    const safe = await request(app).get('/regulator/login?returnTo=/regulator/warnings');
    expect([safe.status, safe.headers.location]).toEqual([303, '/regulator/warnings']);
    const away = await request(app).get('/regulator/login?returnTo=//evil.example');
    expect([away.status, away.headers.location]).toEqual([303, '/regulator']);
  });

  it.each([
    'https://evil.example/regulator',
    '//evil.example/regulator',
    '/regulator//evil.example',
    '/\\evil.example',
    '/regulatorx',
    '/v1/audit-trail',
    '/regulator/../v1/x',
  ])('never redirects to %s', async (target) => {
    const response = await signIn(target);
    expect(response.status).toBe(303);
    expect(response.headers.location).toBe('/regulator');
  });
});
