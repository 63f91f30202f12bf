import pg from 'pg';
import { EventStoreError, storeUnavailableMessage } from '../port';
import { eventStoreContract } from '../testing/contract';
import { appendRequest, newStreamId } from '../testing/fixtures';
import { dropSchemas, startThrowawayPostgres, testPostgresUrl, uniqueSchema } from '../testing/postgresTestDb';
import { startStallingProxy } from '../testing/stallingProxy';
import { openPostgresEventStore } from './postgresEventStore';

const schemas: string[] = [];
function freshSchema(): string {
  const schema = uniqueSchema('es_contract');
  schemas.push(schema);
  return schema;
}

afterAll(() => dropSchemas(testPostgresUrl(), schemas));

eventStoreContract('PostgreSQL', {
  open: async () => {
    const connectionString = testPostgresUrl();
    const schema = freshSchema();
    return {
      store: await openPostgresEventStore({ connectionString, schema, poolSize: 4 }),
      openAnother: () => openPostgresEventStore({ connectionString, schema, poolSize: 2 }),
    };
  },
});

describe('PostgreSQL event store', () => {
  it('creates its schema idempotently: a second store on the same schema sees the same log', async () => {
    const connectionString = testPostgresUrl();
    const schema = freshSchema();
    const [first, second] = await Promise.all([
      openPostgresEventStore({ connectionString, schema }),
      openPostgresEventStore({ connectionString, schema }),
    ]);
    const stored = await first.append(appendRequest(newStreamId(), -1, 2));
    expect(await second.readAll(0, 10)).toEqual(stored);
    await Promise.all([first.close(), second.close()]);
  });

  it('answers store-unavailable when the server cannot be reached', async () => {
    const url = new URL(testPostgresUrl());
    url.port = '1';
    await expect(
      openPostgresEventStore({ connectionString: url.toString(), connectTimeoutMs: 2000 }),
    ).rejects.toMatchObject({
      code: 'store-unavailable',
    });
  });

  it('answers store-unavailable once its server has stopped', async () => {
    const server = await startThrowawayPostgres();
    let stopped = false;
    try {
      const store = await openPostgresEventStore({ connectionString: server.url, connectTimeoutMs: 2000 });
      const streamId = newStreamId();
      await store.append(appendRequest(streamId, -1));
      server.stop();
      stopped = true;
      await expect(store.append(appendRequest(streamId, 0))).rejects.toMatchObject({ code: 'store-unavailable' });
      await expect(store.readStream(streamId)).rejects.toMatchObject({ code: 'store-unavailable' });
      await expect(store.ping()).rejects.toMatchObject({ code: 'store-unavailable' });
      await store.close();
    } finally {
      if (!stopped) server.stop();
    }
  }, 60_000);

  it('answers store-unavailable when its connections are killed, writes nothing, and recovers', async () => {
    const connectionString = testPostgresUrl();
    const schema = freshSchema();
    const applicationName = `victim-${schema}`;
    const store = await openPostgresEventStore({ connectionString, schema, poolSize: 2, applicationName });
    const streamId = newStreamId();
    await store.append(appendRequest(streamId, -1));
    await store.waitForAppend(0, 1000); // opens the LISTEN connection, which is killed too
    const admin = new pg.Client({ connectionString });
    await admin.connect();
    const killed = await admin.query(
      'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1',
      [applicationName],
    );
    expect(killed.rowCount).toBeGreaterThanOrEqual(2);
    await admin.end();
    const error = await store.append(appendRequest(streamId, 0)).then(
      () => undefined,
      (e: unknown) => e,
    );
    if (error !== undefined) {
      expect(error).toBeInstanceOf(EventStoreError);
      expect((error as EventStoreError).code).toBe('store-unavailable');
      expect((await store.readStream(streamId)).map((event) => event.version)).toEqual([0]);
    }
    const [next] = await store.append(appendRequest(streamId, error === undefined ? 1 : 0));
    expect(next.position).toBe(next.version + 1);
    const writer = await openPostgresEventStore({ connectionString, schema, poolSize: 1 });
    const woke = store.waitForAppend(next.position, 10 * 60 * 1000);
    await writer.append(appendRequest(newStreamId(), -1));
    await woke;
    await Promise.all([store.close(), writer.close()]);
  });
});

describe('PostgreSQL event store, when the server does not answer in time', () => {
  const queryTimeoutMs = 300;
  /** The server's cancel comes at queryTimeoutMs, the client's own give-up a second later. */
  const deadlineMs = queryTimeoutMs + 1000 + 500;

  /** How the call failed, and after how long. */
  async function failure(call: () => Promise<unknown>): Promise<{ error: EventStoreError; ms: number }> {
    const started = Date.now();
    const error = await call().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(EventStoreError);
    return { error: error as EventStoreError, ms: Date.now() - started };
  }

  it('fails an append held up by a lock as store-unavailable (nothing written) within its query timeout, and appends once the lock is gone', async () => {
    const connectionString = testPostgresUrl();
    const schema = freshSchema();
    const store = await openPostgresEventStore({ connectionString, schema, poolSize: 2, queryTimeoutMs });
    const blocker = new pg.Client({ connectionString });
    await blocker.connect();
    try {
      const streamId = newStreamId();
      await store.append(appendRequest(streamId, -1));
      await blocker.query('BEGIN');
      await blocker.query(`SELECT position FROM "${schema}".log_head FOR UPDATE`);
      const { error, ms } = await failure(() => store.append(appendRequest(streamId, 0)));
      expect(error).toMatchObject({ code: 'store-unavailable', detail: { reason: '57014' } }); // canceled by statement_timeout
      expect(ms).toBeLessThan(deadlineMs);
      expect(storeUnavailableMessage(error)).toMatch(/nothing was written/);
      await blocker.query('ROLLBACK');
      await store.append(appendRequest(streamId, 0));
      expect((await store.readStream(streamId)).map((event) => event.version)).toEqual([0, 1]);
    } finally {
      await blocker.end();
      await store.close();
    }
  });

  it('fails appends, reads and the readiness ping as store-unavailable when the server goes silent, and works once it answers again', async () => {
    const proxy = await startStallingProxy(testPostgresUrl());
    const schema = freshSchema();
    const store = await openPostgresEventStore({
      connectionString: proxy.url,
      schema,
      poolSize: 2,
      queryTimeoutMs,
      connectTimeoutMs: 1000,
    });
    try {
      const streamId = newStreamId();
      await store.append(appendRequest(streamId, -1));
      proxy.stall();
      for (const call of [
        () => store.append(appendRequest(streamId, 0)),
        () => store.readStream(streamId),
        () => store.ping(),
      ]) {
        const { error, ms } = await failure(call);
        expect(error.code).toBe('store-unavailable');
        expect(ms).toBeLessThan(deadlineMs);
      }
      proxy.resume();
      await store.ping();
      await store.append(appendRequest(streamId, 0));
      expect((await store.readStream(streamId)).map((event) => event.version)).toEqual([0, 1]);
    } finally {
      await store.close();
      await proxy.close();
    }
  });

  it('says a COMMIT left unanswered may have been stored, which a retry with the same eventId settles', async () => {
    const proxy = await startStallingProxy(testPostgresUrl());
    const store = await openPostgresEventStore({ connectionString: proxy.url, schema: freshSchema(), queryTimeoutMs });
    try {
      const request = appendRequest(newStreamId(), -1);
      proxy.stallAfter('COMMIT\u0000');
      const { error, ms } = await failure(() => store.append(request));
      expect(error).toMatchObject({ code: 'store-unavailable', detail: { outcome: 'unknown' } });
      expect(ms).toBeLessThan(deadlineMs);
      expect(storeUnavailableMessage(error)).toMatch(/may have been stored/);
      proxy.resume();
      await expect(store.append(request)).rejects.toMatchObject({ code: 'duplicate-event-id' });
    } finally {
      await store.close();
      await proxy.close();
    }
  });
});
