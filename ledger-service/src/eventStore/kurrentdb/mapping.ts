import type { EventType } from '../../events/schema';
import type { NewEvent, StoredEvent, UniqueClaim } from '../port';

/** The JSON body of a ledger event in KurrentDB: the envelope fields, canonical bytes in base64. */
export interface KurrentEventBody {
  readonly [key: string]: string | number;
  readonly eventId: string;
  readonly certificationId: string;
  readonly version: number;
  readonly agencyId: string;
  readonly regionCode: string;
  readonly occurredAt: string;
  readonly recordedAt: string;
  readonly canonical: string;
  readonly hash: string;
  readonly prevHash: string;
  readonly contentDigest: string;
}

export function bodyOf(event: NewEvent, recordedAt: string): KurrentEventBody {
  return {
    eventId: event.eventId,
    certificationId: event.certificationId,
    version: event.version,
    agencyId: event.agencyId,
    regionCode: event.regionCode,
    occurredAt: event.occurredAt,
    recordedAt,
    canonical: Buffer.from(event.canonical).toString('base64'),
    hash: event.hash,
    prevHash: event.prevHash,
    contentDigest: event.contentDigest,
  };
}

export function storedEventOfBody(streamId: string, type: string, position: number, body: KurrentEventBody): StoredEvent {
  return {
    eventId: body.eventId,
    streamId,
    certificationId: body.certificationId,
    type: type as EventType,
    version: Number(body.version),
    agencyId: body.agencyId,
    regionCode: body.regionCode,
    occurredAt: body.occurredAt,
    recordedAt: body.recordedAt,
    canonical: new Uint8Array(Buffer.from(body.canonical, 'base64')),
    hash: body.hash,
    prevHash: body.prevHash,
    contentDigest: body.contentDigest,
    position,
  };
}

/** Names of the reserved streams that make eventIds and claims unique (written with NoStream). */
export interface ReservedStreams {
  readonly prefix: string;
  eventId(eventId: string): string;
  claim(claim: UniqueClaim): string;
  /** Server-side regex selecting ledger streams only: no system ($) and no reserved streams. */
  readonly ledgerStreamsRegex: string;
}

export function reservedStreams(prefix: string): ReservedStreams {
  const escaped = prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return {
    prefix,
    eventId: (eventId) => `${prefix}event-${eventId}`,
    claim: (claim) => `${prefix}claim-${claim.kind}-${encodeURIComponent(claim.value)}`,
    ledgerStreamsRegex: `^(?!\\$|${escaped})`,
  };
}
