import { createHash } from 'node:crypto';
import fs from 'node:fs';
import Database from 'better-sqlite3';
import { fsyncPath, writeNewFileDurably } from '../durableFiles';

/** Pages copied per step of SQLite's backup (4 MB with the default page size): progress between steps. */
const PAGES_PER_STEP = 1024;

export type CopyProgress = (copiedPages: number, totalPages: number) => void;

/**
 * Copies a live SQLite database with SQLite's online backup, inside one read transaction of its
 * own: the copy is the database as of that transaction's start, whatever other processes commit
 * meanwhile (WAL readers do not block writers). Without the transaction each commit of another
 * process would restart the copy, which never ends while the service writes. The copy is left in
 * rollback-journal mode: one file, which opening read-only does not change.
 */
export async function copySqlite(
  source: string,
  destination: string,
  options: { readonly onProgress?: CopyProgress; readonly pagesPerStep?: number } = {},
): Promise<void> {
  const { onProgress } = options;
  const db = new Database(source, { readonly: true, fileMustExist: true, timeout: 5000 });
  try {
    db.exec('BEGIN');
    // The first read starts the read transaction: the snapshot every step copies from.
    db.prepare('SELECT COUNT(*) FROM sqlite_master').get();
    const { totalPages } = await db.backup(destination, {
      progress: ({ totalPages: total, remainingPages }) => {
        onProgress?.(total - remainingPages, total);
        return options.pagesPerStep ?? PAGES_PER_STEP;
      },
    });
    onProgress?.(totalPages, totalPages);
    db.exec('COMMIT');
  } finally {
    db.close();
  }
  const copy = new Database(destination, { fileMustExist: true });
  try {
    copy.pragma('journal_mode = DELETE');
  } finally {
    copy.close();
  }
  fsyncPath(destination);
}

/** Copies an append-only text file up to its last complete line: a line being appended is left out. */
export function copyCompleteLines(source: string, destination: string): void {
  const bytes = fs.readFileSync(source);
  writeNewFileDurably(destination, bytes.subarray(0, bytes.lastIndexOf(0x0a) + 1));
}

/** Copies a secret file readable by its owner alone (mode 0600), whatever the umask. */
export function copySecret(source: string, destination: string): void {
  writeNewFileDurably(destination, fs.readFileSync(source), 0o600);
  fs.chmodSync(destination, 0o600);
}

export async function sha256OfFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of fs.createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
