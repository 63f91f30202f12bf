import { checkAnchoredEvents, type AnchoredEventsCheck, type AnchoredEventsOptions } from './anchoredEvents';
import type { BackupRole } from './plan';
import {
  copyOf,
  ledgerAheadOfLog,
  orderingProblems,
  positionsOf,
  type BackupPositions,
  type LedgerAheadOfLog,
} from './positions';

/** What a backup finds in its copies before it writes its manifest, and what --verify finds again. */
export interface CopiesFindings {
  readonly positions: BackupPositions;
  /** The warning the manifest carries when the embedded ledger's copy is ahead of the log's. */
  readonly ledgerAheadOfLog: LedgerAheadOfLog | undefined;
  /** Copies ahead of the event store's head. */
  readonly orderingProblems: readonly string[];
  /** Each anchor store row against the event the log holds at its position (none without an anchor store copy). */
  readonly anchoredEvents: AnchoredEventsCheck | undefined;
}

/** Reads the copies in a backup directory: their positions, the warning, and whether they are consistent. */
export async function examineCopies(
  dir: string,
  files: ReadonlyArray<{ readonly role: BackupRole; readonly name: string }>,
  options: AnchoredEventsOptions = {},
): Promise<CopiesFindings> {
  const positions = await positionsOf(dir, files);
  options.stop?.throwIfAborted();
  const anchors = copyOf(dir, files, 'anchor-store');
  const events = copyOf(dir, files, 'event-store')!;
  return {
    positions,
    ledgerAheadOfLog: ledgerAheadOfLog(positions),
    orderingProblems: orderingProblems(positions),
    anchoredEvents: anchors === undefined ? undefined : await checkAnchoredEvents(anchors, events, options),
  };
}
