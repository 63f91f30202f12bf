import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import http, { type Server } from 'node:http';
import { once } from 'node:events';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import request from 'supertest';
import { createSqliteReadStore, WARNING_RULES, type ReadStore, type Warning } from '@certledger/projections';
import { composeLedgerService, type LedgerService } from '../../compose';
import { loadConfig } from '../../config';
import { createDemoPlan, DEMO_AGENCIES, type DemoPlan } from '../../demo/plan';
import { httpSink, writePlan, type WriteResult } from '../../demo/sinks';
import { DEMO_TOKENS } from '../../demo/cli';
import { createSupervisionPart, type SupervisionPart } from './part';
import { createHttpServer } from '../server';
import type { PrincipalDirectory } from '../auth';
import { createRegulatorSessions, type RegulatorSessions } from '../regulatorCookie';
import type { Request } from 'express';

const TODAY = '2026-11-20';
const NOW = new Date(`${TODAY}T12:00:00+08:00`);
const NANJING = 'Bearer demo-regulator-3201';
const SUZHOU = 'Bearer demo-regulator-3205';
const JIANGSU = 'Bearer demo-regulator-32';

/** POSTs raw JSON bytes over a socket (supertest would serialize a Buffer as JSON); the status and problem code. */
async function postBytes(
  app: http.RequestListener,
  path: string,
  headers: Record<string, string>,
  body: Buffer,
): Promise<[number, string]> {
  const server = http.createServer(app).listen(0, '127.0.0.1');
  await once(server, 'listening');
  try {
    const { port } = server.address() as AddressInfo;
    const response = await fetch(`http://127.0.0.1:${port}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
    });
    return [response.status, ((await response.json()) as { code: string }).code];
  } finally {
    server.close();
  }
}

/** JSON text whose bytes at the first XX are made invalid UTF-8. */
function notUtf8(json: string): Buffer {
  const bytes = Buffer.from(json, 'utf8');
  bytes.set([0xff, 0xfe], bytes.indexOf('XX'));
  return bytes;
}

describe('calculators over HTTP: the MD5 table and MD1 formulas of domain.md', () => {
  let service: LedgerService;
  let dir: string;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'calc-'));
    const config = loadConfig({ LEDGER_DATA_DIR: dir });
    const readStore = createSqliteReadStore({ file: path.join(dir, 'read.sqlite') });
    service = await composeLedgerService({
      config,
      logger: pino({ level: 'silent' }),
      parts: async ({ store }) => [
        await createSupervisionPart({
          eventStore: store,
          readStore,
          logger: pino({ level: 'silent' }),
          ownRunner: true,
        }),
      ],
    });
  });
  afterAll(async () => {
    await service.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it.each([
    ['QMS', undefined, 3, 1.5, 1, 5],
    ['QMS', undefined, 100, 7, 86, 125],
    ['EMS', 'medium', 30, 5.5, 26, 45],
    ['EMS', 'limited', 700, 6.5, 626, 875],
    ['OHSMS', 'high', 5000, 28, 4351, 5450],
    ['OHSMS', 'low', 10700, 20, 8501, 10700],
  ])('%s %s with %i personnel: %d days from the row %i–%i', async (scheme, complexity, personnel, days, min, max) => {
    const response = await request(service.app)
      .get('/v1/calculators/audit-time')
      .query({ scheme, ...(complexity ? { complexity } : {}), personnel });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      input: { scheme, effectivePersonnel: personnel, audit: 'initial' },
      row: { minPersonnel: min, maxPersonnel: max, days },
      days,
      extrapolated: false,
    });
  });

  it('applies the surveillance and recertification shares, the 30% bound and the rounding policy (POST)', async () => {
    const post = (body: object) => request(service.app).post('/v1/calculators/audit-time').send(body);
    expect((await post({ scheme: 'QMS', effectivePersonnel: 100, audit: 'surveillance' })).body).toMatchObject({
      auditFactor: 1 / 3,
      days: 2.5,
      minimumDays: 1.5,
    });
    expect((await post({ scheme: 'QMS', effectivePersonnel: 100, audit: 'recertification' })).body).toMatchObject({
      days: 4.5,
    });
    expect(
      (await post({ scheme: 'QMS', effectivePersonnel: 100, audit: 'recertification', rounding: 'up' })).body,
    ).toMatchObject({ days: 5, input: { rounding: 'up' } });
    const capped = (await post({ scheme: 'QMS', effectivePersonnel: 100, reduction: 0.5 })).body;
    expect(capped).toMatchObject({ appliedReduction: 0.3, days: 5 });
    expect(capped.notes.join(' ')).toMatch(/capped/);
    const above = (await post({ scheme: 'QMS', effectivePersonnel: 12000 })).body;
    expect(above).toMatchObject({ extrapolated: true, row: { minPersonnel: 10701, maxPersonnel: 12900, days: 23 } });
  });

  it('refuses impossible inputs with problem details and stable codes', async () => {
    const cases: Array<[Record<string, unknown>, number, string]> = [
      [{ scheme: 'OHSMS', complexity: 'limited', personnel: 10 }, 422, 'md5-ohsms-limited'],
      [{ scheme: 'QMS', personnel: 0 }, 422, 'md5-invalid-personnel'],
      [{ scheme: 'QMS', personnel: -3 }, 422, 'md5-invalid-personnel'],
      [{ scheme: 'FSMS', personnel: 10 }, 400, 'md5-unknown-scheme'],
      [{ scheme: 'EMS', personnel: 10 }, 400, 'md5-complexity-required'],
      [{ scheme: 'QMS' }, 400, 'md5-personnel-required'],
    ];
    for (const [query, status, code] of cases) {
      const response = await request(service.app).get('/v1/calculators/audit-time').query(query);
      expect([response.status, response.body.code]).toEqual([status, code]);
      expect(response.headers['content-type']).toMatch(/application\/problem\+json/);
    }
  });

  it('reads a POST body as every JSON body of the API: application/json in UTF-8, each member name once, at most 16 KiB', async () => {
    const post = (path: string, contentType: string, body: string) =>
      request(service.app).post(path).set('content-type', contentType).send(body);
    const twice = await post(
      '/v1/calculators/audit-time',
      'application/json',
      '{"scheme":"QMS","effectivePersonnel":10,"effectivePersonnel":5000}',
    );
    expect([twice.status, twice.body.code, twice.body.detail]).toEqual([
      400,
      'duplicate-key',
      'The top-level object has the member "effectivePersonnel" more than once',
    ]);
    expect(twice.headers['content-type']).toMatch(/application\/problem\+json/);
    const sites = await post(
      '/v1/calculators/sample-size',
      'application/json',
      '{"sites":4,"audit":"initial","sites":25}',
    );
    expect([sites.status, sites.body.code]).toEqual([400, 'duplicate-key']);
    for (const path of ['/v1/calculators/audit-time', '/v1/calculators/sample-size']) {
      const form = await post(path, 'application/x-www-form-urlencoded', 'scheme=QMS&personnel=10&sites=4');
      expect([form.status, form.body.code]).toEqual([415, 'unsupported-media-type']);
      const large = await post(
        path,
        'application/json',
        JSON.stringify({ scheme: 'QMS', note: 'x'.repeat(16 * 1024) }),
      );
      expect([large.status, large.body.code]).toEqual([413, 'payload-too-large']);
      expect(await postBytes(service.app, path, {}, notUtf8('{"scheme":"QMS","audit":"XX"}'))).toEqual([
        400,
        'invalid-utf8',
      ]);
    }
    // Each name once, it computes as before.
    const computed = await post(
      '/v1/calculators/audit-time',
      'application/json',
      '{"scheme":"QMS","effectivePersonnel":10}',
    );
    expect([computed.status, computed.body.input.effectivePersonnel]).toEqual([200, 10]);
  });

  it('sizes multi-site samples by IAF MD1', async () => {
    const size = async (query: Record<string, unknown>) =>
      (await request(service.app).get('/v1/calculators/sample-size').query(query)).body;
    expect(await size({ sites: 25, audit: 'initial' })).toMatchObject({
      sampleSize: 5,
      centralFunctionIncluded: true,
      input: { sites: 25 },
    });
    expect(await size({ sites: 25, audit: 'surveillance' })).toMatchObject({ sampleSize: 3 });
    expect(await size({ sites: 25, audit: 'recertification' })).toMatchObject({ sampleSize: 4 });
    expect(await size({ sites: 10, audit: 'initial' })).toMatchObject({ sampleSize: 4, minimumRandom: 1 });
    expect(await size({ sites: 10, audit: 'surveillance', samplingAllowed: 'false' })).toMatchObject({ sampleSize: 3 });
    expect(await size({ sites: 10, audit: 'initial', samplingAllowed: 'false' })).toMatchObject({ sampleSize: 10 });
    const bad = await request(service.app).get('/v1/calculators/sample-size').query({ sites: 0, audit: 'initial' });
    expect([bad.status, bad.body.code]).toEqual([422, 'md1-invalid-sites']);
  });
});

describe('supervision over the running service, on demo data written through the REST bulk intake', () => {
  let dir: string;
  let service: LedgerService;
  let server: Server;
  let readStore: ReadStore;
  let part: SupervisionPart;
  let plan: DemoPlan;
  let written: { certifications: WriteResult; supervision: WriteResult };
  let directory: PrincipalDirectory;
  let sessions: RegulatorSessions;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sup-http-'));
    const config = loadConfig({ LEDGER_DATA_DIR: dir });
    readStore = createSqliteReadStore({ file: path.join(dir, 'read.sqlite') });
    service = await composeLedgerService({
      config,
      logger: pino({ level: process.env.SUP_DEBUG ? 'error' : 'silent' }),
      clock: () => NOW,
      parts: async ({ store, principals }) => {
        directory = principals;
        part = await createSupervisionPart({
          eventStore: store,
          readStore,
          logger: pino({ level: 'silent' }),
          sessions: (sessions = createRegulatorSessions({
            secret: 'sixteen-plus-bytes-secret',
            principals,
            publicBaseUrl: 'http://ledger.test',
          })),
          ownRunner: true,
          clock: () => NOW,
        });
        return [part];
      },
    });
    server = createHttpServer(service.app).listen(0);
    const { port } = server.address() as AddressInfo;
    plan = createDemoPlan({
      today: TODAY,
      certifications: 260,
      seed: 11,
      minPlanted: 2,
      agencies: DEMO_AGENCIES.filter((a) => DEMO_TOKENS.agencies[a.agencyId]),
    });
    written = await writePlan(
      plan,
      httpSink({
        baseUrl: `http://127.0.0.1:${port}`,
        agencyTokens: DEMO_TOKENS.agencies,
        regulatorToken: DEMO_TOKENS.regulator,
      }),
    );
    await part.runner!.catchUp();
    await part.supervision.tick();
  }, 600_000);

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await service.close();
    await readStore.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const allWarnings = async (authorization: string, query: Record<string, string> = {}): Promise<Warning[]> => {
    const items: Warning[] = [];
    let cursor: string | undefined;
    do {
      const response = await request(service.app)
        .get('/v1/warnings')
        .set('authorization', authorization)
        .query({ state: 'all', limit: '1000', ...query, ...(cursor ? { cursor } : {}) });
      expect(response.status).toBe(200);
      items.push(...response.body.items);
      cursor = response.body.next ? new URL(response.body.next, 'http://x').searchParams.get('cursor')! : undefined;
    } while (cursor);
    return items;
  };
  const regionOf = (certificationId: string) =>
    plan.certifications.find((c) => c.certificationId === certificationId)!.regionCode;
  const keyOf = (w: { ruleId: string; kind: string; certificationId?: string; auditorId?: string }) =>
    `${w.ruleId}|${w.kind}|${w.certificationId}|${w.auditorId ?? ''}`;

  it('stores every event through POST /v1/events and POST /v1/supervision/events', () => {
    expect([...written.certifications.problems, ...written.supervision.problems]).toEqual([]);
    expect(written.certifications.stored).toBeGreaterThan(5000);
    expect(written.supervision.stored).toBe(plan.supervision.length);
  });

  it('shows each regulator exactly the planted warnings of its own region', async () => {
    for (const [authorization, prefix] of [
      [JIANGSU, '32'],
      [NANJING, '3201'],
      [SUZHOU, '3205'],
    ] as const) {
      const seen = await allWarnings(authorization);
      expect(seen.every((w) => w.regionCode.startsWith(prefix))).toBe(true);
      const expected = [
        ...new Set(plan.planted.filter((p) => regionOf(p.certificationId).startsWith(prefix)).map(keyOf)),
      ].sort();
      expect([...new Set(seen.map(keyOf))].sort()).toEqual(expected);
    }
    expect((await allWarnings(NANJING)).length).toBeGreaterThan(0);
  });

  it('filters by rule and state, and refuses agencies, the public and a region outside the caller', async () => {
    const w1 = await allWarnings(JIANGSU, { rule: 'W1', state: 'open' });
    expect(w1.length).toBeGreaterThan(0);
    expect(w1.every((w) => w.ruleId === 'W1' && w.rule === 'R11' && !w.clearedAt && w.evidence.length > 0)).toBe(true);
    expect((await request(service.app).get('/v1/warnings').set('authorization', 'Bearer demo-agency-001')).status).toBe(
      403,
    );
    expect((await request(service.app).get('/v1/warnings')).status).toBe(401);
    expect(
      (await request(service.app).get('/v1/warnings').set('authorization', NANJING).query({ region: '3205' })).status,
    ).toBe(403);
    expect(
      (await request(service.app).get('/v1/warnings').set('authorization', NANJING).query({ rule: 'W99' })).body.code,
    ).toBe('invalid-filter');
    const refused = async (query: Record<string, string>) => {
      const response = await request(service.app).get('/v1/warnings').set('authorization', NANJING).query(query);
      return [response.status, response.body.code];
    };
    expect(await refused({ from: 'garbage' })).toEqual([400, 'invalid-filter']);
    expect(await refused({ to: '2025-02-30' })).toEqual([400, 'invalid-filter']);
    expect(await refused({ cursor: 'zzz' })).toEqual([400, 'invalid-cursor']);
    const first = await request(service.app).get('/v1/warnings').set('authorization', NANJING).query({ limit: '2' });
    const next = await request(service.app).get(first.body.next).set('authorization', NANJING);
    expect(next.status).toBe(200);
    expect(next.body.items[0].id > first.body.items[1].id).toBe(true);
  });

  it('grades the CBs of the jurisdiction only, each point explained', async () => {
    const grades = async (authorization: string) =>
      (await request(service.app).get('/v1/agencies/grades').set('authorization', authorization)).body;
    const province = await grades(JIANGSU);
    expect(province.scope).toBe('32');
    expect(province.items.map((g: { agencyId: string }) => g.agencyId).sort()).toEqual([
      'CNCA-R-2002-001',
      'CNCA-R-2002-002',
    ]);
    for (const grade of province.items) {
      expect(['A', 'B', 'C', 'D']).toContain(grade.grade);
      const total = grade.deductions.reduce((sum: number, d: { points: number }) => sum + d.points, 0);
      expect(grade.score).toBeCloseTo(100 - Math.min(100, total), 1);
      expect(grade.deductions.every((d: { reason: string }) => d.reason.length > 0)).toBe(true);
    }
    const nanjing = await grades(NANJING);
    const nanjingWarnings = (await allWarnings(NANJING, { state: 'open' })).length;
    expect(nanjing.items.reduce((n: number, g: { openWarnings: number }) => n + g.openWarnings, 0)).toBe(
      nanjingWarnings,
    );
  });

  it("renders the regulator page with the grades and warnings of its region only, also with the read side's sign-in cookie", async () => {
    const page = await request(service.app).get('/regulator/warnings').set('authorization', NANJING);
    expect(page.status).toBe(200);
    expect(page.text).toContain('Agency grades');
    const regions = [...page.text.matchAll(/<td>(32\d{4})<\/td>/g)].map((m) => m[1]!);
    expect(regions.length).toBeGreaterThan(0);
    expect(regions.every((r) => r.startsWith('3201'))).toBe(true);
    expect((await request(service.app).get('/regulator/warnings')).status).toBe(401);
    const sessionOf = (id: string) => {
      const principal = [...directory.values()].find((p) => p.id === id)!;
      return sessions.signIn({ headers: {}, secure: false } as Request, principal).split(';')[0]!;
    };
    const suzhou = await request(service.app).get('/regulator/warnings').set('cookie', sessionOf('regulator-suzhou'));
    expect(suzhou.status).toBe(200);
    expect([...suzhou.text.matchAll(/<td>(32\d{4})<\/td>/g)].every((m) => m[1]!.startsWith('3205'))).toBe(true);
    // A CB has no regulator page, so no session for it either.
    expect(() => sessionOf('agency-jsqc')).toThrow(/no regulator session/);
    // The bearer token itself is no session.
    expect(
      (await request(service.app).get('/regulator/warnings').set('cookie', 'certledger_regulator=demo-regulator-3205'))
        .status,
    ).toBe(401);
  });

  describe('the warnings page', () => {
    const asNanjing = (path: string) => request(service.app).get(path).set('authorization', NANJING);
    const isHtml = (response: request.Response) => expect(response.headers['content-type']).toMatch(/^text\/html/);

    it('heads its tables in both languages and names each rule beside its id', async () => {
      const page = await asNanjing('/regulator/warnings');
      expect(page.text).toContain('<th scope="col">规则 <span lang="en">Rule</span></th>');
      expect(page.text).toContain('<th scope="col">等级 <span lang="en">Grade</span></th>');
      const listed = [...page.text.matchAll(/<li data-rule="(W\d+)">([\s\S]*?)<\/li>/g)];
      expect(listed.length).toBeGreaterThan(0);
      for (const [, id, item] of listed)
        expect(item).toContain(WARNING_RULES.find((r) => r.id === id)!.title.replace(/'/g, '&#39;'));
    });

    it('lists the most severe warnings first, then the newest', async () => {
      const page = await asNanjing('/regulator/warnings');
      const rows = [...page.text.matchAll(/<tr data-severity="(\w+)" data-raised="([^"]+)"/g)].map((m) => ({
        rank: ['high', 'medium', 'low'].indexOf(m[1]!),
        raised: m[2]!,
      }));
      expect(rows.length).toBeGreaterThan(1);
      for (let i = 1; i < rows.length; i += 1) {
        const [a, b] = [rows[i - 1]!, rows[i]!];
        expect(a.rank < b.rank || (a.rank === b.rank && a.raised >= b.raised)).toBe(true);
      }
    });

    it('prints when the warnings were evaluated', async () => {
      const page = await asNanjing('/regulator/warnings');
      expect(page.text).toMatch(/<time datetime="\d{4}-\d{2}-\d{2}T[^"]+" data-evaluated-at>/);
      expect(page.text).not.toContain('Evaluated now');
    });

    it('shares the navigation with sign-out and shows the active filter with a link to all', async () => {
      const page = await asNanjing('/regulator/warnings?rule=W2');
      expect(page.text).toMatch(/<a href="\/regulator">/);
      expect(page.text).toMatch(/<a href="\/regulator\/warnings" aria-current="page"/);
      expect(page.text).toContain('action="/regulator/logout"');
      expect(page.text).toContain('data-active-filters');
      expect(page.text).toMatch(/<a href="\/regulator\/warnings" data-show-all>/);
      expect(page.text).toMatch(/<option value="W2" selected/);
    });

    it.each([
      ['/regulator/warnings?region=3205', 403, '辖区'],
      ['/regulator/warnings?rule=W99', 400, '预警规则'],
      ['/regulator/warnings?region=abc', 400, '地区代码'],
    ])('%s: shows the error above the page, not the sign-in form nor JSON', async (path, status, zh) => {
      const page = await asNanjing(path);
      expect(page.status).toBe(status);
      isHtml(page);
      expect(page.text).not.toContain('name="token"');
      expect(page.text).toMatch(new RegExp(`role="alert"[^>]*>[^<]*${zh}`));
      expect(page.text).toContain('action="/regulator/logout"');
    });

    it('keeps the refused filter in the form', async () => {
      const page = await asNanjing('/regulator/warnings?region=3205');
      expect(page.text).toMatch(/name="region"[^>]*value="3205"/);
    });

    it('answers an unknown regulator page with an HTML 404', async () => {
      const page = await asNanjing('/regulator/nothing-here');
      expect(page.status).toBe(404);
      isHtml(page);
    });

    it('asks to sign in with the page to return to', async () => {
      const page = await request(service.app).get('/regulator/warnings?rule=W2');
      expect(page.status).toBe(401);
      expect(page.text).toContain('name="returnTo" value="/regulator/warnings?rule=W2"');
    });
  });

  it('tracks an auditor across audits, with the anomaly planted on them, for regulators only', async () => {
    const planted = plan.planted.find((p) => p.ruleId === 'W9' && p.auditorId)!;
    const detail = await request(service.app).get(`/v1/auditors/${planted.auditorId}`).set('authorization', JIANGSU);
    expect(detail.status).toBe(200);
    expect(detail.body.audits.length).toBeGreaterThan(0);
    expect(detail.body.audits[0]).toEqual(
      expect.objectContaining({
        role: expect.any(String),
        clientName: expect.any(String),
        address: expect.any(String),
      }),
    );
    expect(detail.body.warnings.map((w: Warning) => w.kind)).toContain(planted.kind);
    expect(
      (
        await request(service.app)
          .get(`/v1/auditors/${planted.auditorId}`)
          .set('authorization', 'Bearer demo-agency-001')
      ).status,
    ).toBe(403);
    const list = await request(service.app).get('/v1/auditors').set('authorization', NANJING);
    expect(list.body.items.length).toBeGreaterThan(0);
  });

  it('keeps the evaluations and the enterprise profile of a client with a failed spot check', async () => {
    const evaluations = await request(service.app).get('/v1/evaluations').set('authorization', JIANGSU);
    expect(new Set(evaluations.body.items.map((e: { evaluatorRole: string }) => e.evaluatorRole))).toEqual(
      new Set(['client', 'team_leader', 'decision_reviewer']),
    );
    const spot = plan.planted.find((p) => p.ruleId === 'W7')!;
    const submitted = plan.certifications.find((c) => c.certificationId === spot.certificationId)!.events[0]!;
    const creditCode = (submitted.data.client as { creditCode: string }).creditCode;
    const profile = await request(service.app)
      .get(`/v1/enterprises/${creditCode}/profile`)
      .set('authorization', JIANGSU);
    expect(profile.status).toBe(200);
    expect(profile.body.summary.failedSpotChecks).toBe(1);
    expect(profile.body.openWarnings.map((w: Warning) => w.ruleId)).toContain('W7');
  });

  /** Every item of a paged list, following its next links from `first`; each page at most `limit` long. */
  const everyPage = async <T>(first: string, limit: number): Promise<T[]> => {
    const items: T[] = [];
    for (let next: string | undefined = first; next !== undefined;) {
      if (items.length > 100_000) throw new Error(`${first}: next links that do not end`);
      const page: request.Response = await request(service.app).get(next).set('authorization', JIANGSU);
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(limit);
      items.push(...(page.body.items as T[]));
      next = page.body.next as string | undefined;
    }
    return items;
  };

  it('pages through the evaluations: every rating once, in the order recorded, whatever the page size', async () => {
    const all = (limit: number) =>
      everyPage<Record<string, unknown>>(`/v1/evaluations?agencyId=CNCA-R-2002-001&limit=${limit}`, limit);
    const small = await all(37);
    expect(small.length).toBeGreaterThan(100);
    expect(await all(1000)).toEqual(small);
    expect(new Set(small.map((e) => `${e.eventId}/${e.auditorId}`)).size).toBe(small.length);
    expect(new Set(small.map((e) => e.agencyId))).toEqual(new Set(['CNCA-R-2002-001']));

    const refused = async (query: string) => {
      const response = await request(service.app).get(`/v1/evaluations?${query}`).set('authorization', JIANGSU);
      return [response.status, response.headers['content-type'], response.body.code];
    };
    expect(await refused('cursor=not-a-cursor')).toEqual([
      400,
      expect.stringMatching(/problem\+json/),
      'invalid-cursor',
    ]);
    expect(await refused('limit=0')).toEqual([400, expect.stringMatching(/problem\+json/), 'invalid-filter']);
  });

  it('pages through the auditors by id', async () => {
    const all = (limit: number) => everyPage<{ auditorId: string }>(`/v1/auditors?limit=${limit}`, limit);
    const small = await all(7);
    expect(small.length).toBeGreaterThan(7);
    expect(await all(1000)).toEqual(small);
    const ids = small.map((a) => a.auditorId);
    expect(ids).toEqual([...new Set(ids)].sort());
    for (const [query, code] of [
      ['limit=5000', 'invalid-filter'],
      ['cursor=%01', 'invalid-cursor'],
      ['region=abc', 'invalid-filter'],
    ]) {
      const refused = await request(service.app).get(`/v1/auditors?${query}`).set('authorization', JIANGSU);
      expect([refused.status, refused.headers['content-type'], refused.body.code]).toEqual([
        400,
        expect.stringMatching(/problem\+json/),
        code,
      ]);
    }
  });

  it('lets regulators, not agencies, record supervision events', async () => {
    const body = {
      eventId: '0b7f2d1e-8f7a-4c39-9a7e-3f7f0c6b5a11',
      type: 'ComplaintRecorded',
      occurredAt: '2026-11-19T10:00:00+08:00',
      data: { receivedAt: '2026-11-18', subject: '证书范围与实际不符' },
    };
    const first = await request(service.app).post('/v1/supervision/events').set('authorization', SUZHOU).send(body);
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ type: 'ComplaintRecorded', version: 0, certificationId: body.eventId });
    expect(
      (await request(service.app).post('/v1/supervision/events').set('authorization', SUZHOU).send(body)).status,
    ).toBe(200);
    expect(
      (
        await request(service.app)
          .post('/v1/supervision/events')
          .set('authorization', SUZHOU)
          .send({ ...body, data: { ...body.data, subject: 'other' } })
      ).status,
    ).toBe(409);
    expect(
      (
        await request(service.app)
          .post('/v1/supervision/events')
          .set('authorization', 'Bearer demo-agency-001')
          .send(body)
      ).status,
    ).toBe(403);
    expect(
      (
        await request(service.app)
          .post('/v1/supervision/events')
          .set('authorization', SUZHOU)
          .send({ ...body, eventId: '1b7f2d1e-8f7a-4c39-9a7e-3f7f0c6b5a11', type: 'CertificateIssued' })
      ).body.code,
    ).toBe('invalid-event');
  });

  it('reads a supervision event body as the intake does: role first, then JSON in UTF-8', async () => {
    const post = (authorization: string, contentType: string, body: string | Buffer) =>
      request(service.app)
        .post('/v1/supervision/events')
        .set('authorization', authorization)
        .set('content-type', contentType)
        .send(body);
    expect((await post('Bearer demo-agency-001', 'application/json', '{bad')).status).toBe(403);
    const plain = await post(SUZHOU, 'text/plain', 'x');
    expect([plain.status, plain.body.code]).toEqual([415, 'unsupported-media-type']);
    const json = JSON.stringify({
      eventId: '2b7f2d1e-8f7a-4c39-9a7e-3f7f0c6b5a11',
      type: 'ComplaintRecorded',
      occurredAt: '2026-11-19T10:00:00+08:00',
      data: { receivedAt: '2026-11-18', subject: 'bad XX bytes' },
    });
    const twice = await post(SUZHOU, 'application/json', json.replace('"data":{', '"data":{"subject":"other",'));
    expect([twice.status, twice.body.code, twice.body.detail]).toEqual([
      400,
      'duplicate-key',
      'The object at /data has the member "subject" more than once',
    ]);
    expect(await postBytes(service.app, '/v1/supervision/events', { authorization: SUZHOU }, notUtf8(json))).toEqual([
      400,
      'invalid-utf8',
    ]);
  });
});

describe('the evaluation timer runs only where the workers run', () => {
  it.each([
    [true, 'evaluates on its timer'],
    [false, 'leaves the timer to the workers'],
  ])('evaluateOnTimer %s: %s', async (evaluateOnTimer) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sup-timer-'));
    const config = loadConfig({ LEDGER_DATA_DIR: dir, LEDGER_WORKERS: 'in-process' });
    const readStore = createSqliteReadStore({ file: path.join(dir, 'read.sqlite') });
    let part: SupervisionPart | undefined;
    const service = await composeLedgerService({
      config,
      logger: pino({ level: 'silent' }),
      parts: async ({ store }) => {
        part = await createSupervisionPart({
          eventStore: store,
          readStore,
          logger: pino({ level: 'silent' }),
          ownRunner: true,
          tickIntervalMs: 20,
          evaluateOnTimer,
        });
        return [part];
      },
    });
    try {
      await part!.runner!.catchUp();
      await new Promise((resolve) => setTimeout(resolve, 300));
      const evaluated = await readStore.get<{ value: string }>("SELECT value FROM sv_meta WHERE key = 'wallClock'");
      expect(evaluated !== undefined).toBe(evaluateOnTimer);
    } finally {
      await service.close();
      await readStore.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
