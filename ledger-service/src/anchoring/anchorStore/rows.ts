import type { AnchorBatch, AnchorCommit } from '../port';
import type { BatchStatus, PlannedBatch, StoredBatch } from './port';

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
  const { batch, positions } = planned;
  return [
    batch.batchId,
    batch.agencyId,
    'planned',
    batch.events.length,
    JSON.stringify(batch),
    JSON.stringify(positions),
    Math.min(...positions),
    planned.oldestRecordedAt,
    plannedAt,
  ];
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
