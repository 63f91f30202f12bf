import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The PostgreSQL the jest global setup started (or TEST_POSTGRES_URL); fails loudly when there is none. */
export function testPostgresUrl(): string {
  const url = process.env.TEST_POSTGRES_URL;
  if (url) return url;
  throw new Error(
    `PostgreSQL is needed for this suite and none is running: ${process.env.TEST_POSTGRES_ERROR ?? 'TEST_POSTGRES_URL is not set'}`,
  );
}

/** A schema name no other test file uses, so suites can run in parallel on one server. */
export function uniqueSchema(prefix: string): string {
  return `${prefix}_${randomBytes(6).toString('hex')}`;
}

export async function dropSchemas(url: string, schemas: readonly string[]): Promise<void> {
  if (schemas.length === 0) return;
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    for (const schema of schemas) await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}

export interface ThrowawayPostgres {
  readonly url: string;
  readonly stop: () => void;
}

/** A PostgreSQL cluster of the test's own, for tests that stop the server. */
export function startThrowawayPostgres(): Promise<ThrowawayPostgres> {
  // The helper is plain JS shared with jest's global setup.
  const { startPostgres } = require('../../../../scripts/test-services/postgres') as {
    startPostgres: () => Promise<ThrowawayPostgres>;
  };
  return startPostgres();
}
