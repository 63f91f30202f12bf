import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { CHECK_FAILED, composeLedgerService, EVENT_STORE_DOWN, type LedgerService } from './compose';
import { loadConfig } from './config';
import { createLogger } from './logging';

/** What a PostgreSQL driver may say of a store it cannot reach: host, port, user, password, SQL. */
const SECRET_LOOKING =
  'connect ECONNREFUSED 10.20.30.40:5432 (postgres://certledger:hunter2@db.internal:5432/ledger) while running SELECT lag FROM checkpoints';

describe('GET /readyz when a check fails with an error', () => {
  let dataDir: string;
  let service: LedgerService;
  let logged: string[];

  beforeEach(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'ledger-readyz-'));
    logged = [];
    const logger = createLogger({ level: 'warn' }, { write: (line: string) => void logged.push(line) });
    const failing = {
      name: 'read-side',
      readiness: async () => {
        throw new Error(SECRET_LOOKING);
      },
      close: async () => undefined,
    };
    service = await composeLedgerService({
      config: loadConfig({ LEDGER_DATA_DIR: dataDir }),
      logger,
      parts: async () => [failing],
    });
  });

  afterEach(async () => {
    await service.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("names the part with a fixed phrase, and logs the error's words at warn without the password", async () => {
    const ready = await request(service.app).get('/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({
      status: 'degraded',
      checks: { eventStore: { ok: true, essential: true }, 'read-side': { ok: false, detail: CHECK_FAILED } },
    });
    expect(ready.text).not.toMatch(/hunter2|10\.20\.30\.40|db\.internal|certledger|SELECT/);

    const line = JSON.parse(logged.find((text) => text.includes('readiness check failed'))!);
    expect(line).toMatchObject({
      level: 40,
      check: 'read-side',
      err: { message: expect.stringContaining('db.internal') },
    });
    expect(logged.join('')).not.toContain('hunter2');
  });

  it('says of an event store that does not answer only that it does not', async () => {
    jest.spyOn(service.store, 'ping').mockRejectedValue(new Error(SECRET_LOOKING));
    const ready = await request(service.app).get('/readyz');
    expect(ready.status).toBe(503);
    expect(ready.body.status).toBe('not-ready');
    expect(ready.body.checks.eventStore).toEqual({ ok: false, essential: true, detail: EVENT_STORE_DOWN });
    expect(ready.text).not.toMatch(/hunter2|10\.20\.30\.40|db\.internal|certledger|SELECT/);
    expect(logged.some((text) => text.includes('"check":"eventStore"'))).toBe(true);
    expect(logged.join('')).not.toContain('hunter2');
  });

  it('logs a check that keeps failing once, not at every poll of /readyz, and its recovery at info', async () => {
    const logger = createLogger({ level: 'info' }, { write: (line: string) => void logged.push(line) });
    const local = await composeLedgerService({ config: loadConfig({ LEDGER_DATA_DIR: dataDir }), logger });
    try {
      const ping = jest.spyOn(local.store, 'ping').mockRejectedValue(new Error('ECONNREFUSED 10.20.30.40:5432'));
      const polls = async (count: number) => {
        for (let poll = 0; poll < count; poll += 1) await request(local.app).get('/readyz');
      };
      logged.length = 0;
      await polls(5);
      ping.mockResolvedValue(undefined);
      await polls(2);
      ping.mockRejectedValue(new Error('ETIMEDOUT'));
      await polls(2);
      const checkLines = logged
        .map((line) => JSON.parse(line) as { level: number; msg: string; check?: string; err?: { message: string } })
        .filter((line) => line.check === 'eventStore')
        .map((line) => `${line.level} ${line.msg}${line.err ? `: ${line.err.message}` : ''}`);
      expect(checkLines).toEqual([
        '40 readiness check failed: ECONNREFUSED 10.20.30.40:5432',
        '30 readiness check passes again',
        '40 readiness check failed: ETIMEDOUT',
      ]);
    } finally {
      await local.close();
    }
  });
});
