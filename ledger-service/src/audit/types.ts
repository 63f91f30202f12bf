import type { EnvelopeHeader } from '../events/envelopeHeader';

export const DISCREPANCY_KINDS = [
  'modified',
  'deleted',
  'inserted',
  'reordered',
  'never-anchored',
  'anchored-but-missing-from-store',
  'column-altered',
  'rejected-by-ledger',
  'log-head-missing-or-stale',
] as const;
export type DiscrepancyKind = (typeof DISCREPANCY_KINDS)[number];

/** An event that changed only as a consequence of another discrepancy (re-chained or renumbered after it). */
export interface AffectedEvent {
  readonly eventId: string;
  readonly position: number;
  readonly storedVersion: number;
  readonly anchoredVersion: number;
}

export interface Discrepancy {
  readonly kind: DiscrepancyKind;
  /** Stable machine-readable cause, e.g. `bytes-hash-mismatch`, `version-gap`, `log-order-differs`. */
  readonly reason: string;
  readonly streamId: string;
  readonly eventId?: string;
  readonly version?: number;
  /** Global log position, when the store still holds the event. */
  readonly position?: number;
  readonly expected?: string;
  readonly actual?: string;
  readonly batchId?: string;
  readonly detail: string;
  /** Later events of the same stream re-chained or renumbered because of this one. */
  readonly affected?: readonly AffectedEvent[];
}

/** What the audit knows about one stored event after hashing and reading its bytes. */
export interface EventFacts {
  readonly position: number;
  readonly eventId: string;
  readonly streamId: string;
  readonly certificationId: string;
  readonly type: string;
  readonly version: number;
  readonly agencyId: string;
  readonly regionCode: string;
  readonly recordedAt: string;
  /** The occurred_at column, which the hash does not cover; compared with the hashed occurredAt when given. */
  readonly occurredAt?: string;
  /**
   * The region the hashed payload files the event under: a certification stream's first event (the
   * client's, for the whole stream), or a supervision event (its writer's; absent in events written
   * before the ledger recorded it).
   */
  readonly hashedRegionCode?: string;
  /** The hash and prevHash columns as stored. */
  readonly hash: string;
  readonly prevHash: string;
  /** SHA-256 of the stored canonical bytes. */
  readonly computedHash: string;
  /** The envelope read from the bytes; undefined when the bytes are no envelope. */
  readonly header?: EnvelopeHeader;
}

/** One event as the ledger anchored it. */
export interface LedgerDigest {
  readonly eventId: string;
  readonly streamId: string;
  readonly version: number;
  readonly hash: string;
  readonly prevHash?: string;
  readonly batchId?: string;
  readonly agencyId?: string;
}

export interface LedgerHead {
  readonly streamId: string;
  readonly version: number;
  readonly hash: string;
  readonly agencyId?: string;
}

/** Checks an audit can leave unmade and still go on; each one left unmade is a warning in its report. */
export const AUDIT_WARNING_CODES = [
  'log-head-key-unchecked',
  'scope-filtered',
  'recorded-time-order-unchecked',
] as const;
export type AuditWarningCode = (typeof AUDIT_WARNING_CODES)[number];

/** A check the audit did not make, or made only in part: no finding, and no change to `ok` or the exit code. */
export interface AuditWarning {
  readonly code: AuditWarningCode;
  readonly message: string;
}
