import { setImmediate as nextTurn } from 'node:timers/promises';
import Database from 'better-sqlite3';

/** An event at its position in the log, as the event store or the anchor store names it. */
export interface PositionedEvent {
  readonly position: number;
  readonly eventId: string;
}

/** An anchor store row that names another event than the event store holds at its position (or none). */
export interface AnchoredEventMismatch {
  readonly position: number;
  readonly anchoredEventId: string;
  /** What the event store's copy holds at that position; undefined when it holds nothing there. */
  readonly loggedEventId: string | undefined;
}

/** What the check found: every anchor store row checked, the first mismatches and how many there were. */
export interface AnchoredEventsCheck {
  readonly checked: number;
  readonly mismatches: readonly AnchoredEventMismatch[];
  readonly mismatchCount: number;
}

/** Anchor store rows that name another event than the log's at their position: a restore of them is not consistent. */
export class AnchoredEventMismatchError extends Error {
  readonly code = 'backup-anchored-event-mismatch';
  constructor(readonly check: AnchoredEventsCheck) {
    super(anchoredEventsProblem(check));
    this.name = 'AnchoredEventMismatchError';
  }
}

export interface AnchoredEventsOptions {
  /** Told every `rowsPerStep` rows: how many anchor store rows are checked, of how many. */
  readonly onProgress?: (checkedRows: number, totalRows: number) => void;
  /** Aborted: the check stops between two steps, throwing the signal's reason. */
  readonly stop?: AbortSignal;
  /** Rows checked between two turns of the event loop (10,000 by default). */
  readonly rowsPerStep?: number;
}

const ROWS_PER_STEP = 10_000;
/** Mismatches named one by one; the others are counted. */
const MISMATCHES_NAMED = 5;

/**
 * Pairs each anchored event with the event the log holds at its position, walking both in position
 * order at once (a merge join): what each holds at a time is one row, however long the log.
 */
export function* pairWithLog(
  anchored: Iterable<PositionedEvent>,
  logged: Iterable<PositionedEvent>,
): Generator<AnchoredEventMismatch> {
  const log = logged[Symbol.iterator]();
  try {
    let current = log.next();
    for (const row of anchored) {
      while (!current.done && current.value.position < row.position) current = log.next();
      const loggedEventId =
        !current.done && current.value.position === row.position ? current.value.eventId : undefined;
      yield { position: row.position, anchoredEventId: row.eventId, loggedEventId };
    }
  } finally {
    log.return?.();
  }
}

/**
 * Checks that every (position, eventId) row of the anchor store's copy names the event the event
 * store's copy holds at that position. Both tables are streamed in position order; the event loop
 * gets a turn every `rowsPerStep` rows (for progress and signals).
 */
export async function checkAnchoredEvents(
  anchorsFile: string,
  eventsFile: string,
  options: AnchoredEventsOptions = {},
): Promise<AnchoredEventsCheck> {
  const rowsPerStep = options.rowsPerStep ?? ROWS_PER_STEP;
  const anchors = new Database(anchorsFile, { readonly: true, fileMustExist: true });
  const events = new Database(eventsFile, { readonly: true, fileMustExist: true });
  try {
    const total = Number(anchors.prepare('SELECT COUNT(*) FROM anchor_events').pluck().get());
    const anchored = anchors
      .prepare<[], PositionedEvent>(
        'SELECT position, event_id AS eventId FROM anchor_events ORDER BY position, event_id',
      )
      .iterate();
    const logged = events
      .prepare<[], PositionedEvent>('SELECT position, event_id AS eventId FROM events ORDER BY position')
      .iterate();
    const mismatches: AnchoredEventMismatch[] = [];
    let checked = 0;
    let mismatchCount = 0;
    options.onProgress?.(0, total);
    for (const pair of pairWithLog(anchored, logged)) {
      if (pair.loggedEventId !== pair.anchoredEventId && ++mismatchCount <= MISMATCHES_NAMED) mismatches.push(pair);
      if (++checked % rowsPerStep === 0) {
        options.onProgress?.(checked, total);
        await nextTurn();
        options.stop?.throwIfAborted();
      }
    }
    options.onProgress?.(checked, total);
    return { checked, mismatches, mismatchCount };
  } finally {
    anchors.close();
    events.close();
  }
}

/** The check's mismatches in a sentence. */
export function anchoredEventsProblem(check: AnchoredEventsCheck): string {
  const named = check.mismatches.map(
    ({ position, anchoredEventId, loggedEventId }) =>
      `position ${position}: the anchor store names ${anchoredEventId}, the event store holds ${loggedEventId ?? 'no event'} there`,
  );
  const more = check.mismatchCount - named.length;
  return (
    `the anchor store's copy names another event than the event store's copy at ${check.mismatchCount} of its ` +
    `${check.checked} anchored positions: ${named.join('; ')}${more > 0 ? `; and ${more} more` : ''}`
  );
}
