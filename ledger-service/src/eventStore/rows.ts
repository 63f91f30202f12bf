import type { EventType } from '../events/schema';
import type { StoredEvent } from './port';

/** An events row as both SQL adapters select it (positions may come back as strings from BIGINT). */
export interface EventRow {
  readonly position: number | string | bigint;
  readonly event_id: string;
  readonly stream_id: string;
  readonly version: number | string;
  readonly certification_id: string;
  readonly type: string;
  readonly agency_id: string;
  readonly region_code: string;
  readonly occurred_at: string;
  readonly recorded_at: string;
  readonly canonical: Uint8Array;
  readonly hash: string;
  readonly prev_hash: string;
  readonly content_digest: string;
}

export function storedEventOf(row: EventRow): StoredEvent {
  return {
    position: Number(row.position),
    eventId: row.event_id,
    streamId: row.stream_id,
    version: Number(row.version),
    certificationId: row.certification_id,
    type: row.type as EventType,
    agencyId: row.agency_id,
    regionCode: row.region_code,
    occurredAt: row.occurred_at,
    recordedAt: row.recorded_at,
    canonical: new Uint8Array(row.canonical),
    hash: row.hash,
    prevHash: row.prev_hash,
    contentDigest: row.content_digest,
  };
}

/** Column values in EVENT_COLUMNS order. */
export function rowValuesOf(event: StoredEvent): unknown[] {
  return [
    event.position,
    event.eventId,
    event.streamId,
    event.version,
    event.certificationId,
    event.type,
    event.agencyId,
    event.regionCode,
    event.occurredAt,
    event.recordedAt,
    Buffer.from(event.canonical.buffer, event.canonical.byteOffset, event.canonical.byteLength),
    event.hash,
    event.prevHash,
    event.contentDigest,
  ];
}
