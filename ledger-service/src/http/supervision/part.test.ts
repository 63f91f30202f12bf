import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import request from 'supertest';
import { createSqliteReadStore } from '@certledger/projections';
import { composeLedgerService, type LedgerService } from '../../compose';
import { loadConfig } from '../../config';
import { createSupervisionPart, type SupervisionPart } from './part';

describe('supervision where the workers evaluate elsewhere (evaluateOnTimer: false)', () => {
  let dir: string;
  let service: LedgerService;
  let part: SupervisionPart;
  let now = new Date('2026-03-01T02:00:00Z');

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'supervision-part-'));
    const readStore = createSqliteReadStore({ file: path.join(dir, 'read.sqlite') });
    service = await composeLedgerService({
      config: loadConfig({ LEDGER_DATA_DIR: dir }),
      logger: pino({ level: 'silent' }),
      parts: async ({ store }) => [
        (part = await createSupervisionPart({
          eventStore: store,
          readStore,
          logger: pino({ level: 'silent' }),
          ownRunner: true,
          evaluateOnTimer: false,
          clock: () => now,
        })),
      ],
    });
  });
  afterAll(async () => {
    await service.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const supervisionCheck = async () => (await request(service.app).get('/readyz')).body.checks.supervision;

  it('never evaluates on a read, which would stop the API meanwhile, and serves the last evaluation', async () => {
    const response = await request(service.app).get('/v1/warnings').set('authorization', 'Bearer demo-regulator-3201');
    expect(response.status).toBe(200);
    expect(await part.supervision.evaluatedAt()).toBeUndefined();
    expect(await supervisionCheck()).toMatchObject({ ok: true, detail: 'not evaluated yet' });
  });

  it('says in /readyz how old the workers’ last evaluation is, degraded past five minutes', async () => {
    await part.supervision.tick();
    expect(await supervisionCheck()).toMatchObject({ ok: true, detail: 'warnings evaluated 0 s ago' });
    now = new Date(now.getTime() + 6 * 60_000);
    expect(await supervisionCheck()).toMatchObject({ ok: false, detail: 'warnings evaluated 360 s ago' });
    expect((await request(service.app).get('/readyz')).body.status).toBe('degraded');
  });
});
