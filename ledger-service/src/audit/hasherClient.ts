import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { LogHead } from '@certledger/chaincode';
import { LogHasher, type HashPage, type HashResult } from './logHasher';

/** The hashing half of the audit, in a worker thread when the compiled worker exists, else in-process. */
export interface Hasher {
  readonly parallel: boolean;
  /** Hands a page over; resolves when the hasher can take another (at most `window` pages in flight). */
  submit(page: HashPage): Promise<void>;
  /** Checks the heads against the log and the log's key id (default: the first head's). */
  finish(heads: readonly LogHead[], logKeyId?: string): Promise<HashResult>;
  close(): Promise<void>;
}

const WORKER_FILE = path.join(__dirname, 'hashWorker.js');

export function createHasher(options: { readonly parallel?: boolean; readonly window?: number } = {}): Hasher {
  const parallel = options.parallel ?? fs.existsSync(WORKER_FILE);
  if (!parallel) {
    const hasher = new LogHasher();
    return {
      parallel: false,
      async submit(page) {
        hasher.process(page);
      },
      async finish(heads, logKeyId) {
        return hasher.finish(heads, logKeyId);
      },
      async close() {},
    };
  }
  const worker = new Worker(WORKER_FILE);
  const window = options.window ?? 4;
  let inFlight = 0;
  let roomFor: (() => void) | undefined;
  let finished: { resolve: (r: HashResult) => void; reject: (e: Error) => void } | undefined;
  let failure: Error | undefined;
  const fail = (error: Error): void => {
    failure = error;
    finished?.reject(error);
    roomFor?.();
  };
  worker.on('message', (message: { ack?: boolean; result?: HashResult; error?: string }) => {
    if (message.error) fail(new Error(`audit hash worker: ${message.error}`));
    else if (message.ack) {
      inFlight--;
      const wake = roomFor;
      roomFor = undefined;
      wake?.();
    } else if (message.result) finished?.resolve(message.result);
  });
  worker.on('error', fail);
  return {
    parallel: true,
    async submit(page) {
      if (failure) throw failure;
      inFlight++;
      const transfer = [
        page.bytes.buffer,
        page.offsets.buffer,
        page.hashes.buffer,
        page.positions.buffer,
        page.batch.buffer,
        page.leaf.buffer,
      ] as ArrayBuffer[];
      worker.postMessage({ page }, transfer);
      while (inFlight >= window && !failure) await new Promise<void>((resolve) => (roomFor = resolve));
      if (failure) throw failure;
    },
    finish(heads, logKeyId) {
      if (failure) return Promise.reject(failure);
      return new Promise<HashResult>((resolve, reject) => {
        finished = { resolve, reject };
        worker.postMessage({ finish: heads, logKeyId });
      });
    },
    async close() {
      await worker.terminate();
    },
  };
}
