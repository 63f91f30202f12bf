import path from 'node:path';
import type { AnchorStore } from './port';
import { openPostgresAnchorStore } from './postgresAnchorStore';
import { openSqliteAnchorStore } from './sqliteAnchorStore';

export interface AnchorStoreConfig {
  /** The event store's kind: PostgreSQL keeps the anchor tables beside the events; anything else uses SQLite. */
  readonly eventStore: 'sqlite' | 'postgres' | 'kurrentdb';
  readonly eventStoreUrl?: string;
  readonly dataDir: string;
  readonly postgresSchema?: string;
  /** PostgreSQL: how long one statement may take before the call fails; 10 s when absent. */
  readonly eventStoreQueryTimeoutMs?: number;
  readonly onBackgroundError?: (error: Error) => void;
}

/** SQLite (`anchors.sqlite` in the data dir) by default; PostgreSQL when the event store is PostgreSQL. */
export async function createAnchorStore(config: AnchorStoreConfig): Promise<AnchorStore> {
  if (config.eventStore === 'postgres' && config.eventStoreUrl) {
    return openPostgresAnchorStore({
      connectionString: config.eventStoreUrl,
      schema: config.postgresSchema,
      queryTimeoutMs: config.eventStoreQueryTimeoutMs,
      onBackgroundError: config.onBackgroundError,
    });
  }
  return openSqliteAnchorStore({ directory: path.resolve(config.dataDir) });
}
