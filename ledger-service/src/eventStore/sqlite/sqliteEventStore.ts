import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { assertWellFormed, AppendFacts, conflictOf, distinctClaims, positioned, unavailable } from '../appendRules';
import { GroupCommitter, Outcome } from '../groupCommit';
import { AppendRequest, EventStore, EventStoreError, StoredEvent, UniqueClaim } from '../port';
import { EventRow, rowValuesOf, storedEventOf } from '../rows';
import { AppendWaiters } from '../waiters';
import { EVENT_COLUMNS, SQLITE_SCHEMA } from './schema';

export interface SqliteEventStoreOptions {
  /** Directory holding the database file; created when missing. */
  readonly directory: string;
  readonly fileName?: string;
  /** How long to wait for another process's write lock before giving up as unavailable. */
  readonly busyTimeoutMs?: number;
  /** How often a waitForAppend looks for appends made by other processes. */
  readonly pollIntervalMs?: number;
  /** Most append requests committed in one transaction. */
  readonly maxBatch?: number;
  /** Caps the database at this many pages (a quota): appends past it fail as store-unavailable. */
  readonly maxPageCount?: number;
}

export const SQLITE_FILE_NAME = 'events.sqlite';

/** Opens (and creates) the SQLite event store: WAL, fsync on every commit, group commit. */
export function openSqliteEventStore(options: SqliteEventStoreOptions): EventStore {
  const file = path.join(options.directory, options.fileName ?? SQLITE_FILE_NAME);
  let db: Database.Database | undefined;
  try {
    fs.mkdirSync(options.directory, { recursive: true });
    db = new Database(file, { timeout: options.busyTimeoutMs ?? 5000 });
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    if (options.maxPageCount !== undefined) db.pragma(`max_page_count = ${Math.floor(options.maxPageCount)}`);
    db.exec('BEGIN IMMEDIATE');
    db.exec(SQLITE_SCHEMA);
    db.exec('COMMIT');
    return new SqliteEventStore(db, options);
  } catch (error) {
    db?.close();
    throw unavailable(error);
  }
}

function prepareStatements(db: Database.Database) {
  return {
    head: db.prepare<[], { head: number }>('SELECT COALESCE(MAX(position), 0) AS head FROM events'),
    byId: db.prepare<[string], EventRow>(`SELECT ${EVENT_COLUMNS} FROM events WHERE event_id = ?`),
    byIds: db.prepare<[string], EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM events WHERE event_id IN (SELECT value FROM json_each(?))`,
    ),
    stream: db.prepare<[string], EventRow>(`SELECT ${EVENT_COLUMNS} FROM events WHERE stream_id = ? ORDER BY version`),
    streamVersion: db.prepare<[string], { version: number | null }>(
      'SELECT MAX(version) AS version FROM events WHERE stream_id = ?',
    ),
    after: db.prepare<[number, number], EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM events WHERE position > ? ORDER BY position LIMIT ?`,
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

function isConstraintError(error: unknown): boolean {
  return String((error as { code?: unknown }).code ?? '').startsWith('SQLITE_CONSTRAINT');
}

class SqliteEventStore implements EventStore {
  private readonly statements: ReturnType<typeof prepareStatements>;
  private readonly committer: GroupCommitter<AppendRequest, StoredEvent[]>;
  private readonly waiters: AppendWaiters;
  private closed = false;

  constructor(
    private readonly db: Database.Database,
    options: SqliteEventStoreOptions,
  ) {
    this.statements = prepareStatements(db);
    this.committer = new GroupCommitter({
      maxBatch: options.maxBatch ?? 1000,
      commit: async (batch) => this.commitBatch(batch),
    });
    this.waiters = new AppendWaiters({ head: () => this.headPosition(), pollIntervalMs: options.pollIntervalMs ?? 50 });
  }

  async append(request: AppendRequest): Promise<StoredEvent[]> {
    assertWellFormed(request);
    const outcome = await this.submit(request);
    if (outcome.ok) return outcome.value;
    throw outcome.error;
  }

  async appendEach(requests: readonly AppendRequest[]): Promise<Array<StoredEvent[] | EventStoreError>> {
    requests.forEach(assertWellFormed);
    const outcomes = await Promise.all(requests.map((request) => this.submit(request)));
    return outcomes.map((outcome) => (outcome.ok ? outcome.value : unavailable(outcome.error)));
  }

  async readStream(streamId: string): Promise<StoredEvent[]> {
    return this.read(() => this.statements.stream.all(streamId).map(storedEventOf));
  }

  async findEvent(eventId: string): Promise<StoredEvent | undefined> {
    return this.read(() => {
      const row = this.statements.byId.get(eventId);
      return row && storedEventOf(row);
    });
  }

  async findEvents(eventIds: readonly string[]): Promise<StoredEvent[]> {
    if (eventIds.length === 0) return [];
    return this.read(() => this.statements.byIds.all(JSON.stringify(eventIds)).map(storedEventOf));
  }

  async readAll(afterPosition: number, limit: number): Promise<StoredEvent[]> {
    return this.read(() => this.statements.after.all(afterPosition, limit).map(storedEventOf));
  }

  async headPosition(): Promise<number> {
    return this.read(() => this.statements.head.get()?.head ?? 0);
  }

  waitForAppend(afterPosition: number, timeoutMs: number): Promise<void> {
    return this.waiters.wait(afterPosition, timeoutMs);
  }

  async ping(): Promise<void> {
    await this.headPosition();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.committer.idle();
    this.waiters.close();
    this.db.close();
  }

  private submit(request: AppendRequest): Promise<Outcome<StoredEvent[]>> {
    if (this.closed) return Promise.resolve({ ok: false, error: unavailable(new Error('the event store is closed')) });
    return this.committer.submit(request);
  }

  private read<T>(query: () => T): T {
    if (this.closed) throw unavailable(new Error('the event store is closed'));
    try {
      return query();
    } catch (error) {
      throw unavailable(error);
    }
  }

  /** One IMMEDIATE transaction (one fsync) for the whole batch, one SAVEPOINT per request. */
  private commitBatch(requests: readonly AppendRequest[]): Outcome<StoredEvent[]>[] {
    const { db } = this;
    try {
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
      this.statements.commit.run();
      this.waiters.notify(head);
      return outcomes;
    } catch (error) {
      if (db.open && db.inTransaction) {
        try {
          db.exec('ROLLBACK');
        } catch {
          // the original error is the one worth reporting
        }
      }
      throw unavailable(error);
    }
  }

  private appendInSavepoint(request: AppendRequest, head: number, recordedAt: string): Outcome<StoredEvent[]> {
    const conflict = conflictOf(request, this.factsFor(request));
    if (conflict) return { ok: false, error: conflict };
    const stored = positioned(request, head, recordedAt);
    for (const event of stored) this.statements.insertEvent.run(...rowValuesOf(event));
    for (const claim of this.unheldClaims(request))
      this.statements.insertClaim.run(claim.kind, claim.value, request.streamId);
    return { ok: true, value: stored };
  }

  private factsFor(request: AppendRequest): AppendFacts {
    const existingRow = request.events
      .map((event) => this.statements.byId.get(event.eventId))
      .find((row) => row !== undefined);
    const version = this.statements.streamVersion.get(request.streamId)?.version;
    const takenClaim = distinctClaims(request).find((claim) => {
      const holder = this.statements.claim.get(claim.kind, claim.value);
      return holder !== undefined && holder.stream_id !== request.streamId;
    });
    return {
      existing: existingRow && storedEventOf(existingRow),
      actualVersion: version ?? -1,
      takenClaim,
    };
  }

  /** Claims the stream does not hold yet (a stream may repeat its own claim). */
  private unheldClaims(request: AppendRequest): UniqueClaim[] {
    return distinctClaims(request).filter((claim) => this.statements.claim.get(claim.kind, claim.value) === undefined);
  }
}
