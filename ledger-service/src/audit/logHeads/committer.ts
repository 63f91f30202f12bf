import fs from 'node:fs';
import path from 'node:path';
import type { LogHead } from '@certledger/chaincode';
import type { EventStore } from '../../eventStore/port';
import { LogTree } from '../logTree';
import type { LogHeadLedger } from './ledger';
import type { LogHeadSigner } from './signer';

export const LOG_HEADS_FILE = 'log-heads.jsonl';

export interface CommitterLogger {
  info(object: object, message?: string): void;
  warn(object: object, message?: string): void;
  error(object: object, message?: string): void;
}

export interface LogHeadCommitterOptions {
  readonly store: EventStore;
  readonly signer: LogHeadSigner;
  /** Where heads are committed; without one they are only signed and recorded locally. */
  readonly ledger?: LogHeadLedger;
  /** Directory of the local record of heads (LEDGER_DATA_DIR). */
  readonly dataDir: string;
  /**
   * How often a head is committed when the log has grown (default 60 s); a quiet log's head is
   * signed again every two intervals on the ledger, to show it quiet rather than cut back.
   */
  readonly intervalMs?: number;
  readonly logger?: CommitterLogger;
  readonly now?: () => Date;
  /**
   * False where another process (the service's workers) commits the heads: this one then follows
   * their local record, never writing it, and serves what it holds (default true).
   */
  readonly commits?: boolean;
}

export interface LogHeadCommitter {
  /** Commits a head every intervalMs while the log grows. */
  start(): void;
  stop(): Promise<void>;
  /** Catches up with the log and commits a head when it grew since the latest one; returns the latest head. */
  commitNow(): Promise<LogHead | undefined>;
  /** Catches up with the log and, where another process commits the heads, with their local record. */
  sync(): Promise<void>;
  /** The latest head signed by this service (committed to the ledger when there is one). */
  latest(): LogHead | undefined;
  /** Heads recorded locally, smallest first. */
  heads(): readonly LogHead[];
  readonly publicKey: string;
  readonly keyId: string;
  /** Root and consistency proofs over the log as this service holds it (sizes up to the followed size). */
  root(size: number): string;
  consistencyProof(from: number, to: number): string[];
  size(): number;
}

export class LogHeadError extends Error {
  constructor(
    readonly code: 'log-head-inconsistent' | 'log-head-range',
    message: string,
  ) {
    super(message);
    this.name = 'LogHeadError';
  }
}

/** A quiet log's head is signed again after this many intervals: with the timer's, at most 3, what the audit tolerates by default. */
const QUIET_INTERVALS = 2;

const silent: CommitterLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };

/**
 * The heads this service committed, one JSON line each. A last line without its newline was cut
 * short (a crash or a full disk during the append): it is dropped from the file, or the next head
 * would be appended to it; the ledger holds every committed head anyway.
 */
function repairLocalHeads(file: string, logger: CommitterLogger): void {
  if (!fs.existsSync(file)) return;
  const text = fs.readFileSync(file, 'utf8');
  const complete = text.slice(0, text.lastIndexOf('\n') + 1);
  if (complete.length < text.length) {
    fs.truncateSync(file, Buffer.byteLength(complete));
    logger.warn(
      { file, droppedBytes: Buffer.byteLength(text) - Buffer.byteLength(complete) },
      'dropped an unfinished last line of the local log heads',
    );
  }
}

/**
 * The local record of heads as far as it is complete: lines are read from where the last read
 * stopped, and a line still being written waits for the next read.
 */
function localHeadsRecord(file: string, logger: CommitterLogger) {
  const heads: LogHead[] = [];
  let offset = 0;
  return {
    heads,
    read(): void {
      if (!fs.existsSync(file)) return;
      const size = fs.statSync(file).size;
      if (size < offset) {
        heads.length = 0;
        offset = 0;
      }
      if (size === offset) return;
      const fd = fs.openSync(file, 'r');
      let complete: Buffer;
      try {
        const bytes = Buffer.alloc(size - offset);
        fs.readSync(fd, bytes, 0, bytes.length, offset);
        complete = bytes.subarray(0, bytes.lastIndexOf(0x0a) + 1);
      } finally {
        fs.closeSync(fd);
      }
      // Every complete line once: one that is no head is skipped (the ledger holds every head).
      for (const line of complete.toString('utf8').split('\n')) {
        if (line.trim() === '') continue;
        try {
          heads.push(JSON.parse(line) as LogHead);
        } catch {
          logger.warn({ file, offset }, 'skipped a line of the local log heads that is no head');
        }
      }
      offset += complete.length;
    },
    append(head: LogHead): void {
      const line = `${JSON.stringify(head)}\n`;
      appendDurably(file, line);
      heads.push(head);
      offset += Buffer.byteLength(line);
    },
  };
}

/**
 * Appends one line and syncs it, so that an acknowledged head survives a power cut. A write or sync
 * that fails (a full disk) is undone: the file is cut back to where it ended, so the next head starts
 * on a line of its own instead of running on from a torn one.
 */
function appendDurably(file: string, line: string): void {
  const fd = fs.openSync(file, 'a');
  try {
    const end = fs.fstatSync(fd).size;
    try {
      const bytes = Buffer.from(line);
      for (let written = 0; written < bytes.length;)
        written += fs.writeSync(fd, bytes, written, bytes.length - written);
      fs.fsyncSync(fd);
    } catch (error) {
      cutBack(fd, end, error);
    }
  } finally {
    fs.closeSync(fd);
  }
}

/** Truncates the file back to `end` and rethrows `failure`, or an error saying the file could not be cut back. */
function cutBack(fd: number, end: number, failure: unknown): never {
  try {
    fs.ftruncateSync(fd, end);
    fs.fsyncSync(fd);
  } catch (error) {
    throw new AggregateError(
      [failure, error],
      'a log head line was cut short and could not be removed: the next start drops it',
    );
  }
  throw failure;
}

/** Follows the global log into an RFC 6962 tree and periodically signs and commits its head. */
export function createLogHeadCommitter(options: LogHeadCommitterOptions): LogHeadCommitter {
  const { store, signer } = options;
  const logger = options.logger ?? silent;
  const now = options.now ?? (() => new Date());
  const file = path.join(options.dataDir, LOG_HEADS_FILE);
  const tree = new LogTree();
  const commits = options.commits ?? true;
  const intervalMs = options.intervalMs ?? 60_000;
  if (commits) repairLocalHeads(file, logger);
  const record = localHeadsRecord(file, logger);
  record.read();
  const local = record.heads;
  let lastPosition = 0;
  let timer: NodeJS.Timeout | undefined;
  // Two queues: the tree's (following the log, reading the heads record) and the commits', so that
  // serving heads and proofs never waits for a commit on the ledger.
  const treeQueue = serialQueue();
  const commitQueue = serialQueue();
  const followTree = (): Promise<void> =>
    treeQueue(async () => {
      if (!commits) record.read();
      await follow();
    });

  async function follow(): Promise<void> {
    for (;;) {
      const page = await store.readAll(lastPosition, 10_000);
      if (page.length === 0) return;
      for (const event of page) tree.append(event.hash);
      lastPosition = page[page.length - 1]!.position;
    }
  }

  async function commit(): Promise<LogHead | undefined> {
    await followTree();
    const previous = (await options.ledger?.latestHead()) ?? local.at(-1);
    if (previous && previous.treeSize > tree.size) {
      throw new LogHeadError(
        'log-head-inconsistent',
        `the latest head covers ${previous.treeSize} events but the log holds ${tree.size}`,
      );
    }
    if (previous && previous.treeSize === tree.size) {
      if (previous.rootHash !== tree.root())
        throw new LogHeadError(
          'log-head-inconsistent',
          `the log of ${tree.size} events no longer has the root of its head`,
        );
      const quietSince = now().getTime() - Date.parse(previous.timestamp);
      return options.ledger && tree.size > 0 && quietSince >= QUIET_INTERVALS * intervalMs
        ? confirmQuiet(options.ledger, previous)
        : previous;
    }
    if (previous && tree.root(previous.treeSize) !== previous.rootHash) {
      throw new LogHeadError(
        'log-head-inconsistent',
        `the first ${previous.treeSize} events no longer have the root of their head`,
      );
    }
    const head = signer.sign({
      treeSize: tree.size,
      rootHash: tree.root(),
      lastPosition,
      timestamp: now().toISOString(),
    });
    const proof = previous ? tree.consistencyProof(previous.treeSize) : [];
    const committed = options.ledger ? await options.ledger.commitHead(head, proof) : undefined;
    fs.mkdirSync(options.dataDir, { recursive: true });
    record.append(head);
    logger.info(
      { treeSize: head.treeSize, rootHash: head.rootHash, transactionId: committed?.transactionId },
      'log head committed',
    );
    return head;
  }

  /** The same head signed now: the ledger learns the log is unchanged since. Kept on the ledger only. */
  async function confirmQuiet(ledger: LogHeadLedger, previous: LogHead): Promise<LogHead> {
    const head = signer.sign({
      treeSize: previous.treeSize,
      rootHash: previous.rootHash,
      lastPosition: previous.lastPosition,
      timestamp: now().toISOString(),
    });
    await ledger.commitHead(head, []);
    return head;
  }

  return {
    publicKey: signer.publicKey,
    keyId: signer.keyId,
    start() {
      if (timer) return;
      timer = setInterval(() => {
        commitQueue(commit).catch((error: Error) => logger.error({ err: error }, 'log head not committed'));
      }, intervalMs);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      await commitQueue(async () => undefined);
    },
    commitNow: () => commitQueue(commit),
    sync: followTree,
    latest: () => local.at(-1),
    heads: () => local,
    root(size) {
      if (!Number.isInteger(size) || size < 0 || size > tree.size)
        throw new LogHeadError('log-head-range', `tree size ${size} outside 0..${tree.size}`);
      return tree.root(size);
    },
    consistencyProof(from, to) {
      if (!Number.isInteger(to) || to < 0 || to > tree.size)
        throw new LogHeadError('log-head-range', `tree size ${to} outside 0..${tree.size}`);
      if (!Number.isInteger(from) || from < 0 || from > to)
        throw new LogHeadError('log-head-range', `from must be in 0..${to}`);
      return tree.consistencyProof(from, to);
    },
    size: () => tree.size,
  };
}

/** Runs the works given to it one after the other, each after the last has settled. */
function serialQueue(): <T>(work: () => Promise<T>) => Promise<T> {
  let last: Promise<unknown> = Promise.resolve();
  return (work) => {
    const run = last.then(work, work);
    last = run.catch(() => undefined);
    return run;
  };
}
