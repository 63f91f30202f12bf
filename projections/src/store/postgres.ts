import { Pool, types, type PoolClient } from 'pg';
import type { ReadStore, SqlExecutor } from './port';
import { inPostgresTransaction, postgresClientConfig } from './postgresConnections';

export interface PostgresReadStoreOptions {
  readonly connectionString: string;
  readonly maxConnections?: number;
  /**
   * An idle connection the server ended (a restart, an administrator, a dropped database): the
   * pool discards it and opens another at the next query. Without a listener it would crash the
   * process.
   */
  readonly onBackgroundError?: (error: Error) => void;
}

const INT8 = 20;
const parseInt8 = (value: string): number => Number(value);

/** `?` placeholders → `$1, $2, …` (our SQL never holds a literal question mark). */
export function toPostgresPlaceholders(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

function executor(db: Pool | PoolClient): SqlExecutor {
  const query = (text: string, values: unknown[], rowMode?: 'array') =>
    db.query({ text, values, ...(rowMode ? { rowMode } : {}) });
  const cache = new Map<string, string>();
  const translate = (sql: string): string => {
    let text = cache.get(sql);
    if (text === undefined) {
      text = toPostgresPlaceholders(sql);
      cache.set(sql, text);
    }
    return text;
  };
  const params = (values: readonly unknown[] = []): unknown[] => values.map((v) => (v === undefined ? null : v));
  return {
    run: async (sql, values) => (await query(translate(sql), params(values))).rowCount ?? 0,
    get: async <T>(sql: string, values?: readonly unknown[]) =>
      (await query(translate(sql), params(values))).rows[0] as T | undefined,
    all: async <T>(sql: string, values?: readonly unknown[]) =>
      (await query(translate(sql), params(values))).rows as T[],
    values: async <T>(sql: string, values?: readonly unknown[]) =>
      (await query(translate(sql), params(values), 'array')).rows[0] as T | undefined,
  };
}

export function createPostgresReadStore(options: PostgresReadStoreOptions): ReadStore {
  const pool = new Pool({
    ...postgresClientConfig({ connectionString: options.connectionString }),
    max: options.maxConnections ?? 8,
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === INT8 ? parseInt8 : types.getTypeParser(oid, format as 'text')) as typeof types.getTypeParser,
    },
  });
  pool.on('error', (error) => options.onBackgroundError?.(error));
  const viaPool = executor(pool);
  let queue: Promise<unknown> = Promise.resolve();
  const host = (() => {
    try {
      const url = new URL(options.connectionString);
      return `postgres://${url.host}${url.pathname}`;
    } catch {
      return 'postgres';
    }
  })();

  const transaction = <T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T> => {
    const next = queue.then(() => inPostgresTransaction(pool, (client) => work(executor(client))));
    queue = next.catch(() => undefined);
    return next;
  };

  return {
    dialect: 'postgres',
    description: host,
    ...viaPool,
    exec: async (sql) => {
      await transaction(async (tx) => {
        for (const statement of sql
          .split(/;\s*\n/)
          .map((s) => s.trim())
          .filter(Boolean))
          await tx.run(statement);
      });
    },
    transaction,
    close: async () => {
      await queue;
      await pool.end();
    },
  };
}
