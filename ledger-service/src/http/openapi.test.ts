import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import type { AnchorStatus } from '../intake/eventView';
import { startFullService, type FullService } from '../testing/fullService';
import { initialCertification, withCheckCharacter } from '../testing/scenario';
import { until } from '../testing/until';
import { appRoutes } from './methods';

// The document as the service serves it, with every part's paths, checked with a JSON Schema
// 2020-12 validator (the dialect of OpenAPI 3.1), as a client or a gateway would use it.

type Json = Record<string, any>;

let running: FullService;
let document: Json;

beforeAll(async () => {
  running = await startFullService();
  document = (await request(running.service.app).get('/openapi.json')).body as Json;
});

afterAll(() => running.close());

function operations(doc: Json): Array<{ where: string; operation: Json }> {
  return Object.entries(doc.paths as Json).flatMap(([route, item]) =>
    Object.entries(item as Json)
      .filter(([method]) => ['get', 'post', 'put', 'patch', 'delete'].includes(method))
      .map(([method, operation]) => ({ where: `${method.toUpperCase()} ${route}`, operation: operation as Json })),
  );
}

function refsIn(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(refsIn);
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, inner]) =>
    key === '$ref' && typeof inner === 'string' ? [inner] : refsIn(inner),
  );
}

function schemaValidator(name: string) {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema({ $id: 'openapi', components: document.components });
  return ajv.getSchema(`openapi#/components/schemas/${name}`)!;
}

const PARTS_OF_ONE_OBJECT = new Set(['allOf', 'if', 'then', 'else', 'not']);

/**
 * Each object schema that lists its properties, closed to others unless it says otherwise (Problem's
 * extension members): an answer then fails on a field the code adds and the document does not name.
 * Not the parts of an allOf or if/then, which each name only some of the object's properties.
 */
function closed(schema: unknown, part = false): unknown {
  if (Array.isArray(schema)) return schema.map((item) => closed(item, part));
  if (schema === null || typeof schema !== 'object') return schema;
  const copy: Json = Object.fromEntries(
    Object.entries(schema).map(([key, value]) => [key, closed(value, PARTS_OF_ONE_OBJECT.has(key))]),
  );
  return !part && copy.properties && copy.additionalProperties === undefined
    ? { ...copy, additionalProperties: false }
    : copy;
}

/** Checks a real answer against what the served document says `method path` answers with its status and type. */
function expectAsDocumented(response: request.Response, method: string, path: string): void {
  const { status } = response;
  const type = String(response.headers['content-type']).split(';')[0]!;
  const schema = document.paths[path]?.[method]?.responses?.[String(status)]?.content?.[type]?.schema as unknown;
  expect({ method, path, status, type, documented: schema !== undefined }).toEqual({
    method,
    path,
    status,
    type,
    documented: true,
  });
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema({ $id: 'openapi', components: closed(document.components), answer: closed(schema) });
  const validate = ajv.getSchema('openapi#/answer')!;
  expect({ path, status, errors: validate(response.body) ? null : validate.errors }).toEqual({
    path,
    status,
    errors: null,
  });
}

const submissionValidator = () => schemaValidator('EventSubmission');

const example = (file: string): Json =>
  JSON.parse(readFileSync(path.resolve(__dirname, '../../../docs/examples/certification', file), 'utf8')) as Json;

describe('/openapi.json as served', () => {
  it('names only security schemes it defines', () => {
    const schemes = Object.keys(document.components.securitySchemes as Json);
    const used = operations(document).flatMap(({ where, operation }) =>
      ((operation.security ?? []) as Json[]).flatMap((requirement) =>
        Object.keys(requirement).map((name) => ({ where, name })),
      ),
    );
    expect(used.length).toBeGreaterThan(10);
    expect(used.filter(({ name }) => !schemes.includes(name))).toEqual([]);
  });

  it('has a target for every $ref', () => {
    const missing = refsIn(document).filter((ref) => {
      const target = ref
        .replace(/^#\//, '')
        .split('/')
        .reduce<unknown>((node, key) => (node as Json | undefined)?.[key], document);
      return target === undefined;
    });
    expect(missing).toEqual([]);
  });

  it("accepts each of the README's example submissions", () => {
    const validate = submissionValidator();
    const files = readdirSync(path.resolve(__dirname, '../../../docs/examples/certification')).filter((f) =>
      f.endsWith('.json'),
    );
    expect(files).toHaveLength(14);
    for (const file of files)
      expect({ file, ok: validate(example(file)), errors: validate.errors ?? null }).toEqual({
        file,
        ok: true,
        errors: null,
      });
  });

  it.each(['CertificateRestored', 'CertificateWithdrawn', 'CertificateCancelled'])(
    'accepts a %s, whose payload has the same shape as other types',
    (type) => {
      const validate = submissionValidator();
      const body = { eventId: '5eed0099-2025-4000-8000-000000000000', type, occurredAt: '2026-01-05T10:00:00+08:00' };
      expect(validate({ ...body, data: { reason: '整改完成 corrective actions verified' } })).toBe(true);
      expect(validate({ ...body, data: {} })).toBe(false);
    },
  );

  it('names every anchor status an event answer can carry', () => {
    const validate = schemaValidator('AnchorStatus');
    const batchId = 'ab'.repeat(32);
    const statuses: AnchorStatus[] = [
      { status: 'pending' },
      { status: 'anchored', backend: 'embedded', batchId, transactionId: 'tx-1', blockNumber: 1 },
      { status: 'rejected', batchId, code: 'CL_PREV_HASH_MISMATCH' },
      { status: 'unknown' },
    ];
    for (const status of statuses) expect({ status, ok: validate(status) }).toEqual({ status, ok: true });
    expect(validate({ status: 'lost' })).toBe(false);
  });

  it('lists 401 on every operation, as the app refuses a bad token on every route before routing', () => {
    const without = operations(document).filter(
      ({ operation }) => !operation.responses?.['401']?.content?.['application/problem+json'],
    );
    expect(without.map(({ where }) => where)).toEqual([]);
  });

  it('describes x-request-id on every response', () => {
    const without = operations(document).flatMap(({ where, operation }) =>
      Object.entries(operation.responses as Json)
        .filter(([, response]) => !(response as Json).headers?.['x-request-id'])
        .map(([status]) => `${where} ${status}`),
    );
    expect(without).toEqual([]);
  });

  it("describes exactly the app's routes", () => {
    const served = appRoutes(running.service.app).flatMap(({ path, methods }) =>
      methods.filter((method) => method !== 'HEAD').map((method) => `${method} ${path.replace(/:(\w+)/g, '{$1}')}`),
    );
    const described = operations(document).map(({ where }) => where);
    expect(new Set(served)).toEqual(new Set(described));
  });

  it('names the filing of every supervision payload read-only: the ledger sets it and refuses it in a submission', () => {
    for (const type of ['SpotCheckRecorded', 'ComplaintRecorded', 'AuditTeamEvaluated', 'WithdrawalTriggerRecorded'])
      expect([type, document.components.schemas[type].properties.filing]).toEqual([
        type,
        expect.objectContaining({ $ref: '#/components/schemas/SupervisionFiling', readOnly: true }),
      ]);
    expect(document.components.schemas.SupervisionFiling.properties).toEqual({ regionCode: { type: 'string' } });
  });

  it("checks the payload against its own type's schema", () => {
    const validate = submissionValidator();
    const certificate = example('14-certificate.json');
    expect(validate({ ...certificate, type: 'CertificateWithdrawn' })).toBe(false);
    expect(validate({ ...example('01-application.json'), data: certificate.data })).toBe(false);
    const withdrawal = {
      ...certificate,
      type: 'TransferReleaseWithdrawn',
      data: { reason: '受让机构转换前评审未通过' },
    };
    expect(validate(withdrawal)).toBe(true);
    expect(validate({ ...withdrawal, data: {} })).toBe(false);
  });
});

describe('answers as /openapi.json describes them', () => {
  const AGENCY = 'Bearer demo-agency-001';
  const get = (path: string, authorization = AGENCY) =>
    request(running.service.app).get(path).set('authorization', authorization);

  it('the bulk intake: stored events and refused ones', async () => {
    const good = initialCertification({ certificationId: 'DOC-BULK-1', appliedOn: '2025-03-01' }).slice(0, 3);
    const bad = initialCertification({ certificationId: 'DOC-BULK-2', appliedOn: '2025-03-01' }).slice(0, 2);
    bad[1] = { ...bad[1]!, occurredAt: 'yesterday' };
    const response = await request(running.service.app)
      .post('/v1/events')
      .set('authorization', AGENCY)
      .send({ events: [...good, ...bad] });
    expect([response.status, response.body.stored, response.body.refused]).toEqual([200, 3, 2]);
    expectAsDocumented(response, 'post', '/v1/events');
  });

  it('an event, its stream and its receipt, pending and then anchored', async () => {
    const [application] = initialCertification({ certificationId: 'DOC-STREAM-1', appliedOn: '2025-03-01' });
    const { certificationId, ...body } = application!;
    const created = await request(running.service.app)
      .post(`/v1/certifications/${certificationId}/events`)
      .set('authorization', AGENCY)
      .send(body);
    expect(created.status).toBe(201);
    expect(created.headers.location).toBe(`/v1/events/${body.eventId}`);
    expectAsDocumented(created, 'post', '/v1/certifications/{certificationId}/events');
    const receipt = () => get(`/v1/events/${body.eventId}/receipt`);
    expectAsDocumented(await receipt(), 'get', '/v1/events/{eventId}/receipt');
    const anchored = await until('the anchored receipt', async () => {
      const response = await receipt();
      return response.body.status === 'anchored' ? response : undefined;
    });
    expectAsDocumented(anchored, 'get', '/v1/events/{eventId}/receipt');
    expectAsDocumented(await get(`/v1/events/${body.eventId}`), 'get', '/v1/events/{eventId}');
    const stream = await get(`/v1/certifications/${certificationId}/events`);
    expect(stream.body.events[0].anchor.status).toBe('anchored');
    expectAsDocumented(stream, 'get', '/v1/certifications/{certificationId}/events');
  });

  it('a supervision event alone, again, and in a list', async () => {
    const regulator = 'Bearer demo-regulator-3201';
    const spotCheck = {
      eventId: randomUUID(),
      type: 'SpotCheckRecorded',
      occurredAt: '2025-07-01T10:00:00+08:00',
      data: { creditCode: withCheckCharacter('91320106MA1Q3R5T8'), result: 'pass', checkedAt: '2025-06-10' },
    };
    const post = (body: object) =>
      request(running.service.app).post('/v1/supervision/events').set('authorization', regulator).send(body);
    const created = await post(spotCheck);
    expect(created.status).toBe(201);
    expectAsDocumented(created, 'post', '/v1/supervision/events');
    expectAsDocumented(await post(spotCheck), 'post', '/v1/supervision/events');
    const list = await post({ events: [spotCheck, { ...spotCheck, eventId: randomUUID(), data: {} }] });
    expect(list.body.results.map((result: { status: number }) => result.status)).toEqual([200, 400]);
    expectAsDocumented(list, 'post', '/v1/supervision/events');
  });

  it('health and readiness', async () => {
    expectAsDocumented(await request(running.service.app).get('/healthz'), 'get', '/healthz');
    expectAsDocumented(await request(running.service.app).get('/readyz'), 'get', '/readyz');
  });

  it('metrics, to an admin only', async () => {
    const scraped = await request(running.service.app).get('/metrics').set('authorization', 'Bearer demo-admin');
    expect(scraped.status).toBe(200);
    const documented = document.paths['/metrics'].get.responses['200'].content as Json;
    expect(Object.keys(documented)).toEqual([scraped.headers['content-type']]);
    expectAsDocumented(await request(running.service.app).get('/metrics'), 'get', '/metrics');
    const agency = await request(running.service.app).get('/metrics').set('authorization', 'Bearer demo-agency-001');
    expect(agency.status).toBe(403);
    expectAsDocumented(agency, 'get', '/metrics');
  });

  it('a problem, with the request id it was given', async () => {
    const response = await get('/v1/certifications/NO-SUCH-1/events').set('x-request-id', 'doc-test-1');
    expect(response.headers['x-request-id']).toBe('doc-test-1');
    expectAsDocumented(response, 'get', '/v1/certifications/{certificationId}/events');
  });
});
