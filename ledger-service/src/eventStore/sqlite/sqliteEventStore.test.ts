import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { EventStoreError } from '../port';
import { eventStoreContract } from '../testing/contract';
import { appendRequest, newStreamId } from '../testing/fixtures';
import { eventually, watchWorkerThreads } from '../testing/writerThreads';
import { writerThreadFile } from './batchWriter';
import { openSqliteEventStore, SQLITE_FILE_NAME } from './sqliteEventStore';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'certledger-sqlite-'));
let counter = 0;
const freshDirectory = () => path.join(root, `store-${++counter}`);

afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

for (const writerThread of [true, false]) {
  eventStoreContract(`SQLite, committing ${writerThread ? 'in a writer thread' : 'on the event loop'}`, {
    open: async () => {
      const directory = freshDirectory();
      return {
        store: openSqliteEventStore({ directory, pollIntervalMs: 20, writerThread }),
        openAnother: async () => openSqliteEventStore({ directory, pollIntervalMs: 20, writerThread }),
      };
    },
  });
}

describe('SQLite event store', () => {
  it('commits in a worker thread by default', () => {
    expect(writerThreadFile()).toBeDefined();
  });

  it('keeps its events in WAL mode with full fsync, across a reopen', async () => {
    const directory = freshDirectory();
    const store = openSqliteEventStore({ directory });
    const streamId = newStreamId();
    const stored = await store.append(appendRequest(streamId, -1, 2));
    await store.close();
    const db = new Database(path.join(directory, SQLITE_FILE_NAME), { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
    const reopened = openSqliteEventStore({ directory });
    expect(await reopened.readStream(streamId)).toEqual(stored);
    await reopened.close();
  });

  it('commits appends that arrive together in one batch, each request deciding on its own', async () => {
    const store = openSqliteEventStore({ directory: freshDirectory() });
    const streamId = newStreamId();
    const requests = [appendRequest(streamId, -1), appendRequest(streamId, -1), appendRequest(newStreamId(), -1, 2)];
    const results = await Promise.allSettled(requests.map((request) => store.append(request)));
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    const recordedAt = results.flatMap((result) =>
      result.status === 'fulfilled' ? result.value.map((e) => e.recordedAt) : [],
    );
    expect(new Set(recordedAt).size).toBe(1);
    expect((await store.readAll(0, 10)).map((event) => event.position)).toEqual([1, 2, 3]);
    await store.close();
  });

  it('answers store-unavailable when the disk is full, and keeps no part of the failed append', async () => {
    const directory = freshDirectory();
    openSqliteEventStore({ directory }).close();
    const pages = Number(new Database(path.join(directory, SQLITE_FILE_NAME)).pragma('page_count', { simple: true }));
    const store = openSqliteEventStore({ directory, maxPageCount: pages + 2 });
    const small = newStreamId();
    const kept = await store.append(appendRequest(small, -1));
    const big = newStreamId();
    const request = appendRequest(big, -1, 200);
    const error = await store.append(request).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(EventStoreError);
    expect((error as EventStoreError).code).toBe('store-unavailable');
    expect((error as EventStoreError).detail.reason).toBe('SQLITE_FULL');
    // Refused while inserting, before COMMIT: surely not written.
    expect((error as EventStoreError).detail.outcome).toBeUndefined();
    expect(await store.readStream(big)).toEqual([]);
    expect(await store.readAll(0, 1000)).toEqual(kept);
    await store.close();
  });

  it('answers store-unavailable when its writer thread dies, outcome unknown for the batch it held, then starts a new one', async () => {
    const workers = watchWorkerThreads();
    const store = openSqliteEventStore({ directory: freshDirectory(), writerThread: true });
    workers.stop();
    const [writer] = workers.started;
    const streamId = newStreamId();
    const request = appendRequest(streamId, -1, 50);
    const inFlight = store.append(request).catch((e: unknown) => e);
    await writer!.terminate();
    // The thread may have died between committing the batch and answering it.
    expect(await inFlight).toMatchObject({ code: 'store-unavailable', detail: { outcome: 'unknown' } });
    await expect(store.ping()).rejects.toMatchObject({ code: 'store-unavailable' });
    // Sent to no thread at all: nothing written.
    const refused = await store.append(appendRequest(newStreamId(), -1)).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'store-unavailable' });
    expect((refused as EventStoreError).detail.outcome).toBeUndefined();
    expect(await store.readStream(streamId)).toEqual([]);
    await eventually(() =>
      store.ping().then(
        () => true,
        () => false,
      ),
    );
    const stored = await store.append(request);
    expect(await store.readStream(streamId)).toEqual(stored);
    await store.close();
  });

  it('answers store-unavailable when the directory cannot hold a database', () => {
    const file = path.join(root, 'not-a-directory');
    fs.writeFileSync(file, '');
    expect(() => openSqliteEventStore({ directory: file })).toThrow(EventStoreError);
  });
});
