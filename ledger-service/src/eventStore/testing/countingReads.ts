import { overriding } from '../forwarding';
import type { EventStore } from '../port';

/** The store, counting the events its readAll returns (to show how often a follower reads the log). */
export function countingReads(store: EventStore): { readonly store: EventStore; rowsRead(): number } {
  let rows = 0;
  const counting = overriding(store, {
    readAll: async (after, limit) => {
      const events = await store.readAll(after, limit);
      rows += events.length;
      return events;
    },
  });
  return { store: counting, rowsRead: () => rows };
}
