import type { EventFeed, LogEvent } from '@certledger/projections';
import type { EventStore, StoredEvent } from '../eventStore/port';
import { decodeDataOf } from '../intake/eventView';

export const logEventOf = (event: StoredEvent): LogEvent => ({
  position: event.position,
  eventId: event.eventId,
  streamId: event.streamId,
  certificationId: event.certificationId,
  type: event.type,
  version: event.version,
  agencyId: event.agencyId,
  regionCode: event.regionCode,
  occurredAt: event.occurredAt,
  recordedAt: event.recordedAt,
  hash: event.hash,
  prevHash: event.prevHash,
  data: decodeDataOf(event),
});

/** The event store as the projections' feed (payloads decoded from the canonical bytes). */
export function eventFeedOf(store: EventStore): EventFeed {
  return {
    readAll: async (after, limit) => (await store.readAll(after, limit)).map(logEventOf),
    waitForAppend: (after, timeoutMs) => store.waitForAppend(after, timeoutMs),
    headPosition: () => store.headPosition(),
  };
}
