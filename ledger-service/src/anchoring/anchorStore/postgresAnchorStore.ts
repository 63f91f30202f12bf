import {
  DEFAULT_QUERY_TIMEOUT_MS,
  inPostgresTransaction,
  limitStatements,
  postgresClientConfig,
} from '@certledger/projections';
import pg from 'pg';
import type { AnchorBatch, AnchorCommit } from '../port';
import {
  AdoptedBatch,
  AnchorPlan,
  AnchorStore,
  AnchorStoreError,
  BatchStatus,
  EventAnchor,
  PendingSummary,
  PlannedBatch,
  StoredBatch,
} from './port';
import {
  adoptedOnConflict,
  adoptedRowValues,
  BATCH_COLUMNS,
  BatchRow,
  INSERT_ADOPTED_COLUMNS,
  INSERT_BATCH_COLUMNS,
  plannedRowValues,
  settledBatchReader,
  streamsOfPayloads,
} from './rows';

export interface PostgresAnchorStoreOptions {
  readonly connectionString: string;
  /** PostgreSQL schema of the tables (the event store's, by default `public`). */
  readonly schema?: string;
  readonly poolSize?: number;
  readonly connectTimeoutMs?: number;
  /** How long one statement may take before the call fails (EVENT_STORE_QUERY_TIMEOUT_SECONDS); 10 s when absent. */
  readonly queryTimeoutMs?: number;
  readonly onBackgroundError?: (error: Error) => void;
}

const MIGRATION_LOCK = 0x616e6368; // an arbitrary advisory-lock key for this store's migration

function quoted(schema: string): string {
  return `"${schema.replace(/"/g, '""')}"`;
}

function schemaSql(s: string): string {
  return `
CREATE SCHEMA IF NOT EXISTS ${s};
CREATE TABLE IF NOT EXISTS ${s}.anchor_checkpoint (name TEXT PRIMARY KEY, position BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS ${s}.anchor_batches (
  seq BIGSERIAL PRIMARY KEY,
  batch_id TEXT NOT NULL UNIQUE,
  agency_id TEXT NOT NULL,
  status TEXT NOT NULL,
  size INTEGER NOT NULL,
  payload TEXT NOT NULL,
  positions TEXT NOT NULL,
  first_position BIGINT NOT NULL,
  oldest_recorded_at TEXT NOT NULL,
  planned_at TEXT NOT NULL,
  commit_json TEXT,
  committed_at TEXT,
  rejection_code TEXT,
  rejection_message TEXT
);
CREATE INDEX IF NOT EXISTS anchor_batches_status ON ${s}.anchor_batches (status, seq);
CREATE TABLE IF NOT EXISTS ${s}.anchor_events (
  event_id TEXT PRIMARY KEY,
  batch_id TEXT NOT NULL,
  leaf_index INTEGER NOT NULL,
  position BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS anchor_events_position ON ${s}.anchor_events (position);
CREATE TABLE IF NOT EXISTS ${s}.anchor_stream_certificates (stream_id TEXT PRIMARY KEY, certificate_no TEXT NOT NULL);
`;
}

/** The anchor store in PostgreSQL, used when the event store is PostgreSQL. */
export async function openPostgresAnchorStore(options: PostgresAnchorStoreOptions): Promise<AnchorStore> {
  const schema = quoted(options.schema ?? 'public');
  const queryTimeoutMs = options.queryTimeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS;
  const pool = limitStatements(
    new pg.Pool({
      ...postgresClientConfig({
        connectionString: options.connectionString,
        connectTimeoutMs: options.connectTimeoutMs ?? 5000,
        queryTimeoutMs,
      }),
      max: options.poolSize ?? 4,
    }),
    queryTimeoutMs,
  );
  pool.on('error', (error) => options.onBackgroundError?.(error));
  try {
    await inPostgresTransaction(pool, async (client) => {
      await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
      await client.query(schemaSql(schema));
    });
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw new AnchorStoreError(`cannot open the PostgreSQL anchor store: ${(error as Error).message}`);
  }
  return new PostgresAnchorStore(pool, schema);
}

class PostgresAnchorStore implements AnchorStore {
  private readonly batchOf = settledBatchReader();
  readonly kind = 'postgres' as const;
  private closed = false;

  constructor(
    private readonly pool: pg.Pool,
    private readonly s: string,
  ) {}

  private async query<R extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<R[]> {
    try {
      return (await this.pool.query<R>(text, values)).rows;
    } catch (error) {
      throw new AnchorStoreError(`anchor store: ${(error as Error).message}`);
    }
  }

  async checkpoint(): Promise<number> {
    const rows = await this.query<{ position: string }>(
      `SELECT position FROM ${this.s}.anchor_checkpoint WHERE name = 'anchorer'`,
    );
    return rows[0] ? Number(rows[0].position) : 0;
  }

  async savePlan(plan: AnchorPlan): Promise<void> {
    const plannedAt = new Date().toISOString();
    await this.transaction(async (client) => {
      for (const planned of plan.batches) await this.insertPlanned(client, planned, plannedAt);
      if (plan.streamCertificates.size > 0) {
        await client.query(
          `INSERT INTO ${this.s}.anchor_stream_certificates (stream_id, certificate_no) SELECT * FROM unnest($1::text[], $2::text[])
           ON CONFLICT (stream_id) DO UPDATE SET certificate_no = excluded.certificate_no`,
          [[...plan.streamCertificates.keys()], [...plan.streamCertificates.values()]],
        );
      }
      await client.query(
        `INSERT INTO ${this.s}.anchor_checkpoint (name, position) VALUES ('anchorer', $1)
         ON CONFLICT (name) DO UPDATE SET position = GREATEST(${this.s}.anchor_checkpoint.position, excluded.position)`,
        [plan.checkpoint],
      );
    });
  }

  async replaceBatch(batchId: string, parts: readonly PlannedBatch[]): Promise<void> {
    const plannedAt = new Date().toISOString();
    await this.transaction(async (client) => {
      await this.deletePlanned(client, batchId);
      for (const part of parts) await this.insertPlanned(client, part, plannedAt);
    });
  }

  async adoptAnchored(
    batchId: string,
    adopted: readonly AdoptedBatch[],
    rest: PlannedBatch | undefined,
  ): Promise<readonly string[]> {
    const at = new Date().toISOString();
    const recorded: string[] = [];
    await this.transaction(async (client) => {
      await this.deletePlanned(client, batchId);
      for (const batch of adopted) {
        const upserted = await client.query(
          `INSERT INTO ${this.s}.anchor_batches (${INSERT_ADOPTED_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
           ${adoptedOnConflict(`${this.s}.anchor_batches`)}`,
          adoptedRowValues(batch, at),
        );
        if ((upserted.rowCount ?? 0) > 0) recorded.push(batch.planned.batch.batchId);
        await this.insertAnchors(client, batch.anchors);
      }
      if (rest) await this.insertPlanned(client, rest, at);
    });
    return recorded;
  }

  /** A planned batch and its events' rows gone; throws when the batch is not planned. */
  private async deletePlanned(client: pg.PoolClient, batchId: string): Promise<void> {
    const deleted = await client.query<{ payload: string }>(
      `DELETE FROM ${this.s}.anchor_batches WHERE batch_id = $1 AND status = 'planned' RETURNING payload`,
      [batchId],
    );
    if (deleted.rowCount !== 1) throw new Error(`batch ${batchId} is not planned`);
    // By event id (the key): anchor_events has no index on batch_id.
    const eventIds = (JSON.parse(deleted.rows[0]!.payload) as AnchorBatch).events.map((event) => event.eventId);
    await client.query(`DELETE FROM ${this.s}.anchor_events WHERE event_id = ANY($1)`, [eventIds]);
  }

  private async transaction(work: (client: pg.PoolClient) => Promise<void>): Promise<void> {
    try {
      await inPostgresTransaction(this.pool, work);
    } catch (error) {
      throw new AnchorStoreError(`anchor store: ${(error as Error).message}`);
    }
  }

  private async insertPlanned(client: pg.PoolClient, planned: PlannedBatch, plannedAt: string): Promise<void> {
    const { batch, positions } = planned;
    await client.query(
      `INSERT INTO ${this.s}.anchor_batches (${INSERT_BATCH_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      plannedRowValues(planned, plannedAt),
    );
    await client.query(
      `INSERT INTO ${this.s}.anchor_events (event_id, batch_id, leaf_index, position)
       SELECT e, $1, i - 1, p FROM unnest($2::text[], $3::bigint[]) WITH ORDINALITY AS t(e, p, i)`,
      [batch.batchId, batch.events.map((e) => e.eventId), positions],
    );
  }

  private async insertAnchors(client: pg.PoolClient, anchors: readonly EventAnchor[]): Promise<void> {
    await client.query(
      `INSERT INTO ${this.s}.anchor_events (event_id, batch_id, leaf_index, position)
       SELECT * FROM unnest($1::text[], $2::text[], $3::int[], $4::bigint[])`,
      [
        anchors.map((a) => a.eventId),
        anchors.map((a) => a.batchId),
        anchors.map((a) => a.leafIndex),
        anchors.map((a) => a.position),
      ],
    );
  }

  async pendingBatches(): Promise<StoredBatch[]> {
    const rows = await this.query<BatchRow>(
      `SELECT ${BATCH_COLUMNS} FROM ${this.s}.anchor_batches WHERE status = 'planned' ORDER BY first_position, seq`,
    );
    return rows.map((row) => this.batchOf(row));
  }

  async recordCommit(commit: AnchorCommit, committedAt: string): Promise<void> {
    await this.query(
      `UPDATE ${this.s}.anchor_batches SET status = 'committed', commit_json = $1, committed_at = $2 WHERE batch_id = $3`,
      [JSON.stringify(commit), committedAt, commit.batchId],
    );
  }

  async recordRejection(batchId: string, code: string, message: string): Promise<void> {
    await this.query(
      `UPDATE ${this.s}.anchor_batches SET status = 'rejected', rejection_code = $1, rejection_message = $2 WHERE batch_id = $3 AND status = 'planned'`,
      [code, message, batchId],
    );
  }

  async refusedStreams(): Promise<Set<string>> {
    return streamsOfPayloads(
      await this.query<{ payload: string }>(`SELECT payload FROM ${this.s}.anchor_batches WHERE status = 'rejected'`),
    );
  }

  async findEvent(eventId: string): Promise<{ anchor: EventAnchor; batch: StoredBatch } | undefined> {
    const rows = await this.query<BatchRow & { event_id: string; leaf_index: number; position: string }>(
      `SELECT e.event_id, e.leaf_index, e.position, ${BATCH_COLUMNS.split(', ')
        .map((c) => `b.${c}`)
        .join(', ')}
       FROM ${this.s}.anchor_events e JOIN ${this.s}.anchor_batches b ON b.batch_id = e.batch_id WHERE e.event_id = $1`,
      [eventId],
    );
    const row = rows[0];
    if (!row) return undefined;
    return {
      anchor: {
        eventId: row.event_id,
        batchId: row.batch_id,
        leafIndex: row.leaf_index,
        position: Number(row.position),
      },
      batch: this.batchOf(row),
    };
  }

  async anchorsAfter(
    afterPosition: number,
    limit: number,
  ): Promise<Array<{ anchor: EventAnchor; batch: StoredBatch }>> {
    const rows = await this.query<{ event_id: string; batch_id: string; leaf_index: number; position: string }>(
      `SELECT event_id, batch_id, leaf_index, position FROM ${this.s}.anchor_events
       WHERE position > $1 ORDER BY position LIMIT $2`,
      [afterPosition, limit],
    );
    // A batch's row holds all its digests: read each batch once, not once per event.
    const batchIds = [...new Set(rows.map((row) => row.batch_id))];
    const batchRows =
      batchIds.length === 0
        ? []
        : await this.query<BatchRow>(`SELECT ${BATCH_COLUMNS} FROM ${this.s}.anchor_batches WHERE batch_id = ANY($1)`, [
            batchIds,
          ]);
    const batches = new Map(batchRows.map((row) => [row.batch_id, this.batchOf(row)]));
    return rows.flatMap((row) => {
      const batch = batches.get(row.batch_id);
      if (!batch) return [];
      const anchor = {
        eventId: row.event_id,
        batchId: row.batch_id,
        leafIndex: row.leaf_index,
        position: Number(row.position),
      };
      return [{ anchor, batch }];
    });
  }

  async getBatch(batchId: string): Promise<StoredBatch | undefined> {
    const rows = await this.query<BatchRow>(
      `SELECT ${BATCH_COLUMNS} FROM ${this.s}.anchor_batches WHERE batch_id = $1`,
      [batchId],
    );
    return rows[0] ? this.batchOf(rows[0]) : undefined;
  }

  async certificateOfStream(streamId: string): Promise<string | undefined> {
    const rows = await this.query<{ certificate_no: string }>(
      `SELECT certificate_no FROM ${this.s}.anchor_stream_certificates WHERE stream_id = $1`,
      [streamId],
    );
    return rows[0]?.certificate_no;
  }

  async pendingSummary(): Promise<PendingSummary> {
    const rows = await this.query<{
      batches: string;
      events: string | null;
      first_position: string | null;
      oldest: string | null;
    }>(
      `SELECT COUNT(*) AS batches, SUM(size) AS events, MIN(first_position) AS first_position, MIN(oldest_recorded_at) AS oldest
       FROM ${this.s}.anchor_batches WHERE status = 'planned'`,
    );
    const row = rows[0]!;
    return {
      batches: Number(row.batches),
      events: Number(row.events ?? 0),
      ...(row.first_position !== null ? { firstPosition: Number(row.first_position) } : {}),
      ...(row.oldest !== null ? { oldestRecordedAt: row.oldest } : {}),
    };
  }

  async counts(): Promise<{ batches: Record<BatchStatus, number>; events: number }> {
    const batches: Record<BatchStatus, number> = { planned: 0, committed: 0, rejected: 0 };
    for (const row of await this.query<{ status: string; n: string }>(
      `SELECT status, COUNT(*) AS n FROM ${this.s}.anchor_batches GROUP BY status`,
    )) {
      batches[row.status as BatchStatus] = Number(row.n);
    }
    const events = await this.query<{ n: string }>(`SELECT COUNT(*) AS n FROM ${this.s}.anchor_events`);
    return { batches, events: Number(events[0]!.n) };
  }

  async ping(): Promise<void> {
    await this.query('SELECT 1');
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }
}
