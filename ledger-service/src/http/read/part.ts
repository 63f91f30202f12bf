import path from 'node:path';
import {
  createProjections,
  createSqliteReadStore,
  openReadStore,
  readStoreConfigFromEnv,
  type AgencyDirectory,
  type Projections,
  type ReadStore,
} from '@certledger/projections';
import type { Logger } from 'pino';
import type { AnchorStore } from '../../anchoring/anchorStore/port';
import type { LedgerBackend } from '../../anchoring/port';
import type { ServicePart } from '../../compose';
import { metric, type MetricFamily } from '../../metrics';
import type { EventStore } from '../../eventStore/port';
import { authenticate, principalOf, type PrincipalDirectory } from '../auth';
import { createReadRouter, readOpenApiPaths } from './index';
import { anchorFeedOf, eventFeedOf, receiptSourceOf } from './wiring';
import { checkStreamIntegrity } from '../../audit/integrity';
import { streamIdOf } from '../../intake/seal';
import { certificateOfStream } from './shownStatus';
import { createRegulatorSessions, type RegulatorSessions } from '../regulatorCookie';

export interface ReadSidePartOptions {
  readonly store: EventStore;
  readonly anchorStore: AnchorStore;
  /** When given, receipts on the verification page are also checked against the ledger. */
  readonly ledger?: LedgerBackend;
  readonly principals: PrincipalDirectory;
  readonly publicBaseUrl: string;
  readonly qrSecret: string;
  readonly logger: Logger;
  /** LEDGER_DATA_DIR: the SQLite read store is `projections.sqlite` in it unless PROJECTIONS_STORE=postgres. */
  readonly dataDir: string;
  /** Defaults to the environment's choice (readStoreConfigFromEnv) with the file under dataDir. */
  readonly readStore?: ReadStore;
  /** Follow the log in this process (default); false when `projections run` runs as its own process. */
  readonly runProjections?: boolean;
  readonly agencies?: AgencyDirectory;
  readonly today?: () => string;
  /** Not ready while a read model is more than this many events behind the log (default 10,000). */
  readonly maxReadyLagEvents?: number;
}

export interface ReadSidePart extends ServicePart {
  readonly projections: Projections;
  /** The regulator pages' sign-in sessions, for the supervision page as well. */
  readonly sessions: RegulatorSessions;
}

/** The read store the environment chooses (PROJECTIONS_STORE), its SQLite file under the data dir. */
export function openServiceReadStore(dataDir: string, logger?: Logger): ReadStore {
  const env = readStoreConfigFromEnv({ ...process.env, LEDGER_DATA_DIR: dataDir });
  return env.kind === 'sqlite'
    ? createSqliteReadStore({ file: path.resolve(env.sqliteFile) })
    : openReadStore(env, {
        onBackgroundError: (error) =>
          logger?.warn({ err: error }, 'read store connection ended by the server; the next query opens another'),
      });
}

/** The read side as a part of the service: projections (in-process by default) and the read routes. */
export async function createReadSidePart(options: ReadSidePartOptions): Promise<ReadSidePart> {
  const ledger = options.ledger;
  const env = readStoreConfigFromEnv({ ...process.env, LEDGER_DATA_DIR: options.dataDir });
  const ownsStore = options.readStore === undefined;
  const readStore = options.readStore ?? openServiceReadStore(options.dataDir, options.logger);
  const logger = options.logger.child({ part: 'read-side' });
  const projections = createProjections({
    events: eventFeedOf(options.store),
    anchors: anchorFeedOf({ eventStore: options.store, anchorStore: options.anchorStore }),
    store: readStore,
    logger,
    ...(options.agencies ? { agencies: options.agencies } : {}),
    ...(options.today ? { today: options.today } : {}),
    answerCacheBytes: env.answerCacheMb * 2 ** 20,
  });
  if (options.runProjections ?? true) await projections.runner.start();
  else await projections.runner.init();
  const sessions = createRegulatorSessions({
    secret: options.qrSecret,
    principals: options.principals,
    publicBaseUrl: options.publicBaseUrl,
  });
  const maxLag = options.maxReadyLagEvents ?? 10_000;
  /** How many events of the log each read model with a checkpoint has still to apply. */
  const modelLags = async (): Promise<{ head: number; lags: Record<string, number> }> => {
    const [head, checkpoints] = await Promise.all([options.store.headPosition(), projections.queries.checkpoints()]);
    const lags = Object.fromEntries(Object.entries(checkpoints).map(([model, position]) => [model, head - position]));
    return { head, lags };
  };
  const lagsOf = async (models: readonly string[]): Promise<number[]> => {
    const { head, lags } = await modelLags();
    return models.map((model) => lags[model] ?? head);
  };
  const router = createReadRouter({
    queries: projections.queries,
    anchorReceipts: receiptSourceOf({
      eventStore: options.store,
      anchorStore: options.anchorStore,
      ...(options.ledger ? { ledger: options.ledger } : {}),
    }),
    ...(ledger
      ? {
          historyCheck: async (certificationId: string) => {
            const streamId = streamIdOf(certificationId);
            const stored = await options.store.readStream(streamId);
            const { ok } = await checkStreamIntegrity({
              store: options.store,
              ledger,
              anchorStore: options.anchorStore,
              streamId,
              stored,
            });
            return { ok, certificate: certificateOfStream(stored) };
          },
        }
      : {}),
    principalOf,
    authenticateToken: (token) => authenticate(options.principals, `Bearer ${token}`),
    sessions,
    publicBaseUrl: options.publicBaseUrl,
    qrSecret: options.qrSecret,
    logger,
    registryCatchingUp: async () => (await lagsOf(['registry']))[0]! > maxLag,
    ...(options.today ? { today: options.today } : {}),
  });
  return {
    name: 'read-side',
    projections,
    sessions,
    routers: [router],
    openApiPaths: readOpenApiPaths,
    readiness: async () => {
      const behind = Math.max(0, ...(await lagsOf(['registry', 'eventlog'])));
      const kept = projections.answerCache?.stats();
      // For sizing PROJECTIONS_ANSWER_CACHE_MB: how many answers it holds and how many lookups it answers.
      const cache = kept
        ? `; answers kept ${kept.entries} (${Math.round(kept.bytes / 2 ** 20)} MB), ${kept.hits} of ${kept.hits + kept.misses} lookups answered from memory`
        : '';
      return { ok: behind <= maxLag, detail: `read models ${behind} events behind the log${cache}` };
    },
    metrics: async () => {
      const { lags } = await modelLags();
      const lag: MetricFamily = {
        name: 'certledger_read_model_lag_events',
        type: 'gauge',
        help: 'Events of the log a read model has still to apply.',
        samples: Object.entries(lags).map(([model, value]) => ({ labels: { model }, value })),
      };
      const kept = projections.answerCache?.stats();
      if (!kept) return [lag];
      return [
        lag,
        metric('certledger_answer_cache_hits_total', 'counter', 'Certificate lookups answered from memory.', kept.hits),
        metric(
          'certledger_answer_cache_misses_total',
          'counter',
          'Certificate lookups that read the read model.',
          kept.misses,
        ),
        metric('certledger_answer_cache_entries', 'gauge', 'Certificate answers kept in memory.', kept.entries),
        metric('certledger_answer_cache_bytes', 'gauge', 'Memory the kept answers take.', kept.bytes),
      ];
    },
    close: async () => {
      await projections.runner.stop();
      if (ownsStore) await readStore.close();
    },
  };
}
