import type { EventStore } from './port';

/** The store with some of its methods replaced; every other call goes to the store itself. */
export function overriding(store: EventStore, overrides: Partial<EventStore>): EventStore {
  return {
    append: (request) => store.append(request),
    appendEach: (requests) => store.appendEach(requests),
    readStream: (streamId) => store.readStream(streamId),
    findEvent: (eventId) => store.findEvent(eventId),
    findEvents: (eventIds) => store.findEvents(eventIds),
    readAll: (after, limit) => store.readAll(after, limit),
    headPosition: () => store.headPosition(),
    waitForAppend: (after, timeoutMs) => store.waitForAppend(after, timeoutMs),
    ping: () => store.ping(),
    close: () => store.close(),
    ...overrides,
  };
}
