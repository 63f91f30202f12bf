import type { Logger } from 'pino';
import type { Config } from '../config';
import type { EventStore } from '../eventStore/port';
import type { AnchorerOptions } from './anchorer';
import { createAnchorStore } from './anchorStore/factory';
import { openEmbeddedBackend } from './embedded';
import { openFabricBackend } from './fabric';
import { createAnchoringPart, AnchoringPart } from './part';
import type { LedgerBackend } from './port';

export type AnchoringConfig = Pick<
  Config,
  | 'ledgerBackend'
  | 'dataDir'
  | 'fabricConnection'
  | 'eventStore'
  | 'eventStoreUrl'
  | 'eventStoreQueryTimeoutMs'
  | 'workers'
>;

export type AnchorerTuning = Pick<AnchorerOptions, 'maxBatchEvents' | 'maxBatchDelayMs' | 'maxRoundEvents'>;

export class AnchoringConfigError extends Error {
  readonly code = 'anchoring-config';
  constructor(message: string) {
    super(message);
    this.name = 'AnchoringConfigError';
  }
}

function positiveInteger(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0)
    throw new AnchoringConfigError(`${name} must be a positive integer; got "${raw}"`);
  return value;
}

/** ANCHOR_MAX_BATCH_EVENTS (1000), ANCHOR_MAX_BATCH_DELAY_MS (200), ANCHOR_MAX_ROUND_EVENTS (10 × batch). */
export function anchorerTuningFromEnv(env: NodeJS.ProcessEnv = process.env): AnchorerTuning {
  const maxBatchEvents = positiveInteger(env, 'ANCHOR_MAX_BATCH_EVENTS');
  if (maxBatchEvents !== undefined && maxBatchEvents > 10_000) {
    throw new AnchoringConfigError(
      'ANCHOR_MAX_BATCH_EVENTS must be at most 10000 (the chaincode refuses larger batches)',
    );
  }
  return Object.freeze({
    maxBatchEvents,
    maxBatchDelayMs: positiveInteger(env, 'ANCHOR_MAX_BATCH_DELAY_MS'),
    maxRoundEvents: positiveInteger(env, 'ANCHOR_MAX_ROUND_EVENTS'),
  });
}

/** The configured ledger backend: `embedded` (ledger.sqlite in the data dir) or `fabric` (the connection description). */
export function openLedgerBackend(
  config: Pick<Config, 'ledgerBackend' | 'dataDir' | 'fabricConnection'>,
): LedgerBackend {
  return config.ledgerBackend === 'fabric'
    ? openFabricBackend({ connection: config.fabricConnection })
    : openEmbeddedBackend({ dataDir: config.dataDir });
}

export interface AnchoringFromConfigOptions {
  readonly config: AnchoringConfig;
  readonly store: EventStore;
  readonly logger: Logger;
  readonly tuning?: AnchorerTuning;
  readonly postgresSchema?: string;
}

/** Opens the ledger backend and the anchor store the configuration names, and runs the anchorer when workers run in-process. */
export async function openAnchoringPart(options: AnchoringFromConfigOptions): Promise<AnchoringPart> {
  const { config, store } = options;
  const logger = options.logger.child({ component: 'anchorer' });
  const ledger = openLedgerBackend(config);
  try {
    const anchorStore = await createAnchorStore({
      eventStore: config.eventStore,
      eventStoreUrl: config.eventStoreUrl,
      eventStoreQueryTimeoutMs: config.eventStoreQueryTimeoutMs,
      dataDir: config.dataDir,
      postgresSchema: options.postgresSchema,
      onBackgroundError: (error) => logger.warn({ err: error }, 'anchor store connection error'),
    });
    return createAnchoringPart({
      store,
      anchorStore,
      ledger,
      logger,
      runAnchorer: config.workers === 'in-process',
      anchorer: options.tuning ?? anchorerTuningFromEnv(),
    });
  } catch (error) {
    await ledger.close().catch(() => undefined);
    throw error;
  }
}
