import type { EventRecord, StreamEventsRecord } from './types';

/** Object types of the contract's composite keys. */
export const KEY = {
  events: 'events',
  stream: 'stream',
  batch: 'batch',
  certificate: 'certificate',
  certificateClaim: 'certificateClaim',
  transfer: 'transfer',
} as const;

/** Enough digits for any safe integer, so that a stream's `events` keys sort by version. */
const VERSION_DIGITS = 16;

/** Attributes of the `events` key of a stream's run of events that starts at `firstVersion`. */
export function eventsKeyAttributes(streamId: string, firstVersion: number): [string, string] {
  return [streamId, String(firstVersion).padStart(VERSION_DIGITS, '0')];
}

/** The EventRecords of one `events` record, in version order. */
export function eventRecordsOf(stored: StreamEventsRecord): EventRecord[] {
  return stored.events.map(([eventId, type, hash, occurredAt, leafIndex, certificateNo], i) => ({
    eventId,
    streamId: stored.streamId,
    version: stored.version + i,
    type,
    hash,
    prevHash: i === 0 ? stored.prevHash : stored.events[i - 1]![2],
    occurredAt,
    ...(certificateNo !== undefined ? { certificateNo } : {}),
    batchId: stored.batchId,
    leafIndex,
    agencyId: stored.agencyId,
  }));
}
