import {
  CommitUnconfirmed,
  DEFAULT_QUERY_TIMEOUT_MS,
  inPostgresTransaction,
  limitStatements,
  postgresClientConfig,
} from '@certledger/projections';
import pg from 'pg';
import {
  appendEachThrough,
  appendThrough,
  claimKey,
  conflictOf,
  distinctClaims,
  positioned,
  unavailable,
  unconfirmed,
} from '../appendRules';
import { GroupCommitter, Outcome } from '../groupCommit';
import { AppendRequest, EventStore, EventStoreError, StoredEvent } from '../port';
import { EventRow, rowValuesOf, storedEventOf } from '../rows';
import { AppendWaiters } from '../waiters';
import { migrationSql, PG_EVENT_ARRAY_TYPES, PG_EVENT_COLUMNS, pgNames, PgNames } from './schema';

export interface PostgresEventStoreOptions {
  readonly connectionString: string;
  /** PostgreSQL schema holding the tables; lets several stores (or test files) share a database. */
  readonly schema?: string;
  readonly poolSize?: number;
  /** Shown in pg_stat_activity; `certledger-event-store` when absent. */
  readonly applicationName?: string;
  readonly connectTimeoutMs?: number;
  /** How long one statement may take before the call fails as store-unavailable (EVENT_STORE_QUERY_TIMEOUT_SECONDS); 10 s when absent. */
  readonly queryTimeoutMs?: number;
  /** Polling fallback for waitForAppend, should a notification be lost (LISTEN reconnecting). */
  readonly pollIntervalMs?: number;
  /** Most append requests committed in one transaction. */
  readonly maxBatch?: number;
  /** Told about connection errors that happen outside any call (idle clients, the listener). */
  readonly onBackgroundError?: (error: Error) => void;
}

const DEFAULT_APPLICATION_NAME = 'certledger-event-store';
const MIGRATION_LOCK = 0x6c656467; // an arbitrary advisory-lock key for this store's migration

/** Connects, creates the schema when missing, and returns the store; store-unavailable when the server cannot be reached. */
export async function openPostgresEventStore(options: PostgresEventStoreOptions): Promise<EventStore> {
  const names = pgNames(options.schema ?? 'public');
  const pool = limitStatements(
    new pg.Pool({ ...clientConfig(options), max: options.poolSize ?? 10 }),
    options.queryTimeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS,
  );
  pool.on('error', (error) => options.onBackgroundError?.(error));
  try {
    await inPostgresTransaction(pool, async (client) => {
      await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
      await client.query(migrationSql(names));
    });
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw unavailable(error);
  }
  return new PostgresEventStore(pool, names, options);
}

/** The same limits for the pool and the LISTEN connection: a server that stops answering fails calls, never hangs them. */
function clientConfig(options: PostgresEventStoreOptions): pg.ClientConfig {
  return postgresClientConfig({
    connectionString: options.connectionString,
    applicationName: options.applicationName ?? DEFAULT_APPLICATION_NAME,
    connectTimeoutMs: options.connectTimeoutMs ?? 5000,
    queryTimeoutMs: options.queryTimeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS,
  });
}

interface BatchState {
  readonly eventsById: Map<string, StoredEvent>;
  readonly versions: Map<string, number>;
  /** claimKey → stream holding it. */
  readonly claims: Map<string, string>;
}

interface ClaimRow {
  readonly kind: string;
  readonly value: string;
  readonly stream_id: string;
}

const UNIQUE_VIOLATION = '23505';

class PostgresEventStore implements EventStore {
  private readonly committer: GroupCommitter<AppendRequest, StoredEvent[]>;
  private readonly waiters: AppendWaiters;
  private listener: Promise<pg.Client> | undefined;
  private closed = false;

  constructor(
    private readonly pool: pg.Pool,
    private readonly names: PgNames,
    private readonly options: PostgresEventStoreOptions,
  ) {
    this.committer = new GroupCommitter({
      maxBatch: options.maxBatch ?? 1000,
      commit: (batch) => this.commitBatch(batch, true),
    });
    this.waiters = new AppendWaiters({
      head: () => this.headPosition(),
      pollIntervalMs: options.pollIntervalMs ?? 500,
    });
  }

  append(request: AppendRequest): Promise<StoredEvent[]> {
    return appendThrough((r) => this.submit(r), request);
  }

  appendEach(requests: readonly AppendRequest[]): Promise<Array<StoredEvent[] | EventStoreError>> {
    return appendEachThrough((r) => this.submit(r), requests);
  }

  async readStream(streamId: string): Promise<StoredEvent[]> {
    const rows = await this.query<EventRow>(
      `SELECT ${PG_EVENT_COLUMNS} FROM ${this.names.events} WHERE stream_id = $1 ORDER BY version`,
      [streamId],
    );
    return rows.map(storedEventOf);
  }

  async findEvent(eventId: string): Promise<StoredEvent | undefined> {
    const rows = await this.query<EventRow>(
      `SELECT ${PG_EVENT_COLUMNS} FROM ${this.names.events} WHERE event_id = $1`,
      [eventId],
    );
    return rows[0] && storedEventOf(rows[0]);
  }

  async findEvents(eventIds: readonly string[]): Promise<StoredEvent[]> {
    if (eventIds.length === 0) return [];
    const rows = await this.query<EventRow>(
      `SELECT ${PG_EVENT_COLUMNS} FROM ${this.names.events} WHERE event_id = ANY($1::text[])`,
      [eventIds],
    );
    return rows.map(storedEventOf);
  }

  async readAll(afterPosition: number, limit: number): Promise<StoredEvent[]> {
    const rows = await this.query<EventRow>(
      `SELECT ${PG_EVENT_COLUMNS} FROM ${this.names.events} WHERE position > $1 ORDER BY position LIMIT $2`,
      [afterPosition, limit],
    );
    return rows.map(storedEventOf);
  }

  async headPosition(): Promise<number> {
    const rows = await this.query<{ position: string }>(`SELECT position FROM ${this.names.logHead}`);
    return Number(rows[0]?.position ?? 0);
  }

  async waitForAppend(afterPosition: number, timeoutMs: number): Promise<void> {
    await this.listen().catch(() => undefined);
    return this.waiters.wait(afterPosition, timeoutMs);
  }

  async ping(): Promise<void> {
    await this.query('SELECT 1');
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.committer.idle();
    this.waiters.close();
    const listener = this.listener;
    this.listener = undefined;
    await listener?.then((client) => client.end()).catch(() => undefined);
    await this.pool.end().catch(() => undefined);
  }

  private submit(request: AppendRequest): Promise<Outcome<StoredEvent[]>> {
    if (this.closed) return Promise.resolve({ ok: false, error: unavailable(new Error('the event store is closed')) });
    return this.committer.submit(request);
  }

  private async query<R extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<R[]> {
    if (this.closed) throw unavailable(new Error('the event store is closed'));
    try {
      return (await this.pool.query<R>(text, values)).rows;
    } catch (error) {
      throw unavailable(error);
    }
  }

  /** One LISTEN connection, opened on the first wait and replaced after it fails. */
  private listen(): Promise<pg.Client> {
    if (this.listener) return this.listener;
    const listening: Promise<pg.Client> = (async () => {
      const client = new pg.Client(clientConfig(this.options));
      const forget = (error: Error) => {
        if (this.listener === listening) this.listener = undefined;
        this.options.onBackgroundError?.(error);
        client.end().catch(() => undefined);
      };
      client.on('error', forget);
      client.on('end', () => {
        if (this.listener === listening) this.listener = undefined;
      });
      client.on('notification', (message) => this.waiters.notify(Number(message.payload)));
      try {
        await client.connect();
        await client.query(`LISTEN "${this.names.channel}"`);
        return client;
      } catch (error) {
        forget(error as Error);
        throw error;
      }
    })();
    this.listener = listening;
    return listening;
  }

  /**
   * One transaction for the whole batch. The log_head row lock serializes writers across
   * processes, so positions are handed out in commit order and a follower never sees a later
   * position before an earlier one. Conflicts are decided on what was read under the lock.
   */
  private async commitBatch(requests: readonly AppendRequest[], mayRetry: boolean): Promise<Outcome<StoredEvent[]>[]> {
    try {
      const { outcomes, head } = await inPostgresTransaction(this.pool, (client) =>
        this.decideAndWrite(client, requests),
      );
      this.waiters.notify(head);
      return outcomes;
    } catch (error) {
      // Only a writer that bypasses the log_head lock can cause this: decide again, one request at a time.
      if (mayRetry && (error as { code?: string }).code === UNIQUE_VIOLATION) {
        const outcomes: Outcome<StoredEvent[]>[] = [];
        for (const request of requests) {
          const single = await this.commitBatch([request], false).catch((e: unknown) => [
            { ok: false, error: e } as const,
          ]);
          outcomes.push(...single);
        }
        return outcomes;
      }
      throw error instanceof CommitUnconfirmed ? unconfirmed(error) : unavailable(error);
    }
  }

  /** Decides and writes the batch in the open transaction; `head` is the log's head once it commits. */
  private async decideAndWrite(
    client: pg.PoolClient,
    requests: readonly AppendRequest[],
  ): Promise<{ outcomes: Outcome<StoredEvent[]>[]; head: number }> {
    const head = await client.query<{ position: string }>(`SELECT position FROM ${this.names.logHead} FOR UPDATE`);
    const startHead = Number(head.rows[0]?.position ?? 0);
    const state = await this.loadState(client, requests);
    const recordedAt = new Date().toISOString();
    const written: StoredEvent[] = [];
    const claimed: Array<readonly [string, string, string]> = [];
    let position = startHead;
    const outcomes = requests.map((request): Outcome<StoredEvent[]> => {
      const existing = request.events.map((event) => state.eventsById.get(event.eventId)).find(Boolean);
      const claims = distinctClaims(request);
      const takenClaim = claims.find((claim) => {
        const holder = state.claims.get(claimKey(claim));
        return holder !== undefined && holder !== request.streamId;
      });
      const conflict = conflictOf(request, {
        existing,
        actualVersion: state.versions.get(request.streamId) ?? -1,
        takenClaim,
      });
      if (conflict) return { ok: false, error: conflict };
      const stored = positioned(request, position, recordedAt);
      position += stored.length;
      written.push(...stored);
      for (const event of stored) state.eventsById.set(event.eventId, event);
      if (stored.length > 0) state.versions.set(request.streamId, stored[stored.length - 1].version);
      for (const claim of claims) {
        if (state.claims.has(claimKey(claim))) continue;
        state.claims.set(claimKey(claim), request.streamId);
        claimed.push([claim.kind, claim.value, request.streamId]);
      }
      return { ok: true, value: stored };
    });
    await this.insert(client, written, claimed);
    if (position !== startHead) {
      await client.query(`WITH moved AS (UPDATE ${this.names.logHead} SET position = $1) SELECT pg_notify($2, $3)`, [
        position,
        this.names.channel,
        String(position),
      ]);
    }
    return { outcomes, head: position };
  }

  private async loadState(client: pg.PoolClient, requests: readonly AppendRequest[]): Promise<BatchState> {
    const eventIds = requests.flatMap((request) => request.events.map((event) => event.eventId));
    const streamIds = [...new Set(requests.map((request) => request.streamId))];
    const claims = requests.flatMap((request) => distinctClaims(request));
    const events = await client.query<EventRow>(
      `SELECT ${PG_EVENT_COLUMNS} FROM ${this.names.events} WHERE event_id = ANY($1::text[])`,
      [eventIds],
    );
    const versions = await client.query<{ stream_id: string; version: number }>(
      `SELECT stream_id, MAX(version) AS version FROM ${this.names.events} WHERE stream_id = ANY($1::text[]) GROUP BY stream_id`,
      [streamIds],
    );
    const holders =
      claims.length === 0
        ? { rows: [] as ClaimRow[] }
        : await client.query<ClaimRow>(
            `SELECT c.kind, c.value, c.stream_id FROM ${this.names.claims} c
             JOIN unnest($1::text[], $2::text[]) AS wanted(kind, value) ON c.kind = wanted.kind AND c.value = wanted.value`,
            [claims.map((claim) => claim.kind), claims.map((claim) => claim.value)],
          );
    return {
      eventsById: new Map(events.rows.map((row) => [row.event_id, storedEventOf(row)])),
      versions: new Map(versions.rows.map((row) => [row.stream_id, Number(row.version)])),
      claims: new Map(
        holders.rows.map((row) => [claimKey({ kind: row.kind as 'certificateNo', value: row.value }), row.stream_id]),
      ),
    };
  }

  private async insert(
    client: pg.PoolClient,
    events: readonly StoredEvent[],
    claims: ReadonlyArray<readonly [string, string, string]>,
  ): Promise<void> {
    if (events.length > 0) {
      const rows = events.map(rowValuesOf);
      const columns = PG_EVENT_ARRAY_TYPES.map((_, index) => rows.map((row) => row[index]));
      const params = PG_EVENT_ARRAY_TYPES.map((type, index) => `$${index + 1}::${type}`).join(', ');
      await client.query(
        `INSERT INTO ${this.names.events} (${PG_EVENT_COLUMNS}) SELECT * FROM unnest(${params})`,
        columns,
      );
    }
    if (claims.length > 0) {
      await client.query(
        `INSERT INTO ${this.names.claims} (kind, value, stream_id) SELECT * FROM unnest($1::text[], $2::text[], $3::text[])`,
        [claims.map((claim) => claim[0]), claims.map((claim) => claim[1]), claims.map((claim) => claim[2])],
      );
    }
  }
}
