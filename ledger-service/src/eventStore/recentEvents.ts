import { overriding } from './forwarding';
import type { EventStore, StoredEvent } from './port';

/**
 * The store with the events its readAll returned most recently kept in memory, for the followers
 * of the log that share a thread (the anchorer, the projection and anchor feeds, the log-head
 * committer): they all read the same new events, and only the first of them reads them from the
 * store. A readAll that returns events up to position p has returned every event in (after, p]:
 * no store commits an event below a position it has already served. That span is what is kept.
 */
export function withRecentEvents(store: EventStore, capacity = 8192): EventStore {
  /** Every event with from < position <= to, in log order. */
  let kept: StoredEvent[] = [];
  let from = 0;
  let to = 0;

  const keep = (after: number, read: readonly StoredEvent[]): void => {
    const last = read[read.length - 1];
    if (!last) return;
    const span = after === to && kept.length > 0 ? kept.concat(read) : read;
    if (span === read) from = after;
    const dropped = span.length - capacity;
    kept = dropped > 0 ? span.slice(dropped) : span.slice();
    if (dropped > 0) from = span[dropped - 1]!.position;
    to = last.position;
  };

  /** Index of the first kept event with a position above `after`. */
  const firstAfter = (after: number): number => {
    let low = 0;
    let high = kept.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (kept[middle]!.position > after) high = middle;
      else low = middle + 1;
    }
    return low;
  };

  const readAll = async (after: number, limit: number): Promise<StoredEvent[]> => {
    if (limit <= 0 || kept.length === 0 || after < from || after > to) {
      const read = await store.readAll(after, limit);
      // A follower far behind the others reads around the window and leaves it to them.
      if (read.length > 0 && read[read.length - 1]!.position > to) keep(after, read);
      return read;
    }
    const start = firstAfter(after);
    const served = kept.slice(start, start + limit);
    if (served.length === limit) return served;
    const readFrom = to;
    const rest = await store.readAll(readFrom, limit - served.length);
    // Another call may have moved the window meanwhile; then this read is only returned.
    if (to === readFrom) keep(readFrom, rest);
    return served.concat(rest);
  };

  return overriding(store, { readAll });
}
