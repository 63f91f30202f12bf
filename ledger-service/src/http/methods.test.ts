import request from 'supertest';
import { startFullService, type FullService } from '../testing/fullService';
import { anyPathOf, type AppRoute } from './methods';

let running: FullService;
const app = () => running.service.app;

beforeAll(async () => {
  running = await startFullService();
});

afterAll(() => running.close());

describe('methods a path does not serve', () => {
  it.each([
    ['delete', '/v1/certifications/T-1/events', 'GET, HEAD, OPTIONS, POST'],
    ['get', '/v1/events', 'OPTIONS, POST'],
    ['put', '/v1/events/5eed0099-2025-4000-8000-000000000000', 'GET, HEAD, OPTIONS'],
    ['get', '/regulator/logout', 'OPTIONS, POST'],
    ['post', '/verify/any-token', 'GET, HEAD, OPTIONS'],
  ] as const)('answers %s %s with 405 problem details and Allow: %s', async (method, path, allow) => {
    const response = await request(app())[method](path);
    expect(response.status).toBe(405);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.headers.allow).toBe(allow);
    expect(response.body).toMatchObject({ status: 405, code: 'method-not-allowed', instance: path });
  });

  it.each([
    ['/v1/certifications/T-1/events', 'GET, HEAD, OPTIONS, POST'],
    ['/v1/events', 'OPTIONS, POST'],
    ['/regulator/login', 'GET, HEAD, OPTIONS, POST'],
  ])('answers OPTIONS %s with 204 and Allow: %s, whichever routers serve the path', async (path, allow) => {
    const response = await request(app()).options(path);
    expect(response.status).toBe(204);
    expect(response.headers.allow).toBe(allow);
  });

  it('still answers an unknown path 404, whatever the method', async () => {
    for (const method of ['get', 'delete', 'options'] as const) {
      const response = await request(app())[method]('/v1/no-such-thing');
      expect({ method, status: response.status, type: response.headers['content-type'] }).toEqual({
        method,
        status: 404,
        type: expect.stringMatching(/^application\/problem\+json/),
      });
      expect(response.body.code).toBe('not-found');
      expect(response.headers.allow).toBeUndefined();
    }
  });

  it('lets the methods a path serves through, HEAD with GET', async () => {
    expect((await request(app()).get('/healthz')).status).toBe(200);
    expect((await request(app()).head('/healthz')).status).toBe(200);
    expect((await request(app()).post('/v1/events').send({ events: [] })).status).toBe(401);
  });
});

describe('anyPathOf: the one test a GET pays', () => {
  const route = (path: string): AppRoute => ({ path, methods: ['POST'], matches: () => true });

  it('matches the routes paths, parameters as one segment, a trailing slash and any case; nothing else', () => {
    const may = anyPathOf([route('/v1/events'), route('/v1/certifications/:certificationId/events')]);
    expect(['/v1/events', '/v1/events/', '/V1/Events', '/v1/certifications/C-1.2/events'].map(may)).toEqual([
      true,
      true,
      true,
      true,
    ]);
    expect(['/v1/events/e-1', '/v1/certificates/X', '/v1/certifications/a/b/events', '/'].map(may)).toEqual([
      false,
      false,
      false,
      false,
    ]);
    expect(anyPathOf([])('/v1/events')).toBe(false);
  });

  it("falls back to each route's own matcher for paths it cannot read as plain segments", () => {
    const wild: AppRoute = { path: '/files/*rest', methods: ['POST'], matches: (path) => path.startsWith('/files/') };
    expect(anyPathOf([wild])('/files/a/b')).toBe(true);
    expect(anyPathOf([wild])('/other')).toBe(false);
  });
});
