import type { AnchorBatch, AnchorCommit } from '../port';

/** A batch the anchorer has decided on, persisted before it is submitted. */
export interface PlannedBatch {
  readonly batch: AnchorBatch;
  /** Global log positions of the batch's events, in batch order. */
  readonly positions: readonly number[];
  /** recordedAt of the batch's oldest event (for the lag). */
  readonly oldestRecordedAt: string;
}

export type BatchStatus = 'planned' | 'committed' | 'rejected';

export interface StoredBatch extends PlannedBatch {
  readonly seq: number;
  readonly status: BatchStatus;
  readonly plannedAt: string;
  readonly commit?: AnchorCommit;
  readonly rejection?: { readonly code: string; readonly message: string };
}

/** The ledger's refusal of a batch, as events of it report it: the batch and the ledger's code. */
export function refusalOf(batch: StoredBatch | undefined): { batchId: string; code?: string } | undefined {
  if (batch?.status !== 'rejected') return undefined;
  return { batchId: batch.batch.batchId, ...(batch.rejection ? { code: batch.rejection.code } : {}) };
}

/** One planning step, stored atomically: its batches, the certificates learnt, and the new checkpoint. */
export interface AnchorPlan {
  readonly batches: readonly PlannedBatch[];
  /** Position of the last global-log event the plan covers. */
  readonly checkpoint: number;
  /** Certificate numbers of streams seen in CertificateIssued events (streamId → certificateNo). */
  readonly streamCertificates: ReadonlyMap<string, string>;
}

export interface EventAnchor {
  readonly eventId: string;
  readonly batchId: string;
  readonly leafIndex: number;
  readonly position: number;
}

/**
 * A batch the ledger holds already, taken over for planned events it anchored (the anchor store
 * was behind the ledger: restored from a backup, or the event store was, and CBs submitted again
 * the events it lost).
 */
export interface AdoptedBatch {
  /** The batch as the ledger anchored it: every digest in leaf order; positions 0 where the log lacked the event. */
  readonly planned: PlannedBatch;
  /** The ledger's answer to the same batch again (a replay: its original transaction). */
  readonly commit: AnchorCommit;
  /** The planned events it holds, at their leaves in it. */
  readonly anchors: readonly EventAnchor[];
}

export interface PendingSummary {
  readonly batches: number;
  readonly events: number;
  /** Lowest global position among events of uncommitted batches. */
  readonly firstPosition?: number;
  readonly oldestRecordedAt?: string;
}

/** The anchorer's durable state: checkpoint, planned and committed batches, per-event receipt rows. */
export interface AnchorStore {
  readonly kind: 'sqlite' | 'postgres';
  /** Position in the global log up to which every event is in a stored batch (0 at first). */
  checkpoint(): Promise<number>;
  savePlan(plan: AnchorPlan): Promise<void>;
  /** Batches planned and not yet committed or rejected, in log order of their first events. */
  pendingBatches(): Promise<StoredBatch[]>;
  /**
   * Puts parts of a planned batch in its place, in one step: its events, each in one part, move to
   * the parts' rows. Refused when the batch is not (or no longer) planned.
   */
  replaceBatch(batchId: string, parts: readonly PlannedBatch[]): Promise<void>;
  /**
   * Moves the events of a planned batch that the ledger holds already to the ledger's batches (recorded
   * as committed), and puts the rest of the batch, if any, in its place, in one step. Refused when the
   * batch is not (or no longer) planned. Resolves to the ids of the ledger's batches it recorded as
   * committed: not those the store held committed already (another planned batch's events took
   * them over earlier), whose rows it leaves as they are.
   */
  adoptAnchored(
    batchId: string,
    adopted: readonly AdoptedBatch[],
    rest: PlannedBatch | undefined,
  ): Promise<readonly string[]>;
  recordCommit(commit: AnchorCommit, committedAt: string): Promise<void>;
  recordRejection(batchId: string, code: string, message: string): Promise<void>;
  /** Streams with events in refused batches: the ledger's head of each stays before them. */
  refusedStreams(): Promise<Set<string>>;
  findEvent(eventId: string): Promise<{ readonly anchor: EventAnchor; readonly batch: StoredBatch } | undefined>;
  /** The events in stored batches with position > afterPosition, in log order, at most `limit`. */
  anchorsAfter(
    afterPosition: number,
    limit: number,
  ): Promise<Array<{ readonly anchor: EventAnchor; readonly batch: StoredBatch }>>;
  getBatch(batchId: string): Promise<StoredBatch | undefined>;
  certificateOfStream(streamId: string): Promise<string | undefined>;
  pendingSummary(): Promise<PendingSummary>;
  /** Counts by status, for metrics and tests. */
  counts(): Promise<{ readonly batches: Record<BatchStatus, number>; readonly events: number }>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export class AnchorStoreError extends Error {
  readonly code = 'anchor-store-unavailable';
  constructor(message: string) {
    super(message);
    this.name = 'AnchorStoreError';
  }
}
