import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { appendEachThrough, appendThrough, unavailable } from '../appendRules';
import { GroupCommitter, Outcome } from '../groupCommit';
import { AppendRequest, EventStore, EventStoreError, StoredEvent } from '../port';
import { EventRow, storedEventOf } from '../rows';
import { AppendWaiters } from '../waiters';
import { inProcessWriter, threadWriter, writerThreadFile, type BatchWriter } from './batchWriter';
import { EVENT_COLUMNS, SQLITE_SCHEMA } from './schema';
import { openConnection, type WriterConnection } from './sqliteWriter';

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
  /** Commit in a worker thread, off the event loop: the default wherever the compiled worker exists. */
  readonly writerThread?: boolean;
}

export const SQLITE_FILE_NAME = 'events.sqlite';

/** Opens (and creates) the SQLite event store: WAL, fsync on every commit, group commit. */
export function openSqliteEventStore(options: SqliteEventStoreOptions): EventStore {
  const connection: WriterConnection = {
    file: path.join(options.directory, options.fileName ?? SQLITE_FILE_NAME),
    busyTimeoutMs: options.busyTimeoutMs ?? 5000,
    maxPageCount: options.maxPageCount,
  };
  let db: Database.Database | undefined;
  try {
    fs.mkdirSync(options.directory, { recursive: true });
    db = openConnection(connection);
    db.exec('BEGIN IMMEDIATE');
    db.exec(SQLITE_SCHEMA);
    db.exec('COMMIT');
    return new SqliteEventStore(db, openWriter(connection, options.writerThread), options);
  } catch (error) {
    db?.close();
    throw unavailable(error);
  }
}

function openWriter(connection: WriterConnection, inThread: boolean | undefined): BatchWriter {
  const file = writerThreadFile();
  if (inThread === true && file === undefined) throw new Error('the SQLite writer thread is not compiled (run tsc -b)');
  return inThread !== false && file !== undefined ? threadWriter(connection, file) : inProcessWriter(connection);
}

function prepareStatements(db: Database.Database) {
  return {
    head: db.prepare<[], { head: number }>('SELECT COALESCE(MAX(position), 0) AS head FROM events'),
    byId: db.prepare<[string], EventRow>(`SELECT ${EVENT_COLUMNS} FROM events WHERE event_id = ?`),
    byIds: db.prepare<[string], EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM events WHERE event_id IN (SELECT value FROM json_each(?))`,
    ),
    stream: db.prepare<[string], EventRow>(`SELECT ${EVENT_COLUMNS} FROM events WHERE stream_id = ? ORDER BY version`),
    after: db.prepare<[number, number], EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM events WHERE position > ? ORDER BY position LIMIT ?`,
    ),
  };
}

class SqliteEventStore implements EventStore {
  private readonly statements: ReturnType<typeof prepareStatements>;
  private readonly committer: GroupCommitter<AppendRequest, StoredEvent[]>;
  private readonly waiters: AppendWaiters;
  private closed = false;

  constructor(
    private readonly db: Database.Database,
    private readonly writer: BatchWriter,
    options: SqliteEventStoreOptions,
  ) {
    this.statements = prepareStatements(db);
    this.committer = new GroupCommitter({
      maxBatch: options.maxBatch ?? 1000,
      commit: async (batch) => {
        const { outcomes, head } = await this.writer.commit(batch);
        this.waiters.notify(head);
        return outcomes;
      },
    });
    this.waiters = new AppendWaiters({ head: () => this.headPosition(), pollIntervalMs: options.pollIntervalMs ?? 50 });
  }
  append(request: AppendRequest): Promise<StoredEvent[]> {
    return appendThrough((r) => this.submit(r), request);
  }

  appendEach(requests: readonly AppendRequest[]): Promise<Array<StoredEvent[] | EventStoreError>> {
    return appendEachThrough((r) => this.submit(r), requests);
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
    await this.writer.ping();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.committer.idle();
    this.waiters.close();
    await this.writer.close();
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
}
