import pg from 'pg';

/** What every PostgreSQL store of the service sets on its connections. */
export interface PostgresConnectionOptions {
  readonly connectionString: string;
  readonly applicationName?: string;
  readonly connectTimeoutMs?: number;
  /**
   * How long one statement may take: the server cancels it then (statement_timeout), and the
   * client gives up shortly after should the server not answer at all. No limit when absent.
   */
  readonly queryTimeoutMs?: number;
}

/** The event and anchor stores' limit on one statement, unless configured. */
export const DEFAULT_QUERY_TIMEOUT_MS = 10_000;
/** Lets the server's own cancel, which keeps the connection usable, come before the client's. */
const CLIENT_TIMEOUT_GRACE_MS = 1_000;
/** TCP keepalive probes start after this much silence, so a vanished server is noticed on idle connections. */
const KEEPALIVE_DELAY_MS = 10_000;

/**
 * Settings for a pg.Client or pg.Pool, so that a server that stops answering fails calls instead
 * of hanging them. The server's own limit is set per connection (limitStatements), not here: as a
 * startup parameter, PgBouncer would refuse the connection.
 */
export function postgresClientConfig(options: PostgresConnectionOptions): pg.ClientConfig {
  const { queryTimeoutMs } = options;
  return {
    connectionString: options.connectionString,
    keepAlive: true,
    keepAliveInitialDelayMillis: KEEPALIVE_DELAY_MS,
    ...(options.applicationName ? { application_name: options.applicationName } : {}),
    ...(options.connectTimeoutMs ? { connectionTimeoutMillis: options.connectTimeoutMs } : {}),
    ...(queryTimeoutMs ? { query_timeout: queryTimeoutMs + CLIENT_TIMEOUT_GRACE_MS } : {}),
  };
}

/**
 * Has the server cancel any statement of the pool's connections that runs past `queryTimeoutMs`
 * (none when 0 or absent), by a SET on each new connection: a client runs its queries in order,
 * so the limit holds before the connection's first use.
 */
export function limitStatements(pool: pg.Pool, queryTimeoutMs: number | undefined): pg.Pool {
  if (queryTimeoutMs) {
    const limit = `SET statement_timeout = ${Math.ceil(queryTimeoutMs)}`;
    // A failed SET leaves the connection broken: its next query reports that.
    pool.on('connect', (client) => void client.query(limit).catch(() => undefined));
  }
  return pool;
}

/** COMMIT was sent and got no answer (a timeout, a lost connection): the transaction may or may not be committed. */
export class CommitUnconfirmed extends Error {
  constructor(cause: unknown) {
    super(`COMMIT was not confirmed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'CommitUnconfirmed';
  }
}

/**
 * Runs `work` in one transaction on a client of the pool: commits when it resolves, rolls back when
 * it throws. A checked-out client has none of the pool's 'error' listeners, so this one keeps a
 * connection lost mid-transaction from crashing the process (the failing query reports it); a
 * client that may be broken or still busy is dropped, not returned to the pool.
 */
export async function inPostgresTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let lost: Error | undefined;
  const onError = (error: Error) => {
    lost ??= error;
  };
  client.on('error', onError);
  let unusable: Error | undefined;
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await commit(client);
    return result;
  } catch (error) {
    unusable = lost ?? (await rollBack(client, error));
    throw error;
  } finally {
    client.removeListener('error', onError);
    client.release(unusable ?? lost);
  }
}

async function commit(client: pg.PoolClient): Promise<void> {
  try {
    await client.query('COMMIT');
  } catch (error) {
    throw refusedByServer(error) ? error : new CommitUnconfirmed(error);
  }
}

/**
 * After the server refused a statement the connection still answers: roll back and keep it. Any
 * other failure (a timed-out statement still running, a lost connection, the work's own error)
 * is returned, to drop the connection, which ends its transaction.
 */
async function rollBack(client: pg.PoolClient, error: unknown): Promise<Error | undefined> {
  if (!refusedByServer(error)) return error instanceof Error ? error : new Error(String(error));
  return client.query('ROLLBACK').then(
    () => undefined,
    (rollbackError: Error) => rollbackError,
  );
}

/** An ERROR answer ends the statement, not the session (a FATAL one ends the connection too). */
function refusedByServer(error: unknown): boolean {
  return error instanceof pg.DatabaseError && error.severity === 'ERROR';
}
