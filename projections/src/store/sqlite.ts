import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { ReadStore, SqlExecutor } from './port';

export interface SqliteReadStoreOptions {
  /** Database file; ':memory:' is refused because queries use a second connection. */
  readonly file: string;
}

type Statement = Database.Statement<unknown[]>;

function normalize(params: readonly unknown[]): unknown[] {
  return params.map((value) => (value === undefined ? null : typeof value === 'boolean' ? Number(value) : value));
}

/** Each SQL text prepared once; `raw` statements give rows as arrays of column values. */
function statementCache(db: Database.Database, raw: boolean): { prepare(sql: string): Statement; clear(): void } {
  const cache = new Map<string, Statement>();
  return {
    prepare: (sql) => {
      let statement = cache.get(sql);
      if (!statement) {
        statement = raw ? db.prepare(sql).raw(true) : db.prepare(sql);
        cache.set(sql, statement);
      }
      return statement;
    },
    clear: () => cache.clear(),
  };
}

function executor(db: Database.Database): SqlExecutor & { exec(sql: string): void } {
  const objectRows = statementCache(db, false);
  const valueRows = statementCache(db, true);
  const prepare = objectRows.prepare;
  return {
    run: async (sql, params = []) => prepare(sql).run(...normalize(params)).changes,
    get: async <T>(sql: string, params: readonly unknown[] = []) =>
      prepare(sql).get(...normalize(params)) as T | undefined,
    all: async <T>(sql: string, params: readonly unknown[] = []) => prepare(sql).all(...normalize(params)) as T[],
    values: async <T>(sql: string, params: readonly unknown[] = []) =>
      valueRows.prepare(sql).get(...normalize(params)) as T | undefined,
    exec: (sql) => {
      objectRows.clear();
      valueRows.clear();
      db.exec(sql);
    },
  };
}

/** SQLite read store: one writer connection for the runner, one reader connection for queries (WAL). */
export function createSqliteReadStore(options: SqliteReadStoreOptions): ReadStore {
  fs.mkdirSync(path.dirname(path.resolve(options.file)), { recursive: true });
  const writer = new Database(options.file);
  writer.pragma('journal_mode = WAL');
  writer.pragma('synchronous = NORMAL');
  writer.pragma('busy_timeout = 10000');
  writer.pragma('cache_size = -262144');
  const reader = new Database(options.file);
  reader.pragma('busy_timeout = 10000');
  // Lookups land on random pages of a read model (about 7 GB for a million certificates) far larger
  // than SQLite will map (2 GB at most in this build): the OS page cache holds the rows, and mapping
  // them cost a page fault per first touch. The reader's own cache holds what every lookup walks
  // through, the B-trees' interior pages and the certificate-number index (about 40 MB for a million
  // certificates): then a lookup reads one page, its row (measured: 1 read a lookup, 3 with 16 MB).
  reader.pragma('cache_size = -65536');
  reader.pragma('mmap_size = 0');
  let write = executor(writer);
  let read = executor(reader);
  let queue: Promise<unknown> = Promise.resolve();

  const transaction = <T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T> => {
    const next = queue.then(async () => {
      writer.exec('BEGIN IMMEDIATE');
      try {
        const result = await work(write);
        writer.exec('COMMIT');
        return result;
      } catch (error) {
        if (writer.inTransaction) writer.exec('ROLLBACK');
        throw error;
      }
    });
    queue = next.catch(() => undefined);
    return next;
  };

  return {
    dialect: 'sqlite',
    description: `sqlite:${options.file}`,
    run: (sql, params) => read.run(sql, params),
    get: (sql, params) => read.get(sql, params),
    all: (sql, params) => read.all(sql, params),
    values: (sql, params) => read.values(sql, params),
    exec: async (sql) => {
      await transaction(async () => write.exec(sql));
      // Schema changed: statements prepared on the reader may be stale.
      read = executor(reader);
      write = executor(writer);
    },
    transaction,
    close: async () => {
      await queue;
      reader.close();
      writer.close();
    },
  };
}
