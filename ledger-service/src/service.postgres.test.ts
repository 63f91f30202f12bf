/**
 * The whole service on PostgreSQL (EVENT_STORE=postgres): the event store and the anchor store in a
 * real server of this test's own, the embedded ledger, the read side. Then the server stops.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import request from 'supertest';
import { composeLedgerService, type LedgerService } from './compose';
import { loadConfig } from './config';
import { startThrowawayPostgres, type ThrowawayPostgres } from './eventStore/testing/postgresTestDb';
import { defaultParts } from './parts';
import { initialCertification } from './testing/scenario';
import { until } from './testing/until';

const AGENCY = 'Bearer demo-agency-001';

let postgres: ThrowawayPostgres;
let service: LedgerService;
let dataDir: string;

beforeAll(async () => {
  postgres = await startThrowawayPostgres();
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'service-postgres-'));
  const config = loadConfig({ LEDGER_DATA_DIR: dataDir, EVENT_STORE: 'postgres', EVENT_STORE_URL: postgres.url });
  const logger = pino({ level: 'silent' });
  service = await composeLedgerService({
    config,
    logger,
    parts: (context) => defaultParts({ config, logger, ...context }),
  });
}, 60_000);

afterAll(async () => {
  await service?.close().catch(() => undefined);
  postgres?.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('the service with EVENT_STORE=postgres', () => {
  const events = initialCertification({
    certificationId: 'PG-0001',
    appliedOn: '2025-03-01',
    certificateNo: '00125Q39999R0M',
  });

  it('stores a whole certification through REST, anchors it and shows the certificate as valid', async () => {
    for (const { certificationId, ...body } of events) {
      const response = await request(service.app)
        .post(`/v1/certifications/${certificationId}/events`)
        .set('authorization', AGENCY)
        .send(body);
      expect(response.status).toBe(201);
    }
    const stream = await request(service.app).get('/v1/certifications/PG-0001/events').set('authorization', AGENCY);
    expect(stream.body.events.map((e: { version: number }) => e.version)).toEqual(events.map((_, i) => i));
    const last = events.at(-1)!;
    const receipt = await until('the certificate event anchored', async () => {
      const response = await request(service.app).get(`/v1/events/${last.eventId}/receipt`);
      return response.body.status === 'anchored' ? response.body : undefined;
    });
    expect(receipt).toMatchObject({ backend: 'embedded', hash: stream.body.events.at(-1).hash });
    const certificate = await until('the certificate in the registry', async () => {
      const response = await request(service.app).get('/v1/certificates/00125Q39999R0M');
      return response.status === 200 ? response.body : undefined;
    });
    expect(certificate).toMatchObject({ status: 'valid', certificationId: 'PG-0001' });
    // The traceability read model follows the anchor receipts kept in PostgreSQL.
    const trace = await until('every step of the trace anchored', async () => {
      const response = await request(service.app).get('/v1/certifications/PG-0001/trace').set('authorization', AGENCY);
      const steps = (response.body.steps ?? []) as Array<{ anchor: { status: string } }>;
      return steps.length === events.length && steps.every((step) => step.anchor.status === 'anchored')
        ? steps
        : undefined;
    });
    expect(trace).toHaveLength(events.length);
  });

  it('answers 503 store-unavailable and is not ready once the server is gone', async () => {
    postgres.stop();
    const { certificationId, ...body } = initialCertification({
      certificationId: 'PG-0002',
      appliedOn: '2025-03-01',
    })[0]!;
    const response = await request(service.app)
      .post(`/v1/certifications/${certificationId}/events`)
      .set('authorization', AGENCY)
      .send(body);
    expect(response.status).toBe(503);
    expect(response.body.code).toBe('store-unavailable');
    expect((await request(service.app).get('/readyz')).status).toBe(503);
  });
});
