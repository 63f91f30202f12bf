import type { Dialect, SqlExecutor } from './store/port';

/** A read model: its tables, and how a batch of items from its source changes them. */
export interface ReadModel<T> {
  readonly name: string;
  /** Bump to have the runner rebuild the model from position 0 on its next start. */
  readonly schemaVersion: number;
  readonly source: 'events' | 'anchors';
  /** One statement per entry, idempotent (CREATE … IF NOT EXISTS). */
  ddl(dialect: Dialect): readonly string[];
  /** Dropped on rebuild. */
  readonly tables: readonly string[];
  /**
   * Runs in the rebuild's transaction once the tables are dropped and created again, and when the
   * model is new to the store; `replay.to` is the source's head then, where the replay will end.
   */
  afterReset?(tx: SqlExecutor, dialect: Dialect, replay: { readonly to: number }): Promise<void>;
  /** Applies items in order inside the runner's transaction; never commits itself. */
  apply(tx: SqlExecutor, items: readonly T[], dialect: Dialect): Promise<void>;
}

export type AnyReadModel = ReadModel<never>;
