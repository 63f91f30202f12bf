import { Worker } from 'node:worker_threads';
import { compiledFile } from '../../compiledFile';
import { unavailable, unconfirmed } from '../appendRules';
import type { AppendRequest, EventStoreError } from '../port';
import {
  fromWireBatch,
  fromWireError,
  openConnection,
  SqliteWriter,
  toWireRequest,
  type CommittedBatch,
  type WireBatch,
  type WireError,
  type WriterConnection,
} from './sqliteWriter';

/** Where the store's batches are committed: on the event loop, or in a worker thread. */
export interface BatchWriter {
  commit(requests: readonly AppendRequest[]): Promise<CommittedBatch>;
  /** Rejects with store-unavailable while the writer cannot commit. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** The compiled worker (compiledFile). */
export function writerThreadFile(): string | undefined {
  return compiledFile(__dirname, 'writerThread.js');
}

export function inProcessWriter(connection: WriterConnection): BatchWriter {
  const writer = new SqliteWriter(openConnection(connection));
  return {
    async commit(requests) {
      return writer.commit(requests);
    },
    async ping() {},
    async close() {
      writer.close();
    },
  };
}

interface Pending {
  readonly requests: readonly AppendRequest[];
  readonly resolve: (batch: CommittedBatch) => void;
  readonly reject: (error: Error) => void;
}

type Reply = { readonly id: number } & ({ readonly batch: WireBatch } | { readonly failure: WireError });

/**
 * Commits in a worker thread with its own connection, so that the fsync of each group commit and
 * the inserts run beside the event loop instead of stopping it. Callers still wait for the commit.
 * When the thread dies, the commits it held fail as store-unavailable with outcome unknown (it may
 * have died between a COMMIT and its answer), commits until a new thread starts (after
 * restartDelayMs) as store-unavailable: nothing of them was sent.
 */
export function threadWriter(connection: WriterConnection, file: string, restartDelayMs = 500): BatchWriter {
  const pending = new Map<number, Pending>();
  let nextId = 0;
  let down: EventStoreError | undefined;
  let crash: Error | undefined;
  let restart: NodeJS.Timeout | undefined;
  let closing = false;

  const start = (): Worker => {
    const started = new Worker(file, { workerData: connection });
    started.unref();
    started.on('error', (error) => {
      crash ??= error;
      down ??= unavailable(error);
    });
    started.on('exit', (code) => died(code));
    started.on('message', (reply: Reply) => {
      const waiting = pending.get(reply.id);
      pending.delete(reply.id);
      if (pending.size === 0) started.unref();
      if ('failure' in reply) waiting?.reject(fromWireError(reply.failure));
      else waiting?.resolve(fromWireBatch(waiting.requests, reply.batch));
    });
    return started;
  };
  const died = (code: number): void => {
    const cause = crash ?? new Error(`the SQLite writer thread exited (${code})`);
    crash = undefined;
    down ??= unavailable(cause);
    // The thread may have died between committing a batch it held and answering it.
    const lost = unconfirmed(cause);
    for (const waiting of pending.values()) waiting.reject(lost);
    pending.clear();
    if (closing) return;
    restart = setTimeout(() => {
      restart = undefined;
      down = undefined;
      worker = start();
    }, restartDelayMs);
    restart.unref();
  };
  let worker = start();

  return {
    commit(requests) {
      if (down) return Promise.reject(down);
      return new Promise((resolve, reject) => {
        const id = nextId++;
        pending.set(id, { requests, resolve, reject });
        // A commit under way keeps the process alive until it is durable and answered.
        worker.ref();
        worker.postMessage({ id, requests: requests.map(toWireRequest) });
      });
    },
    async ping() {
      if (down) throw down;
    },
    async close() {
      closing = true;
      clearTimeout(restart);
      if (down) return;
      const exited = new Promise((resolve) => worker.once('exit', resolve));
      worker.ref();
      worker.postMessage('close');
      await exited;
    },
  };
}
