import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
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

export interface SqliteAnchorStoreOptions {
  readonly directory: string;
  readonly fileName?: string;
  readonly busyTimeoutMs?: number;
}

export const SQLITE_ANCHOR_FILE = 'anchors.sqlite';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS anchor_checkpoint (name TEXT PRIMARY KEY, position INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS anchor_batches (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  batch_id TEXT NOT NULL UNIQUE,
  agency_id TEXT NOT NULL,
  status TEXT NOT NULL,
  size INTEGER NOT NULL,
  payload TEXT NOT NULL,
  positions TEXT NOT NULL,
  first_position INTEGER NOT NULL,
  oldest_recorded_at TEXT NOT NULL,
  planned_at TEXT NOT NULL,
  commit_json TEXT,
  committed_at TEXT,
  rejection_code TEXT,
  rejection_message TEXT
);
CREATE INDEX IF NOT EXISTS anchor_batches_status ON anchor_batches (status, seq);
CREATE TABLE IF NOT EXISTS anchor_events (
  event_id TEXT PRIMARY KEY,
  batch_id TEXT NOT NULL,
  leaf_index INTEGER NOT NULL,
  position INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS anchor_events_position ON anchor_events (position);
CREATE TABLE IF NOT EXISTS anchor_stream_certificates (stream_id TEXT PRIMARY KEY, certificate_no TEXT NOT NULL) WITHOUT ROWID;
`;

/** The anchor store in SQLite (the embedded default), beside the event store's file. */
export function openSqliteAnchorStore(options: SqliteAnchorStoreOptions): AnchorStore {
  fs.mkdirSync(options.directory, { recursive: true });
  const file = path.join(options.directory, options.fileName ?? SQLITE_ANCHOR_FILE);
  const db = new Database(file, { timeout: options.busyTimeoutMs ?? 5000 });
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.exec('BEGIN IMMEDIATE');
    db.exec(SCHEMA);
    db.exec('COMMIT');
  } catch (error) {
    db.close();
    throw new AnchorStoreError(`cannot open the anchor store ${file}: ${(error as Error).message}`);
  }
  return new SqliteAnchorStore(db);
}

class SqliteAnchorStore implements AnchorStore {
  private readonly batchOf = settledBatchReader();
  readonly kind = 'sqlite' as const;
  private readonly sql;
  private readonly saveTx;
  private readonly replaceTx;
  private readonly adoptTx;

  constructor(private readonly db: Database.Database) {
    this.sql = {
      checkpoint: db.prepare<[], { position: number }>(
        "SELECT position FROM anchor_checkpoint WHERE name = 'anchorer'",
      ),
      setCheckpoint: db.prepare(
        "INSERT INTO anchor_checkpoint (name, position) VALUES ('anchorer', ?) ON CONFLICT (name) DO UPDATE SET position = MAX(position, excluded.position)",
      ),
      insertBatch: db.prepare(
        `INSERT INTO anchor_batches (${INSERT_BATCH_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      upsertAdopted: db.prepare(
        `INSERT INTO anchor_batches (${INSERT_ADOPTED_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ${adoptedOnConflict('anchor_batches')}`,
      ),
      insertEvent: db.prepare(
        'INSERT INTO anchor_events (event_id, batch_id, leaf_index, position) VALUES (?, ?, ?, ?)',
      ),
      upsertCertificate: db.prepare(
        'INSERT INTO anchor_stream_certificates (stream_id, certificate_no) VALUES (?, ?) ON CONFLICT (stream_id) DO UPDATE SET certificate_no = excluded.certificate_no',
      ),
      pending: db.prepare<[], BatchRow>(
        `SELECT ${BATCH_COLUMNS} FROM anchor_batches WHERE status = 'planned' ORDER BY first_position, seq`,
      ),
      deletePlanned: db.prepare("DELETE FROM anchor_batches WHERE batch_id = ? AND status = 'planned'"),
      plannedPayload: db.prepare<[string], { payload: string }>(
        "SELECT payload FROM anchor_batches WHERE batch_id = ? AND status = 'planned'",
      ),
      deleteEvent: db.prepare('DELETE FROM anchor_events WHERE event_id = ?'),
      rejectedPayloads: db.prepare<[], { payload: string }>(
        "SELECT payload FROM anchor_batches WHERE status = 'rejected'",
      ),
      batch: db.prepare<[string], BatchRow>(`SELECT ${BATCH_COLUMNS} FROM anchor_batches WHERE batch_id = ?`),
      commit: db.prepare(
        "UPDATE anchor_batches SET status = 'committed', commit_json = ?, committed_at = ? WHERE batch_id = ?",
      ),
      reject: db.prepare(
        "UPDATE anchor_batches SET status = 'rejected', rejection_code = ?, rejection_message = ? WHERE batch_id = ? AND status = 'planned'",
      ),
      event: db.prepare<[string], { event_id: string; batch_id: string; leaf_index: number; position: number }>(
        'SELECT event_id, batch_id, leaf_index, position FROM anchor_events WHERE event_id = ?',
      ),
      eventsAfter: db.prepare<
        [number, number],
        { event_id: string; batch_id: string; leaf_index: number; position: number }
      >(
        'SELECT event_id, batch_id, leaf_index, position FROM anchor_events WHERE position > ? ORDER BY position LIMIT ?',
      ),
      certificate: db.prepare<[string], { certificate_no: string }>(
        'SELECT certificate_no FROM anchor_stream_certificates WHERE stream_id = ?',
      ),
      summary: db.prepare<
        [],
        { batches: number; events: number | null; first_position: number | null; oldest: string | null }
      >(
        "SELECT COUNT(*) AS batches, SUM(size) AS events, MIN(first_position) AS first_position, MIN(oldest_recorded_at) AS oldest FROM anchor_batches WHERE status = 'planned'",
      ),
      counts: db.prepare<[], { status: string; n: number }>(
        'SELECT status, COUNT(*) AS n FROM anchor_batches GROUP BY status',
      ),
      eventCount: db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM anchor_events'),
    };
    this.saveTx = db.transaction((plan: AnchorPlan, plannedAt: string) => {
      for (const planned of plan.batches) this.insertPlanned(planned, plannedAt);
      for (const [streamId, certificateNo] of plan.streamCertificates)
        this.sql.upsertCertificate.run(streamId, certificateNo);
      this.sql.setCheckpoint.run(plan.checkpoint);
    });
    this.replaceTx = db.transaction((batchId: string, parts: readonly PlannedBatch[], plannedAt: string) => {
      this.deletePlanned(batchId);
      for (const part of parts) this.insertPlanned(part, plannedAt);
    });
    this.adoptTx = db.transaction(
      (batchId: string, adopted: readonly AdoptedBatch[], rest: PlannedBatch | undefined, at: string): string[] => {
        this.deletePlanned(batchId);
        const recorded: string[] = [];
        for (const batch of adopted) {
          if (this.sql.upsertAdopted.run(...adoptedRowValues(batch, at)).changes > 0)
            recorded.push(batch.planned.batch.batchId);
          for (const anchor of batch.anchors)
            this.sql.insertEvent.run(anchor.eventId, anchor.batchId, anchor.leafIndex, anchor.position);
        }
        if (rest) this.insertPlanned(rest, at);
        return recorded;
      },
    );
  }

  /** A planned batch and its events' rows gone; throws when the batch is not planned. */
  private deletePlanned(batchId: string): void {
    const planned = this.sql.plannedPayload.get(batchId);
    if (!planned) throw new Error(`batch ${batchId} is not planned`);
    // By event id (the key): anchor_events has no index on batch_id.
    for (const event of (JSON.parse(planned.payload) as AnchorBatch).events) this.sql.deleteEvent.run(event.eventId);
    this.sql.deletePlanned.run(batchId);
  }

  private insertPlanned(planned: PlannedBatch, plannedAt: string): void {
    const { batch, positions } = planned;
    this.sql.insertBatch.run(...plannedRowValues(planned, plannedAt));
    batch.events.forEach((event, leafIndex) =>
      this.sql.insertEvent.run(event.eventId, batch.batchId, leafIndex, positions[leafIndex]),
    );
  }

  private guard<T>(work: () => T): Promise<T> {
    try {
      return Promise.resolve(work());
    } catch (error) {
      return Promise.reject(new AnchorStoreError(`anchor store: ${(error as Error).message}`));
    }
  }

  checkpoint(): Promise<number> {
    return this.guard(() => this.sql.checkpoint.get()?.position ?? 0);
  }

  savePlan(plan: AnchorPlan): Promise<void> {
    return this.guard(() => this.saveTx.immediate(plan, new Date().toISOString()));
  }

  pendingBatches(): Promise<StoredBatch[]> {
    return this.guard(() => this.sql.pending.all().map((row) => this.batchOf(row)));
  }

  replaceBatch(batchId: string, parts: readonly PlannedBatch[]): Promise<void> {
    return this.guard(() => this.replaceTx.immediate(batchId, parts, new Date().toISOString()));
  }

  adoptAnchored(
    batchId: string,
    adopted: readonly AdoptedBatch[],
    rest: PlannedBatch | undefined,
  ): Promise<readonly string[]> {
    return this.guard(() => this.adoptTx.immediate(batchId, adopted, rest, new Date().toISOString()));
  }

  refusedStreams(): Promise<Set<string>> {
    return this.guard(() => streamsOfPayloads(this.sql.rejectedPayloads.all()));
  }

  recordCommit(commit: AnchorCommit, committedAt: string): Promise<void> {
    return this.guard(() => void this.sql.commit.run(JSON.stringify(commit), committedAt, commit.batchId));
  }

  recordRejection(batchId: string, code: string, message: string): Promise<void> {
    return this.guard(() => void this.sql.reject.run(code, message, batchId));
  }

  findEvent(eventId: string): Promise<{ anchor: EventAnchor; batch: StoredBatch } | undefined> {
    return this.guard(() => {
      const row = this.sql.event.get(eventId);
      if (!row) return undefined;
      const batch = this.sql.batch.get(row.batch_id);
      if (!batch) return undefined;
      return {
        anchor: { eventId: row.event_id, batchId: row.batch_id, leafIndex: row.leaf_index, position: row.position },
        batch: this.batchOf(batch),
      };
    });
  }

  anchorsAfter(afterPosition: number, limit: number): Promise<Array<{ anchor: EventAnchor; batch: StoredBatch }>> {
    return this.guard(() => {
      // A batch's row holds all its digests: read each batch once, not once per event.
      const batches = new Map<string, StoredBatch | undefined>();
      const batchNamed = (batchId: string): StoredBatch | undefined => {
        if (!batches.has(batchId)) {
          const row = this.sql.batch.get(batchId);
          batches.set(batchId, row && this.batchOf(row));
        }
        return batches.get(batchId);
      };
      return this.sql.eventsAfter.all(afterPosition, limit).flatMap((row) => {
        const batch = batchNamed(row.batch_id);
        if (!batch) return [];
        const anchor = {
          eventId: row.event_id,
          batchId: row.batch_id,
          leafIndex: row.leaf_index,
          position: row.position,
        };
        return [{ anchor, batch }];
      });
    });
  }

  getBatch(batchId: string): Promise<StoredBatch | undefined> {
    return this.guard(() => {
      const row = this.sql.batch.get(batchId);
      return row ? this.batchOf(row) : undefined;
    });
  }

  certificateOfStream(streamId: string): Promise<string | undefined> {
    return this.guard(() => this.sql.certificate.get(streamId)?.certificate_no);
  }

  pendingSummary(): Promise<PendingSummary> {
    return this.guard(() => {
      const row = this.sql.summary.get()!;
      return {
        batches: row.batches,
        events: row.events ?? 0,
        ...(row.first_position !== null ? { firstPosition: row.first_position } : {}),
        ...(row.oldest !== null ? { oldestRecordedAt: row.oldest } : {}),
      };
    });
  }

  counts(): Promise<{ batches: Record<BatchStatus, number>; events: number }> {
    return this.guard(() => {
      const batches: Record<BatchStatus, number> = { planned: 0, committed: 0, rejected: 0 };
      for (const row of this.sql.counts.all()) batches[row.status as BatchStatus] = row.n;
      return { batches, events: this.sql.eventCount.get()!.n };
    });
  }

  ping(): Promise<void> {
    return this.guard(() => void this.db.prepare('SELECT 1').get());
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
