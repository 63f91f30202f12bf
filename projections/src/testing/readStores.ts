import path from 'node:path';
import pg from 'pg';
import { createPostgresReadStore, createSqliteReadStore, type ReadStore } from '../store';

export interface TestReadStore {
  readonly store: ReadStore;
  drop(): Promise<void>;
}

/** A read store in a SQLite file under `dir`. */
export async function sqliteTestReadStore(dir: string, name: string): Promise<TestReadStore> {
  return { store: createSqliteReadStore({ file: path.join(dir, `${name}.sqlite`) }), drop: async () => undefined };
}

/** A read store in a fresh database on the PostgreSQL the jest global setup started; `drop` removes it. */
export async function postgresTestReadStore(
  prefix: string,
  options: { readonly onBackgroundError?: (error: Error) => void } = {},
): Promise<TestReadStore> {
  const url = process.env.TEST_POSTGRES_URL;
  if (!url) {
    throw new Error(
      `PostgreSQL is needed for this suite: ${process.env.TEST_POSTGRES_ERROR ?? 'TEST_POSTGRES_URL is not set'}`,
    );
  }
  const database = `${prefix}_${Math.random().toString(36).slice(2, 12)}`;
  const run = async (sql: string): Promise<void> => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await run(`CREATE DATABASE ${database}`);
  const dbUrl = new URL(url);
  dbUrl.pathname = `/${database}`;
  return {
    store: createPostgresReadStore({ connectionString: dbUrl.toString(), ...options }),
    drop: () => run(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`),
  };
}
