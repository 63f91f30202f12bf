import { DEFAULT_MAX_CLOCK_SKEW_SECONDS, type LogHead } from '@certledger/chaincode';

/**
 * A head's timestamp is the operator's, but the ledger takes a head only within this much of its own
 * (peer-vouched) transaction time (CL_LOG_HEAD_TIME): the events a head covers were in the log by its
 * timestamp plus this, at the latest.
 */
const HEAD_TIME_SKEW_MS = DEFAULT_MAX_CLOCK_SKEW_SECONDS * 1000;

const lastPositionOf = (head: LogHead): number => head.lastPosition ?? head.treeSize;

/**
 * By when, on the word of the signed log heads on the ledger, the event at a log position was in the
 * log (ISO 8601), or undefined when no head covers the position. This bounds the age of an event
 * whatever its recorded_at column says: the earliest head whose last position is at or after it.
 */
export function loggedByOf(heads: readonly LogHead[]): (position: number) => string | undefined {
  const sorted = heads
    .filter((head) => !Number.isNaN(Date.parse(head.timestamp)))
    .sort((a, b) => lastPositionOf(a) - lastPositionOf(b));
  // The earliest time among the heads at or after each one (heads are in time order; this does not rely on it).
  const by: string[] = new Array<string>(sorted.length);
  let earliest = Infinity;
  for (let i = sorted.length - 1; i >= 0; i--) {
    earliest = Math.min(earliest, Date.parse(sorted[i]!.timestamp) + HEAD_TIME_SKEW_MS);
    by[i] = new Date(earliest).toISOString();
  }
  return (position) => {
    let low = 0;
    let high = sorted.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (lastPositionOf(sorted[mid]!) < position) low = mid + 1;
      else high = mid;
    }
    return by[low];
  };
}
