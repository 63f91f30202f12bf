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

describe('a PostgreSQL read store transaction', () => {
  it('fails, without crashing the process, when the server ends its connection mid-transaction, and the next one works', async () => {
    const { store, drop } = await postgresTestReadStore('pgstore');
    const admin = new pg.Client({ connectionString: process.env.TEST_POSTGRES_URL });
    await admin.connect();
    try {
      await store.exec('CREATE TABLE t (n INTEGER)');
      const failing = store
        .transaction(async (tx) => {
          await tx.run('INSERT INTO t (n) VALUES (?)', [1]);
          await tx.get('SELECT pg_sleep(30)');
        })
        .then(
          () => undefined,
          (error: unknown) => error,
        );
      const database = new URL(store.description).pathname.slice(1);
      const sleeper = await waitFor(async () => {
        const { rows } = await admin.query<{ pid: number }>(
          "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND query = 'SELECT pg_sleep(30)' AND state = 'active'",
          [database],
        );
        return rows[0]?.pid;
      });
      await admin.query('SELECT pg_terminate_backend($1)', [sleeper]);
      expect(await failing).toBeInstanceOf(Error);
      await new Promise((resolve) => setTimeout(resolve, 100)); // a stray 'error' event would have been emitted by now
      await store.transaction((tx) => tx.run('INSERT INTO t (n) VALUES (?)', [2]));
      expect(await store.all('SELECT n FROM t')).toEqual([{ n: 2 }]);
    } finally {
      await admin.end();
      await store.close();
      await drop();
    }
  });
});

/** Polls `probe` until it gives a value (or fails the test after five seconds). */
async function waitFor<T>(probe: () => Promise<T | undefined>): Promise<T> {
  for (let tries = 0; tries < 100; tries += 1) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('timed out');
}
