import type { EventType } from '../events/schema';

/** An event ready to be appended: hashed and chained by the intake, not yet positioned. */
export interface NewEvent {
  readonly eventId: string;
  readonly streamId: string;
  readonly certificationId: string;
  readonly type: EventType;
  readonly version: number;
  readonly agencyId: string;
  /** GB/T 2260 code of the client's region (or the supervising region), for jurisdiction filters. */
  readonly regionCode: string;
  readonly occurredAt: string;
  /** The canonical bytes exactly as hashed. */
  readonly canonical: Uint8Array;
  readonly hash: string;
  readonly prevHash: string;
  /** SHA-256 of what the submitter sent (its idempotency fingerprint), to tell a retry from a conflict. */
  readonly contentDigest: string;
}

export interface StoredEvent extends NewEvent {
  /** Position in the global log, strictly increasing. */
  readonly position: number;
  readonly recordedAt: string;
}

/** A value that must be unique across the whole ledger, reserved atomically with the append (R10). */
export interface UniqueClaim {
  readonly kind: 'certificateNo';
  readonly value: string;
}

export interface AppendRequest {
  readonly streamId: string;
  /** Version of the stream's last event; -1 when the stream must not exist yet. */
  readonly expectedVersion: number;
  readonly events: readonly NewEvent[];
  readonly claims?: readonly UniqueClaim[];
}

export interface EventStore {
  /**
   * False where recordedAt is stamped before the server orders the log (KurrentDB: the client
   * stamps, the server assigns positions), so that it may go back along the log. Absent: true.
   */
  readonly recordedAtFollowsLog?: boolean;
  /**
   * Appends atomically or throws a typed EventStoreError; stored events come back positioned.
   * Conflicts are reported in this order: duplicate-event-id (detail.existing: the stored event),
   * wrong-expected-version (detail.expected, detail.actual), claim-taken (detail.kind, detail.value).
   * A claim the same stream already holds is no conflict. A malformed request (versions not
   * following expectedVersion, events of another stream) is a programming error: TypeError.
   * store-unavailable means nothing was written, unless detail.outcome is 'unknown' (a commit sent
   * and never confirmed).
   */
  append(request: AppendRequest): Promise<StoredEvent[]>;
  /**
   * Several streams, each all-or-nothing and independent of the others (bulk intake). Never
   * rejects for a conflict or an outage: each request gets its events or its error (store-unavailable included).
   */
  appendEach(requests: readonly AppendRequest[]): Promise<Array<StoredEvent[] | EventStoreError>>;
  readStream(streamId: string): Promise<StoredEvent[]>;
  findEvent(eventId: string): Promise<StoredEvent | undefined>;
  /** The stored events among `eventIds`, in no particular order (one query for a bulk intake's idempotency check). */
  findEvents(eventIds: readonly string[]): Promise<StoredEvent[]>;
  /** Events with position > afterPosition, in log order, at most `limit`. */
  readAll(afterPosition: number, limit: number): Promise<StoredEvent[]>;
  /** The highest position written, 0 when the log is empty. */
  headPosition(): Promise<number>;
  /** Resolves when an event past `afterPosition` may exist, or after `timeoutMs`. */
  waitForAppend(afterPosition: number, timeoutMs: number): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export type EventStoreErrorCode = 'wrong-expected-version' | 'duplicate-event-id' | 'claim-taken' | 'store-unavailable';

export class EventStoreError extends Error {
  constructor(
    readonly code: EventStoreErrorCode,
    message: string,
    readonly detail: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
    this.name = 'EventStoreError';
  }
}

/**
 * What a 503 tells whoever tried to write. Nothing was written, unless the store-unavailable
 * error says its commit went unconfirmed (detail.outcome 'unknown'): then a retry with the same
 * eventId is answered as a replay if the events were stored.
 */
export function storeUnavailableMessage(error: EventStoreError): string {
  return error.detail.outcome === 'unknown'
    ? 'The event store did not confirm the write; it may have been stored: retry with the same eventId to learn whether it was'
    : 'The event store is not available; nothing was written';
}
