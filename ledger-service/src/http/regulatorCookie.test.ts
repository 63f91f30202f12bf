import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Request } from 'express';
import pino from 'pino';
import request from 'supertest';
import { composeLedgerService, type LedgerService } from '../compose';
import { loadConfig } from '../config';
import { defaultParts } from '../parts';
import { postedFromElsewhere, regulatorCookie, regulatorTokenOf } from './regulatorCookie';

const requestWith = (headers: Record<string, string>, secure = false) => ({ headers, secure }) as unknown as Request;

describe('the regulator cookie', () => {
  it('reads the token it holds, and none from a cookie that does not decode', () => {
    expect(regulatorTokenOf(requestWith({ cookie: 'a=1; certledger_regulator=demo%2Dregulator; b=2' }))).toBe(
      'demo-regulator',
    );
    expect(regulatorTokenOf(requestWith({ cookie: 'certledger_regulator=%E0%A4%A' }))).toBeUndefined();
    expect(regulatorTokenOf(requestWith({}))).toBeUndefined();
  });

  it('is HttpOnly, SameSite=Strict, scoped to /regulator, and Secure over TLS even behind a proxy', () => {
    const plain = regulatorCookie(requestWith({}), 'tok', 60, 'http://ledger.local');
    expect(plain).toBe('certledger_regulator=tok; Path=/regulator; HttpOnly; SameSite=Strict; Max-Age=60');
    expect(regulatorCookie(requestWith({}, true), 'tok', 60, 'http://ledger.local')).toMatch(/; Secure$/);
    expect(regulatorCookie(requestWith({}), 'tok', 60, 'https://ledger.example')).toMatch(/; Secure$/);
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
  let dataDir: string;
  let service: LedgerService;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'regulator-cookie-'));
    const config = loadConfig({ LEDGER_DATA_DIR: dataDir, LEDGER_WORKERS: 'in-process' });
    const logger = pino({ level: 'silent' });
    service = await composeLedgerService({
      config,
      logger,
      parts: (context) => defaultParts({ config, logger, ...context }),
    });
  });

  afterAll(async () => {
    await service.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

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
    expect(own.headers['set-cookie']?.[0]).toMatch(/^certledger_regulator=demo-regulator-3201;/);
    const forged = await signIn('https://evil.example');
    expect(forged.status).toBe(403);
    expect(forged.body.code).toBe('cross-site-form');
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
