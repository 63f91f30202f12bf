import { regionFiledPerEvent } from '../events/filedRegion';
import type { Discrepancy, EventFacts } from './types';

// Columns the store keeps beside the hashed bytes and serves as they are: read models date
// certificate statuses by occurred_at, and region_code decides which regulator sees a
// certification or a supervision case. The hash covers neither column, so an operator can edit them
// without breaking a hash, a chain or a batch root; the audit compares them with what the hashed
// bytes say.

type Finding = Omit<Discrepancy, 'detail'>;

const byVersion = (a: EventFacts, b: EventFacts): number => a.version - b.version || a.position - b.position;

const columnAltered = (event: EventFacts, reason: string, expected: string, actual: string): Finding => ({
  kind: 'column-altered',
  reason,
  streamId: event.streamId,
  eventId: event.eventId,
  version: event.version,
  position: event.position,
  expected,
  actual,
});

/**
 * The stream's events whose served columns contradict their hashed bytes: one finding per event whose
 * occurred_at differs from its hashed occurredAt; for a certification, one for the stream when
 * region_code differs from the region its first event's hashed payload names (on its first such
 * event); for a supervision case, one per event whose region_code differs from its hashed filing.
 * Bytes that do not hash to their stored hash vouch for nothing: other findings name those events.
 */
export function alteredColumns(stored: readonly EventFacts[]): Finding[] {
  const sorted = [...stored].sort(byVersion);
  const intact = sorted.filter((event) => event.header && event.computedHash === event.hash);
  const found = intact
    .filter((event) => event.occurredAt !== undefined && event.occurredAt !== event.header!.occurredAt)
    .map((event) =>
      columnAltered(event, 'occurred-at-differs-from-bytes', event.header!.occurredAt, event.occurredAt!),
    );
  const first = sorted[0];
  if (!first) return found;
  if (regionFiledPerEvent(first.streamId)) return [...found, ...misfiledEvents(intact)];
  return [...found, ...misfiledStream(sorted, intact)];
}

/** Supervision events whose region_code is not the region their hashed filing names. */
function misfiledEvents(intact: readonly EventFacts[]): Finding[] {
  return intact
    .filter((event) => event.hashedRegionCode !== undefined && event.regionCode !== event.hashedRegionCode)
    .map((event) => columnAltered(event, 'region-differs-from-filing', event.hashedRegionCode!, event.regionCode));
}

/** A certification stream with events whose region_code is not its first event's hashed client region. */
function misfiledStream(sorted: readonly EventFacts[], intact: readonly EventFacts[]): Finding[] {
  const region = intact.find((event) => event.hashedRegionCode !== undefined)?.hashedRegionCode;
  if (region === undefined) return [];
  const misfiled = sorted.filter((event) => event.regionCode !== region);
  const first = misfiled[0];
  if (!first) return [];
  const actual = [...new Set(misfiled.map((event) => event.regionCode))].join(',');
  return [columnAltered(first, 'region-differs-from-first-event', region, actual)];
}
