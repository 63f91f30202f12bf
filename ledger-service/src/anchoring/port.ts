import type {
  BatchEventInput,
  CertificateClaims,
  ContestedCertificate,
  ContestedCertificateHistory,
} from '@certledger/chaincode';

/** One event as the ledger anchors it: only digests and what the chaincode checks (the contract's own input type). */
export type AnchoredEventDigest = BatchEventInput;

export interface AnchorBatch {
  /** Deterministic: SHA-256 over the batch's event hashes in order, hex. */
  readonly batchId: string;
  readonly agencyId: string;
  /** RFC 6962 Merkle root over the event hashes (leaves are the 32 hash bytes). */
  readonly root: string;
  readonly events: readonly AnchoredEventDigest[];
}

export interface AnchorCommit {
  readonly batchId: string;
  readonly root: string;
  readonly backend: 'fabric' | 'embedded';
  readonly channel: string;
  readonly chaincode: string;
  readonly transactionId: string;
  readonly blockNumber: number;
  /**
   * The transaction's time as the ledger records it, within the skew of every endorsing peer's
   * clock (absent from commits recorded before it was kept).
   */
  readonly anchoredAt?: string;
  /** True when the ledger already held this batch (a replay after a crash). */
  readonly replayed: boolean;
}

/** Where an event sits on the ledger: the ledger keys event digests by stream and version. */
export interface LedgerEventRef {
  readonly streamId: string;
  readonly version: number;
}

export interface LedgerEventRecord {
  readonly eventId: string;
  readonly streamId: string;
  readonly version: number;
  readonly type: string;
  readonly hash: string;
  readonly prevHash: string;
  /** The date the event's hash covers, as the ledger took it. */
  readonly occurredAt: string;
  /** Of certificate events: the number whose status they change. */
  readonly certificateNo?: string;
  readonly batchId: string;
  /** The event's leaf in its batch. */
  readonly leafIndex: number;
  readonly agencyId: string;
}

export interface LedgerStreamHead {
  readonly streamId: string;
  readonly version: number;
  readonly hash: string;
  readonly agencyId: string;
}

export interface LedgerBatchRecord {
  readonly batchId: string;
  readonly root: string;
  readonly size: number;
  readonly agencyId: string;
  readonly transactionId: string;
  /** The anchoring transaction's time, vouched for by the endorsing peers. */
  readonly timestamp: string;
}

/** One certification's claim on a certificate number: the status its last certificate event left. */
export interface LedgerCertificateRecord {
  readonly certificateNo: string;
  readonly certificationId: string;
  /** The agency that anchored the claim's last certificate event. */
  readonly agencyId: string;
  readonly status: string;
  readonly eventId: string;
  readonly version: number;
}

/**
 * A number's one claim, or, when several certifications claim it, the contract's answer listing
 * them (tell the two apart with `'contested' in`). The ledger refuses no claim on a number another
 * certification holds (the service enforces unique numbers, R10) and does not say which is
 * genuine, so a contested number has no status of its own.
 */
export type LedgerCertificate = LedgerCertificateRecord | ContestedCertificate;

/** Every certification's claim on a number, at most MAX_LISTED_CLAIMS: the first one, then the others in streamId order. */
export type LedgerCertificateClaims = CertificateClaims;

/**
 * The ledger asked holds what a transaction wrote but cannot serve the block it is in: a Fabric peer
 * that joined the channel from a snapshot has the state and the transaction ids from before it, not
 * their blocks.
 */
export interface BlockNotServed {
  /** The ledger's own words. */
  readonly reason: string;
  /**
   * The first block the ledger asked serves (a peer joined from a snapshot): the transaction's block
   * is an earlier one. Without it the ledger holds the batch but no block of its transaction, which
   * no receipt's block number can stand on.
   */
  readonly firstAvailableBlock?: number;
}

/** A batch the ledger holds: its record and where the ledger says it was committed. */
export type CommittedBatch = { readonly record: LedgerBatchRecord } & (
  | { readonly commit: AnchorCommit; readonly blockNotServed?: undefined }
  | { readonly commit: Omit<AnchorCommit, 'blockNumber'>; readonly blockNotServed: BlockNotServed }
);

/** One state of a certificate's on-ledger record, with the transaction that wrote it. */
export type LedgerCertificateHistoryEntry = LedgerCertificateRecord & {
  readonly transactionId: string;
  readonly timestamp: string;
};

/** A number's one claim's status events, oldest first, or, when several certifications claim it, every listed claim's. */
export type LedgerCertificateHistory = readonly LedgerCertificateHistoryEntry[] | ContestedCertificateHistory;

/** Where event digests are anchored: the real Fabric network, or the same contract run in-process. */
export interface LedgerBackend {
  readonly kind: 'fabric' | 'embedded';
  /** Submits a batch with the identity of its agency and resolves once it is committed. */
  anchor(batch: AnchorBatch): Promise<AnchorCommit>;
  /**
   * The holder of a stream (`fromAgencyId`, with its own identity) lets `toAgencyId` anchor the
   * stream's next event, a CertificationTransferred: the chaincode refuses any other writer.
   */
  authorizeTransfer(streamId: string, fromAgencyId: string, toAgencyId: string): Promise<void>;
  /** The digest anchored at this stream and version (compare its eventId with the one expected). */
  getEvent(ref: LedgerEventRef): Promise<LedgerEventRecord | undefined>;
  /** Every digest a stream anchored, in version order. */
  getStreamEvents(streamId: string): Promise<LedgerEventRecord[]>;
  /** Every digest a batch anchored, in batch order; empty for an unknown batch. */
  getBatchEvents(batchId: string): Promise<LedgerEventRecord[]>;
  getStreamHead(streamId: string): Promise<LedgerStreamHead | undefined>;
  getBatch(batchId: string): Promise<LedgerBatchRecord | undefined>;
  /**
   * A batch the ledger holds, read without submitting anything: its record, and its commit as
   * anchor() of the same batch answers it as a replay (its original transaction, block and time),
   * without its block and with blockNotServed when the ledger asked cannot serve that block.
   * Undefined for a batch the ledger does not hold.
   */
  committedBatch(batchId: string): Promise<CommittedBatch | undefined>;
  getCertificate(certificateNo: string): Promise<LedgerCertificate | undefined>;
  /** The claims on the number (none when no certification anchored it). */
  getCertificateClaims(certificateNo: string): Promise<LedgerCertificateClaims>;
  getCertificateHistory(certificateNo: string): Promise<LedgerCertificateHistory>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export type LedgerErrorCode =
  /** The chaincode refused the batch (a coded CL_… error): resubmitting the same batch cannot succeed. */
  | 'rejected'
  /** The ledger could not be reached or the transaction did not commit (MVCC conflict, timeout): retry. */
  | 'unavailable';

/** What LedgerBackend.anchor throws; `chaincodeCode` is the chaincode's CL_… code when there is one. */
export class LedgerError extends Error {
  constructor(
    readonly code: LedgerErrorCode,
    message: string,
    readonly chaincodeCode?: string,
  ) {
    super(message);
    this.name = 'LedgerError';
  }
}
