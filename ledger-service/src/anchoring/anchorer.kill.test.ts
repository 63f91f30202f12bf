import { ChildProcess, fork } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { eventRecordsOf, type StreamEventsRecord } from '@certledger/chaincode';
import type { EventStore, StoredEvent } from '../eventStore/port';
import { openSqliteEventStore } from '../eventStore/sqlite/sqliteEventStore';
import { createAnchorer } from './anchorer';
import { openSqliteAnchorStore } from './anchorStore';
import { openEmbeddedBackend } from './embedded';
import { appendTo, contractSigned, EventSpec, issued, restored, suspended } from './testing/events';

const WORKER = path.join(__dirname, 'testing', 'anchorWorker.js');
const KILLS = 20;
const AGENCIES = ['CNCA-R-2002-001', 'CNCA-R-2002-002', 'CNCA-R-2003-017'];

const children = new Set<ChildProcess>();
afterEach(() => {
  for (const child of children) child.kill('SIGKILL');
  children.clear();
});

/** Starts an anchorer process and resolves once it runs; returns a function that SIGKILLs it and waits for its end. */
async function startAnchorer(directory: string): Promise<() => Promise<void>> {
  const child = fork(WORKER, [JSON.stringify({ directory, maxBatchEvents: 6, maxBatchDelayMs: 5 })], {
    execArgv: [],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  children.add(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('exit', (code) => reject(new Error(`anchorer exited with ${code} before it ran`)));
  });
  return async () => {
    child.kill('SIGKILL');
    await exited;
    children.delete(child);
  };
}

/** Keeps appending to a rotating set of streams (with certificate events) until stopped. */
function appendContinuously(store: EventStore): { stop: () => Promise<void> } {
  let running = true;
  const loop = (async () => {
    for (let round = 0; running; round++) {
      const agencyId = AGENCIES[round % AGENCIES.length]!;
      const streamId = `certification-k${round % 9}-${agencyId}`;
      const stage = Math.floor(round / 9) % 4;
      const specs: EventSpec[] =
        stage === 0
          ? [contractSigned(round), issued(`CN-${round % 9}-${agencyId}`)]
          : stage === 1
            ? [suspended]
            : stage === 2
              ? [restored]
              : [contractSigned(round), contractSigned(round + 1)];
      await appendTo(store, streamId, agencyId, specs);
      await new Promise((resolve) => setTimeout(resolve, 3));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
    },
  };
}

describe('anchorer killed at random points', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'anchorer-kill-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it(`anchors every event exactly once across ${KILLS} SIGKILLs while events are appended`, async () => {
    const eventStore = openSqliteEventStore({ directory: dir });
    const appender = appendContinuously(eventStore);
    for (let kill = 0; kill < KILLS; kill++) {
      const stop = await startAnchorer(dir);
      await new Promise((resolve) => setTimeout(resolve, 20 + Math.floor(Math.random() * 250)));
      await stop();
    }
    await appender.stop();

    // A last run, in this process, finishes what the killed ones left.
    const anchorStore = openSqliteAnchorStore({ directory: dir });
    const byKilledRuns = await anchorStore.counts();
    expect(byKilledRuns.batches.committed).toBeGreaterThan(0);
    if (process.env.ANCHOR_KILL_REPORT) {
      const replays = (
        await Promise.all((await eventStore.readAll(0, 1_000_000)).map((e) => anchorStore.findEvent(e.eventId)))
      ).filter((found) => found?.anchor.leafIndex === 0 && found.batch.commit?.replayed).length;
      process.stderr.write(
        `kill test: ${JSON.stringify({ byKilledRuns, replayedBatches: replays, head: await eventStore.headPosition() })}\n`,
      );
    }
    const ledger = openEmbeddedBackend({ dataDir: dir });
    await createAnchorer({ eventStore, anchorStore, ledger, maxBatchEvents: 6 }).drain();

    const events: StoredEvent[] = await eventStore.readAll(0, 1_000_000);
    expect(events.length).toBeGreaterThan(KILLS);
    for (const event of events) {
      expect(await ledger.getEvent(event)).toMatchObject({
        hash: event.hash,
        version: event.version,
        streamId: event.streamId,
      });
    }
    const counts = await anchorStore.counts();
    expect(counts).toEqual({
      batches: { planned: 0, committed: counts.batches.committed, rejected: 0 },
      events: events.length,
    });

    // Exactly once on the ledger: as many event digests as events, each once, and the batches' sizes add up to the same.
    const db = new Database(ledger.file, { readonly: true });
    const rows = db.prepare('SELECT key, value FROM world_state').all() as Array<{ key: string; value: Buffer }>;
    const blocks = (db.prepare('SELECT COUNT(*) AS n FROM blocks').get() as { n: number }).n;
    db.close();
    const records = (kind: string) =>
      rows.filter((r) => r.key.startsWith(`\u0000${kind}\u0000`)).map((r) => JSON.parse(r.value.toString()));
    const digests = (records('events') as StreamEventsRecord[]).flatMap(eventRecordsOf);
    expect(digests).toHaveLength(events.length);
    expect(new Set(digests.map((d) => d.eventId)).size).toBe(events.length);
    const batches = records('batch') as Array<{ batchId: string; size: number; transactionId: string }>;
    expect(batches.reduce((sum, b) => sum + b.size, 0)).toBe(events.length);
    expect(batches).toHaveLength(counts.batches.committed);
    expect(blocks).toBe(batches.length);
    for (const batch of batches)
      expect((await anchorStore.getBatch(batch.batchId))?.commit?.transactionId).toBe(batch.transactionId);
    for (const stream of new Set(events.map((e) => e.streamId))) {
      const last = events.filter((e) => e.streamId === stream).pop()!;
      expect(await ledger.getStreamHead(stream)).toMatchObject({ version: last.version, hash: last.hash });
    }
    const certificates = events.filter((e) => e.type === 'CertificateIssued').length;
    expect(certificates).toBeGreaterThan(0);
    await Promise.all([eventStore.close(), anchorStore.close(), ledger.close()]);
  }, 240_000);
});
