import type { RunEvent } from './wire';

/** What AnchorBatch takes (one JSON argument) and what the ledger keeps. Mirrors ledger-service's anchoring port. */

export const CERTIFICATE_STATUSES = ['valid', 'suspended', 'withdrawn', 'cancelled', 'expired'] as const;
export type CertificateStatus = (typeof CERTIFICATE_STATUSES)[number];

export interface BatchEventInput {
  readonly eventId: string;
  readonly streamId: string;
  readonly version: number;
  readonly type: string;
  readonly hash: string;
  readonly prevHash: string;
  readonly certificateNo?: string;
  readonly certificateStatus?: CertificateStatus;
  readonly occurredAt: string;
}

export interface BatchInput {
  readonly batchId: string;
  readonly agencyId: string;
  readonly root: string;
  readonly events: readonly BatchEventInput[];
}

/**
 * One anchored event's digest as the queries return it, assembled from the `events` record of its
 * stream and batch.
 */
export interface EventRecord {
  readonly eventId: string;
  readonly streamId: string;
  readonly version: number;
  readonly type: string;
  readonly hash: string;
  readonly prevHash: string;
  readonly occurredAt: string;
  readonly certificateNo?: string;
  readonly batchId: string;
  readonly leafIndex: number;
  readonly agencyId: string;
}

/**
 * key `events` [streamId, first version as 16 digits]: the digests of one stream's events that one
 * batch anchored, a run of consecutive versions from `version` whose hashes chain from `prevHash`.
 */
export interface StreamEventsRecord {
  readonly streamId: string;
  readonly batchId: string;
  readonly agencyId: string;
  readonly version: number;
  readonly prevHash: string;
  readonly events: readonly RunEvent[];
}

/** key `stream` [streamId]: the last anchored event of a stream and the agency that owns it. */
export interface StreamHeadRecord {
  readonly streamId: string;
  readonly version: number;
  readonly hash: string;
  readonly agencyId: string;
}

/** key `transfer` [streamId]: the holder's consent that `toAgencyId` take the stream over with its next event, a CertificationTransferred. */
export interface TransferAuthorizationRecord {
  readonly streamId: string;
  /** The stream's last version when the holder consented: the takeover must be the event after it. */
  readonly version: number;
  readonly fromAgencyId: string;
  readonly toAgencyId: string;
  readonly transactionId: string;
}

/** key `batch` [batchId] */
export interface BatchRecord {
  readonly batchId: string;
  readonly root: string;
  readonly size: number;
  readonly agencyId: string;
  readonly transactionId: string;
  readonly timestamp: string;
  /** SHA-256 (hex) of the batch's event ids in order, each as UTF-8 followed by one zero byte. */
  readonly eventIdsHash: string;
  /** The `events` records the batch wrote: each stream's id and first version in the batch, in first-appearance order. */
  readonly streams: ReadonlyArray<readonly [streamId: string, firstVersion: number]>;
}

export interface CertificateChange {
  readonly eventId: string;
  readonly version: number;
  readonly type: string;
  readonly status: CertificateStatus;
}

/**
 * A stream's claim on a certificate number, kept up to date by the stream's certificate events. key
 * `certificate` [certificateNo] holds the claim of the first stream that anchored the number;
 * `certificateClaim` [certificateNo, streamId] the claim of every other stream. A key's history is
 * that claim's history on the ledger.
 */
export interface CertificateRecord {
  readonly certificateNo: string;
  readonly certificationId: string;
  readonly streamId: string;
  readonly agencyId: string;
  readonly status: CertificateStatus;
  readonly eventId: string;
  readonly version: number;
  readonly batchId: string;
  /** Every status event of this certificate in the transaction, in order (a batch may hold several). */
  readonly changes: readonly CertificateChange[];
}

/** Another stream's claim on a certificate number, as GetCertificate names it beside the first claim. */
export interface OtherCertificateClaim {
  readonly streamId: string;
  readonly certificationId: string;
  readonly agencyId: string;
  readonly status: CertificateStatus;
}

/** What GetCertificate answers: the first claim, and the claims of other streams on the number. */
export interface CertificateAnswer extends CertificateRecord {
  /** Present only when the number is contested: every other stream's claim, in streamId order. */
  readonly otherClaims?: readonly OtherCertificateClaim[];
}

export interface CertificateHistoryEntry {
  readonly certificateNo: string;
  readonly certificationId: string;
  readonly agencyId: string;
  readonly status: CertificateStatus;
  readonly eventId: string;
  readonly version: number;
  readonly type: string;
  readonly batchId: string;
  readonly transactionId: string;
  readonly timestamp: string;
}

export interface AnchorBatchResult {
  readonly batch: BatchRecord;
  /** True when the ledger already held this exact batch: nothing was written. */
  readonly replayed: boolean;
}

/** Payload of the `BatchAnchored` chaincode event. */
export interface BatchAnchoredEvent {
  readonly batchId: string;
  readonly root: string;
  readonly size: number;
  readonly agencyId: string;
  readonly transactionId: string;
}

/** The contract's read-only transactions, each taking one JSON argument. */
export type ContractQuery =
  | 'GetEvent'
  | 'GetStreamEvents'
  | 'GetBatchEvents'
  | 'GetStreamHead'
  | 'GetBatch'
  | 'GetCertificate'
  | 'GetCertificateClaims'
  | 'GetCertificateHistory';

export const BATCH_ANCHORED_EVENT = 'BatchAnchored';
export const ZERO_HASH = '0'.repeat(64);
export const SUPERVISION_STREAM_PREFIX = 'supervision-';
export const CERTIFICATION_STREAM_PREFIX = 'certification-';
