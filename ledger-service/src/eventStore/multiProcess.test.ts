import { ChildProcess, fork } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EventStore } from './port';
import { openPostgresEventStore } from './postgres/postgresEventStore';
import { openSqliteEventStore } from './sqlite/sqliteEventStore';
import { newStreamId } from './testing/fixtures';
import { dropSchemas, testPostgresUrl, uniqueSchema } from './testing/postgresTestDb';

const PROCESSES = 4;
const ATTEMPTS = 50;
const WORKER = path.join(__dirname, 'testing', 'appendWorker.js');

interface Outcome {
  readonly eventId: string;
  readonly won: boolean;
  readonly version?: number;
  readonly code?: string;
}

const children = new Set<ChildProcess>();
afterEach(() => {
  for (const child of children) child.kill('SIGKILL');
  children.clear();
});

function startWorker(config: Record<string, unknown>): { ready: Promise<void>; go: () => Promise<Outcome[]> } {
  const child = fork(WORKER, [JSON.stringify(config)], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  children.add(child);
  const messages: Array<(message: Record<string, unknown>) => void> = [];
  const failed = new Promise<never>((_, reject) => {
    child.on('message', (message: Record<string, unknown>) => {
      if (message.error) reject(new Error(`worker failed: ${String(message.error)}`));
      else messages.shift()?.(message);
    });
    child.on('exit', (code) => reject(new Error(`worker exited with ${code}`)));
  });
  failed.catch(() => undefined);
  const next = () => Promise.race([new Promise<Record<string, unknown>>((resolve) => messages.push(resolve)), failed]);
  const ready = next().then(() => undefined);
  return {
    ready,
    go: async () => {
      const result = next();
      child.send('go');
      return (await result).outcomes as Outcome[];
    },
  };
}

/** Starts every worker, lets them all go at once, and returns every attempt's outcome. */
async function race(config: Record<string, unknown>): Promise<Outcome[]> {
  const workers = Array.from({ length: PROCESSES }, () => startWorker({ ...config, attempts: ATTEMPTS }));
  await Promise.all(workers.map((worker) => worker.ready));
  return (await Promise.all(workers.map((worker) => worker.go()))).flat();
}

async function expectOneWinnerPerVersion(store: EventStore, streamId: string, outcomes: readonly Outcome[]): Promise<void> {
  expect(outcomes).toHaveLength(PROCESSES * ATTEMPTS);
  const winners = outcomes.filter((outcome) => outcome.won);
  const losers = outcomes.filter((outcome) => !outcome.won);
  expect(losers.map((outcome) => outcome.code)).toEqual(losers.map(() => 'wrong-expected-version'));
  const stream = await store.readStream(streamId);
  expect(stream.map((event) => event.version)).toEqual(stream.map((_, index) => index));
  expect(new Set(stream.map((event) => event.eventId)).size).toBe(stream.length);
  expect(stream.map((event) => event.eventId).sort()).toEqual(winners.map((outcome) => outcome.eventId).sort());
  expect(winners.map((outcome) => outcome.version).sort((a, b) => Number(a) - Number(b))).toEqual(stream.map((e) => e.version));
  for (const loser of losers) expect(await store.findEvent(loser.eventId)).toBeUndefined();
  const log = await store.readAll(0, 10_000);
  expect(log.map((event) => event.position)).toEqual(log.map((_, index) => index + 1));
  console.info(`${PROCESSES} processes × ${ATTEMPTS} attempts: ${winners.length} appended, ${losers.length} refused as stale`);
}

describe('concurrent appends to one stream from several processes', () => {
  it('SQLite: exactly one winner per version, no gap, no fork', async () => {
    const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'certledger-mp-'));
    try {
      const store = openSqliteEventStore({ directory });
      const streamId = newStreamId();
      const outcomes = await race({ kind: 'sqlite', directory, streamId });
      await expectOneWinnerPerVersion(store, streamId, outcomes);
      await store.close();
    } finally {
      fs.rmSync(directory, { recursive: true, force: true });
    }
  }, 120_000);

  it('PostgreSQL: exactly one winner per version, no gap, no fork', async () => {
    const connectionString = testPostgresUrl();
    const schema = uniqueSchema('es_multiprocess');
    try {
      const store = await openPostgresEventStore({ connectionString, schema });
      const streamId = newStreamId();
      const outcomes = await race({ kind: 'postgres', connectionString, schema, streamId });
      await expectOneWinnerPerVersion(store, streamId, outcomes);
      await store.close();
    } finally {
      await dropSchemas(connectionString, [schema]);
    }
  }, 120_000);
});
