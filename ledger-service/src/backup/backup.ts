import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { fsyncPath } from '../durableFiles';
import { copyCompleteLines, copySecret, copySqlite, sha256OfFile, type CopyProgress } from './copy';
import {
  MANIFEST_FILE,
  MANIFEST_FORMAT,
  serviceVersion,
  writeManifest,
  type BackupFile,
  type BackupManifest,
} from './manifest';
import { AnchoredEventMismatchError } from './anchoredEvents';
import { examineCopies } from './examine';
import { backupPlan, BackupRefusal, type BackupConfig, type BackupItem } from './plan';

/** Copies that are not a consistent backup: something in them is ahead of the event store. */
export class InconsistentBackupError extends Error {
  readonly code = 'backup-inconsistent';
  constructor(readonly problems: readonly string[]) {
    super(`the copies are not a consistent backup: ${problems.join('; ')}`);
    this.name = 'InconsistentBackupError';
  }
}

/** A backup stopped by a signal (Ctrl-C, kill) before it was complete: the CLI aborts it with this reason. */
export class BackupStoppedError extends Error {
  readonly code = 'backup-stopped';
  constructor(readonly signal: NodeJS.Signals) {
    super(`stopped by ${signal} before it was complete`);
    this.name = 'BackupStoppedError';
  }
}

export interface BackupOptions {
  readonly config: BackupConfig;
  /** The service's environment (for the read store's settings). */
  readonly env: NodeJS.ProcessEnv;
  readonly to: string;
  readonly withReadModels: boolean;
  readonly logger: Logger;
  /** Told as each SQLite copy goes on. */
  readonly onProgress?: (item: BackupItem, copiedPages: number, totalPages: number) => void;
  /** Told as the anchor store's rows are checked against the event store's copy. */
  readonly onCheckProgress?: (checkedRows: number, totalRows: number) => void;
  /** Pages of a SQLite database copied per step (1024 by default). */
  readonly pagesPerStep?: number;
  /**
   * Aborted: the backup stops at its next step (a SQLite copy's or the check's, or between files),
   * throwing the signal's reason, and leaves no manifest and no copy of the key.
   */
  readonly stop?: AbortSignal;
  readonly now?: () => Date;
}

/** The nearest existing directory's real path, with the rest of the path after it. */
function realPathOf(target: string): string {
  const missing: string[] = [];
  let existing = path.resolve(target);
  while (!fs.existsSync(existing)) {
    missing.unshift(path.basename(existing));
    existing = path.dirname(existing);
  }
  return path.join(fs.realpathSync(existing), ...missing);
}

/** A backup goes into a new or empty directory outside the data directory. */
export function checkDestination(to: string, dataDir: string): void {
  const destination = realPathOf(to);
  const data = realPathOf(dataDir);
  const relative = path.relative(data, destination);
  if (relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative)))
    throw new BackupRefusal(`${to} is inside the data directory ${dataDir}: put the backup somewhere else`);
  if (!fs.existsSync(destination)) return;
  if (!fs.statSync(destination).isDirectory()) throw new BackupRefusal(`${to} is not a directory`);
  const entries = fs.readdirSync(destination);
  if (entries.includes(MANIFEST_FILE))
    throw new BackupRefusal(`${to} already holds a backup (${MANIFEST_FILE}): give a new or empty directory`);
  if (entries.length > 0) throw new BackupRefusal(`${to} is not empty: give a new or empty directory`);
}

async function copyItem(
  item: BackupItem,
  destination: string,
  options: { readonly onProgress: CopyProgress; readonly pagesPerStep?: number },
): Promise<void> {
  if (item.kind === 'sqlite') await copySqlite(item.source, destination, options);
  else if (item.role === 'log-head-key') copySecret(item.source, destination);
  else copyCompleteLines(item.source, destination);
}

/**
 * Takes an online backup of the service's data directory into `to`: each SQLite database through
 * SQLite's backup API (consistent while the service writes), the other files copied, in the order
 * backupPlan gives. Writes backup.json last, only once the copies are checked to be consistent:
 * nothing in them ahead of the event store's head.
 */
export async function takeBackup(options: BackupOptions): Promise<BackupManifest> {
  const { config, to, logger } = options;
  const now = options.now ?? (() => new Date());
  const plan = backupPlan(config, options.env, { withReadModels: options.withReadModels });
  checkDestination(to, config.dataDir);
  const eventStore = plan.find((item) => item.role === 'event-store')!;
  if (!fs.existsSync(eventStore.source))
    throw new BackupRefusal(`no event store at ${eventStore.source}: is LEDGER_DATA_DIR the service's data directory?`);
  options.stop?.throwIfAborted();
  const startedAt = now().toISOString();
  fs.mkdirSync(to, { recursive: true, mode: 0o700 });
  logger.info({ dataDir: config.dataDir, to, files: plan.map((item) => item.name) }, 'backup started');
  try {
    const manifest = await copyAndCheck(options, plan, startedAt);
    options.stop?.throwIfAborted();
    writeManifest(to, manifest);
    logger.info({ to, files: manifest.files.length, positions: manifest.positions }, 'backup written');
    return manifest;
  } catch (error) {
    removeKeyCopy(to, plan, logger);
    logger.error({ to }, `the backup did not finish: ${to} holds an incomplete backup, without ${MANIFEST_FILE}`);
    throw error;
  }
}

/** A failed backup leaves no copy of the log-head signing key behind, whatever else it leaves. */
function removeKeyCopy(to: string, plan: readonly BackupItem[], logger: Logger): void {
  for (const item of plan.filter((entry) => entry.role === 'log-head-key')) {
    const copy = path.join(to, item.name);
    if (!fs.existsSync(copy)) continue;
    fs.rmSync(copy, { force: true });
    logger.info({ file: item.name }, 'removed the copy of the log-head key from the incomplete backup');
  }
}

/** Copies every file of the plan (each flushed to the disk, then the directory) and checks the copies' positions. */
async function copyAndCheck(
  options: BackupOptions,
  plan: readonly BackupItem[],
  startedAt: string,
): Promise<BackupManifest> {
  const { config, to, logger, stop } = options;
  const now = options.now ?? (() => new Date());
  const files: BackupFile[] = [];
  const absent: string[] = [];
  for (const item of plan) {
    stop?.throwIfAborted();
    if (!fs.existsSync(item.source)) {
      absent.push(item.name);
      logger.info({ file: item.name, role: item.role }, 'not in the data directory yet: nothing to copy');
      continue;
    }
    const destination = path.join(to, item.name);
    const copiedAt = now().toISOString();
    const started = Date.now();
    await copyItem(item, destination, {
      onProgress: (copied, total) => {
        stop?.throwIfAborted();
        options.onProgress?.(item, copied, total);
      },
      pagesPerStep: options.pagesPerStep,
    });
    const file: BackupFile = {
      name: item.name,
      role: item.role,
      kind: item.kind,
      bytes: fs.statSync(destination).size,
      sha256: await sha256OfFile(destination),
      copiedAt,
    };
    files.push(file);
    logger.info(
      { file: file.name, role: file.role, bytes: file.bytes, seconds: (Date.now() - started) / 1000 },
      'copied',
    );
  }
  fsyncPath(to);
  const found = await examineCopies(to, files, { onProgress: options.onCheckProgress, stop });
  if (found.orderingProblems.length > 0) throw new InconsistentBackupError(found.orderingProblems);
  if (found.anchoredEvents && found.anchoredEvents.mismatchCount > 0)
    throw new AnchoredEventMismatchError(found.anchoredEvents);
  const { positions, ledgerAheadOfLog: ledgerAhead } = found;
  if (ledgerAhead)
    logger.warn(
      { ledgerAheadOfLog: ledgerAhead },
      'the embedded ledger holds events the log lacks or a head past its end (kept from before a restore?): backed up as it is',
    );
  return {
    format: MANIFEST_FORMAT,
    serviceVersion: serviceVersion(),
    startedAt,
    finishedAt: now().toISOString(),
    dataDir: config.dataDir,
    eventStore: 'sqlite',
    ledgerBackend: config.ledgerBackend,
    withReadModels: options.withReadModels,
    positions,
    ...(ledgerAhead && { ledgerAheadOfLog: ledgerAhead }),
    files,
    absent,
  };
}
