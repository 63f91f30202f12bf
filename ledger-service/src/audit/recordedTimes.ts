import { DEFAULT_MAX_CLOCK_SKEW_SECONDS } from '@certledger/chaincode';
import type { StoredEvent } from '../eventStore/port';
import type { Discrepancy } from './types';

/**
 * How far a recorded time may lie after the audit's own clock: the skew the ledger allows between
 * the service's clock and a peer's (5 minutes), since the audit may run on another machine.
 */
export const RECORDED_AT_AHEAD_MS = DEFAULT_MAX_CLOCK_SKEW_SECONDS * 1000;

/**
 * How far a recorded time may go back from the event before it in the log. The stores stamp each
 * group commit with one `new Date()` taken after the commit lock (SQLite's write transaction,
 * PostgreSQL's row lock on log_head), so along the log the times never decrease (events committed
 * together share one); only a step of the service's clock (or hosts a little apart writing one
 * PostgreSQL store) can take them back, and by less than this.
 */
export const RECORDED_AT_BACKWARDS_MS = 1000;

type Timed = Pick<StoredEvent, 'position' | 'eventId' | 'streamId' | 'version' | 'recordedAt'>;

/** An ISO 8601 instant exactly as Date#toISOString writes it: ordered as text as in time. */
function isIsoInstant(text: string): boolean {
  return text.length === 24 && text.charCodeAt(10) === 84 /* T */ && text.charCodeAt(23) === 90; /* Z */
}

/**
 * Follows events in log order and names those whose recorded_at (a column outside the hashed bytes,
 * which the operator can edit) cannot be true: after the audit, before the event ahead of it in the
 * log, or no time at all. The unanchored events' grace period is measured from this column, so an
 * event kept "pending" by a recorded time moved forward shows here.
 */
export class RecordedTimes {
  private readonly aheadLimitMs: number;
  private readonly aheadLimit: string;
  private previous: { readonly position: number; readonly recordedAt: string } | undefined;

  /** `followsLog`: the store stamps recorded times in log order (EventStore.recordedAtFollowsLog). */
  constructor(
    private readonly auditTime: Date,
    private readonly followsLog = true,
  ) {
    this.aheadLimitMs = auditTime.getTime() + RECORDED_AT_AHEAD_MS;
    this.aheadLimit = new Date(this.aheadLimitMs).toISOString();
  }

  /** The finding for this event, if any; events must come in log order. */
  next(event: Timed): Discrepancy | undefined {
    const at = event.recordedAt;
    const previous = this.previous;
    // The common case, without parsing: well-formed, not ahead, not before the previous one.
    if (isIsoInstant(at) && at <= this.aheadLimit && previous && isIsoInstant(previous.recordedAt)) {
      if (at >= previous.recordedAt) {
        this.previous = { position: event.position, recordedAt: at };
        return undefined;
      }
    }
    const ms = Date.parse(at);
    const where = {
      streamId: event.streamId,
      eventId: event.eventId,
      version: event.version,
      position: event.position,
    };
    // A time that cannot be true does not become the reference for the next event.
    if (Number.isNaN(ms))
      return {
        kind: 'modified',
        reason: 'recorded-at-not-a-time',
        ...where,
        actual: at,
        detail: 'the recorded time of the event is no time at all',
      };
    if (ms > this.aheadLimitMs)
      return {
        kind: 'modified',
        reason: 'recorded-at-in-future',
        ...where,
        expected: this.auditTime.toISOString(),
        actual: at,
        detail: `the event's recorded time is later than the time of the audit (${this.auditTime.toISOString()}): it was edited, and cannot tell how long the event has waited for its anchor`,
      };
    this.previous = { position: event.position, recordedAt: at };
    if (this.followsLog && previous && ms < Date.parse(previous.recordedAt) - RECORDED_AT_BACKWARDS_MS)
      return {
        kind: 'modified',
        reason: 'recorded-at-before-previous-event',
        ...where,
        expected: previous.recordedAt,
        actual: at,
        detail: `the event's recorded time is earlier than that of the event before it in the log (position ${previous.position}, ${previous.recordedAt}), although the log is recorded in time order: one of the two times was edited`,
      };
    return undefined;
  }
}
