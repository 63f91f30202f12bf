import Database from 'better-sqlite3';
import { conflictOf, distinctClaims, positioned, unavailable, unconfirmed } from '../appendRules';
import type { Outcome } from '../groupCommit';
import { AppendRequest, EventStoreError, NewEvent, StoredEvent, UniqueClaim } from '../port';
import { EventRow, rowValuesOf, storedEventOf } from '../rows';
import { EVENT_COLUMNS } from './schema';

/** How the writer opens its connection: the same file and limits as the store's own. */
export interface WriterConnection {
  readonly file: string;
  readonly busyTimeoutMs: number;
  readonly maxPageCount?: number;
}

/** A committed batch: each request's outcome, and the log's head after the commit. */
export interface CommittedBatch {
  readonly outcomes: Outcome<StoredEvent[]>[];
  readonly head: number;
}

/**
 * WAL pages after which a commit copies the WAL back into the database (SQLite's default is 1,000).
 * Each copy rewrites every page the WAL holds and fsyncs the database inside the COMMIT that makes
 * it: the log's index pages, changed by nearly every commit, were copied and synced again every few
 * commits. Copied a tenth as often, they are copied once for many commits; the WAL file grows to
 * about 40 MB (10,000 pages of 4 KiB) and is then reused from its start.
 */
export const WAL_PAGES_BEFORE_CHECKPOINT = 10_000;

/** Opens a connection with the store's durability: WAL, and an fsync on every commit. */
export function openConnection(connection: WriterConnection): Database.Database {
  const db = new Database(connection.file, { timeout: connection.busyTimeoutMs });
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma(`wal_autocheckpoint = ${WAL_PAGES_BEFORE_CHECKPOINT}`);
    if (connection.maxPageCount !== undefined) db.pragma(`max_page_count = ${Math.floor(connection.maxPageCount)}`);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

function prepareStatements(db: Database.Database) {
  return {
    head: db.prepare<[], { head: number }>('SELECT COALESCE(MAX(position), 0) AS head FROM events'),
    byId: db.prepare<[string], EventRow>(`SELECT ${EVENT_COLUMNS} FROM events WHERE event_id = ?`),
    streamVersion: db.prepare<[string], { version: number | null }>(
      'SELECT MAX(version) AS version FROM events WHERE stream_id = ?',
    ),
    claim: db.prepare<[string, string], { stream_id: string }>(
      'SELECT stream_id FROM claims WHERE kind = ? AND value = ?',
    ),
    insertEvent: db.prepare(
      `INSERT INTO events (${EVENT_COLUMNS}) VALUES (${EVENT_COLUMNS.split(',')
        .map(() => '?')
        .join(', ')})`,
    ),
    insertClaim: db.prepare('INSERT INTO claims (kind, value, stream_id) VALUES (?, ?, ?)'),
    // Transaction control, prepared once: exec() would parse the SQL again for every request.
    begin: db.prepare('BEGIN IMMEDIATE'),
    commit: db.prepare('COMMIT'),
    savepoint: db.prepare('SAVEPOINT append_request'),
    release: db.prepare('RELEASE append_request'),
    rollbackToSavepoint: db.prepare('ROLLBACK TO append_request'),
  };
}

/** SQLite's error code (SQLITE_FULL, SQLITE_CONSTRAINT_UNIQUE, …), '' for another error. */
const sqliteCodeOf = (error: unknown): string => String((error as { code?: unknown }).code ?? '');

function isConstraintError(error: unknown): boolean {
  return sqliteCodeOf(error).startsWith('SQLITE_CONSTRAINT');
}

/**
 * Whether a failed COMMIT surely left the batch uncommitted. In WAL mode COMMIT appends the
 * transaction's pages to the WAL, the frame that marks the commit last, then fsyncs: SQLITE_FULL
 * means a write failed, so that frame is not in the WAL (the usual failure on a full disk), and
 * SQLITE_BUSY leaves the transaction open. Any other error (an fsync or I/O error) may come after
 * the commit frame was written: the batch may be committed, and is found so once the WAL is read again.
 */
function commitWroteNothing(error: unknown): boolean {
  const code = sqliteCodeOf(error);
  return code === 'SQLITE_FULL' || code.startsWith('SQLITE_BUSY');
}

/** The write side of the SQLite store: checks and commits batches of append requests on its own connection. */
export class SqliteWriter {
  private readonly statements: ReturnType<typeof prepareStatements>;

  constructor(private readonly db: Database.Database) {
    this.statements = prepareStatements(db);
  }

  /**
   * One IMMEDIATE transaction (one fsync) for the whole batch, one SAVEPOINT per request. Throws
   * store-unavailable when nothing was written, or with outcome unknown when COMMIT itself failed
   * in a way that may have left the batch committed (an fsync or I/O error).
   */
  commit(requests: readonly AppendRequest[]): CommittedBatch {
    let batch: CommittedBatch;
    try {
      batch = this.decideAndWrite(requests);
    } catch (error) {
      this.rollbackQuietly();
      throw unavailable(error);
    }
    try {
      this.statements.commit.run();
    } catch (error) {
      this.rollbackQuietly();
      throw commitWroteNothing(error) ? unavailable(error) : unconfirmed(error);
    }
    return batch;
  }

  close(): void {
    this.db.close();
  }

  /** Decides and writes every request inside the batch's open transaction; COMMIT is left to the caller. */
  private decideAndWrite(requests: readonly AppendRequest[]): CommittedBatch {
    const { db } = this;
    this.statements.begin.run();
    let head = this.statements.head.get()?.head ?? 0;
    const recordedAt = new Date().toISOString();
    const outcomes = requests.map((request): Outcome<StoredEvent[]> => {
      this.statements.savepoint.run();
      try {
        const outcome = this.appendInSavepoint(request, head, recordedAt);
        this.statements.release.run();
        if (outcome.ok) head += outcome.value.length;
        return outcome;
      } catch (error) {
        // A constraint failure (a writer that bypassed these checks) fails this request alone; after
        // SQLITE_FULL or an I/O error SQLite may have rolled everything back, so the batch fails.
        if (!isConstraintError(error) || !db.inTransaction) throw error;
        this.statements.rollbackToSavepoint.run();
        this.statements.release.run();
        return { ok: false, error: unavailable(error) };
      }
    });
    return { outcomes, head };
  }

  private rollbackQuietly(): void {
    const { db } = this;
    if (!db.open || !db.inTransaction) return;
    try {
      db.exec('ROLLBACK');
    } catch {
      // the original error is the one worth reporting
    }
  }

  /**
   * Checks the version and the claims, and inserts: the events table's unique eventId refuses a stored
   * eventId, so the stored event of a retry is only looked up when the append cannot go through.
   */
  private appendInSavepoint(request: AppendRequest, head: number, recordedAt: string): Outcome<StoredEvent[]> {
    const claims = distinctClaims(request);
    const holders = claims.map((claim) => this.statements.claim.get(claim.kind, claim.value)?.stream_id);
    const actualVersion = this.statements.streamVersion.get(request.streamId)?.version ?? -1;
    const takenClaim = claims.find((_, index) => holders[index] !== undefined && holders[index] !== request.streamId);
    if (actualVersion === request.expectedVersion && takenClaim === undefined) {
      try {
        const stored = positioned(request, head, recordedAt);
        for (const event of stored) this.statements.insertEvent.run(...rowValuesOf(event));
        claims.forEach((claim, index) => {
          if (holders[index] === undefined) this.statements.insertClaim.run(claim.kind, claim.value, request.streamId);
        });
        return { ok: true, value: stored };
      } catch (error) {
        if (!isConstraintError(error)) throw error;
        this.statements.rollbackToSavepoint.run();
        const conflict = conflictOf(request, { existing: this.storedWithIdOf(request), actualVersion, takenClaim });
        if (conflict) return { ok: false, error: conflict };
        throw error;
      }
    }
    const conflict = conflictOf(request, { existing: this.storedWithIdOf(request), actualVersion, takenClaim });
    return { ok: false, error: conflict! };
  }

  /** A stored event with the eventId of one of the request's events. */
  private storedWithIdOf(request: AppendRequest): StoredEvent | undefined {
    for (const event of request.events) {
      const row = this.statements.byId.get(event.eventId);
      if (row) return storedEventOf(row);
    }
    return undefined;
  }
}

// Across a thread boundary a batch travels as tuples, and its answer as positions: structured clone
// is paid per object and per property name, and the caller already holds the events it sent.

type WireEvent = [
  eventId: string,
  streamId: string,
  certificationId: string,
  type: NewEvent['type'],
  version: number,
  agencyId: string,
  regionCode: string,
  occurredAt: string,
  canonical: Uint8Array,
  hash: string,
  prevHash: string,
  contentDigest: string,
];

export type WireRequest = [
  streamId: string,
  expectedVersion: number,
  events: WireEvent[],
  claims: readonly UniqueClaim[],
];

export function toWireRequest(request: AppendRequest): WireRequest {
  const events = request.events.map((e): WireEvent => [
    e.eventId,
    e.streamId,
    e.certificationId,
    e.type,
    e.version,
    e.agencyId,
    e.regionCode,
    e.occurredAt,
    e.canonical,
    e.hash,
    e.prevHash,
    e.contentDigest,
  ]);
  return [request.streamId, request.expectedVersion, events, request.claims ?? []];
}

export function fromWireRequest([streamId, expectedVersion, events, claims]: WireRequest): AppendRequest {
  return {
    streamId,
    expectedVersion,
    claims,
    events: events.map(
      ([
        eventId,
        eventStreamId,
        certificationId,
        type,
        version,
        agencyId,
        regionCode,
        occurredAt,
        canonical,
        hash,
        prevHash,
        contentDigest,
      ]) => ({
        eventId,
        streamId: eventStreamId,
        certificationId,
        type,
        version,
        agencyId,
        regionCode,
        occurredAt,
        canonical,
        hash,
        prevHash,
        contentDigest,
      }),
    ),
  };
}

export interface WireError {
  readonly code: EventStoreError['code'];
  readonly message: string;
  readonly detail: Readonly<Record<string, unknown>>;
}

/** A committed batch as the writer thread answers it: per request the position before its first event, or its error. */
export interface WireBatch {
  readonly outcomes: Array<number | WireError>;
  readonly recordedAt: string;
  readonly head: number;
}

export function toWireError(error: unknown): WireError {
  const { code, message, detail } = unavailable(error);
  return { code, message, detail };
}

export function fromWireError(error: WireError): EventStoreError {
  return new EventStoreError(error.code, error.message, error.detail);
}

export function toWireBatch({ outcomes, head }: CommittedBatch): WireBatch {
  let recordedAt = '';
  const wire = outcomes.map((outcome) => {
    if (!outcome.ok) return toWireError(outcome.error);
    recordedAt = outcome.value[0]?.recordedAt ?? recordedAt;
    return (outcome.value[0]?.position ?? 1) - 1;
  });
  return { outcomes: wire, recordedAt, head };
}

/** The batch as committed, rebuilt from the requests that were sent and the writer's answer. */
export function fromWireBatch(requests: readonly AppendRequest[], batch: WireBatch): CommittedBatch {
  const outcomes = batch.outcomes.map((outcome, index): Outcome<StoredEvent[]> =>
    typeof outcome === 'number'
      ? { ok: true, value: positioned(requests[index]!, outcome, batch.recordedAt) }
      : { ok: false, error: fromWireError(outcome) },
  );
  return { outcomes, head: batch.head };
}
