import { DEFAULT_MAX_CLOCK_SKEW_SECONDS, type LogHead } from '@certledger/chaincode';
import type { Discrepancy } from './types';

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

export interface LogHeadCoverage {
  /** The audit's time. */
  readonly auditTime: Date;
  /** How old the newest head may be, and how long an anchored event may wait for a head to cover it. */
  readonly maxAgeMs: number;
  /** Why the heads could not be read, when they could not. */
  readonly unreadable?: string;
  readonly heads: readonly LogHead[];
  /** Events in the store's log. */
  readonly logSize: number;
  /** The earliest-anchored event still in the store beyond the newest head (beyond nothing when there is none). */
  readonly firstAnchoredBeyond?: { readonly position: number; readonly anchoredAt: string; readonly batchId: string };
  /**
   * When the ledger last anchored a batch, on its own record (null: never), for a ledger that can say
   * so (the embedded one); undefined when it cannot (Fabric, where the audit can only look up what it names).
   */
  readonly lastAnchoredAt?: string | null;
}

/**
 * Heads on the ledger signed by another key than the log's, one finding each: whoever holds that key
 * (an operator identity of any org may commit heads) committed them, and if one came first the
 * ledger took its key for the log's and refuses the service's heads since.
 */
export function otherKeyFindings(heads: readonly LogHead[], logKeyId: string): Discrepancy[] {
  return heads
    .filter((head) => head.keyId !== logKeyId)
    .map((head) => ({
      kind: 'log-head-missing-or-stale',
      reason: 'log-head-other-key',
      streamId: '',
      position: lastPositionOf(head),
      expected: logKeyId,
      actual: head.keyId,
      detail: `the signed log head of ${head.treeSize} events (${head.timestamp}) is signed by key ${head.keyId}, not by the log's key ${logKeyId} (expected): it vouches for nothing, and the ledger, which takes the first head's key for the log's, refuses heads of any other key after it`,
    }));
}

/** A span as a reader wants it: seconds below two minutes, minutes above. */
export const spanInWords = (ms: number): string =>
  ms < 120_000 ? `${Math.round(ms / 1000)} s` : `${Math.round(ms / 60_000)} min`;

/**
 * Whether the signed log heads keep up with the log. Without a recent head nothing shows events that
 * were anchored and then removed from the store and the anchor store together (a Fabric ledger cannot
 * be asked for digests it is not named), nor bounds how long an unanchored event has been waiting.
 */
export function logHeadFindings(coverage: LogHeadCoverage): Discrepancy[] {
  const base = { kind: 'log-head-missing-or-stale', streamId: '' } as const;
  if (coverage.unreadable !== undefined)
    return [
      {
        ...base,
        reason: 'log-heads-unreadable',
        actual: coverage.unreadable,
        detail:
          'the signed log heads on the ledger could not be read, so nothing shows whether events were removed from the log after being anchored',
      },
    ];
  const now = coverage.auditTime.getTime();
  const tolerance = spanInWords(coverage.maxAgeMs);
  // The largest head, and of heads of one size (a quiet log's head signed again) the latest signed.
  const newest = coverage.heads.reduce<LogHead | undefined>(
    (latest, head) =>
      !latest ||
      head.treeSize > latest.treeSize ||
      (head.treeSize === latest.treeSize && Date.parse(head.timestamp) > Date.parse(latest.timestamp))
        ? head
        : latest,
    undefined,
  );
  const beyond = coverage.firstAnchoredBeyond;
  if (beyond && now - Date.parse(beyond.anchoredAt) > coverage.maxAgeMs) {
    return [
      {
        ...base,
        reason: newest ? 'anchored-beyond-log-head' : 'no-log-head',
        position: beyond.position,
        batchId: beyond.batchId,
        expected: `a signed log head within ${tolerance} of ${beyond.anchoredAt}`,
        actual: newest ? `the newest covers ${newest.treeSize} events (${newest.timestamp})` : 'no log head',
        detail: newest
          ? `events anchored more than ${tolerance} ago, from log position ${beyond.position}, are covered by no signed log head: the service stopped committing log heads`
          : `the ledger holds no signed log head, yet events were anchored more than ${tolerance} ago: nothing shows whether events were removed from the log`,
      },
    ];
  }
  if (coverage.logSize === 0) return [];
  const lastAnchored = coverage.lastAnchoredAt;
  if (!newest) {
    if (lastAnchored && now - Date.parse(lastAnchored) > coverage.maxAgeMs)
      return [
        {
          ...base,
          reason: 'no-log-head',
          expected: `a signed log head within ${tolerance} of ${lastAnchored}`,
          actual: 'no log head',
          detail: `the ledger holds no signed log head, yet it anchored events more than ${tolerance} ago: nothing shows whether events were removed from the log`,
        },
      ];
    return [];
  }
  const headTime = Date.parse(newest.timestamp);
  if (now - headTime <= coverage.maxAgeMs) return [];
  // A ledger that anchored nothing since shows a quiet log (whose head a service that stopped could not re-sign).
  if (lastAnchored === null || (lastAnchored !== undefined && Date.parse(lastAnchored) <= headTime + coverage.maxAgeMs))
    return [];
  return [
    {
      ...base,
      reason: 'log-head-stale',
      expected: `a signed log head younger than ${tolerance}`,
      actual: `the newest covers ${newest.treeSize} events (${newest.timestamp})`,
      detail:
        `the newest signed log head is older than ${tolerance}: events recorded after it could have been removed from the store and the anchor store without trace` +
        (lastAnchored === undefined
          ? " (the service signs a quiet log's head again every interval: a stale head means it stopped signing heads, or events after the head were removed; this ledger cannot be asked whether anything was anchored since)"
          : ''),
    },
  ];
}
