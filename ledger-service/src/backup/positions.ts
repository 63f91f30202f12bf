import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { LogHead } from '@certledger/chaincode';
import { openEmbeddedLedgerView } from '../audit/ledgerView';
import type { BackupRole } from './plan';

/** Where each copy stands in the log: every one of them must be at or behind the event store's head. */
export interface BackupPositions {
  /** The highest position in the copy of the event store. */
  readonly eventHead: number;
  readonly anchorStore?: {
    /** Every event up to here is in a batch the anchorer stored. */
    readonly checkpoint: number;
    /** The highest position of an event in a batch the ledger committed (0 when none). */
    readonly anchoredPosition: number;
  };
  /**
   * The embedded ledger: how many of its event digests are of events the copied log holds, how many
   * are not, and the last position its newest signed log head covers.
   */
  readonly ledger?: { readonly events: number; readonly eventsNotInLog: number; readonly logHeadPosition: number };
  /** The last position the newest head in the local record of signed log heads covers. */
  readonly localLogHeadPosition?: number;
  /** The farthest position a read model has applied. */
  readonly readModelsPosition?: number;
}

function readOnly<T>(file: string, read: (db: Database.Database) => T): T {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return read(db);
  } finally {
    db.close();
  }
}

const numberOf = (db: Database.Database, sql: string): number =>
  Number((db.prepare(sql).get() as { n: number | null } | undefined)?.n ?? 0);

const lastPositionOf = (heads: readonly LogHead[]): number =>
  heads.reduce((last, head) => Math.max(last, head.lastPosition ?? head.treeSize), 0);

function localHeads(file: string): LogHead[] {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as LogHead);
}

/** The path of the copy that has `role` in a backup directory, if the backup holds one. */
export function copyOf(
  dir: string,
  files: ReadonlyArray<{ readonly role: BackupRole; readonly name: string }>,
  role: BackupRole,
): string | undefined {
  const found = files.find((file) => file.role === role);
  return found && path.join(dir, found.name);
}

/** The positions of the copies in a backup directory, read from the copies themselves. */
export async function positionsOf(
  dir: string,
  files: ReadonlyArray<{ readonly role: BackupRole; readonly name: string }>,
): Promise<BackupPositions> {
  const fileOf = (role: BackupRole): string | undefined => copyOf(dir, files, role);
  const events = fileOf('event-store');
  if (!events) throw new Error('the backup holds no event store');
  const anchors = fileOf('anchor-store');
  const ledger = fileOf('ledger');
  const heads = fileOf('log-heads');
  const readModels = fileOf('read-models');
  return {
    eventHead: readOnly(events, (db) => numberOf(db, 'SELECT MAX(position) AS n FROM events')),
    ...(anchors && {
      anchorStore: readOnly(anchors, (db) => ({
        checkpoint: numberOf(db, "SELECT position AS n FROM anchor_checkpoint WHERE name = 'anchorer'"),
        anchoredPosition: numberOf(
          db,
          "SELECT MAX(e.position) AS n FROM anchor_events e JOIN anchor_batches b ON b.batch_id = e.batch_id WHERE b.status = 'committed'",
        ),
      })),
    }),
    ...(ledger && { ledger: await embeddedLedgerPositions(ledger, events) }),
    ...(heads && { localLogHeadPosition: lastPositionOf(localHeads(heads)) }),
    ...(readModels && {
      readModelsPosition: readOnly(readModels, (db) =>
        numberOf(db, 'SELECT MAX(position) AS n FROM projection_checkpoints'),
      ),
    }),
  };
}

async function embeddedLedgerPositions(ledgerFile: string, eventsFile: string): Promise<BackupPositions['ledger']> {
  const view = openEmbeddedLedgerView({ dataDir: path.dirname(ledgerFile), fileName: path.basename(ledgerFile) });
  const log = new Database(eventsFile, { readonly: true, fileMustExist: true });
  try {
    const stored = log.prepare<[string], number>('SELECT 1 FROM events WHERE event_id = ?').pluck();
    const total = (await view.eventCount?.()) ?? 0;
    const eventsNotInLog = (await view.digestsNotIn?.((eventId) => stored.get(eventId) !== undefined))?.length ?? 0;
    return { events: total - eventsNotInLog, eventsNotInLog, logHeadPosition: lastPositionOf(await view.logHeads()) };
  } finally {
    log.close();
    await view.close();
  }
}

/** How far the embedded ledger's copy is ahead of the log's: digests of events the log lacks, heads past its end. */
export interface LedgerAheadOfLog {
  readonly eventsNotInLog: number;
  readonly logHeadPosition: number;
  readonly eventHead: number;
}

/**
 * The embedded ledger ahead of the log: not taken by a backup (the ledger is copied before the
 * log), but kept from before a restore of the stores alone, where it holds the lost tail. A restore
 * of the backup is then where the service stands now (the anchorer takes over the ledger's batches
 * for events submitted again): a warning, not a failure.
 */
export function ledgerAheadOfLog(positions: BackupPositions): LedgerAheadOfLog | undefined {
  const { ledger, eventHead } = positions;
  if (!ledger || (ledger.eventsNotInLog === 0 && ledger.logHeadPosition <= eventHead)) return undefined;
  return { eventsNotInLog: ledger.eventsNotInLog, logHeadPosition: ledger.logHeadPosition, eventHead };
}

/**
 * What in the copies is ahead of the event store's head: a restore of them would not be consistent
 * (an anchor store ahead would take the positions the log gives again for anchored). The embedded
 * ledger's copy is not judged here: see ledgerAheadOfLog.
 */
export function orderingProblems(positions: BackupPositions): string[] {
  const head = positions.eventHead;
  const ahead = (what: string, position: number | undefined): string[] =>
    position !== undefined && position > head
      ? [`${what} (${position}) is ahead of the event store's head (${head})`]
      : [];
  return [
    ...ahead("the anchor store's checkpoint", positions.anchorStore?.checkpoint),
    ...ahead("the anchor store's last anchored position", positions.anchorStore?.anchoredPosition),
    ...ahead('the newest signed log head recorded locally', positions.localLogHeadPosition),
    ...ahead("the read models' position", positions.readModelsPosition),
  ];
}
