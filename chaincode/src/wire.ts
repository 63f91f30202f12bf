import { canonicalJson } from './json';
import type { BatchEventInput, BatchInput, CertificateStatus } from './types';

/**
 * One event of a run, as AnchorBatch takes it and as the ledger keeps it:
 * [eventId, type, hash, occurredAt, leafIndex, certificateNo?, certificateStatus?].
 */
export type RunEvent =
  | readonly [eventId: string, type: string, hash: string, occurredAt: string, leafIndex: number]
  | readonly [
      eventId: string,
      type: string,
      hash: string,
      occurredAt: string,
      leafIndex: number,
      certificateNo: string,
      certificateStatus: CertificateStatus,
    ];

/** Events of one stream whose versions follow each other from `version` and whose hashes chain from `prevHash`. */
export interface BatchRun {
  readonly streamId: string;
  readonly version: number;
  readonly prevHash: string;
  readonly events: readonly RunEvent[];
}

/**
 * AnchorBatch's argument: the batch as runs, so that a stream's id, its versions and its prevHashes
 * are not repeated for every event (the argument is in the transaction, which every peer decodes
 * several times). Any BatchInput has one: an event that does not continue its run starts another.
 */
export interface BatchArgument {
  readonly batchId: string;
  readonly agencyId: string;
  readonly root: string;
  readonly runs: readonly BatchRun[];
}

export function runEventOf(event: BatchEventInput, leafIndex: number): RunEvent {
  const head = [event.eventId, event.type, event.hash, event.occurredAt, leafIndex] as const;
  return event.certificateNo !== undefined && event.certificateStatus !== undefined
    ? [...head, event.certificateNo, event.certificateStatus]
    : head;
}

/** The batch as AnchorBatch's one argument (deterministic JSON). */
export function encodeBatch(batch: BatchInput): string {
  const runs: Array<BatchRun & { events: RunEvent[] }> = [];
  const open = new Map<string, (typeof runs)[number]>();
  batch.events.forEach((event, leafIndex) => {
    const run = open.get(event.streamId);
    if (
      run &&
      run.version + run.events.length === event.version &&
      run.events[run.events.length - 1]![2] === event.prevHash
    ) {
      run.events.push(runEventOf(event, leafIndex));
      return;
    }
    const { streamId, version, prevHash } = event;
    const started = { streamId, version, prevHash, events: [runEventOf(event, leafIndex)] };
    runs.push(started);
    open.set(streamId, started);
  });
  return canonicalJson({ batchId: batch.batchId, agencyId: batch.agencyId, root: batch.root, runs });
}
