import type { Router } from 'express';
import type { Logger } from 'pino';
import type { RulesConfig } from './certification';
import type { Config } from './config';
import { createEventStore, type EventStore, type StoredEvent } from './eventStore';
import { createApp, type Readiness, type ReadinessCheck } from './http/app';
import { loadPrincipals, type PrincipalDirectory } from './http/auth';
import { createIntake } from './intake/intake';
import { readinessLog, type ReadinessLog } from './logging';
import { gatherMetrics, metric, type MetricFamily, type MetricsSource } from './metrics';
import type { AnchorStatus } from './intake/eventView';

/** A part of the service that runs beside the HTTP app (anchorer, projections) and adds to it. */
export interface ServicePart {
  readonly name: string;
  readonly routers?: readonly Router[];
  readonly openApiPaths?: Readonly<Record<string, unknown>>;
  readonly readiness?: () => Promise<ReadinessCheck>;
  readonly anchorStatusOf?: (event: StoredEvent) => Promise<AnchorStatus>;
  readonly receiptOf?: (event: StoredEvent) => Promise<unknown>;
  /** The figures this part knows, for GET /metrics (see metrics.ts). */
  readonly metrics?: () => Promise<readonly MetricFamily[]>;
  close(): Promise<void>;
}

export interface LedgerService {
  readonly app: ReturnType<typeof createApp>;
  readonly store: EventStore;
  close(): Promise<void>;
}

export interface PartsContext {
  readonly store: EventStore;
  readonly principals: PrincipalDirectory;
}

export interface ComposeOptions {
  readonly config: Config;
  readonly logger: Logger;
  readonly rules?: RulesConfig;
  readonly clock?: () => Date;
  /** Builds the parts that run beside the app, given the opened store and the principals. */
  readonly parts?: (context: PartsContext) => Promise<readonly ServicePart[]>;
}

/** The composition root: opens the store, builds the intake and the app, and the parts around them. */
export async function composeLedgerService(options: ComposeOptions): Promise<LedgerService> {
  const { config, logger } = options;
  const principals = loadPrincipals(config.principalsPath);
  const store = await createEventStore({
    eventStore: config.eventStore,
    eventStoreUrl: config.eventStoreUrl,
    eventStoreQueryTimeoutMs: config.eventStoreQueryTimeoutMs,
    dataDir: config.dataDir,
    onBackgroundError: (error) => logger.warn({ err: error }, 'event store connection error'),
  });
  const parts = options.parts ? await options.parts({ store, principals }) : [];
  const anchorPart = parts.find((part) => part.anchorStatusOf);
  const receiptPart = parts.find((part) => part.receiptOf);
  const intake = createIntake({
    store,
    rules: options.rules ?? config.rules,
    clock: options.clock ?? (() => new Date()),
  });

  const checkLog = readinessLog(logger);
  const readiness = async (): Promise<Readiness> => {
    const checks: Record<string, ReadinessCheck> = {};
    checks.eventStore = await store.ping().then(
      () => passedCheck(checkLog, 'eventStore', { ok: true, essential: true }),
      (error: unknown) => failedCheck(checkLog, 'eventStore', error, { essential: true, detail: EVENT_STORE_DOWN }),
    );
    for (const part of parts) {
      if (part.readiness)
        checks[part.name] = await part.readiness().then(
          (check) => passedCheck(checkLog, part.name, check),
          (error: unknown) => failedCheck(checkLog, part.name, error, { detail: CHECK_FAILED }),
        );
    }
    return checks;
  };

  const metricsSources: MetricsSource[] = [
    {
      name: 'eventStore',
      metrics: async () => [
        metric(
          'certledger_event_store_head_position',
          'gauge',
          'Position of the newest event of the log.',
          await store.headPosition(),
        ),
      ],
    },
    ...parts.flatMap((part) => (part.metrics ? [{ name: part.name, metrics: part.metrics }] : [])),
  ];

  const app = createApp({
    logger,
    principals,
    store,
    intake,
    bodyLimit: config.bodyLimit,
    bulkBodyLimit: config.bulkBodyLimit,
    anchorStatusOf: anchorPart?.anchorStatusOf ?? (async () => ({ status: 'pending' as const })),
    receiptOf: receiptPart?.receiptOf,
    readiness,
    metrics: () => gatherMetrics(metricsSources),
    metricsAccess: config.metricsAccess,
    routers: parts.flatMap((part) => part.routers ?? []),
    openApiPaths: Object.assign({}, ...parts.map((part) => part.openApiPaths ?? {})),
  });

  return {
    app,
    store,
    close: () => closeAll(parts, store, logger),
  };
}

/** What /readyz says of a store that does not answer and of a check that failed: never the error's own words. */
export const EVENT_STORE_DOWN = 'the event store does not answer (the log says why)';
export const CHECK_FAILED = 'the readiness check failed (the log says why)';

/**
 * A check that failed with an error: /readyz is public, and an error's message can hold a host, a
 * port, a database user or SQL, so its answer gets a fixed phrase and the log the error.
 */
function failedCheck(
  checkLog: ReadinessLog,
  check: string,
  error: unknown,
  shown: { readonly detail: string; readonly essential?: boolean },
): ReadinessCheck {
  checkLog.failed(check, error);
  return { ok: false, ...shown };
}

/** A check that ran without an error, whatever it found. */
function passedCheck(checkLog: ReadinessLog, check: string, found: ReadinessCheck): ReadinessCheck {
  checkLog.passed(check);
  return found;
}

/** Closes the parts in reverse order of their start (a failure is logged, not thrown), then the store. */
export async function closeAll(parts: readonly ServicePart[], store: EventStore, logger: Logger): Promise<void> {
  for (const part of [...parts].reverse())
    await part.close().catch((error) => logger.warn({ err: error, part: part.name }, 'close failed'));
  await store.close();
}
