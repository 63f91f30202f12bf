import { decodeCanonical } from '../events/canonical';
import type { StoredEvent } from '../eventStore/port';

/** The payload of a stored event, read back from its canonical bytes (the only copy kept). */
export function decodeDataOf(event: StoredEvent): Record<string, unknown> {
  return decodeCanonical(event.canonical).data;
}

/**
 * Where an event's digest is on the ledger. `rejected`: the ledger refused its batch (`code` says
 * why) and it will not be anchored. `unknown`: the anchor store could not be read just now; the
 * event itself is stored.
 */
export type AnchorStatus =
  | { readonly status: 'pending' }
  | {
      readonly status: 'anchored';
      readonly backend: string;
      readonly batchId: string;
      readonly transactionId: string;
      readonly blockNumber: number;
    }
  | { readonly status: 'rejected'; readonly batchId: string; readonly code?: string }
  | { readonly status: 'unknown' };

/** The stored event envelope as the public contract names its fields. */
export interface EventView {
  readonly eventId: string;
  readonly certificationId: string;
  readonly type: string;
  readonly version: number;
  readonly position: number;
  readonly agencyId: string;
  readonly occurredAt: string;
  readonly recordedAt: string;
  readonly data: Record<string, unknown>;
  readonly hash: string;
  readonly prevHash: string;
  readonly anchor?: AnchorStatus;
}

export function eventView(event: StoredEvent, anchor?: AnchorStatus, data?: Record<string, unknown>): EventView {
  return {
    eventId: event.eventId,
    certificationId: event.certificationId,
    type: event.type,
    version: event.version,
    position: event.position,
    agencyId: event.agencyId,
    occurredAt: event.occurredAt,
    recordedAt: event.recordedAt,
    data: data ?? decodeDataOf(event),
    hash: event.hash,
    prevHash: event.prevHash,
    ...(anchor ? { anchor } : {}),
  };
}
