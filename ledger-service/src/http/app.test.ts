import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import request from 'supertest';
import { openSqliteAnchorStore } from '../anchoring/anchorStore';
import { openEmbeddedBackend } from '../anchoring/embedded';
import { createAnchoringPart, type AnchoringPart } from '../anchoring/part';
import { composeLedgerService, type LedgerService } from '../compose';
import { loadConfig } from '../config';
import { hashOf, ZERO_HASH, type HashedEnvelope } from '../events/canonical';
import { SQLITE_FILE_NAME } from '../eventStore';
import { editColumn, sqliteTamperDb } from '../audit/testing/tamper';
import { eventually, watchWorkerThreads } from '../eventStore/testing/writerThreads';
import { postRaw } from '../testing/rawHttp';
import { initialCertification, withCheckCharacter, type ScenarioEvent } from '../testing/scenario';

const AGENCY = 'Bearer demo-agency-001';
const OTHER_AGENCY = 'Bearer demo-agency-002';
const NANJING = 'Bearer demo-regulator-3201';
const SUZHOU = 'Bearer demo-regulator-3205';
const ADMIN = 'Bearer demo-admin';

let dataDir: string;
let service: LedgerService;

beforeEach(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'ledger-app-'));
  const config = loadConfig({ LEDGER_DATA_DIR: dataDir, LEDGER_BODY_LIMIT: '64kb' });
  service = await composeLedgerService({ config, logger: pino({ level: 'silent' }) });
});

afterEach(async () => {
  await service.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const post = (event: ScenarioEvent, authorization = AGENCY, extra: Record<string, unknown> = {}) => {
  const { certificationId, ...body } = event;
  return request(service.app)
    .post(`/v1/certifications/${certificationId}/events`)
    .set('authorization', authorization)
    .send({ ...body, ...extra });
};

/** Posts JSON text as written, for what JSON.stringify never writes. */
const postText = (url: string, text: string) =>
  request(service.app).post(url).set('authorization', AGENCY).set('content-type', 'application/json').send(text);

async function submitAll(events: readonly ScenarioEvent[]): Promise<void> {
  for (const event of events) {
    const response = await post(event);
    if (response.status !== 201) throw new Error(`${event.type}: ${response.status} ${JSON.stringify(response.body)}`);
  }
}

const streamOf = async (certificationId: string, authorization = AGENCY) =>
  request(service.app).get(`/v1/certifications/${certificationId}/events`).set('authorization', authorization);

/** A step of a certification's transfer from demo-agency-001 to demo-agency-002, at 10:00 on `day` in Beijing. */
const transferStep = (
  certificationId: string,
  n: number,
  type: ScenarioEvent['type'],
  day: string,
  data: Record<string, unknown>,
): ScenarioEvent => ({
  certificationId,
  eventId: `5eed7777-2026-4000-8000-00000000000${n}`,
  type,
  occurredAt: `${day}T10:00:00+08:00`,
  data,
});
const releaseOf = (certificationId: string): ScenarioEvent =>
  transferStep(certificationId, 2, 'TransferReleased', '2026-05-25', {
    toAgencyId: 'CNCA-R-2002-002',
    reason: '客户申请转换认证机构',
  });
const transferOf = (certificationId: string): ScenarioEvent =>
  transferStep(certificationId, 1, 'CertificationTransferred', '2026-06-01', {
    fromAgencyId: 'CNCA-R-2002-001',
    reason: '客户变更认证机构',
  });

/** A ReportedToCnca of `issued`'s certificate whose payload names `named` as the certification reported. */
const reportOf = (issued: ScenarioEvent, eventId: string, named: string): ScenarioEvent => ({
  certificationId: issued.certificationId,
  eventId,
  type: 'ReportedToCnca',
  occurredAt: issued.occurredAt,
  data: { certificationId: named, kind: 'certificate', subjectEventId: issued.eventId, reportedAt: issued.occurredAt },
});

/** The value a dotted error path (no [i] items) leads to inside an event as submitted. */
const valueAt = (event: ScenarioEvent, path: string): unknown =>
  path.split('.').reduce<unknown>((value, key) => (value as Record<string, unknown> | undefined)?.[key], event);

describe('REST intake on the embedded defaults', () => {
  it('stores a whole certification, application to certificate issue, as one hash chain', async () => {
    const events = initialCertification({ certificationId: 'JSQC-2025-0001', appliedOn: '2025-03-01' });
    const stored: Array<Record<string, any>> = [];
    for (const event of events) {
      const response = await post(event);
      expect(response.status).toBe(201);
      expect(response.headers['content-type']).toMatch(/application\/json/);
      expect(response.headers.location).toBe(`/v1/events/${event.eventId}`);
      expect(response.body.anchor).toEqual({ status: 'pending' });
      stored.push(response.body);
    }
    expect(stored.map((e) => e.version)).toEqual(events.map((_, i) => i));
    stored.forEach((event, i) => {
      expect(event.prevHash).toBe(i === 0 ? ZERO_HASH : stored[i - 1].hash);
      expect(event.agencyId).toBe('CNCA-R-2002-001');
      const { hash, position: _p, recordedAt: _r, anchor: _a, ...hashed } = event;
      expect(hashOf(hashed as HashedEnvelope)).toBe(hash);
    });
    expect(stored[1].data.requiredAuditDays).toBe(5);
    const stream = await streamOf('JSQC-2025-0001');
    expect(stream.status).toBe(200);
    expect(stream.body.events.map((e: { hash: string }) => e.hash)).toEqual(stored.map((e) => e.hash));
  });

  it("accepts the README's example certification, file by file, as curl would post it", async () => {
    const folder = path.resolve(__dirname, '../../../docs/examples/certification');
    const files = readdirSync(folder)
      .filter((file) => file.endsWith('.json'))
      .sort();
    expect(files).toHaveLength(14);
    for (const file of files) {
      const response = await postText(
        '/v1/certifications/JSQC-2025-0001/events',
        readFileSync(path.join(folder, file), 'utf8'),
      );
      expect({ file, status: response.status }).toEqual({ file, status: 201 });
    }
  });

  it('answers a retry with the same body with 200 and the same envelope, another body with 409', async () => {
    const [application] = initialCertification({ certificationId: 'RETRY-1', appliedOn: '2025-03-01' });
    const first = await post(application!);
    const again = await post(application!);
    expect(again.status).toBe(200);
    expect(again.body.hash).toBe(first.body.hash);
    expect(again.body.position).toBe(first.body.position);
    const changed = { ...application!, data: { ...application!.data, scope: '另一个范围' } };
    const conflict = await post(changed);
    expect(conflict.status).toBe(409);
    expect(conflict.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(conflict.body.code).toBe('event-id-conflict');
    expect((await streamOf('RETRY-1')).body.events).toHaveLength(1);
  });

  it('refuses a stale expectedVersion with 409 and leaves the stream as it was', async () => {
    const events = initialCertification({ certificationId: 'STALE-1', appliedOn: '2025-03-01' });
    await submitAll(events.slice(0, 3));
    const response = await post(events[3]!, AGENCY, { expectedVersion: 1 });
    expect(response.status).toBe(409);
    expect(response.body).toMatchObject({ code: 'wrong-expected-version', status: 409 });
    expect((await streamOf('STALE-1')).body.events).toHaveLength(3);
    expect((await post(events[3]!, AGENCY, { expectedVersion: 2 })).status).toBe(201);
  });

  it('refuses -1 for a stream that exists', async () => {
    const events = initialCertification({ certificationId: 'NEW-1', appliedOn: '2025-03-01' });
    await submitAll(events.slice(0, 1));
    const again = initialCertification({ certificationId: 'NEW-1', appliedOn: '2025-03-01' })[0]!;
    const response = await post(again, AGENCY, { expectedVersion: -1 });
    expect(response.status).toBe(409);
    expect(response.body.code).toBe('wrong-expected-version');
  });

  it('refuses a decision by a member of the audit team with 422 and rule R8', async () => {
    const events = initialCertification({ certificationId: 'R8-1', appliedOn: '2025-03-01' });
    await submitAll(events.slice(0, 12));
    const decision = events[12]!;
    const byLeader = {
      ...decision,
      data: { ...decision.data, decisionMaker: { personId: 'AUD-0001', name: '王审核' } },
    };
    const response = await post(byLeader);
    expect(response.status).toBe(422);
    expect(response.body.rule).toBe('R8');
    expect((await streamOf('R8-1')).body.events).toHaveLength(12);
  });

  it("refuses a report to CNCA whose payload names another certification than the stream's", async () => {
    const events = initialCertification({ certificationId: 'CNCA-1', appliedOn: '2025-03-01' });
    await submitAll(events);
    const report = (named: string) => reportOf(events.at(-1)!, '5eed0015-2025-4000-8000-000000000000', named);
    const elsewhere = await post(report('JSQC-2025-0001'));
    expect(elsewhere.status).toBe(400);
    expect(elsewhere.body).toMatchObject({
      code: 'invalid-payload',
      errors: [
        {
          path: 'data.certificationId',
          code: 'certification-id-mismatch',
          message: "data.certificationId must be this stream's certificationId, CNCA-1",
        },
      ],
    });
    // The envelope's own certificationId against the URL's is another error, at another path.
    const envelope = await post(report('CNCA-1'), AGENCY, { certificationId: 'JSQC-2025-0001' });
    expect([envelope.status, envelope.body.code, envelope.body.errors]).toEqual([
      400,
      'invalid-event',
      [expect.objectContaining({ path: 'certificationId', code: 'certification-id-mismatch' })],
    ]);
    // An empty or malformed id is the schema's to name, once.
    for (const [id, code] of [
      ['', 'required'],
      ['CNCA 1', 'invalid-certificationId'],
    ]) {
      const refused = await post(report(id!));
      expect([refused.status, refused.body.code, refused.body.errors]).toEqual([
        400,
        'invalid-payload',
        [expect.objectContaining({ path: 'data.certificationId', code })],
      ]);
    }
    expect((await post(report('CNCA-1'))).status).toBe(201);
  });

  it("names a report's payload certificationId at data.certificationId in a bulk import too, apart from the envelope's beside it", async () => {
    const malformed = initialCertification({ certificationId: 'CNCA-B1', appliedOn: '2025-03-01' });
    malformed.push(reportOf(malformed.at(-1)!, '5eed0015-2025-4000-8000-0000000000b1', 'CNCA B1'));
    const elsewhere = initialCertification({ certificationId: 'CNCA-B2', appliedOn: '2025-03-01' });
    elsewhere.push(reportOf(elsewhere.at(-1)!, '5eed0015-2025-4000-8000-0000000000b2', 'CNCA-B1'));
    const events = [...malformed, ...elsewhere];
    const bulk = await request(service.app).post('/v1/events').set('authorization', AGENCY).send({ events });
    expect([bulk.status, bulk.body.stored]).toEqual([200, 0]);
    const refusals = [
      [malformed.length - 1, 'invalid-certificationId'],
      [events.length - 1, 'certification-id-mismatch'],
    ] as const;
    for (const [index, code] of refusals) {
      expect(bulk.body.results[index]).toMatchObject({
        status: 400,
        problem: { code: 'invalid-payload', errors: [{ path: 'data.certificationId', code }] },
      });
      // Inside the event as submitted the path leads to the payload's id, not to the envelope's of the same name.
      const event = events[index]!;
      expect(valueAt(event, bulk.body.results[index].problem.errors[0].path)).toBe(event.data.certificationId);
      expect(event.data.certificationId).not.toBe(event.certificationId);
    }
  });

  it('refuses a malformed credit code with 422 and rule R1, storing nothing', async () => {
    const [application] = initialCertification({ certificationId: 'R1-1', appliedOn: '2025-03-01' });
    const data = application!.data as { client: Record<string, unknown> };
    const good = withCheckCharacter('91320106MA1Q3R5T8');
    const bad = good.slice(0, 17) + (good.endsWith('0') ? '1' : '0');
    const response = await post({ ...application!, data: { ...data, client: { ...data.client, creditCode: bad } } });
    expect(response.status).toBe(422);
    expect(response.body.rule).toBe('R1');
    expect(response.body.errors).toEqual([
      expect.objectContaining({ path: 'data.client.creditCode', code: 'invalid-credit-code', rule: 'R1' }),
    ]);
    expect((await streamOf('R1-1')).status).toBe(404);
  });

  it('refuses an unauthenticated write with 401 and a regulator write with 403', async () => {
    const [application] = initialCertification({ certificationId: 'AUTH-1', appliedOn: '2025-03-01' });
    const { certificationId, ...body } = application!;
    const anonymous = await request(service.app).post(`/v1/certifications/${certificationId}/events`).send(body);
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.code).toBe('unauthenticated');
    const badToken = await post(application!, 'Bearer not-a-token');
    expect(badToken.status).toBe(401);
    const regulator = await post(application!, NANJING);
    expect(regulator.status).toBe(403);
    expect((await streamOf('AUTH-1')).status).toBe(404);
  });

  it('refuses a bad token even where no token is needed, so that it never reads as the public', async () => {
    for (const url of ['/healthz', '/openapi.json']) {
      expect((await request(service.app).get(url)).status).toBe(200);
      const refused = await request(service.app).get(url).set('authorization', 'Bearer revoked-token');
      expect(refused.status).toBe(401);
      expect(refused.body.code).toBe('unauthenticated');
    }
  });

  it('moves a certification only when its holder has released it, then shows it to the accepting CB alone', async () => {
    const events = initialCertification({ certificationId: 'MOVED-1', appliedOn: '2025-03-01' });
    await submitAll(events);
    const issue = (await streamOf('MOVED-1')).body.events.at(-1).eventId as string;
    const transfer = transferOf('MOVED-1');
    // Another CB that learned the certification's id and holder from the public lookup cannot take it.
    const seized = await post(transfer, OTHER_AGENCY);
    expect(seized.status).toBe(422);
    expect(seized.body).toMatchObject({ rule: 'R15', code: 'transfer-not-released' });
    expect((await streamOf('MOVED-1', OTHER_AGENCY)).status).toBe(404);
    expect((await streamOf('MOVED-1')).body.events).toHaveLength(events.length);
    const release = await post(releaseOf('MOVED-1'));
    expect(release.status).toBe(201);
    const accepted = await post(transfer, OTHER_AGENCY);
    expect(accepted.status).toBe(201);
    const accepting = await streamOf('MOVED-1', OTHER_AGENCY);
    expect(accepting.status).toBe(200);
    expect(accepting.body.events).toHaveLength(events.length + 2);
    expect((await streamOf('MOVED-1', AGENCY)).status).toBe(404);
    expect((await request(service.app).get(`/v1/events/${issue}`).set('authorization', AGENCY)).status).toBe(404);
    expect((await request(service.app).get(`/v1/events/${issue}`).set('authorization', OTHER_AGENCY)).status).toBe(200);
  });

  it('refuses the transfer once the holder has withdrawn its release, storing nothing', async () => {
    await submitAll(initialCertification({ certificationId: 'KEPT-1', appliedOn: '2025-03-01' }));
    const withdrawal = transferStep('KEPT-1', 3, 'TransferReleaseWithdrawn', '2026-05-28', {
      reason: '受让机构转换前评审未通过',
    });
    await submitAll([releaseOf('KEPT-1'), withdrawal]);
    const hashes = async () => (await streamOf('KEPT-1')).body.events.map((e: { hash: string }) => e.hash);
    const before = await hashes();
    const refused = await post(transferOf('KEPT-1'), OTHER_AGENCY);
    expect(refused.status).toBe(422);
    expect(refused.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(refused.body).toMatchObject({ rule: 'R15', code: 'transfer-not-released' });
    expect(await hashes()).toEqual(before);
    expect((await streamOf('KEPT-1', OTHER_AGENCY)).status).toBe(404);
    const again = await post({ ...withdrawal, eventId: '5eed7777-2026-4000-8000-000000000004' });
    expect(again.status).toBe(422);
    expect(again.body).toMatchObject({ rule: 'R15', code: 'no-transfer-release' });
  });

  it("refuses a CB writing to another CB's certification (R15)", async () => {
    const events = initialCertification({ certificationId: 'R15-1', appliedOn: '2025-03-01' });
    await submitAll(events.slice(0, 1));
    const response = await post(events[1]!, OTHER_AGENCY);
    expect(response.status).toBe(422);
    expect(response.body.rule).toBe('R15');
  });

  it('answers schema errors with 400 and the offending paths', async () => {
    const [application] = initialCertification({ certificationId: 'SCHEMA-1', appliedOn: '2025-03-01' });
    const response = await post({ ...application!, data: { ...application!.data, scheme: 'XYZ', unknownField: 1 } });
    expect(response.status).toBe(400);
    expect(response.body.code).toBe('invalid-payload');
    expect(response.body.errors.map((e: { path: string }) => e.path)).toEqual(
      expect.arrayContaining(['data.scheme', 'data.unknownField']),
    );
    const malformed = await postText('/v1/certifications/SCHEMA-1/events', '{"eventId": ');
    expect(malformed.status).toBe(400);
    expect(malformed.body.code).toBe('malformed-json');
    const large = await post({ ...application!, data: { ...application!.data, scope: 'x'.repeat(70_000) } });
    expect(large.status).toBe(413);
    expect(large.body.code).toBe('payload-too-large');
  });

  it('refuses text that is not well-formed Unicode (a lone surrogate escape) with 400 invalid-string: alone and in a bulk import', async () => {
    const [application] = initialCertification({ certificationId: 'LONE-1', appliedOn: '2025-03-01' });
    const { certificationId: _, ...body } = application!;
    // As a client would write it: JSON lets an escape name half a surrogate pair.
    const text = JSON.stringify({ ...body, data: { ...application!.data, scope: 'SCOPE' } }).replace(
      'SCOPE',
      '设计\\ud83d',
    );
    expect(text).toContain('"scope":"设计\\ud83d"');
    const alone = await postText('/v1/certifications/LONE-1/events', text);
    expect(alone.status).toBe(400);
    expect(alone.body).toMatchObject({
      code: 'invalid-payload',
      errors: [
        { path: 'data.scope', code: 'invalid-string', message: expect.stringContaining('not well-formed Unicode') },
      ],
    });
    expect((await streamOf('LONE-1')).status).toBe(404);

    const good = initialCertification({ certificationId: 'LONE-GOOD', appliedOn: '2025-03-01' }).slice(0, 3);
    const bad = initialCertification({ certificationId: 'LONE-BAD', appliedOn: '2025-03-01' }).slice(0, 3);
    bad[2] = { ...bad[2]!, data: { ...bad[2]!.data, contractNo: 'HT-\udc00' } };
    const bulk = await request(service.app)
      .post('/v1/events')
      .set('authorization', AGENCY)
      .send({ events: [...good, ...bad] });
    expect([bulk.status, bulk.body.stored, bulk.body.refused]).toEqual([200, good.length, bad.length]);
    expect(bulk.body.results[good.length + 2]).toMatchObject({
      status: 400,
      problem: { code: 'invalid-payload', errors: [{ path: 'data.contractNo', code: 'invalid-string' }] },
    });
    expect((await streamOf('LONE-BAD')).status).toBe(404);
  });

  it('refuses an impossible occurredAt, an expectedVersion beyond exact integers and a certificationId of dots alone as schema errors (400), storing nothing', async () => {
    const [application] = initialCertification({ certificationId: 'TIME-1', appliedOn: '2025-03-01' });
    for (const occurredAt of ['2025-02-30T10:00:00+08:00', '2025-03-01T24:00:00+08:00', '2025-03-01T10:00+08:00']) {
      const response = await post({ ...application!, occurredAt });
      expect([response.status, response.body.code, response.body.errors?.[0]?.path]).toEqual([
        400,
        'invalid-event',
        'occurredAt',
      ]);
    }
    expect((await streamOf('TIME-1')).status).toBe(404);
    // Beyond 2^53 a number is no longer the one sent: the answer would name a version the CB never wrote.
    const beyondExact = await postText(
      '/v1/certifications/TIME-1/events',
      JSON.stringify(application).replace(/}$/, ',"expectedVersion":9007199254740993}'),
    );
    expect([beyondExact.status, beyondExact.body.code, beyondExact.body.errors?.[0]?.path]).toEqual([
      400,
      'invalid-event',
      'expectedVersion',
    ]);
    const dots = await request(service.app)
      .post('/v1/certifications/%2E%2E/events')
      .set('authorization', AGENCY)
      .send({ ...application!, certificationId: undefined });
    expect([dots.status, dots.body.code]).toEqual([400, 'invalid-certification-id']);
  });

  it('tells who may not write so before reading the body: 401 and 403, not a complaint about the JSON', async () => {
    for (const url of ['/v1/certifications/ANY-1/events', '/v1/events']) {
      const anonymous = await request(service.app).post(url).set('content-type', 'application/json').send('{bad');
      expect([anonymous.status, anonymous.body.code]).toEqual([401, 'unauthenticated']);
      const notJson = await request(service.app).post(url).set('content-type', 'text/plain').send('x');
      expect(notJson.status).toBe(401);
      const regulator = await request(service.app)
        .post(url)
        .set('authorization', NANJING)
        .set('content-type', 'application/json')
        .send(JSON.stringify({ pad: 'x'.repeat(300_000) }));
      expect([regulator.status, regulator.body.code]).toEqual([403, 'forbidden']);
    }
  });

  it('answers an empty JSON body with 400 invalid-body, with a Content-Length of 0 or none at all', async () => {
    const headers = [`Authorization: ${AGENCY}`, 'Content-Type: application/json'];
    for (const path of ['/v1/certifications/EMPTY-1/events', '/v1/events'])
      for (const framing of [[], ['Content-Length: 0']]) {
        const { status, body } = await postRaw(service.app, path, [...headers, ...framing]);
        expect({ path, framing, status, code: (body as { code: string }).code }).toEqual({
          path,
          framing,
          status: 400,
          code: 'invalid-body',
        });
      }
  });

  it('answers a payload that the schema cannot encode with 400, never 500: alone and in a bulk import', async () => {
    const withEmptySize = (events: ScenarioEvent[]): number => {
      const index = events.findIndex((event) => event.type === 'AuditConducted' && event.data.auditId === 'A2');
      const data = events[index]!.data as { evidence: Array<Record<string, unknown>> };
      events[index] = { ...events[index]!, data: { ...data, evidence: [{ ...data.evidence[0], size: '' }] } };
      return index;
    };
    const alone = initialCertification({ certificationId: 'EMPTY-SIZE-1', appliedOn: '2025-03-01' });
    const index = withEmptySize(alone);
    await submitAll(alone.slice(0, index));
    const response = await post(alone[index]!);
    expect(response.status).toBe(400);
    expect(response.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(response.body).toMatchObject({
      code: 'invalid-payload',
      errors: [{ path: 'data.evidence[0].size', code: 'expected-integer' }],
    });

    const good = initialCertification({ certificationId: 'EMPTY-SIZE-GOOD', appliedOn: '2025-03-01' });
    const bad = initialCertification({ certificationId: 'EMPTY-SIZE-BAD', appliedOn: '2025-03-01' });
    withEmptySize(bad);
    const bulk = await request(service.app)
      .post('/v1/events')
      .set('authorization', AGENCY)
      .send({ events: [...good, ...bad] });
    expect(bulk.status).toBe(200);
    expect([bulk.body.stored, bulk.body.refused]).toEqual([good.length, bad.length]);
    expect(bulk.body.results[good.length + index]).toMatchObject({ status: 400, problem: { code: 'invalid-payload' } });
    expect((await streamOf('EMPTY-SIZE-GOOD')).body.events).toHaveLength(good.length);
    expect((await streamOf('EMPTY-SIZE-BAD')).status).toBe(404);
  });

  it('shows a certification to the regulator of its region and hides it from another city', async () => {
    await submitAll(
      initialCertification({ certificationId: 'REGION-1', appliedOn: '2025-03-01', regionCode: '320106' }).slice(0, 2),
    );
    expect((await streamOf('REGION-1', NANJING)).status).toBe(200);
    expect((await streamOf('REGION-1', 'Bearer demo-regulator-32')).status).toBe(200);
    const other = await streamOf('REGION-1', SUZHOU);
    expect(other.status).toBe(404);
    const eventId = (await streamOf('REGION-1')).body.events[0].eventId;
    expect((await request(service.app).get(`/v1/events/${eventId}`).set('authorization', SUZHOU)).status).toBe(404);
    expect((await request(service.app).get(`/v1/events/${eventId}`).set('authorization', NANJING)).status).toBe(200);
  });

  it("keeps a certification in its client's hashed region when an operator edits the region_code column", async () => {
    await submitAll(
      initialCertification({ certificationId: 'REGION-2', appliedOn: '2025-03-01', regionCode: '320106' }).slice(0, 2),
    );
    const db = sqliteTamperDb(path.join(dataDir, SQLITE_FILE_NAME));
    await editColumn(db, { streamId: 'certification-REGION-2' }, 'region_code', '320506');
    await db.close();
    const eventId = (await streamOf('REGION-2')).body.events[0].eventId;
    expect((await service.store.findEvent(eventId))!.regionCode).toBe('320506');
    expect((await streamOf('REGION-2', SUZHOU)).status).toBe(404);
    expect((await request(service.app).get(`/v1/events/${eventId}`).set('authorization', SUZHOU)).status).toBe(404);
    expect((await streamOf('REGION-2', NANJING)).status).toBe(200);
    expect((await request(service.app).get(`/v1/events/${eventId}`).set('authorization', NANJING)).status).toBe(200);

    // A first event whose bytes are not protobuf (the audit names it): the column decides, not a 500.
    const later = (await streamOf('REGION-2')).body.events[1].eventId;
    const broken = sqliteTamperDb(path.join(dataDir, SQLITE_FILE_NAME));
    await broken.query(`UPDATE ${broken.events} SET canonical = $1 WHERE event_id = $2`, [
      Buffer.from([0x0f]),
      eventId,
    ]);
    await broken.close();
    expect((await request(service.app).get(`/v1/events/${later}`).set('authorization', SUZHOU)).status).toBe(200);
    expect((await request(service.app).get(`/v1/events/${later}`).set('authorization', NANJING)).status).toBe(404);
  });

  it('answers an admin 404, like everyone else, for a certification that does not exist', async () => {
    await submitAll(initialCertification({ certificationId: 'ADMIN-1', appliedOn: '2025-03-01' }).slice(0, 1));
    expect((await streamOf('ADMIN-1', ADMIN)).status).toBe(200);
    const missing = await streamOf('NO-SUCH-CERTIFICATION', ADMIN);
    expect(missing.status).toBe(404);
    expect(missing.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(missing.body.code).toBe('not-found');
  });

  it('answers 503 and writes nothing when the event store is down', async () => {
    const [application] = initialCertification({ certificationId: 'DOWN-1', appliedOn: '2025-03-01' });
    await service.store.close();
    const response = await post(application!);
    expect(response.status).toBe(503);
    expect(response.body.code).toBe('store-unavailable');
    const ready = await request(service.app).get('/readyz');
    expect(ready.status).toBe(503);
    expect(ready.body).toMatchObject({ status: 'not-ready', checks: { eventStore: { ok: false, essential: true } } });
  });

  it('stays ready, and says degraded, while only a background part fails its check', async () => {
    const config = loadConfig({ LEDGER_DATA_DIR: path.join(dataDir, 'lagging') });
    const lagging = {
      name: 'read-side',
      readiness: async () => ({ ok: false, detail: 'read models 10001 events behind the log' }),
      close: async () => undefined,
    };
    const own = await composeLedgerService({ config, logger: pino({ level: 'silent' }), parts: async () => [lagging] });
    try {
      const ready = await request(own.app).get('/readyz');
      expect(ready.status).toBe(200);
      expect(ready.body).toMatchObject({
        status: 'degraded',
        checks: { eventStore: { ok: true }, 'read-side': { ok: false } },
      });
      const [application] = initialCertification({ certificationId: 'LAGGING-1', appliedOn: '2025-03-01' });
      const { certificationId, ...body } = application!;
      const taken = await request(own.app)
        .post(`/v1/certifications/${certificationId}/events`)
        .set('authorization', AGENCY)
        .send(body);
      expect(taken.status).toBe(201);
    } finally {
      await own.close();
    }
  });

  it('answers a stored event with anchor status unknown while the anchor store cannot be read', async () => {
    const own = path.join(dataDir, 'anchoring');
    let anchoring: AnchoringPart | undefined;
    const withAnchoring = await composeLedgerService({
      config: loadConfig({ LEDGER_DATA_DIR: own }),
      logger: pino({ level: 'silent' }),
      parts: async ({ store }) => {
        anchoring = createAnchoringPart({
          store,
          anchorStore: openSqliteAnchorStore({ directory: own }),
          ledger: openEmbeddedBackend({ dataDir: own }),
          runAnchorer: false,
        });
        return [anchoring];
      },
    });
    try {
      const [application] = initialCertification({ certificationId: 'NO-ANCHORS-1', appliedOn: '2025-03-01' });
      const { certificationId, ...body } = application!;
      const submit = () =>
        request(withAnchoring.app)
          .post(`/v1/certifications/${certificationId}/events`)
          .set('authorization', AGENCY)
          .send(body);
      expect((await submit()).status).toBe(201);
      await anchoring!.anchorStore.close();

      const retry = await submit();
      expect(retry.status).toBe(200);
      expect(retry.body).toMatchObject({ eventId: application!.eventId, anchor: { status: 'unknown' } });
      const read = await request(withAnchoring.app)
        .get(`/v1/events/${application!.eventId}`)
        .set('authorization', AGENCY);
      expect(read.status).toBe(200);
      expect(read.body.anchor).toEqual({ status: 'unknown' });
      const stream = await request(withAnchoring.app)
        .get(`/v1/certifications/${certificationId}/events`)
        .set('authorization', AGENCY);
      expect(stream.body.events.map((event: { anchor: unknown }) => event.anchor)).toEqual([{ status: 'unknown' }]);
      const receipt = await request(withAnchoring.app)
        .get(`/v1/events/${application!.eventId}/receipt`)
        .set('authorization', AGENCY);
      expect(receipt.status).toBe(503);
      expect(receipt.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(receipt.body.code).toBe('anchor-store-unavailable');
    } finally {
      await withAnchoring.close();
    }
  });

  it('answers 503 and is not ready while the store writer thread is dead, then recovers by itself', async () => {
    const workers = watchWorkerThreads();
    const config = loadConfig({ LEDGER_DATA_DIR: path.join(dataDir, 'own') });
    const own = await composeLedgerService({ config, logger: pino({ level: 'silent' }) });
    workers.stop();
    const [application] = initialCertification({ certificationId: 'WRITER-1', appliedOn: '2025-03-01' });
    const { certificationId, ...body } = application!;
    const submit = () =>
      request(own.app).post(`/v1/certifications/${certificationId}/events`).set('authorization', AGENCY).send(body);
    const stream = () =>
      request(own.app).get(`/v1/certifications/${certificationId}/events`).set('authorization', AGENCY);
    await Promise.all(workers.started.map((worker) => worker.terminate()));
    const refused = await submit();
    expect(refused.status).toBe(503);
    expect(refused.body.code).toBe('store-unavailable');
    expect((await request(own.app).get('/readyz')).status).toBe(503);
    expect((await stream()).status).toBe(404);
    await eventually(async () => (await request(own.app).get('/readyz')).status === 200);
    expect((await submit()).status).toBe(201);
    expect((await stream()).body.events).toHaveLength(1);
    await own.close();
  });

  it('stores each certification of a bulk import all or none, with a result per event', async () => {
    const good = initialCertification({ certificationId: 'BULK-GOOD', appliedOn: '2025-03-01' });
    const bad = initialCertification({ certificationId: 'BULK-BAD', appliedOn: '2025-03-01' });
    const decision = bad[12]!;
    bad[12] = { ...decision, data: { ...decision.data, decisionMaker: { personId: 'AUD-0002', name: '李审核' } } };
    const response = await request(service.app)
      .post('/v1/events')
      .set('authorization', AGENCY)
      .send({ events: [...good, ...bad] });
    expect(response.status).toBe(200);
    expect(response.body.stored).toBe(good.length);
    expect(response.body.refused).toBe(bad.length);
    const results = response.body.results as Array<{ status: number; problem?: { rule?: string; code: string } }>;
    expect(results.slice(0, good.length).every((r) => r.status === 201)).toBe(true);
    expect(results[good.length + 12]!.problem!.rule).toBe('R8');
    expect(results[good.length]!.problem!.code).toBe('certification-batch-failed');
    expect((await streamOf('BULK-GOOD')).body.events).toHaveLength(good.length);
    expect((await streamOf('BULK-BAD')).status).toBe(404);
  });

  it('refuses a body with a member named twice, alone and in a bulk import, and stores nothing of it', async () => {
    const [application, review] = initialCertification({ certificationId: 'DUP-KEY-1', appliedOn: '2025-03-01' });
    const { certificationId: _id, ...body } = application!;
    const twice = JSON.stringify(body).replace('"client":{', '"client":{"name":"另一家公司",');
    const alone = await postText('/v1/certifications/DUP-KEY-1/events', twice);
    expect(alone.status).toBe(400);
    expect(alone.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(alone.body).toMatchObject({
      code: 'duplicate-key',
      detail: 'The object at /data/client has the member "name" more than once',
    });
    expect((await streamOf('DUP-KEY-1')).status).toBe(404);

    const good = initialCertification({ certificationId: 'DUP-KEY-GOOD', appliedOn: '2025-03-01' });
    const reviewType = `"eventId":"${review!.eventId}","type":"ApplicationReviewed"`;
    const bulkBody = JSON.stringify({ events: [...good, application, review] }).replace(
      reviewType,
      `${reviewType},"type":"CertificateWithdrawn"`,
    );
    const bulk = await request(service.app)
      .post('/v1/events')
      .set('authorization', AGENCY)
      .set('content-type', 'application/json')
      .send(bulkBody);
    expect([bulk.status, bulk.body.code, bulk.body.detail]).toEqual([
      400,
      'duplicate-key',
      `The object at /events/${good.length + 1} has the member "type" more than once`,
    ]);
    expect((await streamOf('DUP-KEY-GOOD')).status).toBe(404);
    expect((await streamOf('DUP-KEY-1')).status).toBe(404);
    expect((await post(application!)).status).toBe(201);
  });

  it('refuses an eventId used twice in one bulk request, with its certification, and stores the others', async () => {
    const good = initialCertification({ certificationId: 'BULK-OK', appliedOn: '2025-03-01' });
    const twice = initialCertification({ certificationId: 'BULK-TWICE', appliedOn: '2025-03-01' });
    twice[5] = { ...twice[5]!, eventId: twice[4]!.eventId };
    const response = await request(service.app)
      .post('/v1/events')
      .set('authorization', AGENCY)
      .send({ events: [...good, ...twice] });
    expect(response.status).toBe(200);
    expect([response.body.stored, response.body.refused]).toEqual([good.length, twice.length]);
    const repeated = response.body.results[good.length + 5];
    expect(repeated).toMatchObject({
      status: 400,
      problem: { code: 'repeated-event-id', firstIndex: good.length + 4 },
    });
    expect(response.body.results[good.length + 4].problem.code).toBe('certification-batch-failed');
    expect((await streamOf('BULK-OK')).body.events).toHaveLength(good.length);
    expect((await streamOf('BULK-TWICE')).status).toBe(404);
  });

  it('refuses a bulk event whose certificationId is no string on its own, storing the certifications named by strings', async () => {
    const good = initialCertification({ certificationId: 'BULK-FINE', appliedOn: '2025-03-01' }).slice(0, 2);
    const undefinedNamed = initialCertification({ certificationId: 'undefined', appliedOn: '2025-03-01' }).slice(0, 1);
    const numberNamed = initialCertification({ certificationId: '123', appliedOn: '2025-03-01' }).slice(0, 1);
    const malformed: unknown[] = [
      { certificationId: { toString: 1 }, eventId: 'x' },
      { certificationId: { id: 'BULK-FINE' }, eventId: 'y' },
      { certificationId: ['BULK-FINE'], eventId: 'z' },
      { certificationId: 123, eventId: 'w' },
      { eventId: 'v' },
      null,
    ];
    const response = await request(service.app)
      .post('/v1/events')
      .set('authorization', AGENCY)
      .send({ events: [...good, ...undefinedNamed, ...numberNamed, ...malformed] });
    expect(response.status).toBe(200);
    const firstMalformed = good.length + 2;
    expect([response.body.stored, response.body.refused]).toEqual([firstMalformed, malformed.length]);
    expect(response.body.results.slice(firstMalformed)).toEqual(
      malformed.map((_, i) => ({
        index: firstMalformed + i,
        status: 400,
        problem: expect.objectContaining({ code: 'invalid-certification-id' }),
      })),
    );
    for (const certificationId of ['BULK-FINE', 'undefined', '123'])
      expect((await streamOf(certificationId)).status).toBe(200);
  });

  it("answers an event out of the caller's reach exactly as an unknown one, to an enterprise, another CB and another region", async () => {
    const events = initialCertification({
      certificationId: 'REACH-1',
      appliedOn: '2025-03-01',
      creditCode: '91320106MA1Q3R5T8Y', // demo-enterprise's: this is its own certification
    });
    await submitAll(events);
    const review = events[1]!.eventId;
    const unknown = '5eed0000-0000-4000-8000-000000000000';
    const get = (url: string, authorization: string) =>
      request(service.app).get(url).set('authorization', authorization);
    /** The answer but for `instance`, the path asked, which differs by the eventId. */
    const answerTo = async (url: string, authorization: string) => {
      const { status, body } = await get(url, authorization);
      const { instance: _instance, ...problem } = body;
      return { status, problem };
    };
    for (const authorization of ['Bearer demo-enterprise', OTHER_AGENCY, SUZHOU]) {
      for (const suffix of ['', '/receipt']) {
        const existing = await answerTo(`/v1/events/${review}${suffix}`, authorization);
        const missing = await answerTo(`/v1/events/${unknown}${suffix}`, authorization);
        expect({ authorization, suffix, ...existing }).toEqual({ authorization, suffix, ...missing });
        expect(missing).toMatchObject({ status: 404, problem: { code: 'not-found', title: 'Event not found' } });
      }
    }
    // A certificate event's receipt stays public: found, though this service has no anchoring wired to prove it.
    const issue = events.at(-1)!.eventId;
    for (const authorization of [AGENCY, 'Bearer demo-enterprise', OTHER_AGENCY]) {
      const receipt = await answerTo(`/v1/events/${issue}/receipt`, authorization);
      expect(receipt).toMatchObject({ status: 503, problem: { code: 'anchoring-unavailable' } });
    }
  });

  it('serves /metrics to admins only by default, and to anyone with LEDGER_METRICS_ACCESS=public', async () => {
    await submitAll(initialCertification({ certificationId: 'METRICS-1', appliedOn: '2025-03-01' }).slice(0, 2));
    const scraped = await request(service.app).get('/metrics').set('authorization', ADMIN);
    expect(scraped.status).toBe(200);
    expect(scraped.text).toContain(
      '# TYPE certledger_event_store_head_position gauge\ncertledger_event_store_head_position 2\n',
    );
    expect((await request(service.app).get('/metrics')).status).toBe(401);
    expect((await request(service.app).get('/metrics').set('authorization', NANJING)).status).toBe(403);
    await service.close();

    const config = loadConfig({ LEDGER_DATA_DIR: dataDir, LEDGER_METRICS_ACCESS: 'public' });
    service = await composeLedgerService({ config, logger: pino({ level: 'silent' }) });
    const open = await request(service.app).get('/metrics');
    expect(open.status).toBe(200);
    expect(open.text).toContain('certledger_event_store_head_position 2\n');
    // A bad token is refused on every route, this one too.
    expect((await request(service.app).get('/metrics').set('authorization', 'Bearer nobody')).status).toBe(401);
  });

  it('serves health, readiness and an OpenAPI 3.1 document naming every endpoint', async () => {
    expect((await request(service.app).get('/healthz')).status).toBe(200);
    const ready = await request(service.app).get('/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body.status).toBe('ready');
    const openapi = await request(service.app).get('/openapi.json');
    expect(openapi.body.openapi).toBe('3.1.0');
    expect(Object.keys(openapi.body.paths)).toEqual(
      expect.arrayContaining([
        '/v1/certifications/{certificationId}/events',
        '/v1/events',
        '/v1/events/{eventId}',
        '/v1/events/{eventId}/receipt',
      ]),
    );
    expect(openapi.body.components.schemas.ApplicationSubmitted.required).toEqual(
      expect.arrayContaining(['client', 'scheme']),
    );
  });
});
