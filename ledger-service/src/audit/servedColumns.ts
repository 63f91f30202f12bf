import { readClientRegionCode } from '../events/envelopeHeader';
import type { Discrepancy, EventFacts } from './types';

// Columns the store keeps beside the hashed bytes and serves as they are: read models date
// certificate statuses by occurred_at, and region_code decides which regulator sees a
// certification. The hash covers neither column, so an operator can edit them without breaking a
// hash, a chain or a batch root; the audit compares them with what the hashed bytes say.

const CERTIFICATION_PREFIX = 'certification-';

/**
 * The region a certification stream is filed under, as its hashed bytes say: the client's
 * regionCode in the payload of its first event (what the intake copies into every event's
 * region_code). Undefined for later events, for supervision streams (filed under the regulator's
 * region, which no hashed bytes hold) and for bytes that are not protobuf.
 */
export function hashedRegionOf(streamId: string, version: number, canonical: Uint8Array): string | undefined {
  if (version !== 0 || !streamId.startsWith(CERTIFICATION_PREFIX)) return undefined;
  try {
    return readClientRegionCode(canonical);
  } catch {
    return undefined;
  }
}

const byVersion = (a: EventFacts, b: EventFacts): number => a.version - b.version || a.position - b.position;

/**
 * The stream's events whose served columns contradict their hashed bytes: one finding per event whose
 * occurred_at differs from its hashed occurredAt, and one for the stream when region_code differs
 * from the region its first event's hashed payload names (on its first such event). Bytes that do
 * not hash to their stored hash vouch for nothing: other findings name those events.
 */
export function alteredColumns(stored: readonly EventFacts[]): Array<Omit<Discrepancy, 'detail'>> {
  const found: Array<Omit<Discrepancy, 'detail'>> = [];
  const intact = [...stored].filter((event) => event.header && event.computedHash === event.hash).sort(byVersion);
  for (const event of intact) {
    if (event.occurredAt === undefined || event.occurredAt === event.header!.occurredAt) continue;
    found.push({
      kind: 'column-altered',
      reason: 'occurred-at-differs-from-bytes',
      streamId: event.streamId,
      eventId: event.eventId,
      version: event.version,
      position: event.position,
      expected: event.header!.occurredAt,
      actual: event.occurredAt,
    });
  }
  const region = intact.find((event) => event.hashedRegionCode !== undefined)?.hashedRegionCode;
  if (region === undefined) return found;
  const misfiled = [...stored].sort(byVersion).filter((event) => event.regionCode !== region);
  const first = misfiled[0];
  if (first)
    found.push({
      kind: 'column-altered',
      reason: 'region-differs-from-first-event',
      streamId: first.streamId,
      eventId: first.eventId,
      version: first.version,
      position: first.position,
      expected: region,
      actual: [...new Set(misfiled.map((event) => event.regionCode))].join(','),
    });
  return found;
}
