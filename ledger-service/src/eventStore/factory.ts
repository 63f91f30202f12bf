import path from 'node:path';
import { openKurrentEventStore } from './kurrentdb/kurrentEventStore';
import { EventStore } from './port';
import { openPostgresEventStore } from './postgres/postgresEventStore';
import { openSqliteEventStore } from './sqlite/sqliteEventStore';

export type EventStoreKind = 'sqlite' | 'postgres' | 'kurrentdb';

/** The part of the service configuration that picks the event store (same field names as config.ts). */
export interface EventStoreConfig {
  readonly eventStore: EventStoreKind;
  /** Connection string for postgres (postgres://…) or kurrentdb (kurrentdb://… / esdb://…). */
  readonly eventStoreUrl?: string;
  /** Directory of the embedded SQLite file (LEDGER_DATA_DIR). */
  readonly dataDir: string;
  /** PostgreSQL schema for the tables; `public` when absent. */
  readonly postgresSchema?: string;
  /** PostgreSQL: how long one statement may take before the call fails as store-unavailable; 10 s when absent. */
  readonly eventStoreQueryTimeoutMs?: number;
  /** Told about connection errors outside any call (idle pool clients, listeners). */
  readonly onBackgroundError?: (error: Error) => void;
}

export class EventStoreConfigError extends Error {
  readonly code = 'event-store-config';
  constructor(message: string) {
    super(message);
    this.name = 'EventStoreConfigError';
  }
}

/** Opens the configured event store; rejects with store-unavailable when its server cannot be reached. */
export async function createEventStore(config: EventStoreConfig): Promise<EventStore> {
  switch (config.eventStore) {
    case 'sqlite':
      return openSqliteEventStore({ directory: config.dataDir });
    case 'postgres':
      return openPostgresEventStore({
        connectionString: requireUrl(config, /^postgres(ql)?:\/\//),
        schema: config.postgresSchema,
        queryTimeoutMs: config.eventStoreQueryTimeoutMs,
        onBackgroundError: config.onBackgroundError,
      });
    case 'kurrentdb':
      return openKurrentEventStore({
        connectionString: requireUrl(config, /^(kurrentdb|kdb|esdb|eventstore)(\+discover)?:\/\//),
      });
    default:
      throw new EventStoreConfigError(
        `unknown EVENT_STORE "${String(config.eventStore)}": use sqlite, postgres or kurrentdb`,
      );
  }
}

function requireUrl(config: EventStoreConfig, scheme: RegExp): string {
  const url = config.eventStoreUrl;
  if (!url) throw new EventStoreConfigError(`EVENT_STORE=${config.eventStore} needs EVENT_STORE_URL`);
  if (!scheme.test(url))
    throw new EventStoreConfigError(`EVENT_STORE_URL does not look like a ${config.eventStore} URL`);
  return url;
}

/** Reads EVENT_STORE, EVENT_STORE_URL and LEDGER_DATA_DIR, for scripts that run without the service's config. */
export function eventStoreConfigFromEnv(env: NodeJS.ProcessEnv = process.env): EventStoreConfig {
  const kind = env.EVENT_STORE ?? 'sqlite';
  if (kind !== 'sqlite' && kind !== 'postgres' && kind !== 'kurrentdb') {
    throw new EventStoreConfigError(`EVENT_STORE must be sqlite, postgres or kurrentdb; got "${kind}"`);
  }
  return {
    eventStore: kind,
    eventStoreUrl: env.EVENT_STORE_URL || undefined,
    dataDir: path.resolve(env.LEDGER_DATA_DIR ?? './data'),
  };
}
