export type {
  AdoptedBatch,
  AnchorPlan,
  AnchorStore,
  BatchStatus,
  EventAnchor,
  PendingSummary,
  PlannedBatch,
  StoredBatch,
} from './port';
export { AnchorStoreError, refusalOf } from './port';
export { openSqliteAnchorStore, SQLITE_ANCHOR_FILE } from './sqliteAnchorStore';
export type { SqliteAnchorStoreOptions } from './sqliteAnchorStore';
export { openPostgresAnchorStore } from './postgresAnchorStore';
export type { PostgresAnchorStoreOptions } from './postgresAnchorStore';
export { createAnchorStore } from './factory';
export type { AnchorStoreConfig } from './factory';
