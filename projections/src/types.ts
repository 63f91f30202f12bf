/**
 * What the projections read. These are structural copies of the service's types so that this
 * package never imports the service at runtime; the composition root adapts the real event store
 * and anchor store to these ports.
 */

/** One event of the global log, payload already decoded (camelCase keys, enums by name). */
export interface LogEvent {
  readonly position: number;
  readonly eventId: string;
  readonly streamId: string;
  readonly certificationId: string;
  readonly type: string;
  readonly version: number;
  readonly agencyId: string;
  readonly regionCode: string;
  readonly occurredAt: string;
  readonly recordedAt: string;
  readonly hash: string;
  readonly prevHash: string;
  readonly data: Readonly<Record<string, unknown>>;
  /** The canonical bytes as hashed; when present the event log model rechecks `hash` from them. */
  readonly canonical?: Uint8Array;
}

/** The global log, read from a position and followed. */
export interface EventFeed {
  /** Events with position > after, in log order, at most `limit`. */
  readAll(after: number, limit: number): Promise<readonly LogEvent[]>;
  /** Resolves when an event past `after` may exist, or after `timeoutMs`. */
  waitForAppend(after: number, timeoutMs: number): Promise<void>;
  /** The highest position written (for progress bars); 0 when empty. */
  headPosition?(): Promise<number>;
}

/** One committed anchor batch: which events it anchored and where the root sits on the ledger. */
export interface AnchorCommitNotice {
  /** Strictly increasing over commits (e.g. the anchor store's commit row id). */
  readonly seq: number;
  readonly batchId: string;
  readonly eventIds: readonly string[];
  readonly backend: string;
  readonly channel: string;
  readonly chaincode: string;
  readonly transactionId: string;
  readonly blockNumber: number;
  readonly committedAt: string;
  /** The anchoring transaction's time as the ledger records it, vouched for by its endorsing peers. */
  readonly anchoredAt?: string;
  /** Type and certification of the event the notice is about (feeds with one notice per event). */
  readonly eventType?: string;
  readonly certificationId?: string;
  /**
   * The event's receipt once settled (anchored, or rejected), exactly as GET /v1/events/{eventId}/receipt
   * serves it; feeds that can build receipts give it, and may build it only when read.
   */
  readonly receipt?: SettledReceipt;
}

/** A receipt object: its fields beyond these are kept as given (serialised whole). */
export interface SettledReceipt {
  readonly eventId: string;
  readonly status: string;
}

/** The anchor store's committed batches, read from a sequence number and followed. */
export interface AnchorFeed {
  readCommits(after: number, limit: number): Promise<readonly AnchorCommitNotice[]>;
  waitForCommit(after: number, timeoutMs: number): Promise<void>;
  headSeq?(): Promise<number>;
}

/** A log a runner can follow: events or anchor commits alike. */
export interface Source<T> {
  readonly name: string;
  read(after: number, limit: number): Promise<readonly T[]>;
  wait(after: number, timeoutMs: number): Promise<void>;
  positionOf(item: T): number;
  head?(): Promise<number>;
}

export function eventSource(feed: EventFeed): Source<LogEvent> {
  return {
    name: 'events',
    read: (after, limit) => feed.readAll(after, limit),
    wait: (after, timeoutMs) => feed.waitForAppend(after, timeoutMs),
    positionOf: (event) => event.position,
    ...(feed.headPosition ? { head: () => feed.headPosition!() } : {}),
  };
}

export function anchorSource(feed: AnchorFeed): Source<AnchorCommitNotice> {
  return {
    name: 'anchors',
    read: (after, limit) => feed.readCommits(after, limit),
    wait: (after, timeoutMs) => feed.waitForCommit(after, timeoutMs),
    positionOf: (commit) => commit.seq,
    ...(feed.headSeq ? { head: () => feed.headSeq!() } : {}),
  };
}

export const CERTIFICATE_STATUSES = ['valid', 'suspended', 'withdrawn', 'cancelled', 'expired'] as const;
export type CertificateStatus = (typeof CERTIFICATE_STATUSES)[number];
