import express from 'express';
import pino from 'pino';
import request from 'supertest';
import { startFullService, type FullService } from '../testing/fullService';
import { initialCertification, withCheckCharacter } from '../testing/scenario';
import { until } from '../testing/until';
import { problemHandler } from './errors';
import { REGULATOR_COOKIE } from './regulatorCookie';

const AGENCY = 'Bearer demo-agency-001';
const NANJING = 'Bearer demo-regulator-3201';
const ADMIN = 'Bearer demo-admin';
const CERTIFICATE_NO = 'HDR-2025-0001';
const CREDIT_CODE = withCheckCharacter('91320106MA1Q3R5T8');
const events = initialCertification({
  certificationId: 'HDR-1',
  appliedOn: '2025-03-01',
  certificateNo: CERTIFICATE_NO,
  creditCode: CREDIT_CODE,
});

let running: FullService;
let stored: request.Response;

beforeAll(async () => {
  running = await startFullService();
  for (const { certificationId, ...body } of events) {
    stored = await request(running.service.app)
      .post(`/v1/certifications/${certificationId}/events`)
      .set('authorization', AGENCY)
      .send(body);
    if (stored.status !== 201) throw new Error(`${body.type}: ${stored.status} ${JSON.stringify(stored.body)}`);
  }
  await until('the certificate in the register', async () =>
    (await get(`/v1/certificates/${CERTIFICATE_NO}`)).status === 200 ? true : undefined,
  );
});

afterAll(() => running.close());

const get = (path: string, authorization?: string) => {
  const asked = request(running.service.app).get(path);
  return authorization ? asked.set('authorization', authorization) : asked;
};

describe('X-Content-Type-Options: nosniff', () => {
  it.each([
    ['a public JSON read', () => get('/healthz')],
    ['a read with a token', () => get('/v1/warnings', NANJING)],
    ['a problem', () => get('/no-such-path')],
    ['a refused method', () => request(running.service.app).delete('/healthz')],
    ['a page', () => get('/verify/not-a-token')],
    ['the QR code', () => get(`/v1/certificates/${CERTIFICATE_NO}/qr`)],
    ['an event the intake took', async () => stored],
  ])('is on %s', async (_what, answer) => {
    expect((await answer()).headers['x-content-type-options']).toBe('nosniff');
  });
});

describe('Cache-Control', () => {
  it.each([
    ['/v1/certifications/HDR-1/events', ADMIN],
    [`/v1/events/${events[0]!.eventId}`, ADMIN],
    ['/v1/warnings', NANJING],
    ['/v1/auditors', NANJING],
    ['/v1/auditors/AUD-0001', NANJING],
    ['/v1/evaluations', NANJING],
    ['/v1/agencies/grades', NANJING],
    [`/v1/enterprises/${CREDIT_CODE}/profile`, NANJING],
    ['/metrics', ADMIN],
  ])('is no-store on the answer to GET %s with a token', async (path, token) => {
    const answer = await get(path, token);
    expect([answer.status, answer.headers['cache-control']]).toEqual([200, 'no-store']);
  });

  it("is no-store on the answer to a request with the regulator page's session cookie", async () => {
    const answer = await get('/healthz').set('cookie', `theme=dark; ${REGULATOR_COOKIE}=whatever`);
    expect(answer.headers['cache-control']).toBe('no-store');
  });

  it('is left out of a public answer that sets none, as before', async () => {
    expect((await get('/healthz')).headers['cache-control']).toBeUndefined();
    expect((await get('/healthz').set('cookie', 'theme=dark')).headers['cache-control']).toBeUndefined();
    expect((await get('/openapi.json')).headers['cache-control']).toBeUndefined();
  });

  it("is the route's own where it sets one, a token or not", async () => {
    for (const token of [undefined, AGENCY]) {
      const certificate = await get(`/v1/certificates/${CERTIFICATE_NO}`, token);
      expect([certificate.headers['cache-control'], certificate.headers.etag]).toEqual([
        'no-cache',
        expect.any(String),
      ]);
      const qr = await get(`/v1/certificates/${CERTIFICATE_NO}/qr`, token);
      expect(qr.headers['cache-control']).toBe('public, max-age=86400');
      expect((await get('/v1/agencies', token)).headers['cache-control']).toBe('public, max-age=60');
    }
    expect((await get('/v1/certifications/HDR-1/trace', AGENCY)).headers['cache-control']).toBe('no-store');
  });

  it('is not set on what the intake answers, which no cache keeps (a POST that gives no freshness)', async () => {
    expect([stored.status, stored.headers['cache-control']]).toEqual([201, undefined]);
  });

  it.each([
    ['no such route', () => get('/no-such-path')],
    ['no token where one is needed', () => get('/v1/warnings')],
    ['a public read given a parameter twice', () => get('/v1/certificates?holder=南京&holder=苏州')],
    ['a certificate that does not exist', () => get('/v1/certificates/NO-SUCH-CERTIFICATE')],
    ['a refused method', () => request(running.service.app).delete('/healthz')],
    ['a refused write', () => request(running.service.app).post('/v1/certifications/HDR-2/events').send({})],
    ['a page that does not exist', () => get('/verify/not-a-token')],
  ])('is no-store on an error: %s', async (_what, answer) => {
    const { status, headers } = await answer();
    expect(status).toBeGreaterThanOrEqual(400);
    expect(headers['cache-control']).toBe('no-store');
  });

  it('is no-store on a problem even where the route had set caching for the answer it meant to give', async () => {
    const app = express();
    app.get('/qr', (_req, res) => {
      res.set('cache-control', 'public, max-age=86400');
      throw new Error('the QR code could not be drawn');
    });
    app.use(problemHandler(pino({ level: 'silent' })));
    const answer = await request(app).get('/qr');
    expect([answer.status, answer.headers['cache-control']]).toEqual([500, 'no-store']);
  });
});
