import { isDeepStrictEqual } from 'node:util';
import type { CopiesFindings } from './examine';
import { MANIFEST_FILE, type BackupManifest } from './manifest';
import type { BackupPositions, LedgerAheadOfLog } from './positions';

/** A JSON value's leaves by their dotted path (`positions.anchorStore.checkpoint`). */
function leavesOf(value: unknown, at: string, into = new Map<string, unknown>()): Map<string, unknown> {
  if (value !== null && typeof value === 'object' && !Array.isArray(value))
    for (const [key, child] of Object.entries(value)) leavesOf(child, `${at}.${key}`, into);
  else if (value !== undefined) into.set(at, value);
  return into;
}

const shown = (value: unknown): string => (value === undefined ? 'nothing' : JSON.stringify(value));

/** Each leaf where what the copies give and what the manifest says differ, one sentence each. */
function leafDifferences(name: string, found: unknown, recorded: unknown): string[] {
  const fromCopies = leavesOf(found, name);
  const fromManifest = leavesOf(recorded, name);
  return [...new Set([...fromCopies.keys(), ...fromManifest.keys()])]
    .filter((at) => !isDeepStrictEqual(fromCopies.get(at), fromManifest.get(at)))
    .map(
      (at) =>
        `${at}: the copies give ${shown(fromCopies.get(at))}, ${MANIFEST_FILE} says ${shown(fromManifest.get(at))}`,
    );
}

function warningDifferences(found: LedgerAheadOfLog | undefined, recorded: LedgerAheadOfLog | undefined): string[] {
  if (isDeepStrictEqual(found, recorded)) return [];
  if (!recorded)
    return [
      `ledgerAheadOfLog: the copies' embedded ledger is ahead of the log (${shown(found)}), which ${MANIFEST_FILE} does not record`,
    ];
  if (!found)
    return [
      `ledgerAheadOfLog: ${MANIFEST_FILE} records the embedded ledger ahead of the log (${shown(recorded)}), the copies' is not`,
    ];
  return leafDifferences('ledgerAheadOfLog', found, recorded);
}

/**
 * A manifest written before the ledger's digests of events the log lacks were counted apart
 * (positions.ledger.eventsNotInLog) and warned of (ledgerAheadOfLog): its ledger.events counts
 * every digest the ledger's copy holds.
 */
function predatesLedgerLead(manifest: BackupManifest): boolean {
  const ledger = manifest.positions?.ledger as Partial<NonNullable<BackupPositions['ledger']>> | undefined;
  return ledger !== undefined && ledger.eventsNotInLog === undefined;
}

/** The copies' positions as a manifest from before eventsNotInLog gave them: ledger.events counting every digest. */
function asRecordedBeforeLedgerLead(positions: BackupPositions): unknown {
  const { ledger } = positions;
  if (!ledger) return positions;
  return {
    ...positions,
    ledger: { events: ledger.events + ledger.eventsNotInLog, logHeadPosition: ledger.logHeadPosition },
  };
}

/**
 * What the copies give (positions, the ledger's warning) that the manifest does not say, one
 * sentence each. A manifest from before eventsNotInLog is as good as a new one when the copies'
 * ledger is not ahead of the log (it holds no digest of an event the log lacks, so its count is
 * the same and no warning is due); when it is, the manifest lacks the warning, and the problem
 * says so.
 */
export function differencesFromManifest(manifest: BackupManifest, found: CopiesFindings): string[] {
  if (!predatesLedgerLead(manifest))
    return [
      ...leafDifferences('positions', found.positions, manifest.positions),
      ...warningDifferences(found.ledgerAheadOfLog, manifest.ledgerAheadOfLog),
    ];
  const older = leafDifferences('positions', asRecordedBeforeLedgerLead(found.positions), manifest.positions);
  const ahead = found.ledgerAheadOfLog;
  if (!ahead) return older;
  return [
    `${MANIFEST_FILE} (written by ledger service ${manifest.serviceVersion}) predates positions.ledger.eventsNotInLog ` +
      `and the ledgerAheadOfLog warning, and the copies' embedded ledger is ahead of the log: ` +
      `${ahead.eventsNotInLog} digests of events the log lacks, newest signed head at position ${ahead.logHeadPosition}, ` +
      `the log's head at ${ahead.eventHead}; the manifest records none of this (a backup taken now does)`,
    ...older,
  ];
}
