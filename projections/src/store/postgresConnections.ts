import pg from 'pg';

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
    await client.query('COMMIT');
    return result;
  } catch (error) {
    unusable = lost ?? (await rollBack(client, error));
    throw error;
  } finally {
    client.removeListener('error', onError);
    client.release(unusable ?? lost);
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

function refusedByServer(error: unknown): boolean {
  return error instanceof pg.DatabaseError;
}
