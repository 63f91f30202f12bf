import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { anchoredEventsProblem } from './anchoredEvents';
import { sha256OfFile } from './copy';
import { examineCopies } from './examine';
import { differencesFromManifest } from './manifestDifferences';
import { readManifest, type BackupFile } from './manifest';

export interface VerifyResult {
  readonly ok: boolean;
  readonly filesChecked: number;
  /** One sentence per problem found. */
  readonly problems: readonly string[];
}

function integrityOf(file: string): string[] {
  let db: Database.Database | undefined;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
    const rows = db.pragma('integrity_check') as Array<{ integrity_check: string }>;
    const found = rows.map((row) => row.integrity_check).filter((line) => line !== 'ok');
    return found.slice(0, 5);
  } catch (error) {
    return [(error as Error).message];
  } finally {
    db?.close();
  }
}

async function problemsOf(dir: string, file: BackupFile): Promise<string[]> {
  const copy = path.join(dir, file.name);
  if (!fs.existsSync(copy)) return [`${file.name} is missing`];
  const stat = fs.statSync(copy);
  const problems: string[] = [];
  if (stat.size !== file.bytes) problems.push(`${file.name} has ${stat.size} bytes, the manifest says ${file.bytes}`);
  const sha256 = await sha256OfFile(copy);
  if (sha256 !== file.sha256) problems.push(`${file.name} has SHA-256 ${sha256}, the manifest says ${file.sha256}`);
  if (file.role === 'log-head-key' && (stat.mode & 0o077) !== 0)
    problems.push(
      `${file.name} (the log-head signing key) is readable by others: mode ${(stat.mode & 0o777).toString(8)}`,
    );
  if (file.kind === 'sqlite')
    problems.push(...integrityOf(copy).map((line) => `${file.name} fails SQLite's integrity check: ${line}`));
  return problems;
}

export interface VerifyOptions {
  /** Told as the anchor store's rows are checked against the event store's copy. */
  readonly onCheckProgress?: (checkedRows: number, totalRows: number) => void;
}

/**
 * Checks a backup against its manifest: every file there with its size and SHA-256, every SQLite
 * copy passing PRAGMA integrity_check, and what the backup found in its copies found again (their
 * positions, each anchored event at its position in the log, the ledger's warning) and as the
 * manifest says. Throws ManifestError when the directory holds no readable manifest.
 */
export async function verifyBackup(dir: string, options: VerifyOptions = {}): Promise<VerifyResult> {
  const manifest = readManifest(dir);
  const problems: string[] = [];
  for (const file of manifest.files) problems.push(...(await problemsOf(dir, file)));
  if (problems.length === 0) {
    const found = await examineCopies(dir, manifest.files, { onProgress: options.onCheckProgress });
    problems.push(...found.orderingProblems);
    if (found.anchoredEvents && found.anchoredEvents.mismatchCount > 0)
      problems.push(anchoredEventsProblem(found.anchoredEvents));
    problems.push(...differencesFromManifest(manifest, found));
  }
  return { ok: problems.length === 0, filesChecked: manifest.files.length, problems };
}
