export * from './port';
export { createEventStore, eventStoreConfigFromEnv, EventStoreConfigError } from './factory';
export type { EventStoreConfig, EventStoreKind } from './factory';
export { openSqliteEventStore, SQLITE_FILE_NAME } from './sqlite/sqliteEventStore';
export type { SqliteEventStoreOptions } from './sqlite/sqliteEventStore';
export { openPostgresEventStore } from './postgres/postgresEventStore';
export type { PostgresEventStoreOptions } from './postgres/postgresEventStore';
export { openKurrentEventStore } from './kurrentdb/kurrentEventStore';
export type { KurrentEventStoreOptions } from './kurrentdb/kurrentEventStore';
