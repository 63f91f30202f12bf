import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import request from 'supertest';
import { composeLedgerService, type LedgerService, type ServicePart } from './compose';
import { loadConfig } from './config';
import { openSqliteEventStore } from './eventStore';
import { AppendWaiters } from './eventStore/waiters';
import { defaultParts } from './parts';
import { initialCertification, type ScenarioEvent } from './testing/scenario';
import { until } from './testing/until';
import { appendTo, contractSigned } from './anchoring/testing/events';
import { wakingOn } from './workerParts';
import { createWorkersThreadPart, type FromWorkers, type WorkersThreadPart } from './workersThread';

const AGENCY = 'Bearer demo-agency-001';
const ADMIN = 'Bearer demo-admin';
const CERTIFICATE_NO = 'THREAD-0001';

/** The value of one series in a /metrics text, undefined when absent. */
const sampleOf = (text: string, series: string): number | undefined => {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};

describe('the workers on a thread of the service (LEDGER_WORKERS=thread, the default)', () => {
  let dataDir: string;
  let service: LedgerService;
  let workers: WorkersThreadPart;

  const submit = async (event: ScenarioEvent): Promise<void> => {
    const { certificationId, ...body } = event;
    const response = await request(service.app)
      .post(`/v1/certifications/${certificationId}/events`)
      .set('authorization', AGENCY)
      .send(body);
    expect(response.status).toBe(201);
  };
  const certificate = async (): Promise<Record<string, any> | undefined> => {
    const response = await request(service.app).get(`/v1/certificates/${CERTIFICATE_NO}`);
    return response.status === 200 ? (response.body as Record<string, any>) : undefined;
  };
  const workersCheck = async (): Promise<{ ok: boolean; detail?: string }> =>
    (await request(service.app).get('/readyz')).body.checks.workers;

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'workers-thread-'));
    const config = loadConfig({
      LEDGER_DATA_DIR: dataDir,
      LEDGER_LOG_HEAD_SECONDS: '0.2',
      LEDGER_SUPERVISION_SECONDS: '0.2',
    });
    expect(config.workers).toBe('thread');
    const logger = pino({ level: 'silent' });
    let parts: readonly ServicePart[] = [];
    service = await composeLedgerService({
      config,
      logger,
      parts: async (context) => (parts = await defaultParts({ config, logger, ...context })),
    });
    workers = parts.find((part) => part.name === 'workers') as WorkersThreadPart;
  });

  afterAll(async () => {
    await service.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('anchors and projects what the service takes in, and says so in /readyz', async () => {
    await until('the workers thread to start', async () => ((await workersCheck()).ok ? true : undefined), 15_000);
    expect((await workersCheck()).detail).toMatch(/anchoring.*read-side/);
    for (const event of initialCertification({
      certificationId: 'THREAD-1',
      appliedOn: '2025-03-01',
      certificateNo: CERTIFICATE_NO,
    }))
      await submit(event);
    const issued = await until('the certificate, anchored', async () => {
      const body = await certificate();
      return body?.proofs[0]?.receipt?.status === 'anchored' ? body : undefined;
    });
    expect(issued.status).toBe('valid');
    // Once the anchors read model holds the receipts, the answer is kept in the API thread's memory
    // (the answer cache), and asked again, it comes from there.
    const readSide = async () => (await request(service.app).get('/readyz')).body.checks['read-side'].detail as string;
    await until('the answer, kept', async () => {
      await certificate();
      return /answers kept 1 /.test(await readSide()) ? true : undefined;
    });
    const hits = async () => Number(/, (\d+) of \d+ lookups answered from memory/.exec(await readSide())![1]);
    const before = await hits();
    expect((await certificate())?.status).toBe('valid');
    expect(await hits()).toBe(before + 1);
  });

  it("serves /metrics to admins, with the figures of the workers thread's parts beside its own", async () => {
    await until('the workers thread to start', async () => ((await workersCheck()).ok ? true : undefined), 15_000);
    const response = await until('the anchored events, counted', async () => {
      const scraped = await request(service.app).get('/metrics').set('authorization', ADMIN);
      return sampleOf(scraped.text, 'certledger_anchor_events_anchored_total{backend="embedded"}') === 14
        ? scraped
        : undefined;
    });
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = response.text;
    expect(sampleOf(text, 'certledger_event_store_head_position')).toBe(14);
    expect(sampleOf(text, 'certledger_anchor_unanchored_events{backend="embedded"}')).toBe(0);
    expect(sampleOf(text, 'certledger_metrics_part_up{part="workers"}')).toBe(1);
    expect(sampleOf(text, 'certledger_metrics_part_up{part="workers/anchoring"}')).toBe(1);
    expect(sampleOf(text, 'certledger_read_model_lag_events{model="registry"}')).toBeGreaterThanOrEqual(0);
    // Each family once, with its help and type, whichever threads reported it.
    for (const name of new Set([...text.matchAll(/^(certledger_\w+)[{ ]/gm)].map((match) => match[1]!))) {
      expect(text.match(new RegExp(`^# HELP ${name} `, 'gm'))).toHaveLength(1);
      expect(text.match(new RegExp(`^# TYPE ${name} (gauge|counter)$`, 'gm'))).toHaveLength(1);
    }
    const series = text
      .split('\n')
      .filter((line) => line !== '' && !line.startsWith('#'))
      .map((line) => line.split(' ')[0]);
    expect(new Set(series).size).toBe(series.length);

    const publicCaller = await request(service.app).get('/metrics');
    expect(publicCaller.status).toBe(401);
    expect(publicCaller.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(publicCaller.body.code).toBe('unauthenticated');
    const agency = await request(service.app).get('/metrics').set('authorization', AGENCY);
    expect(agency.status).toBe(403);
    expect(agency.body.code).toBe('forbidden');
  });

  it("says in /readyz that the thread's anchorer has stalled, with its alarm, until the thread says it no longer has", async () => {
    const stall = {
      alarm: { code: 'ANCHORING_STALLED', batchId: 'b'.repeat(64), attempts: 20 },
      detail: 'anchoring stalled: for the test',
    };
    await until('the workers thread to start', async () => ((await workersCheck()).ok ? true : undefined), 15_000);
    // What the thread's watchStalls posts (part.test.ts): the thread's own anchorer does not stall here.
    workers.thread.emit('message', { type: 'anchoring', stall } satisfies FromWorkers);
    const readiness = (await request(service.app).get('/readyz')).body;
    expect(readiness.status).toBe('degraded');
    expect(readiness.checks.workers).toEqual({
      ok: false,
      detail: expect.stringMatching(/^running .*; anchoring stalled: for the test$/),
      alarm: stall.alarm,
    });
    workers.thread.emit('message', { type: 'anchoring' } satisfies FromWorkers);
    expect(await workersCheck()).toMatchObject({ ok: true });
  });

  it('serves the log heads that the workers thread signs, with consistency proofs between them', async () => {
    const latest = await until('a head over the 14 events', async () => {
      const response = await request(service.app).get('/v1/log/head');
      return response.status === 200 && response.body.treeSize === 14 ? response.body : undefined;
    });
    const { heads } = (await request(service.app).get('/v1/log/heads').expect(200)).body;
    expect(heads.at(-1)).toEqual(latest);
    const first = heads[0];
    const proof = (await request(service.app).get(`/v1/log/consistency?from=${first.treeSize}`).expect(200)).body;
    expect(proof).toMatchObject({ from: first.treeSize, to: 14, fromRoot: first.rootHash, toRoot: latest.rootHash });
    expect((await request(service.app).get('/readyz')).body.checks.logHeads.detail).toBe('log heads up to 14 events');
  });

  it('evaluates the early warnings on a thread of their own, whose evaluation the API serves', async () => {
    expect((await workersCheck()).detail).toMatch(/supervision-evaluation/);
    const check = await until('an evaluation', async () => {
      const supervision = (await request(service.app).get('/readyz')).body.checks.supervision;
      return /warnings evaluated \d+ s ago/.test(supervision.detail ?? '') ? supervision : undefined;
    });
    expect(check.ok).toBe(true);
    const warnings = await request(service.app).get('/v1/warnings').set('authorization', 'Bearer demo-regulator-3201');
    expect(warnings.status).toBe(200);
  });

  // The API thread keeps the valid answer in memory; the new workers thread's commit must reach it.
  it('starts a new thread when its thread dies, which catches up with what came in meanwhile', async () => {
    const dead = workers.thread;
    await dead.terminate();
    expect((await workersCheck()).ok).toBe(false);
    // The anchorer's counters are the thread's: while it is down, they are left out, and said to be.
    const scraped = (await request(service.app).get('/metrics').set('authorization', ADMIN).expect(200)).text;
    expect(sampleOf(scraped, 'certledger_metrics_part_up{part="workers"}')).toBe(0);
    expect(sampleOf(scraped, 'certledger_metrics_part_up{part="anchoring"}')).toBe(1);
    expect(scraped).not.toContain('certledger_anchor_events_anchored_total');
    expect(sampleOf(scraped, 'certledger_event_store_head_position')).toBe(14);
    await submit({
      certificationId: 'THREAD-1',
      eventId: randomUUID(),
      type: 'CertificateSuspended',
      occurredAt: '2025-09-01T10:00:00+08:00',
      data: { reason: '未按期接受监督审核', until: '2025-12-01' },
    });
    await until('a new workers thread', async () => ((await workersCheck()).ok ? true : undefined), 15_000);
    expect(workers.thread).not.toBe(dead);
    const suspended = await until('the suspension, projected', async () => {
      const body = await certificate();
      return body?.status === 'suspended' ? body : undefined;
    });
    expect(suspended.proofs).toHaveLength(2);
  });

  it('stops its thread when the service closes', async () => {
    const thread = workers.thread;
    const exited = new Promise<number>((resolve) => thread.once('exit', resolve));
    await service.close();
    expect(await exited).toBe(0);
    service = { ...service, close: async () => undefined };
  });
});

describe('a workers thread that cannot start', () => {
  it('is not ready, says why in the log (not in /readyz, which is public), and is tried again', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'workers-failing-'));
    const store = openSqliteEventStore({ directory: dataDir });
    const config = loadConfig({
      LEDGER_DATA_DIR: dataDir,
      LEDGER_BACKEND: 'fabric',
      FABRIC_CONNECTION: path.join(dataDir, 'no-such-connection.json'),
    });
    const lines: string[] = [];
    const logger = pino({ level: 'error' }, { write: (line: string) => void lines.push(line) });
    const part = createWorkersThreadPart({ config, store, logger, restartDelayMs: 50 });
    try {
      const first = part.thread;
      const check = await until('the thread to fail', async () => {
        const state = await part.readiness!();
        return /exited/.test(state.detail ?? '') ? state : undefined;
      });
      expect(check.ok).toBe(false);
      expect(check.detail).toMatch(/^thread exited \(1\); restarting in \d+ ms$/);
      expect(lines.find((line) => line.includes('workers thread exited'))).toMatch(/no-such-connection\.json/);
      await until('a second attempt', async () => (part.thread !== first ? true : undefined));
    } finally {
      await part.close();
      await store.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('a store woken by another thread’s commits (wakingOn)', () => {
  it('wakes a follower when the head is signalled, which its own connection notices only at its next poll', async () => {
    const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'waking-on-'));
    const writer = openSqliteEventStore({ directory });
    // A poll too rare to matter here: only the signal can wake the follower.
    const follower = openSqliteEventStore({ directory, pollIntervalMs: 600_000 });
    const signals = new AppendWaiters({ head: () => follower.headPosition(), pollIntervalMs: 0 });
    const woken = wakingOn(signals, follower);
    const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    try {
      let wokeUp = false;
      const waiting = woken.waitForAppend(0, 600_000).then(() => (wokeUp = true));
      await pause(100);
      const [stored] = await appendTo(writer, 'certification-WAKE-1', 'CB-1', [contractSigned(1)]);
      await pause(300);
      expect(wokeUp).toBe(false);
      signals.notify(stored!.position);
      await waiting;
      expect(wokeUp).toBe(true);
      expect(await woken.headPosition()).toBe(stored!.position);
    } finally {
      await woken.close();
      await writer.close();
      fs.rmSync(directory, { recursive: true, force: true });
    }
  });
});
