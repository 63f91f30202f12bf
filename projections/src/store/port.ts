/** The read store: a small SQL port with a SQLite and a PostgreSQL adapter. SQL uses `?` placeholders. */
export type Dialect = 'sqlite' | 'postgres';

export interface SqlExecutor {
  /** Runs a statement; resolves with the number of rows changed. */
  run(sql: string, params?: readonly unknown[]): Promise<number>;
  get<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T | undefined>;
  all<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  /** The first row as its column values in order: no row object, for hot single-row reads. */
  values<T extends readonly unknown[]>(sql: string, params?: readonly unknown[]): Promise<T | undefined>;
}

export interface ReadStore extends SqlExecutor {
  readonly dialect: Dialect;
  /** Where the data lives, for logs (never a password). */
  readonly description: string;
  exec(sql: string): Promise<void>;
  /** One write transaction: commits when `work` resolves, rolls back when it throws. Serialized per store. */
  transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export class ReadStoreError extends Error {
  constructor(
    readonly code: 'read-store-config' | 'read-store-unavailable',
    message: string,
  ) {
    super(message);
    this.name = 'ReadStoreError';
  }
}
