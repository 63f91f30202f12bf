import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inPostgresTransaction, limitStatements, postgresClientConfig } from './postgresConnections';

describe('inPostgresTransaction', () => {
  it('rolls back a refused statement and keeps the connection; drops it after any other failure; commits the rest', async () => {
    const pool = new pg.Pool({ connectionString: process.env.TEST_POSTGRES_URL, max: 1 });
    const table = `tx_${randomBytes(6).toString('hex')}`;
    const backendOf = async (client: pg.PoolClient) =>
      (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
    const insert = (client: pg.PoolClient, n: number) => client.query(`INSERT INTO ${table} (n) VALUES ($1)`, [n]);
    const backends: number[] = [];
    try {
      await pool.query(`CREATE TABLE ${table} (n INTEGER PRIMARY KEY)`);
      const refused = inPostgresTransaction(pool, async (client) => {
        backends.push(await backendOf(client));
        await insert(client, 1);
        await insert(client, 1);
      });
      await expect(refused).rejects.toMatchObject({ code: '23505' });
      const abandoned = inPostgresTransaction(pool, async (client) => {
        backends.push(await backendOf(client));
        await insert(client, 2);
        throw new Error('changed its mind');
      });
      await expect(abandoned).rejects.toThrow('changed its mind');
      await inPostgresTransaction(pool, async (client) => {
        backends.push(await backendOf(client));
        await insert(client, 3);
      });
      expect(backends[1]).toBe(backends[0]);
      expect(backends[2]).not.toBe(backends[1]);
      expect((await pool.query(`SELECT n FROM ${table}`)).rows).toEqual([{ n: 3 }]);
    } finally {
      await pool.query(`DROP TABLE IF EXISTS ${table}`);
      await pool.end();
    }
  });
});

describe('limitStatements', () => {
  it('sets the server limit by SET on each connection, not as a startup parameter (which PgBouncer refuses)', async () => {
    const config = postgresClientConfig({ connectionString: process.env.TEST_POSTGRES_URL!, queryTimeoutMs: 2500 });
    expect(config).not.toHaveProperty('statement_timeout');
    const limited = limitStatements(new pg.Pool({ ...config, max: 2 }), 2500);
    const unlimited = limitStatements(new pg.Pool({ connectionString: process.env.TEST_POSTGRES_URL, max: 1 }), 0);
    try {
      const shown = await Promise.all([limited.connect(), limited.connect()]);
      try {
        for (const client of shown)
          expect((await client.query('SHOW statement_timeout')).rows[0].statement_timeout).toBe('2500ms');
      } finally {
        for (const client of shown) client.release();
      }
      await expect(limited.query('SELECT pg_sleep(4)')).rejects.toMatchObject({ code: '57014' });
      expect((await unlimited.query('SHOW statement_timeout')).rows[0].statement_timeout).toBe('0');
    } finally {
      await limited.end();
      await unlimited.end();
    }
  });
});
