import type { Context } from 'fabric-contract-api';
import { ChaincodeError } from './errors';

/** How far a transaction's time may be from the endorsing peer's clock, and that clock. */
export interface LedgerClock {
  /** Seconds (default 300). */
  readonly maxClockSkewSeconds?: number;
  /** The peer's clock in ms (default Date.now). */
  readonly now?: () => number;
}

export const DEFAULT_MAX_CLOCK_SKEW_SECONDS = 300;

export function clockSkewFromEnv(): number {
  const value = Number(process.env.CERTLEDGER_MAX_CLOCK_SKEW_SECONDS ?? DEFAULT_MAX_CLOCK_SKEW_SECONDS);
  return Number.isFinite(value) && value > 0 ? value : DEFAULT_MAX_CLOCK_SKEW_SECONDS;
}

/**
 * The transaction's time, which the ledger records, as vouched for by the endorsing peer: refused
 * when it is further from the peer's own clock than the skew allowed. With every org's peer
 * endorsing, the regulator's included, a recorded time is one that its peer found true.
 */
export function vouchedTxTime(ctx: Context, clock: LedgerClock): Date {
  const txTime = ctx.stub.getDateTimestamp();
  const skewMs = skewMsOf(clock);
  const offMs = txTime.getTime() - (clock.now ?? Date.now)();
  if (Math.abs(offMs) > skewMs) {
    throw new ChaincodeError(
      'CL_TX_TIME_SKEW',
      `the transaction's time ${txTime.toISOString()} is ${Math.round(offMs / 1000)} s from this peer's clock (at most ${skewMs / 1000} s)`,
    );
  }
  return txTime;
}

/** RFC 3339 with its offset: a time without one would be read in each peer's own time zone. */
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

/** The instant of an RFC 3339 time with its offset, in ms; NaN for anything else, which peers in different time zones could read apart. */
export function rfc3339Millis(claimed: string): number {
  return RFC3339.test(claimed) ? Date.parse(claimed) : NaN;
}

function claimedTime(claimed: string, what: string): number {
  const at = rfc3339Millis(claimed);
  if (Number.isNaN(at))
    throw new ChaincodeError('CL_BAD_REQUEST', `${what} ${claimed} is not an RFC 3339 time with its offset`);
  return at;
}

const skewMsOf = (clock: LedgerClock): number => (clock.maxClockSkewSeconds ?? DEFAULT_MAX_CLOCK_SKEW_SECONDS) * 1000;

/** Refuses an event whose claimed occurrence lies after the transaction's time by more than the skew. */
export function checkOccurredBy(occurredAt: string, eventId: string, txTime: Date, clock: LedgerClock): void {
  if (claimedTime(occurredAt, `${eventId} occurredAt`) - txTime.getTime() > skewMsOf(clock))
    throw new ChaincodeError(
      'CL_OCCURRED_IN_FUTURE',
      `${eventId} occurredAt ${occurredAt} is after the transaction's time ${txTime.toISOString()}`,
    );
}

/**
 * Refuses a log head whose time is further from the transaction's than the skew: a head says the
 * log held its events at its time, which an operator must not be able to date back.
 */
export function checkHeadTime(timestamp: string, txTime: Date, clock: LedgerClock): void {
  const offMs = claimedTime(timestamp, 'the head timestamp') - txTime.getTime();
  if (Math.abs(offMs) > skewMsOf(clock))
    throw new ChaincodeError(
      'CL_LOG_HEAD_TIME',
      `the head timestamp ${timestamp} is ${Math.round(offMs / 1000)} s from the transaction's time ${txTime.toISOString()}`,
    );
}
