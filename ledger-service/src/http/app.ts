import express, { type Express, type Router } from 'express';
import type { Logger } from 'pino';
import { AnchorStoreError } from '../anchoring/anchorStore/port';
import type { EventStore, StoredEvent } from '../eventStore/port';
import type { Intake } from '../intake/intake';
import type { AnchorStatus } from '../intake/eventView';
import type { MetricsAccess } from '../config';
import { formatMetrics, METRICS_CONTENT_TYPE, type MetricFamily } from '../metrics';
import { authenticate, principalOf, requireRole, setPrincipal, type PrincipalDirectory } from './auth';
import { notFoundHandler, problemHandler } from './errors';
import { registerIntakeRoutes } from './intakeRoutes';
import { allowedMethods } from './methods';
import { openApiDocument } from './openapi';
import { requestLog } from './requestLog';
import { responseHeaders } from './responseHeaders';
import { streamRoutes } from './streamRoutes';

/**
 * One dependency's health. An essential check that fails makes the service not ready (503): the
 * event store and the ledger backend, as the contract says. Any other failing check (anchoring or
 * the read models lagging, the workers restarting) leaves it ready but degraded: it still takes
 * and serves events, and a load balancer should keep sending them.
 */
export interface ReadinessCheck {
  readonly ok: boolean;
  readonly detail?: string;
  readonly essential?: boolean;
  /** A known cause of the failure under a stable code that operators can alert on, with its facts. */
  readonly alarm?: ReadinessAlarm;
}

export interface ReadinessAlarm {
  readonly code: string;
  readonly [fact: string]: string | number;
}

export type Readiness = Record<string, ReadinessCheck>;

/** ready, degraded (serving, a background part is behind or down) or not-ready. */
export function readinessStatus(checks: Readiness): 'ready' | 'degraded' | 'not-ready' {
  const failing = Object.values(checks).filter((check) => !check.ok);
  if (failing.length === 0) return 'ready';
  return failing.some((check) => check.essential) ? 'not-ready' : 'degraded';
}

export interface AppOptions {
  readonly logger: Logger;
  readonly principals: PrincipalDirectory;
  readonly store: EventStore;
  readonly intake: Intake;
  readonly bodyLimit: string;
  readonly bulkBodyLimit: string;
  readonly maxBulkEvents?: number;
  readonly anchorStatusOf: (event: StoredEvent) => Promise<AnchorStatus>;
  readonly receiptOf?: (event: StoredEvent) => Promise<unknown>;
  /** Each dependency's health: the event store, the ledger backend, the workers. */
  readonly readiness: () => Promise<Readiness>;
  /** The figures of every part, from wherever it runs, for GET /metrics. */
  readonly metrics?: () => Promise<readonly MetricFamily[]>;
  /** Who reads GET /metrics: admins only (default), or anyone. */
  readonly metricsAccess?: MetricsAccess;
  /** Further routers (read side, supervision), mounted after the core routes. */
  readonly routers?: readonly Router[];
  /** OpenAPI path items that those routers serve. */
  readonly openApiPaths?: Readonly<Record<string, unknown>>;
}

/**
 * The anchor status as the event answers show it. The event is stored whatever its anchor: an
 * anchor store that cannot be read makes the status `unknown`, not the answer a 5xx that would
 * tell the client its event was not stored.
 */
function anchorStatusOrUnknown(
  anchorStatusOf: (event: StoredEvent) => Promise<AnchorStatus>,
  logger: Logger,
): (event: StoredEvent) => Promise<AnchorStatus> {
  return (event) =>
    anchorStatusOf(event).catch((error: unknown) => {
      if (!(error instanceof AnchorStoreError)) throw error;
      logger.warn({ err: error, eventId: event.eventId }, 'anchor status unknown: the anchor store cannot be read');
      return { status: 'unknown' };
    });
}

export function createApp(options: AppOptions): Express {
  const { logger, principals } = options;
  const anchorStatusOf = anchorStatusOrUnknown(options.anchorStatusOf, logger);
  const app = express();
  app.disable('x-powered-by');
  // Responses are per-request documents; hashing each body for an ETag is cost without use.
  app.disable('etag');
  app.set('trust proxy', 'loopback');

  app.use(requestLog(logger));
  app.use(responseHeaders);

  app.use((req, _res, next) => {
    setPrincipal(req, authenticate(principals, req.headers.authorization));
    next();
  });

  // The intake's routes first: they take nearly all of the traffic, and each layer before them costs every request.
  registerIntakeRoutes(app, {
    intake: options.intake,
    bodyLimit: options.bodyLimit,
    bulkBodyLimit: options.bulkBodyLimit,
    maxBulkEvents: options.maxBulkEvents ?? 10_000,
    anchorStatusOf,
  });
  // After the intake's routes, which never pay for it; before every router (see allowedMethods).
  app.use(allowedMethods(app));
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  app.get('/readyz', async (_req, res) => {
    const checks = await options.readiness();
    const status = readinessStatus(checks);
    res.status(status === 'not-ready' ? 503 : 200).json({ status, checks });
  });

  app.get('/metrics', async (req, res) => {
    if ((options.metricsAccess ?? 'admin') === 'admin') requireRole(principalOf(req), 'admin');
    const families = (await options.metrics?.()) ?? [];
    res.type(METRICS_CONTENT_TYPE).send(formatMetrics(families));
  });

  const document = openApiDocument(options.openApiPaths ?? {});
  app.get('/openapi.json', (_req, res) => {
    res.json(document);
  });

  app.use(streamRoutes({ store: options.store, anchorStatusOf, receiptOf: options.receiptOf }));
  for (const router of options.routers ?? []) app.use(router);

  app.use(notFoundHandler);
  app.use(problemHandler(logger));
  return app;
}
