import pg from 'pg';
import { postgresTestReadStore } from '../testing/readStores';

describe('the PostgreSQL read store', () => {
  it('outlives the server ending its idle connections, and takes the next query on a new one', async () => {
    const ended: Error[] = [];
    const { store, drop } = await postgresTestReadStore('pgstore', { onBackgroundError: (error) => ended.push(error) });
    try {
      await store.exec('CREATE TABLE t (n INTEGER)');
      await store.run('INSERT INTO t (n) VALUES (?)', [1]);
      const database = /\/([^/]+)$/.exec(new URL(store.description).pathname)![1]!;
      const admin = new pg.Client({ connectionString: process.env.TEST_POSTGRES_URL });
      await admin.connect();
      try {
        const { rows } = await admin.query(
          'SELECT count(pg_terminate_backend(pid)) AS n FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
          [database],
        );
        expect(Number(rows[0].n)).toBeGreaterThan(0);
      } finally {
        await admin.end();
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(ended.map((error) => (error as Error & { code?: string }).code)).toContain('57P01');
      expect(await store.get<{ n: number }>('SELECT n FROM t')).toEqual({ n: 1 });
    } finally {
      await store.close();
      await drop();
    }
  });
});
