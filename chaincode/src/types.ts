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

/**
 * The most claims on one certificate number that GetCertificate, GetCertificateClaims and
 * GetCertificateHistory list; they say `moreClaims: true` when the number has more. A genuine number
 * has one claim and a contested one a few (a squatter, a service fault): a hundred is far beyond
 * both, yet however many streams anyone anchors with the number, a query reads one key and one
 * page of 100 claim keys (far below a peer's totalQueryLimit, which would cut an unbounded read
 * short without a word), GetCertificateHistory at most 100 key histories, and an answer lists
 * tens of kilobytes, not megabytes.
 */
export const MAX_LISTED_CLAIMS = 100;

/** One claim as a contested number's answer lists it: whose claim it is and the status its stream left. */
export interface CertificateClaim {
  readonly streamId: string;
  readonly certificationId: string;
  readonly agencyId: string;
  readonly status: CertificateStatus;
  readonly eventId: string;
  readonly version: number;
  readonly batchId: string;
}

/**
 * What GetCertificate answers for a number several streams claim. It has no status, agency or
 * stream of its own: the ledger does not say which claim is genuine, so no reader may take one
 * claim's status for the number's.
 */
export interface ContestedCertificate {
  readonly certificateNo: string;
  readonly contested: true;
  /** The first stream's claim, then the others in streamId order; at most MAX_LISTED_CLAIMS. */
  readonly claims: readonly CertificateClaim[];
  /** The number has claims beyond those listed. */
  readonly moreClaims: boolean;
}

/** What GetCertificate answers: the one claim's record, as before numbers could be contested, or every claim. */
export type CertificateAnswer = CertificateRecord | ContestedCertificate;

/** What GetCertificateClaims answers: the first stream's claim, then the others in streamId order. */
export interface CertificateClaims {
  readonly claims: readonly CertificateRecord[];
  readonly moreClaims: boolean;
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

/** What GetCertificateHistory answers for a number several streams claim: every listed claim's status events. */
export interface ContestedCertificateHistory {
  readonly certificateNo: string;
  readonly contested: true;
  /** Oldest first: each claim's entries in their order, the claims' interleaved by transaction time. */
  readonly entries: readonly CertificateHistoryEntry[];
  /** The number has claims beyond the MAX_LISTED_CLAIMS whose entries are listed. */
  readonly moreClaims: boolean;
}

/** What GetCertificateHistory answers: the one claim's entries, as before numbers could be contested, or every claim's. */
export type CertificateHistory = readonly CertificateHistoryEntry[] | ContestedCertificateHistory;

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
