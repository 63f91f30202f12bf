import pino, { type Logger } from 'pino';
import { loadAgencies, type AgencyDirectory } from './agencies';
import { createAnswerCache, type AnswerCache } from './answerCache';
import type { AnyReadModel } from './model';
import { anchorsModel } from './models/anchors';
import { eventLogModel } from './models/eventLog';
import { registryModel } from './models/registry';
import { supervisionModel } from './supervision/model';
import { createReadQueries, type ReadQueries } from './queries';
import { createProjectionRunner, type ProjectionRunner } from './runner';
import { openReadStore, readStoreConfigFromEnv, type ReadStore } from './store';
import type { AnchorFeed, EventFeed } from './types';

export const READ_MODELS: readonly AnyReadModel[] = [
  registryModel,
  eventLogModel,
  anchorsModel,
  supervisionModel,
] as unknown as AnyReadModel[];

export interface ProjectionsOptions {
  readonly events: EventFeed;
  readonly anchors?: AnchorFeed;
  /** Defaults to the store the environment names (SQLite under LEDGER_DATA_DIR unless PROJECTIONS_STORE=postgres). */
  readonly store?: ReadStore;
  readonly agencies?: AgencyDirectory;
  readonly logger?: Logger;
  readonly today?: () => string;
  readonly batchSize?: number;
  readonly idleWaitMs?: number;
  /** Memory for status-now answers kept ready to send (SQLite read stores only); none when 0 or absent. */
  readonly answerCacheBytes?: number;
}

export interface Projections {
  readonly runner: ProjectionRunner;
  readonly queries: ReadQueries;
  readonly store: ReadStore;
  /** The answers lookups keep in memory, when there is room for any (answerCacheBytes). */
  readonly answerCache?: AnswerCache;
  /** Stops following and closes the store (when this object opened it). */
  close(): Promise<void>;
}

/** The read side wired up: store, the three read models, the runner and the queries over them. */
export function createProjections(options: ProjectionsOptions): Projections {
  const ownsStore = options.store === undefined;
  const store = options.store ?? openReadStore(readStoreConfigFromEnv());
  const logger = options.logger ?? pino({ name: 'projections' });
  const runner = createProjectionRunner({
    store,
    events: options.events,
    ...(options.anchors ? { anchors: options.anchors } : {}),
    models: READ_MODELS,
    logger,
    ...(options.batchSize ? { batchSize: options.batchSize } : {}),
    ...(options.idleWaitMs ? { idleWaitMs: options.idleWaitMs } : {}),
  });
  const answerCache =
    options.answerCacheBytes && store.dialect === 'sqlite'
      ? createAnswerCache({ store, maxBytes: options.answerCacheBytes })
      : undefined;
  const queries = createReadQueries({
    store,
    agencies: options.agencies ?? loadAgencies(),
    ...(options.today ? { today: options.today } : {}),
    ...(answerCache ? { answerCache } : {}),
  });
  return {
    runner,
    queries,
    store,
    ...(answerCache ? { answerCache } : {}),
    close: async () => {
      await runner.stop();
      if (ownsStore) await store.close();
    },
  };
}
