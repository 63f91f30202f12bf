import fs from 'node:fs';
import path from 'node:path';
import { fsyncPath, writeNewFileDurably } from '../durableFiles';
import type { BackupRole } from './plan';
import type { BackupPositions, LedgerAheadOfLog } from './positions';

export const MANIFEST_FILE = 'backup.json';
export const MANIFEST_FORMAT = 'certledger-backup/1';

export interface BackupFile {
  readonly name: string;
  readonly role: BackupRole;
  readonly kind: 'sqlite' | 'file';
  readonly bytes: number;
  readonly sha256: string;
  /** When its copy was taken (a SQLite copy is the database as of then). */
  readonly copiedAt: string;
}

/** backup.json: what a backup holds and where its copies stand in the log. */
export interface BackupManifest {
  readonly format: typeof MANIFEST_FORMAT;
  /** The ledger service's version that took it. */
  readonly serviceVersion: string;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly dataDir: string;
  readonly eventStore: 'sqlite';
  readonly ledgerBackend: 'embedded' | 'fabric';
  readonly withReadModels: boolean;
  readonly positions: BackupPositions;
  /**
   * A warning: the embedded ledger's copy holds digests of events the log's copy lacks, or a signed
   * head past its end (a ledger kept from before a restore of the stores alone). Absent otherwise.
   */
  readonly ledgerAheadOfLog?: LedgerAheadOfLog;
  /** In the order they were copied. */
  readonly files: readonly BackupFile[];
  /** Files the service had not written yet (no head signed yet, nothing anchored yet), so not copied. */
  readonly absent: readonly string[];
}

export class ManifestError extends Error {
  readonly code = 'backup-manifest';
  constructor(message: string) {
    super(message);
    this.name = 'ManifestError';
  }
}

/**
 * Writes backup.json so that it is there only complete: to a temporary name, flushed, renamed, and
 * the directory flushed. A backup directory without it is one that did not finish.
 */
export function writeManifest(dir: string, manifest: BackupManifest): void {
  const file = path.join(dir, MANIFEST_FILE);
  if (fs.existsSync(file)) throw new ManifestError(`${dir} already holds a ${MANIFEST_FILE}`);
  const partial = `${file}.partial`;
  try {
    writeNewFileDurably(partial, `${JSON.stringify(manifest, null, 2)}\n`);
    fs.renameSync(partial, file);
  } finally {
    fs.rmSync(partial, { force: true });
  }
  try {
    fsyncPath(dir);
  } catch (error) {
    // A backup.json whose rename may not survive a crash is not one to leave as the mark of a complete backup.
    fs.rmSync(file, { force: true });
    throw error;
  }
}

export function readManifest(dir: string): BackupManifest {
  const file = path.join(dir, MANIFEST_FILE);
  if (!fs.existsSync(file))
    throw new ManifestError(`${dir} holds no ${MANIFEST_FILE}: it is not a backup, or one that did not finish`);
  let manifest: BackupManifest;
  try {
    manifest = JSON.parse(fs.readFileSync(file, 'utf8')) as BackupManifest;
  } catch (error) {
    throw new ManifestError(`${file} is not JSON: ${(error as Error).message}`);
  }
  if (manifest?.format !== MANIFEST_FORMAT || !Array.isArray(manifest.files))
    throw new ManifestError(`${file} is not a ${MANIFEST_FORMAT} manifest`);
  return manifest;
}

/** The version in ledger-service/package.json (two levels up from both src/backup and dist/backup). */
export function serviceVersion(): string {
  const file = path.resolve(__dirname, '../../package.json');
  return (JSON.parse(fs.readFileSync(file, 'utf8')) as { version: string }).version;
}
