import express, { type Express, type Router } from 'express';
import type { Logger } from 'pino';
import type { EventStore, StoredEvent } from '../eventStore/port';
import type { Intake } from '../intake/intake';
import type { AnchorStatus } from '../intake/eventView';
import { authenticate, setPrincipal, type PrincipalDirectory } from './auth';
import { notFoundHandler, problemHandler } from './errors';
import { registerIntakeRoutes } from './intakeRoutes';
import { openApiDocument } from './openapi';
import { requestLog } from './requestLog';
import { streamRoutes } from './streamRoutes';

export type Readiness = Record<string, { readonly ok: boolean; readonly detail?: string }>;

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
  /** Further routers (read side, supervision), mounted after the core routes. */
  readonly routers?: readonly Router[];
  /** OpenAPI path items that those routers serve. */
  readonly openApiPaths?: Readonly<Record<string, unknown>>;
}

export function createApp(options: AppOptions): Express {
  const { logger, principals } = options;
  const app = express();
  app.disable('x-powered-by');
  // Responses are per-request documents; hashing each body for an ETag is cost without use.
  app.disable('etag');
  app.set('trust proxy', 'loopback');

  app.use(requestLog(logger));

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
    anchorStatusOf: options.anchorStatusOf,
  });
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  app.get('/readyz', async (_req, res) => {
    const checks = await options.readiness();
    const ready = Object.values(checks).every((check) => check.ok);
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not-ready', checks });
  });

  const document = openApiDocument(options.openApiPaths ?? {});
  app.get('/openapi.json', (_req, res) => {
    res.json(document);
  });

  app.use(streamRoutes({ store: options.store, anchorStatusOf: options.anchorStatusOf, receiptOf: options.receiptOf }));
  for (const router of options.routers ?? []) app.use(router);

  app.use(notFoundHandler);
  app.use(problemHandler(logger));
  return app;
}
