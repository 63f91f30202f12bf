import fs from 'node:fs';
import path from 'node:path';
import cliProgress from 'cli-progress';
import pino from 'pino';
import { argsOrExit, type CliIo } from '../cliArgs';
import { createLogger } from '../logging';
import { openFabricBackend } from '../anchoring/fabric';
import { fabricConnectionPath } from '../anchoring/fabric';
import { createEventStore, eventStoreConfigFromEnv } from '../eventStore';
import { fabricLogHeadLedger } from './logHeads/fabric';
import { readLogHeadKeyId } from './logHeads/signer';
import { readPostgresMembership, readSqliteMembership, type AnchorMembership } from './anchorMembership';
import { runAudit, type AuditFilter } from './audit';
import { ledgerViewOfBackend, openEmbeddedLedgerView, type AuditLedgerView } from './ledgerView';
import { formatSummary, kindInWords } from './report';

export const AUDIT_USAGE = `usage: npm run audit -- [options]

Replays the event store's global log against the ledger and reports every discrepancy.
Reads the service's environment: EVENT_STORE, EVENT_STORE_URL, LEDGER_DATA_DIR, LEDGER_BACKEND,
FABRIC_CONNECTION, LEDGER_LOG_HEAD_SECONDS (and EVENT_STORE_SCHEMA for a PostgreSQL schema other than public).

  --json FILE             write the full report as JSON
  --agency ID             only events written by this agency (CB approval number)
  --region CODE           only events whose client region starts with this GB/T 2260 code
  --certification ID      only this certification's stream
  --grace MINUTES         unanchored events older than this are never-anchored (default 15)
  --log-head-intervals N  the newest signed log head may be N head intervals (LEDGER_LOG_HEAD_SECONDS,
                          default 60) plus the grace period old, and an anchored event may wait as long
                          for a head to cover it (default 3)
  --log-key-id ID         the id of the service's log-head key (64 hex, keyId of GET /v1/log/head):
                          heads signed by another key are findings (default: the key in LEDGER_DATA_DIR,
                          else the first head's on the ledger, unchecked)
  --no-progress           no progress bar on stderr
  --quiet                 no summary on stdout

Exit code: 0 when the store and the ledger agree, 1 when there are discrepancies, 2 on usage or I/O errors.
Checks skipped (an unreadable log key, a filter) are warnings in the report and leave the exit code alone.
`;

export interface AuditCliArgs {
  readonly json?: string;
  readonly filter: AuditFilter;
  readonly graceMinutes: number;
  readonly logHeadIntervals: number;
  readonly logKeyId?: string;
  readonly progress: boolean;
  readonly quiet: boolean;
  readonly help: boolean;
}

export class AuditUsageError extends Error {
  readonly code = 'audit-usage';
}

export function parseAuditArgs(argv: readonly string[]): AuditCliArgs {
  const filter: { agencyId?: string; regionCode?: string; certificationId?: string } = {};
  let json: string | undefined;
  let graceMinutes = 15;
  let logHeadIntervals = 3;
  let logKeyId: string | undefined;
  let progress = true;
  let quiet = false;
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = (): string => {
      const next = argv[++i];
      if (next === undefined || next.startsWith('--')) throw new AuditUsageError(`${arg} needs a value`);
      return next;
    };
    if (arg === '--json') json = value();
    else if (arg === '--agency') filter.agencyId = value();
    else if (arg === '--region') {
      filter.regionCode = value();
      if (!/^\d{2}(\d{2}){0,2}$/.test(filter.regionCode))
        throw new AuditUsageError('--region takes a 2-, 4- or 6-digit GB/T 2260 code');
    } else if (arg === '--certification') filter.certificationId = value();
    else if (arg === '--grace') {
      graceMinutes = Number(value());
      if (!Number.isFinite(graceMinutes) || graceMinutes < 0) throw new AuditUsageError('--grace takes minutes');
    } else if (arg === '--log-head-intervals') {
      logHeadIntervals = Number(value());
      if (!Number.isFinite(logHeadIntervals) || logHeadIntervals < 0)
        throw new AuditUsageError('--log-head-intervals takes a number of head intervals');
    } else if (arg === '--log-key-id') {
      logKeyId = value().toLowerCase();
      if (!/^[0-9a-f]{64}$/.test(logKeyId))
        throw new AuditUsageError('--log-key-id takes a key id: 64 hex characters (SHA-256 of the SPKI DER)');
    } else if (arg === '--no-progress') progress = false;
    else if (arg === '--quiet') quiet = true;
    else if (arg === '--help' || arg === '-h') help = true;
    else throw new AuditUsageError(`unknown argument ${arg}`);
  }
  return {
    ...(json !== undefined ? { json } : {}),
    filter,
    graceMinutes,
    logHeadIntervals,
    ...(logKeyId !== undefined ? { logKeyId } : {}),
    progress,
    quiet,
    help,
  };
}

/** The service's log head interval (LEDGER_LOG_HEAD_SECONDS, as the service reads it), in ms. */
export function logHeadIntervalMs(env: NodeJS.ProcessEnv): number {
  const value = env.LEDGER_LOG_HEAD_SECONDS ?? '60';
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds <= 0)
    throw new AuditUsageError(`LEDGER_LOG_HEAD_SECONDS must be a positive number of seconds; got "${value}"`);
  return seconds * 1000;
}

async function openLedgerView(env: NodeJS.ProcessEnv, dataDir: string): Promise<AuditLedgerView> {
  const backend = env.LEDGER_BACKEND ?? 'embedded';
  if (backend === 'embedded') return openEmbeddedLedgerView({ dataDir });
  if (backend === 'fabric') {
    const connection = fabricConnectionPath(env);
    return ledgerViewOfBackend({
      backend: openFabricBackend({ connection }),
      logHeads: fabricLogHeadLedger({ connection }),
    });
  }
  throw new AuditUsageError(`LEDGER_BACKEND must be embedded or fabric; got "${backend}"`);
}

const NOT_PERMITTED = new Set(['EACCES', 'EPERM']);

/** The log's key id, if found, or why the key file could not be read. */
interface LogKeyLookup {
  readonly keyId?: string;
  readonly unreadable?: string;
}

/**
 * The id of the service's log-head key in the data dir, if it keeps one there. A key the audit may
 * not read (another user's, mode 0600) leaves the heads' key unchecked, said on stderr and in the
 * report's warnings, rather than stopping the audit of the whole log; a key file that is there and
 * is no key stops it.
 */
function dataDirLogKey(dataDir: string, io: CliIo): LogKeyLookup {
  try {
    const keyId = readLogHeadKeyId(dataDir);
    return keyId !== undefined ? { keyId } : {};
  } catch (error) {
    const message = (error as Error).message;
    if (!NOT_PERMITTED.has(String((error as { code?: unknown }).code)))
      throw new Error(`${message} (the audit reads the log's key id there: give it with --log-key-id)`);
    io.stderr.write(
      `warning: ${message}: the log heads' key is not checked; give the log's key id with --log-key-id\n`,
    );
    return { unreadable: message };
  }
}

async function readMembership(env: NodeJS.ProcessEnv, dataDir: string): Promise<AnchorMembership> {
  if (env.EVENT_STORE === 'postgres' && env.EVENT_STORE_URL)
    return readPostgresMembership(env.EVENT_STORE_URL, env.EVENT_STORE_SCHEMA ?? 'public');
  return readSqliteMembership(dataDir);
}

export type AuditCliIo = CliIo;

/** The `npm run audit` command; resolves to its exit code. */
export async function auditCli(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
  io: AuditCliIo = process,
): Promise<number> {
  const args = argsOrExit(argv, parseAuditArgs, AUDIT_USAGE, io);
  if (typeof args === 'number') return args;
  let headIntervalMs: number;
  try {
    headIntervalMs = logHeadIntervalMs(env);
  } catch (error) {
    io.stderr.write(`${(error as Error).message}\n`);
    return 2;
  }
  const logger = createLogger({ level: env.LOG_LEVEL ?? 'warn', base: { tool: 'audit' } }, pino.destination(2));
  const storeConfig = eventStoreConfigFromEnv(env);
  const dataDir = storeConfig.dataDir;
  let store;
  let ledger: AuditLedgerView | undefined;
  const bar = args.progress
    ? new cliProgress.SingleBar(
        {
          stream: io.stderr,
          format: 'audit [{bar}] {percentage}% | {value}/{total} positions | {eta_formatted} left',
          hideCursor: false,
        },
        cliProgress.Presets.shades_classic,
      )
    : undefined;
  try {
    store = await createEventStore({
      ...storeConfig,
      ...(env.EVENT_STORE_SCHEMA ? { postgresSchema: env.EVENT_STORE_SCHEMA } : {}),
    });
    ledger = await openLedgerView(env, dataDir);
    const membership = await readMembership(env, dataDir);
    const logKey: LogKeyLookup = args.logKeyId !== undefined ? { keyId: args.logKeyId } : dataDirLogKey(dataDir, io);
    logger.info(
      { eventStore: storeConfig.eventStore, ledger: ledger.kind, dataDir, filter: args.filter },
      'audit started',
    );
    let started = false;
    const report = await runAudit({
      store,
      ledger,
      membership,
      filter: args.filter,
      graceMs: args.graceMinutes * 60_000,
      logHeadMaxAgeMs: args.logHeadIntervals * headIntervalMs + args.graceMinutes * 60_000,
      ...(logKey.keyId !== undefined ? { logKeyId: logKey.keyId } : {}),
      ...(logKey.unreadable !== undefined ? { logKeyUnreadable: logKey.unreadable } : {}),
      logger,
      onProgress: (done, total) => {
        if (!bar) return;
        if (!started) {
          bar.start(total, 0);
          started = true;
        }
        bar.update(done);
      },
    });
    bar?.stop();
    if (args.json) {
      fs.mkdirSync(path.dirname(path.resolve(args.json)), { recursive: true });
      fs.writeFileSync(args.json, `${JSON.stringify(report, null, 2)}\n`);
    }
    if (!args.quiet) io.stdout.write(formatSummary(report));
    for (const d of report.discrepancies.slice(0, 1000))
      logger.warn({ discrepancy: d }, `${kindInWords(d.kind)}: ${d.detail}`);
    return report.ok ? 0 : 1;
  } catch (error) {
    bar?.stop();
    logger.error({ err: error }, 'audit failed');
    io.stderr.write(`audit failed: ${(error as Error).message}\n`);
    return 2;
  } finally {
    await ledger?.close().catch(() => undefined);
    await store?.close().catch(() => undefined);
  }
}
