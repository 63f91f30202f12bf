import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import request from 'supertest';
import type { AnchorStatus } from '../intake/eventView';
import { startFullService, type FullService } from '../testing/fullService';

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

  it("checks the payload against its own type's schema", () => {
    const validate = submissionValidator();
    const certificate = example('14-certificate.json');
    expect(validate({ ...certificate, type: 'CertificateWithdrawn' })).toBe(false);
    expect(validate({ ...example('01-application.json'), data: certificate.data })).toBe(false);
  });
});
