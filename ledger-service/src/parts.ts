import type { Logger } from 'pino';
import { openAnchoringPart } from './anchoring/fromConfig';
import { createLogHeadPart } from './audit';
import type { ServicePart } from './compose';
import type { Config } from './config';
import { withRecentEvents, type EventStore } from './eventStore';
import type { PrincipalDirectory } from './http/auth';
import { createReadSidePart } from './http/read/part';
import { createSupervisionPart } from './http/supervision';
import { createHeadReportPart } from './headReports';
import { createWorkersThreadPart } from './workersThread';

export interface PartsOptions {
  readonly config: Config;
  readonly logger: Logger;
  readonly store: EventStore;
  readonly principals: PrincipalDirectory;
  /** Where this process reports its store's new heads, when its workers run in another process. */
  readonly reportHead?: (head: number) => void;
  /** Where another process runs the workers and answers for their figures (primaryWorkersPart). */
  readonly workersElsewhere?: ServicePart;
  /**
   * With in-process workers, evaluate the early warnings on this thread's timer (default true);
   * false where a supervision thread of the workers does it (startWorkers).
   */
  readonly evaluateSupervision?: boolean;
}

/**
 * The parts the service runs beside its app: the anchorer with its ledger backend, the read side,
 * supervision, signed log heads. Their workers (the anchorer, the projections' runner, the log-head
 * committer) run in this thread only when config.workers is in-process; with thread, on a worker
 * thread started last (so closed first).
 */
export async function defaultParts({
  config,
  logger,
  store: opened,
  principals,
  reportHead,
  workersElsewhere,
  evaluateSupervision = true,
}: PartsOptions): Promise<readonly ServicePart[]> {
  // The workers follow the log side by side: the first of them to read an event reads it for all.
  const store = config.workers === 'in-process' ? withRecentEvents(opened) : opened;
  const anchoring = await openAnchoringPart({ config, store, logger });
  try {
    const readSide = await createReadSidePart({
      store,
      anchorStore: anchoring.anchorStore,
      ledger: anchoring.ledger,
      principals,
      publicBaseUrl: config.publicBaseUrl,
      qrSecret: config.qrSecret,
      logger,
      dataDir: config.dataDir,
      runProjections: config.workers === 'in-process',
    });
    const supervision = await createSupervisionPart({
      eventStore: store,
      readStore: readSide.projections.store,
      logger,
      sessions: readSide.sessions,
      config: config.supervision,
      rules: config.rules,
      evaluateOnTimer: config.workers === 'in-process' && evaluateSupervision,
      tickIntervalMs: config.supervisionIntervalMs,
    });
    const logHeads = await createLogHeadPart({
      store,
      dataDir: config.dataDir,
      ledger: anchoring.ledger,
      fabricConnection: config.fabricConnection,
      logger,
      intervalMs: config.logHeadIntervalMs,
      runCommitter: config.workers === 'in-process',
    });
    const parts: ServicePart[] = [anchoring, readSide, supervision, logHeads];
    if (config.workers === 'thread') parts.push(createWorkersThreadPart({ config, store: opened, logger }));
    if (config.workers === 'separate' && reportHead) parts.push(createHeadReportPart(opened, reportHead));
    if (config.workers === 'separate' && workersElsewhere) parts.push(workersElsewhere);
    return parts;
  } catch (error) {
    await anchoring.close();
    throw error;
  }
}
