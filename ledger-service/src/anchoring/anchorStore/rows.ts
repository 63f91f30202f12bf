import type { AnchorBatch, AnchorCommit } from '../port';
import type { AdoptedBatch, BatchStatus, PlannedBatch, StoredBatch } from './port';

export interface BatchRow {
  readonly seq: number | string;
  readonly batch_id: string;
  readonly status: string;
  readonly payload: string;
  readonly positions: string;
  readonly oldest_recorded_at: string;
  readonly planned_at: string;
  readonly commit_json: string | null;
  readonly rejection_code: string | null;
  readonly rejection_message: string | null;
}

export const BATCH_COLUMNS =
  'seq, batch_id, status, payload, positions, oldest_recorded_at, planned_at, commit_json, rejection_code, rejection_message';

/** The values of a planned batch's row, in the order of INSERT_BATCH_COLUMNS. */
export const INSERT_BATCH_COLUMNS =
  'batch_id, agency_id, status, size, payload, positions, first_position, oldest_recorded_at, planned_at';

export function plannedRowValues(planned: PlannedBatch, plannedAt: string): unknown[] {
  return batchRowValues(planned, plannedAt, 'planned');
}

function batchRowValues(planned: PlannedBatch, plannedAt: string, status: BatchStatus): unknown[] {
  const { batch, positions } = planned;
  return [
    batch.batchId,
    batch.agencyId,
    status,
    batch.events.length,
    JSON.stringify(batch),
    JSON.stringify(positions),
    Math.min(...positions),
    planned.oldestRecordedAt,
    plannedAt,
  ];
}

/** A batch taken over from the ledger: a planned batch's columns, then its commit. */
export const INSERT_ADOPTED_COLUMNS = `${INSERT_BATCH_COLUMNS}, commit_json, committed_at`;

/**
 * What an upsert of an adopted batch sets when the batch is stored already: it becomes committed,
 * unless it is (then its own commit stays, and the upsert changes no row: the batch is not recorded again).
 */
export function adoptedOnConflict(table: string): string {
  return `ON CONFLICT (batch_id) DO UPDATE SET status = 'committed', commit_json = excluded.commit_json, committed_at = excluded.committed_at WHERE ${table}.status <> 'committed'`;
}

/** The values of an adopted batch's row, in the order of INSERT_ADOPTED_COLUMNS. */
export function adoptedRowValues(adopted: AdoptedBatch, adoptedAt: string): unknown[] {
  return [...batchRowValues(adopted.planned, adoptedAt, 'committed'), JSON.stringify(adopted.commit), adoptedAt];
}

export function storedBatchOf(row: BatchRow): StoredBatch {
  return {
    seq: Number(row.seq),
    status: row.status as BatchStatus,
    batch: JSON.parse(row.payload) as AnchorBatch,
    positions: JSON.parse(row.positions) as number[],
    oldestRecordedAt: row.oldest_recorded_at,
    plannedAt: row.planned_at,
    ...(row.commit_json ? { commit: JSON.parse(row.commit_json) as AnchorCommit } : {}),
    ...(row.rejection_code ? { rejection: { code: row.rejection_code, message: row.rejection_message ?? '' } } : {}),
  };
}

/**
 * storedBatchOf with a memo for settled batches: a committed or rejected batch never changes, and
 * parsing its payload (up to thousands of digests) for every event looked up would dominate.
 */
export function settledBatchReader(capacity = 1_000): (row: BatchRow) => StoredBatch {
  const settled = new Map<string, StoredBatch>();
  return (row) => {
    const cached = settled.get(row.batch_id);
    if (cached) return cached;
    const batch = storedBatchOf(row);
    if (batch.status !== 'planned') {
      settled.set(row.batch_id, batch);
      if (settled.size > capacity) settled.delete(settled.keys().next().value!);
    }
    return batch;
  };
}

/** The streams of the batches whose payloads these are. */
export function streamsOfPayloads(rows: ReadonlyArray<{ readonly payload: string }>): Set<string> {
  const streams = new Set<string>();
  for (const row of rows)
    for (const event of (JSON.parse(row.payload) as AnchorBatch).events) streams.add(event.streamId);
  return streams;
}
