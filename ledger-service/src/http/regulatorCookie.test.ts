import { createHmac } from 'node:crypto';
import type { Request } from 'express';
import request from 'supertest';
import type { LedgerService } from '../compose';
import { startFullService, type FullService } from '../testing/fullService';
import type { PrincipalDirectory } from './auth';
import type { Principal } from './principal';
import { createRegulatorSessions, postedFromElsewhere } from './regulatorCookie';

const requestWith = (headers: Record<string, string>, secure = false) => ({ headers, secure }) as unknown as Request;

const NANJING: Principal = { id: 'regulator-nanjing', role: 'regulator', regionCode: '3201' };
const directory: PrincipalDirectory = new Map([['token-digest-1', NANJING]]);

describe('regulator sessions', () => {
  let clock = Date.parse('2026-12-05T09:00:00Z');
  const sessions = createRegulatorSessions({
    secret: 'a secret of at least sixteen bytes',
    principals: directory,
    publicBaseUrl: 'http://ledger.local',
    now: () => clock,
  });
  const cookieOf = (setCookie: string) => ({ cookie: setCookie.split(';')[0]! });
  const sameSecret = {
    secret: 'a secret of at least sixteen bytes',
    publicBaseUrl: 'http://ledger.local',
    now: () => clock,
  };

  it('signs a session in, never the token, HttpOnly, SameSite=Strict, scoped to /regulator, for 8 hours', () => {
    const setCookie = sessions.signIn(requestWith({}), NANJING);
    expect(setCookie).toMatch(
      /^certledger_regulator=[\w-]+\.\d+\.[\w-]+; Path=\/regulator; HttpOnly; SameSite=Strict; Max-Age=28800$/,
    );
    expect(sessions.principalOf(requestWith(cookieOf(setCookie)))).toBe(NANJING);
  });

  it('is Secure over TLS, behind a proxy too', () => {
    expect(sessions.signIn(requestWith({}, true), NANJING)).toMatch(/; Secure$/);
    expect(sessions.signOut(requestWith({}, true))).toMatch(/^certledger_regulator=; .*Max-Age=0; Secure$/);
  });

  it('refuses an altered, a foreign, an expired or an undecodable session', () => {
    const value = cookieOf(sessions.signIn(requestWith({}), NANJING)).cookie;
    const [name, claims] = value.split('=') as [string, string];
    const [id, expires, signature] = claims.split('.') as [string, string, string];
    const altered = `${name}=${Buffer.from('admin').toString('base64url')}.${expires}.${signature}`;
    expect(sessions.principalOf(requestWith({ cookie: altered }))).toBeUndefined();
    const later = `${name}=${id}.${Number(expires) + 3600}.${signature}`;
    expect(sessions.principalOf(requestWith({ cookie: later }))).toBeUndefined();
    const other = createRegulatorSessions({
      secret: 'another secret, sixteen bytes+',
      principals: directory,
      publicBaseUrl: 'http://x',
    });
    expect(other.principalOf(requestWith({ cookie: value }))).toBeUndefined();
    expect(sessions.principalOf(requestWith({ cookie: 'certledger_regulator=%E0%A4%A' }))).toBeUndefined();
    clock += 8 * 3600 * 1000;
    expect(sessions.principalOf(requestWith({ cookie: value }))).toBeUndefined();
  });

  it('ends with the principal or its token: gone from the directory, or given a new token, it has no session', () => {
    const setCookie = cookieOf(sessions.signIn(requestWith({}), NANJING));
    const withoutIt = createRegulatorSessions({ ...sameSecret, principals: new Map() });
    expect(withoutIt.principalOf(requestWith(setCookie))).toBeUndefined();
    const newToken = createRegulatorSessions({ ...sameSecret, principals: new Map([['token-digest-2', NANJING]]) });
    expect(newToken.principalOf(requestWith(setCookie))).toBeUndefined();
    expect(createRegulatorSessions({ ...sameSecret, principals: directory }).principalOf(requestWith(setCookie))).toBe(
      NANJING,
    );
  });

  it('cannot be forged with the server secret alone, and is given to regulators and admins only', () => {
    const admin: Principal = { id: 'admin', role: 'admin' };
    const agency: Principal = { id: 'agency-1', role: 'agency', agencyId: 'CNCA-R-2002-001' };
    const principals: PrincipalDirectory = new Map<string, Principal>([
      ['admin-digest', admin],
      ['agency-digest', agency],
    ]);
    const withAdmin = createRegulatorSessions({ ...sameSecret, principals });
    // What one who knows the secret (not the token digest) could sign.
    const key = createHmac('sha256', sameSecret.secret).update('regulator-session-v1').digest();
    const claims = `${Buffer.from('admin').toString('base64url')}.${Math.floor(clock / 1000) + 3600}`;
    const forged = `certledger_regulator=${claims}.${createHmac('sha256', key).update(claims).digest('base64url')}`;
    expect(withAdmin.principalOf(requestWith({ cookie: forged }))).toBeUndefined();
    expect(withAdmin.principalOf(requestWith(cookieOf(withAdmin.signIn(requestWith({}), admin))))).toBe(admin);
    expect(() => withAdmin.signIn(requestWith({}), agency)).toThrow(/no regulator session/);
  });

  it('tells a form posted from another site', () => {
    const base = 'https://ledger.example';
    expect(postedFromElsewhere(requestWith({ host: 'ledger.example' }), base)).toBe(false);
    expect(postedFromElsewhere(requestWith({ host: '10.0.0.5:8080', origin: 'https://ledger.example' }), base)).toBe(
      false,
    );
    expect(postedFromElsewhere(requestWith({ host: '10.0.0.5:8080', origin: 'http://10.0.0.5:8080' }), base)).toBe(
      false,
    );
    expect(postedFromElsewhere(requestWith({ host: 'ledger.example', origin: 'https://evil.example' }), base)).toBe(
      true,
    );
    expect(postedFromElsewhere(requestWith({ host: 'ledger.example', origin: 'null' }), base)).toBe(true);
  });
});

describe('the regulator sign-in on the service', () => {
  let running: FullService;
  let service: LedgerService;

  beforeAll(async () => {
    running = await startFullService();
    service = running.service;
  });

  afterAll(() => running.close());

  const signIn = (origin?: string) => {
    const post = request(service.app)
      .post('/regulator/login')
      .set('host', 'ledger.test')
      .type('form')
      .send({ token: 'demo-regulator-3201' });
    return origin ? post.set('origin', origin) : post;
  };

  it('signs in from its own page, and refuses the same form posted from another site', async () => {
    const own = await signIn('http://ledger.test');
    expect(own.status).toBe(303);
    const session = own.headers['set-cookie']?.[0]?.split(';')[0];
    expect(session).toMatch(/^certledger_regulator=/);
    expect(session).not.toContain('demo-regulator-3201');
    const page = await request(service.app).get('/regulator').set('cookie', session!);
    expect(page.status).toBe(200);
    expect(page.text).toContain('data-jurisdiction');
    const forged = await signIn('https://evil.example');
    expect(forged.status).toBe(403);
    expect(forged.type).toBe('text/html');
    expect(forged.text).toContain('data-code="cross-site-form"');
    expect(forged.text).toContain('此表单只能从本站提交');
    expect(forged.headers['set-cookie']).toBeUndefined();
    const logout = await request(service.app)
      .post('/regulator/logout')
      .set('host', 'ledger.test')
      .set('origin', 'https://evil.example');
    expect(logout.status).toBe(403);
  });

  it.each(['/regulator', '/regulator/warnings'])(
    'asks to sign in, not 500, when %s gets a cookie that does not decode',
    async (url) => {
      const response = await request(service.app).get(url).set('cookie', 'certledger_regulator=%E0%A4%A');
      expect(response.status).toBe(401);
      expect(response.headers['content-type']).toMatch(/text\/html/);
    },
  );
});
