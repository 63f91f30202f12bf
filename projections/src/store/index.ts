import path from 'node:path';
import { createPostgresReadStore } from './postgres';
import { createSqliteReadStore } from './sqlite';
import { ReadStore, ReadStoreError } from './port';

export * from './port';
export { createSqliteReadStore } from './sqlite';
export { createPostgresReadStore, toPostgresPlaceholders } from './postgres';
export * from './postgresConnections';

export interface ReadStoreConfig {
  /** `sqlite` (default) or `postgres`. */
  readonly kind: 'sqlite' | 'postgres';
  readonly sqliteFile: string;
  readonly postgresUrl?: string;
  /** Memory for status-now answers kept ready to send (SQLite only; 0 turns it off). */
  readonly answerCacheMb: number;
}

/** About 100,000 certificates' answers (about 2.5 KB each). */
const DEFAULT_ANSWER_CACHE_MB = 256;

/**
 * Read store settings from the environment: PROJECTIONS_STORE (sqlite | postgres),
 * PROJECTIONS_STORE_URL (postgres connection string), LEDGER_DATA_DIR (sqlite file
 * `projections.sqlite` under it), PROJECTIONS_SQLITE_FILE to override the file,
 * PROJECTIONS_ANSWER_CACHE_MB (default 256) for the answers lookups keep in memory.
 */
export function readStoreConfigFromEnv(env: NodeJS.ProcessEnv = process.env): ReadStoreConfig {
  const kind = env.PROJECTIONS_STORE ?? 'sqlite';
  if (kind !== 'sqlite' && kind !== 'postgres') {
    throw new ReadStoreError('read-store-config', `PROJECTIONS_STORE must be sqlite or postgres, not "${kind}"`);
  }
  const dataDir = env.LEDGER_DATA_DIR ?? './data';
  const answerCacheText = env.PROJECTIONS_ANSWER_CACHE_MB ?? String(DEFAULT_ANSWER_CACHE_MB);
  if (!/^\d{1,7}$/.test(answerCacheText)) {
    throw new ReadStoreError(
      'read-store-config',
      `PROJECTIONS_ANSWER_CACHE_MB must be a whole number of megabytes (0 turns the cache off), not "${env.PROJECTIONS_ANSWER_CACHE_MB}"`,
    );
  }
  const config: ReadStoreConfig = Object.freeze({
    kind,
    sqliteFile: env.PROJECTIONS_SQLITE_FILE ?? path.join(dataDir, 'projections.sqlite'),
    ...(env.PROJECTIONS_STORE_URL ? { postgresUrl: env.PROJECTIONS_STORE_URL } : {}),
    answerCacheMb: Number(answerCacheText),
  });
  if (kind === 'postgres' && !config.postgresUrl) {
    throw new ReadStoreError('read-store-config', 'PROJECTIONS_STORE=postgres needs PROJECTIONS_STORE_URL');
  }
  return config;
}

export function openReadStore(
  config: ReadStoreConfig,
  options: { readonly onBackgroundError?: (error: Error) => void } = {},
): ReadStore {
  return config.kind === 'postgres'
    ? createPostgresReadStore({ connectionString: config.postgresUrl!, ...options })
    : createSqliteReadStore({ file: config.sqliteFile });
}
