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
  /** The embedded ledger: how many event digests it holds, and the last position its newest signed log head covers. */
  readonly ledger?: { readonly events: number; readonly logHeadPosition: number };
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

/** The positions of the copies in a backup directory, read from the copies themselves. */
export async function positionsOf(
  dir: string,
  files: ReadonlyArray<{ readonly role: BackupRole; readonly name: string }>,
): Promise<BackupPositions> {
  const fileOf = (role: BackupRole): string | undefined => {
    const found = files.find((file) => file.role === role);
    return found && path.join(dir, found.name);
  };
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
    ...(ledger && { ledger: await embeddedLedgerPositions(path.dirname(ledger), path.basename(ledger)) }),
    ...(heads && { localLogHeadPosition: lastPositionOf(localHeads(heads)) }),
    ...(readModels && {
      readModelsPosition: readOnly(readModels, (db) =>
        numberOf(db, 'SELECT MAX(position) AS n FROM projection_checkpoints'),
      ),
    }),
  };
}

async function embeddedLedgerPositions(dataDir: string, fileName: string): Promise<BackupPositions['ledger']> {
  const view = openEmbeddedLedgerView({ dataDir, fileName });
  try {
    return { events: (await view.eventCount?.()) ?? 0, logHeadPosition: lastPositionOf(await view.logHeads()) };
  } finally {
    await view.close();
  }
}

/** What in the copies is ahead of the event store's head: a restore of them would not be consistent. */
export function orderingProblems(positions: BackupPositions): string[] {
  const head = positions.eventHead;
  const ahead = (what: string, position: number | undefined): string[] =>
    position !== undefined && position > head
      ? [`${what} (${position}) is ahead of the event store's head (${head})`]
      : [];
  return [
    ...ahead("the anchor store's checkpoint", positions.anchorStore?.checkpoint),
    ...ahead("the anchor store's last anchored position", positions.anchorStore?.anchoredPosition),
    ...ahead('the number of events on the embedded ledger', positions.ledger?.events),
    ...ahead("the embedded ledger's newest signed log head", positions.ledger?.logHeadPosition),
    ...ahead('the newest signed log head recorded locally', positions.localLogHeadPosition),
    ...ahead("the read models' position", positions.readModelsPosition),
  ];
}
