import os from 'node:os';
import cliProgress from 'cli-progress';
import type { Logger } from 'pino';
import { argsOrExit, type CliIo } from '../cliArgs';
import { ConfigError, loadConfig } from '../config';
import { createLogger } from '../logging';
import { AnchoredEventMismatchError } from './anchoredEvents';
import { BackupStoppedError, InconsistentBackupError, takeBackup } from './backup';
import { ManifestError, type BackupManifest } from './manifest';
import { BackupRefusal, type BackupItem } from './plan';
import { verifyBackup } from './verify';

export const BACKUP_USAGE = `usage: npm run backup -- --to DIR [--with-read-models] [--no-progress]
       npm run backup -- --verify DIR

Takes an online backup of the service's data directory (LEDGER_DATA_DIR) while the service runs, reading
the service's environment (EVENT_STORE, LEDGER_BACKEND, LEDGER_DATA_DIR, PROJECTIONS_*): the SQLite stores
through SQLite's backup API, the log-head key and the local record of log heads, and backup.json.

  --to DIR              a new or empty directory outside the data directory
  --with-read-models    include the read models (projections.sqlite); without, they are rebuilt from the log
  --no-progress         progress as log lines, not a progress bar
  --verify DIR          check a backup: each file's SHA-256, SQLite's integrity check, and what the backup
                        found in its copies (positions, anchored events, warnings) found again

Exit code: 0 done (or the backup verified), 1 the copies are not a consistent backup (or the
verification found problems), 2 refused or could not run (wrong arguments, a PostgreSQL or KurrentDB
store, a destination inside the data directory or holding a backup), 130 or 143 stopped by SIGINT or
SIGTERM (the partial backup holds no backup.json and no copy of the log-head key).
`;

export interface BackupCliArgs {
  readonly to?: string;
  readonly verify?: string;
  readonly withReadModels: boolean;
  readonly progress: boolean;
  readonly help: boolean;
}

export class BackupUsageError extends Error {
  readonly code = 'backup-usage';
}

export function parseBackupArgs(argv: readonly string[]): BackupCliArgs {
  let to: string | undefined;
  let verify: string | undefined;
  let withReadModels = false;
  let progress = true;
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = (): string => {
      const next = argv[++i];
      if (next === undefined || next.startsWith('--')) throw new BackupUsageError(`${arg} needs a directory`);
      return next;
    };
    if (arg === '--to') to = value();
    else if (arg === '--verify') verify = value();
    else if (arg === '--with-read-models') withReadModels = true;
    else if (arg === '--no-progress') progress = false;
    else if (arg === '--help' || arg === '-h') help = true;
    else throw new BackupUsageError(`unknown argument ${arg}`);
  }
  if (!help && (to === undefined) === (verify === undefined))
    throw new BackupUsageError('give either --to DIR (take a backup) or --verify DIR (check one)');
  return { ...(to !== undefined && { to }), ...(verify !== undefined && { verify }), withReadModels, progress, help };
}

export type BackupCliIo = CliIo;

/** One long step of a backup: a database's copy (in pages) or the check of the anchored events (in rows). */
interface ProgressStep {
  readonly label: string;
  readonly unit: 'pages' | 'rows';
  /** Its log line's fields, saying how far it is. */
  fields(done: number, total: number): Record<string, string | number>;
}

const copyStep = (item: BackupItem): ProgressStep => ({
  label: item.name,
  unit: 'pages',
  fields: (copied, total) => ({ file: item.name, copiedPages: copied, totalPages: total }),
});

const CHECK_STEP: ProgressStep = {
  label: 'anchored events',
  unit: 'rows',
  fields: (checked, total) => ({ check: 'anchored-events', checkedRows: checked, totalRows: total }),
};

interface ProgressReporter {
  copy(item: BackupItem, copiedPages: number, totalPages: number): void;
  check(checkedRows: number, totalRows: number): void;
  stop(): void;
}

/**
 * How a long step shows its progress: a bar on a terminal (as the audit and the projections'
 * rebuild do), else a structured log line per step at most every few seconds.
 */
function progressReporter(args: BackupCliArgs, io: BackupCliIo, logger: Logger): ProgressReporter {
  const show = args.progress && io.stderr.isTTY ? progressBar(io) : progressLines(logger);
  return {
    copy: (item, copied, total) => show.step(copyStep(item), copied, total),
    check: (checked, total) => show.step(CHECK_STEP, checked, total),
    stop: show.stop,
  };
}

interface ProgressShow {
  step(step: ProgressStep, done: number, total: number): void;
  stop(): void;
}

function progressBar(io: BackupCliIo): ProgressShow {
  const bar = new cliProgress.SingleBar(
    { stream: io.stderr, format: '{label} [{bar}] {percentage}% | {value}/{total} {unit}', hideCursor: false },
    cliProgress.Presets.shades_classic,
  );
  let current: string | undefined;
  return {
    step(step, done, total) {
      if (current !== step.label) {
        bar.start(total, 0, { label: step.label.padEnd(18), unit: step.unit });
        current = step.label;
      }
      bar.setTotal(total);
      bar.update(done);
      // Done with this step: the bar's last line stays above the log line that follows.
      if (done >= total) {
        bar.stop();
        current = undefined;
      }
    },
    stop: () => bar.stop(),
  };
}

function progressLines(logger: Logger): ProgressShow {
  const everyMs = 2000;
  let last = { label: '', at: 0 };
  return {
    step(step, done, total) {
      const now = Date.now();
      if (last.label === step.label && now - last.at < everyMs && done < total) return;
      last = { label: step.label, at: now };
      logger.info(
        { ...step.fields(done, total), percent: Math.floor((100 * done) / Math.max(total, 1)) },
        'backup progress',
      );
    },
    stop: () => undefined,
  };
}

async function verifyCli(dir: string, io: BackupCliIo, logger: Logger, progress: ProgressReporter): Promise<number> {
  const result = await verifyBackup(dir, { onCheckProgress: progress.check });
  progress.stop();
  for (const problem of result.problems) logger.warn({ dir, problem }, 'backup verification found a problem');
  if (result.ok) {
    io.stdout.write(
      `backup ${dir} verified: ${result.filesChecked} files as the manifest says, SQLite copies intact, ` +
        `positions, anchored events and warnings as the manifest says\n`,
    );
    return 0;
  }
  io.stdout.write(`backup ${dir} FAILED verification:\n${result.problems.map((p) => `  - ${p}\n`).join('')}`);
  return 1;
}

/** Where the command hears SIGINT and SIGTERM: the process (a stand-in in tests). */
export type SignalSource = Pick<NodeJS.EventEmitter, 'on' | 'off'>;

const STOP_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];

/**
 * Turns SIGINT and SIGTERM into an abort of the backup until disposed: by default they end the
 * process at once, leaving a copy of the signing key in the partial backup.
 */
function stopOnSignals(source: SignalSource, logger: Logger): { readonly stop: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals): void => {
    if (controller.signal.aborted) return;
    logger.warn({ signal }, `${signal}: stopping the backup at its next step`);
    controller.abort(new BackupStoppedError(signal));
  };
  for (const signal of STOP_SIGNALS) source.on(signal, onSignal);
  return {
    stop: controller.signal,
    dispose: () => STOP_SIGNALS.forEach((signal) => source.off(signal, onSignal)),
  };
}

async function backupToCli(
  args: BackupCliArgs & { readonly to: string },
  env: NodeJS.ProcessEnv,
  io: BackupCliIo,
  logger: Logger,
  progress: ProgressReporter,
  signals: SignalSource,
): Promise<number> {
  const config = loadConfig(env);
  const stopping = stopOnSignals(signals, logger);
  let manifest: BackupManifest;
  try {
    manifest = await takeBackup({
      config,
      env,
      to: args.to,
      withReadModels: args.withReadModels,
      logger,
      onProgress: progress.copy,
      onCheckProgress: progress.check,
      stop: stopping.stop,
    });
  } finally {
    stopping.dispose();
    progress.stop();
  }
  const bytes = manifest.files.reduce((sum, file) => sum + file.bytes, 0);
  const { eventHead, anchorStore } = manifest.positions;
  io.stdout.write(
    `backup written to ${args.to}: ${manifest.files.length} files, ${(bytes / 2 ** 20).toFixed(1)} MB; ` +
      `event store head ${eventHead}, anchor store checkpoint ${anchorStore?.checkpoint ?? 0}\n`,
  );
  const ahead = manifest.ledgerAheadOfLog;
  if (ahead)
    io.stdout.write(
      `warning: the embedded ledger is ahead of the log: ${ahead.eventsNotInLog} events the log lacks, ` +
        `newest signed head at position ${ahead.logHeadPosition} (docs/backup.md)\n`,
    );
  return 0;
}

/** A backup stopped by a signal exits as a process that signal ended would: 128 + its number. */
const exitCodeOf = (signal: NodeJS.Signals): number => 128 + (os.constants.signals[signal] ?? 0);

/** The `npm run backup` command; resolves to its exit code. */
export async function backupCli(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
  io: BackupCliIo = process,
  signals: SignalSource = process,
): Promise<number> {
  const args = argsOrExit(argv, parseBackupArgs, BACKUP_USAGE, io);
  if (typeof args === 'number') return args;
  const logger = createLogger({ level: env.LOG_LEVEL ?? 'info', base: { tool: 'backup' } }, io.stderr);
  const progress = progressReporter(args, io, logger);
  try {
    if (args.verify !== undefined) return await verifyCli(args.verify, io, logger, progress);
    return await backupToCli({ ...args, to: args.to! }, env, io, logger, progress, signals);
  } catch (error) {
    progress.stop();
    if (error instanceof BackupStoppedError) {
      logger.warn(
        { signal: error.signal, to: args.to },
        `backup stopped by ${error.signal}: ${args.to} holds an incomplete backup, without backup.json and without the log-head key`,
      );
      io.stderr.write(`backup stopped by ${error.signal}: nothing usable was written to ${args.to}\n`);
      return exitCodeOf(error.signal);
    }
    const refused = error instanceof BackupRefusal || error instanceof ConfigError || error instanceof ManifestError;
    if (refused) logger.warn({ reason: (error as Error).message }, 'backup refused');
    else logger.error({ err: error }, 'backup failed');
    const what = args.verify !== undefined ? 'verification' : 'backup';
    io.stderr.write(`${what} ${refused ? 'refused' : 'failed'}: ${(error as Error).message}\n`);
    const inconsistent = error instanceof InconsistentBackupError || error instanceof AnchoredEventMismatchError;
    return inconsistent ? 1 : 2;
  }
}
