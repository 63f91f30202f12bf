import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { unavailable } from '../appendRules';
import type { AppendRequest } from '../port';
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
  close(): Promise<void>;
}

/** The compiled worker: beside this module, or in dist/ when this module runs from src/ (as under jest). */
export function writerThreadFile(): string | undefined {
  return [
    path.join(__dirname, 'writerThread.js'),
    path.resolve(__dirname, '../../../dist/eventStore/sqlite/writerThread.js'),
  ].find((file) => fs.existsSync(file));
}

export function inProcessWriter(connection: WriterConnection): BatchWriter {
  const writer = new SqliteWriter(openConnection(connection));
  return {
    async commit(requests) {
      return writer.commit(requests);
    },
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
 */
export function threadWriter(connection: WriterConnection, file: string): BatchWriter {
  const worker = new Worker(file, { workerData: connection });
  worker.unref();
  const pending = new Map<number, Pending>();
  let nextId = 0;
  let broken: Error | undefined;
  const fail = (error: unknown): void => {
    broken ??= unavailable(error);
    for (const waiting of pending.values()) waiting.reject(broken);
    pending.clear();
  };
  worker.on('error', fail);
  worker.on('exit', (code) => fail(new Error(`the SQLite writer thread exited (${code})`)));
  worker.on('message', (reply: Reply) => {
    const waiting = pending.get(reply.id);
    pending.delete(reply.id);
    if (pending.size === 0) worker.unref();
    if ('failure' in reply) waiting?.reject(fromWireError(reply.failure));
    else waiting?.resolve(fromWireBatch(waiting.requests, reply.batch));
  });
  return {
    commit(requests) {
      if (broken) return Promise.reject(broken);
      return new Promise((resolve, reject) => {
        const id = nextId++;
        pending.set(id, { requests, resolve, reject });
        // A commit under way keeps the process alive until it is durable and answered.
        worker.ref();
        worker.postMessage({ id, requests: requests.map(toWireRequest) });
      });
    },
    async close() {
      if (broken) return;
      const exited = new Promise((resolve) => worker.once('exit', resolve));
      worker.ref();
      worker.postMessage('close');
      await exited;
    },
  };
}
