import { readFileSync } from 'node:fs';
import path from 'node:path';
import { supervisionConfigFromEnv, type RuleLimits, type SupervisionConfig } from '@certledger/projections';
import { rulesConfig, type RulesConfig } from './certification/rulesConfig';

export type EventStoreKind = 'sqlite' | 'postgres' | 'kurrentdb';
export type LedgerBackendKind = 'embedded' | 'fabric';
/**
 * Where the anchorer, the projections and supervision run: a worker thread of the service's process
 * (the default: the API's event loop does only the API's work), the service's own thread, or a
 * process of their own (`node ledger-service/dist/workers.js`).
 */
export type WorkersMode = 'thread' | 'in-process' | 'separate';
/** Who reads GET /metrics: admins (the default), or anyone who can reach the port. */
export type MetricsAccess = 'admin' | 'public';

/** Everything the service reads from its environment, read once at start. */
export interface Config {
  readonly nodeEnv: string;
  readonly port: number;
  readonly dataDir: string;
  readonly principalsPath: string;
  readonly usingDemoPrincipals: boolean;
  readonly eventStore: EventStoreKind;
  readonly eventStoreUrl: string | undefined;
  /**
   * How long one statement of the PostgreSQL event and anchor stores may take before the call fails
   * as unavailable (EVENT_STORE_QUERY_TIMEOUT_SECONDS); the stores' default (10 s) when unset.
   */
  readonly eventStoreQueryTimeoutMs: number | undefined;
  readonly ledgerBackend: LedgerBackendKind;
  /** Path of the Fabric connection description written by scripts/fabric/network-up.sh. */
  readonly fabricConnection: string;
  /** Base URL printed in certificate QR codes. */
  readonly publicBaseUrl: string;
  /** Secret for the unguessable verification tokens in QR codes. */
  readonly qrSecret: string;
  readonly bodyLimit: string;
  readonly bulkBodyLimit: string;
  readonly logLevel: string;
  readonly workers: WorkersMode;
  /**
   * How many processes serve the HTTP API (LEDGER_API_PROCESSES, default 1). With more than one,
   * the process started forks them, they share the port, and it runs the workers itself.
   */
  readonly apiProcesses: number;
  /** How often a signed head of the whole log is committed to the ledger. */
  readonly logHeadIntervalMs: number;
  /** How often the early warnings are evaluated (LEDGER_SUPERVISION_SECONDS, default 60). */
  readonly supervisionIntervalMs: number;
  /** Who reads GET /metrics (LEDGER_METRICS_ACCESS, default admin). */
  readonly metricsAccess: MetricsAccess;
  /** The configurable values of the certification rules (domain.md), from LEDGER_RULES_FILE. */
  readonly rules: RulesConfig;
  /** The early warnings' settings: the limits they share with `rules` from there, their own from SUPERVISION_*. */
  readonly supervision: SupervisionConfig;
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export const DEMO_PRINCIPALS_PATH = path.resolve(__dirname, '../demo/principals.json');
const MAX_API_PROCESSES = 64;
const DEMO_QR_SECRET = 'demo-qr-secret-not-for-production';

function oneOf<T extends string>(name: string, value: string, allowed: readonly T[]): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new ConfigError(`${name} must be one of ${allowed.join(', ')}; got "${value}"`);
}

function port(value: string): number {
  // Number('') is 0, which would listen on a port of the system's choosing.
  const n = value.trim() === '' ? NaN : Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new ConfigError(`PORT must be a TCP port; got "${value}"`);
  return n;
}

function processCount(name: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > MAX_API_PROCESSES)
    throw new ConfigError(`${name} must be a whole number from 1 to ${MAX_API_PROCESSES}; got "${value}"`);
  return n;
}

function positiveSeconds(name: string, value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0)
    throw new ConfigError(`${name} must be a positive number of seconds; got "${value}"`);
  return n;
}

function rulesFrom(file: string | undefined): RulesConfig {
  if (!file) return rulesConfig();
  let overrides: unknown;
  try {
    overrides = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ConfigError(`LEDGER_RULES_FILE ${file} is not a readable JSON file (${(error as Error).message})`);
  }
  try {
    return rulesConfig(overrides as Partial<RulesConfig>);
  } catch (error) {
    throw new ConfigError(`LEDGER_RULES_FILE ${file}: ${(error as Error).message}`);
  }
}

/** The rules' limits the early warnings judge by, so that the intake and the warnings never disagree. */
function ruleLimitsOf(rules: RulesConfig): RuleLimits {
  return {
    maxSuspensionMonths: rules.maxSuspensionMonths,
    minOnsiteShare: rules.minOnsiteShare,
    remoteAuditPermitted: rules.remoteAuditPermitted,
    minSystemOperationMonths: rules.minSystemOperationMonths,
  };
}

function supervisionFrom(env: NodeJS.ProcessEnv, rules: RulesConfig): SupervisionConfig {
  try {
    return supervisionConfigFromEnv(env, ruleLimitsOf(rules));
  } catch (error) {
    throw new ConfigError(`supervision settings (SUPERVISION_*): ${(error as Error).message}`);
  }
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const nodeEnv = env.NODE_ENV ?? 'development';
  const production = nodeEnv === 'production';
  const dataDir = path.resolve(env.LEDGER_DATA_DIR ?? './data');
  const principalsPath = env.LEDGER_PRINCIPALS ? path.resolve(env.LEDGER_PRINCIPALS) : DEMO_PRINCIPALS_PATH;
  const usingDemoPrincipals = principalsPath === DEMO_PRINCIPALS_PATH;
  if (production && usingDemoPrincipals) {
    throw new ConfigError(
      'LEDGER_PRINCIPALS must name a principals file when NODE_ENV=production (the demo file is refused)',
    );
  }
  // The demo secret is public: it goes with the demo principals only, never with real tokens.
  const qrSecret = env.LEDGER_QR_SECRET ?? (production || !usingDemoPrincipals ? '' : DEMO_QR_SECRET);
  if (qrSecret.length < 16)
    throw new ConfigError(
      'LEDGER_QR_SECRET must be at least 16 characters with a principals file of your own or NODE_ENV=production (it signs the QR tokens and regulator sessions)',
    );
  if (qrSecret === DEMO_QR_SECRET && !usingDemoPrincipals)
    throw new ConfigError('LEDGER_QR_SECRET is the public demo secret: choose one of your own for real principals');
  const eventStore = oneOf<EventStoreKind>('EVENT_STORE', env.EVENT_STORE ?? 'sqlite', [
    'sqlite',
    'postgres',
    'kurrentdb',
  ]);
  const eventStoreUrl = env.EVENT_STORE_URL || undefined;
  if (eventStore !== 'sqlite' && !eventStoreUrl)
    throw new ConfigError(`EVENT_STORE=${eventStore} needs EVENT_STORE_URL`);
  const httpPort = port(env.PORT ?? '8080');
  const rules = rulesFrom(env.LEDGER_RULES_FILE);
  return Object.freeze({
    nodeEnv,
    port: httpPort,
    dataDir,
    principalsPath,
    usingDemoPrincipals,
    eventStore,
    eventStoreUrl,
    eventStoreQueryTimeoutMs: env.EVENT_STORE_QUERY_TIMEOUT_SECONDS
      ? env.EVENT_STORE_QUERY_TIMEOUT_SECONDS.trim() === '0'
        ? 0
        : positiveSeconds('EVENT_STORE_QUERY_TIMEOUT_SECONDS', env.EVENT_STORE_QUERY_TIMEOUT_SECONDS) * 1000
      : undefined,
    ledgerBackend: oneOf<LedgerBackendKind>('LEDGER_BACKEND', env.LEDGER_BACKEND ?? 'embedded', ['embedded', 'fabric']),
    fabricConnection: path.resolve(env.FABRIC_CONNECTION ?? '.fabric/connection.json'),
    publicBaseUrl: (env.LEDGER_PUBLIC_URL ?? `http://localhost:${httpPort}`).replace(/\/$/, ''),
    qrSecret,
    bodyLimit: env.LEDGER_BODY_LIMIT ?? '256kb',
    bulkBodyLimit: env.LEDGER_BULK_BODY_LIMIT ?? '32mb',
    logLevel: env.LOG_LEVEL ?? 'info',
    workers: oneOf<WorkersMode>('LEDGER_WORKERS', env.LEDGER_WORKERS ?? 'thread', ['thread', 'in-process', 'separate']),
    apiProcesses: processCount('LEDGER_API_PROCESSES', env.LEDGER_API_PROCESSES ?? '1'),
    logHeadIntervalMs: positiveSeconds('LEDGER_LOG_HEAD_SECONDS', env.LEDGER_LOG_HEAD_SECONDS ?? '60') * 1000,
    supervisionIntervalMs: positiveSeconds('LEDGER_SUPERVISION_SECONDS', env.LEDGER_SUPERVISION_SECONDS ?? '60') * 1000,
    metricsAccess: oneOf<MetricsAccess>('LEDGER_METRICS_ACCESS', env.LEDGER_METRICS_ACCESS ?? 'admin', [
      'admin',
      'public',
    ]),
    rules,
    supervision: supervisionFrom(env, rules),
  });
}
