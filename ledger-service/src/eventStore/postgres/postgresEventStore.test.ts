import pg from 'pg';
import { EventStoreError } from '../port';
import { eventStoreContract } from '../testing/contract';
import { appendRequest, newStreamId } from '../testing/fixtures';
import { dropSchemas, testPostgresUrl, uniqueSchema } from '../testing/postgresTestDb';
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
    await expect(openPostgresEventStore({ connectionString: url.toString(), connectTimeoutMs: 2000 })).rejects.toMatchObject({
      code: 'store-unavailable',
    });
  });

  it('answers store-unavailable when its connections are killed, writes nothing, and recovers', async () => {
    const connectionString = testPostgresUrl();
    const schema = freshSchema();
    const store = await openPostgresEventStore({ connectionString, schema, poolSize: 2 });
    const streamId = newStreamId();
    await store.append(appendRequest(streamId, -1));
    const admin = new pg.Client({ connectionString });
    await admin.connect();
    await admin.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND application_name = ''`,
    );
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
    await store.close();
  });
});
