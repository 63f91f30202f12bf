import type { Logger } from 'pino';
import {
  createProjectionRunner,
  createSupervision,
  supervisionModel,
  type ProjectionRunner,
  type ReadStore,
  type Supervision,
  type SupervisionConfig,
} from '@certledger/projections';
import type { RulesConfig } from '../../certification';
import type { ServicePart } from '../../compose';
import { metric } from '../../metrics';
import type { EventStore } from '../../eventStore/port';
import { eventFeedOf } from '../read/wiring';
import { supervisionOpenApiPaths } from './openapi';
import { supervisionRoutes } from './routes';
import { readModelSubjectIndex } from './jurisdiction';
import { createSupervisionWriter } from './supervisionWriter';
import { md5MinimumAuditDays } from './wiring';
import type { RegulatorSessions } from '../regulatorCookie';

export interface SupervisionPartOptions {
  readonly eventStore: EventStore;
  readonly readStore: ReadStore;
  readonly logger: Logger;
  /** The read side's regulator sessions, so that its sign-in opens the supervision page too. */
  readonly sessions?: RegulatorSessions;
  readonly rules?: RulesConfig;
  readonly config?: SupervisionConfig;
  readonly clock?: () => Date;
  /**
   * true: this part runs its own projection runner for the supervision model. false (default):
   * supervisionModel is registered in the read side's runner (READ_MODELS) on the same read store.
   */
  readonly ownRunner?: boolean;
  /** How often the time-based checks are re-evaluated without new events. Default 60 s. */
  readonly tickIntervalMs?: number;
  /**
   * Evaluate here (default): on the timer, and on a read when new events came in since the last
   * evaluation. false where the workers run elsewhere (their thread or process evaluates): the
   * first evaluation loads every certification (about 4 s for 20,000 on this machine), and the
   * API's event loop, intake included, would stop meanwhile. Reads then serve the workers' last
   * evaluation, whose time the pages and /readyz give.
   */
  readonly evaluateOnTimer?: boolean;
  /** /readyz says degraded when the last evaluation is older than this (default 5 min). */
  readonly maxEvaluationAgeMs?: number;
}

export interface SupervisionPart extends ServicePart {
  readonly supervision: Supervision;
  readonly runner?: ProjectionRunner;
}

/** Supervision over a read store, with the service's rules and settings: where it evaluates and serves. */
export function supervisionService(
  options: Pick<SupervisionPartOptions, 'readStore' | 'logger' | 'rules' | 'config' | 'clock'>,
): Supervision {
  return createSupervision({
    store: options.readStore,
    logger: options.logger,
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.config ? { config: options.config } : {}),
    minimumAuditDays: md5MinimumAuditDays({
      ...(options.rules
        ? { rounding: options.rules.auditTimeRounding, maxReduction: options.rules.maxAuditTimeReduction }
        : {}),
    }),
  });
}

/** Supervision as a part of the service: its routes, OpenAPI paths, the evaluation timer and (optionally) its runner. */
export async function createSupervisionPart(options: SupervisionPartOptions): Promise<SupervisionPart> {
  const logger = options.logger.child({ part: 'supervision' });
  const supervision = supervisionService({ ...options, logger });
  const runner = options.ownRunner
    ? createProjectionRunner({
        store: options.readStore,
        events: eventFeedOf(options.eventStore),
        models: [supervisionModel] as never,
        logger,
      })
    : undefined;
  if (runner) await runner.start();
  const evaluatesHere = options.evaluateOnTimer ?? true;
  if (evaluatesHere) supervision.start(options.tickIntervalMs ?? 60_000);
  const served: Supervision = evaluatesHere ? supervision : { ...supervision, ensureFresh: async () => undefined };
  const clock = options.clock ?? (() => new Date());
  return {
    name: 'supervision',
    supervision,
    ...(runner ? { runner } : {}),
    routers: [
      supervisionRoutes({
        supervision: served,
        writer: createSupervisionWriter({
          store: options.eventStore,
          subjects: readModelSubjectIndex({ supervision, store: options.eventStore }),
          ...(options.clock ? { clock: options.clock } : {}),
          ...(options.rules ? { clockSkewSeconds: options.rules.clockSkewSeconds } : {}),
        }),
        logger,
        ...(options.sessions ? { sessions: options.sessions } : {}),
        ...(options.rules ? { defaultRounding: options.rules.auditTimeRounding } : {}),
      }),
    ],
    openApiPaths: supervisionOpenApiPaths,
    readiness: async () => {
      await options.readStore.get('SELECT 1 AS ok');
      const evaluatedAt = await supervision.evaluatedAt();
      if (evaluatedAt === undefined) return { ok: true, detail: 'not evaluated yet' };
      const ageMs = clock().getTime() - Date.parse(evaluatedAt);
      const ok = ageMs <= (options.maxEvaluationAgeMs ?? 5 * 60_000);
      return { ok, detail: `warnings evaluated ${Math.round(ageMs / 1000)} s ago` };
    },
    metrics: async () => {
      const evaluatedAt = await supervision.evaluatedAt();
      if (evaluatedAt === undefined) return [];
      const ageSeconds = (clock().getTime() - Date.parse(evaluatedAt)) / 1000;
      return [
        metric(
          'certledger_supervision_evaluation_age_seconds',
          'gauge',
          'Age of the last evaluation of the early warnings.',
          ageSeconds,
        ),
      ];
    },
    close: async () => {
      supervision.stop();
      await runner?.stop();
    },
  };
}
