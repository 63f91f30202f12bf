import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import { compiledFile } from './compiledFile';
import type { StallAlarm } from './anchoring/part';
import type { ServicePart } from './compose';
import type { Config } from './config';
import type { EventStore } from './eventStore';
import { withoutPasswords } from './logging';
import { createHeadReportPart } from './headReports';
import { metricsRequester, type MetricsReply, type MetricsRequest } from './metrics';

export interface WorkersThreadData {
  readonly config: Config;
  readonly logLevel: string;
}
export type ToWorkers = { readonly type: 'head'; readonly head: number } | { readonly type: 'close' } | MetricsRequest;
export type FromWorkers =
  | { readonly type: 'started'; readonly parts: readonly string[] }
  /** The figures of the thread's parts, asked for by GET /metrics. */
  | MetricsReply
  | { readonly type: 'failed'; readonly message: string }
  /** The thread's anchorer has stalled (or no longer has, without `stall`): see watchStalls. */
  | { readonly type: 'anchoring'; readonly stall?: StallAlarm };

/**
 * What a thread runs: `workers`, the anchorer, the projections and the log-head committer
 * (workersThreadMain.js); `supervision`, the evaluation of the early warnings every minute
 * (supervisionThreadMain.js), which loads every certification and would stop the others meanwhile.
 */
export type WorkersThreadRole = 'workers' | 'supervision';

export interface WorkersThreadOptions {
  readonly config: Config;
  readonly role?: WorkersThreadRole;
  /** The service's store: its commits are reported to the workers thread as they happen. */
  readonly store?: EventStore;
  readonly logger: Logger;
  /** First wait before starting a thread that died again; doubles up to 30 s while it keeps dying. */
  readonly restartDelayMs?: number;
  /** How long close() waits for the workers to finish what they hold before stopping the thread. */
  readonly closeTimeoutMs?: number;
}

const ENTRY: Readonly<Record<WorkersThreadRole, { readonly file: string; readonly name: string }>> = {
  workers: { file: 'workersThreadMain.js', name: 'workers' },
  supervision: { file: 'supervisionThreadMain.js', name: 'supervision-evaluation' },
};

/** The compiled thread entry (compiledFile). */
export function workersThreadFile(role: WorkersThreadRole = 'workers'): string {
  const file = compiledFile(__dirname, ENTRY[role].file);
  if (!file) throw new Error(`${ENTRY[role].file} not found: build the service (npm run build)`);
  return file;
}

export interface WorkersThreadPart extends ServicePart {
  /** The thread running now (a new one after each restart). */
  readonly thread: Worker;
}

const MAX_RESTART_DELAY_MS = 30_000;

/**
 * The anchorer, the projections, supervision and the log-head committer on a worker thread of the
 * service's process (LEDGER_WORKERS=thread), so that the API's event loop does only the API's work.
 * The thread has its own store connections; each commit of the service's store is reported to it.
 * A thread that dies is started again (its work is checkpointed), after a delay that grows while
 * it keeps dying; until it runs, the part is not ready.
 */
export function createWorkersThreadPart(options: WorkersThreadOptions): WorkersThreadPart {
  const { store, logger } = options;
  const role = options.role ?? 'workers';
  const file = workersThreadFile(role);
  const data: WorkersThreadData = { config: options.config, logLevel: logger.level };
  const firstDelay = options.restartDelayMs ?? 1_000;
  let delay = firstDelay;
  let state: { ok: boolean; detail: string } = { ok: false, detail: 'starting' };
  let stall: StallAlarm | undefined;
  let closing = false;
  let restart: NodeJS.Timeout | undefined;
  let worker: Worker;
  const metrics = metricsRequester((request) => {
    if (!state.ok) throw new Error(`the ${role} thread is not running (${state.detail})`);
    worker.postMessage(request satisfies ToWorkers);
  });

  const start = (): Worker => {
    const started = new Worker(file, { workerData: data });
    let failure = '';
    started.on('message', (message: FromWorkers) => {
      if (message.type === 'started') {
        state = { ok: true, detail: `running ${message.parts.join(', ')}` };
        delay = firstDelay;
        logger.info({ role, parts: message.parts, threadId: started.threadId }, 'workers thread running');
      } else if (message.type === 'anchoring') {
        stall = message.stall;
      } else if (message.type === 'metrics') {
        metrics.answered(message);
      } else {
        failure = message.message;
      }
    });
    started.on('error', (error) => {
      failure = error.message;
      logger.error({ err: error }, 'workers thread failed');
    });
    started.on('exit', (code) => {
      if (closing) return;
      // The reason is the thread's error (a path, an address): the log's, not the public /readyz's.
      state = { ok: false, detail: `thread exited (${code}); restarting in ${delay} ms` };
      stall = undefined;
      metrics.abandon(`the ${role} thread exited`);
      logger.error(
        { role, code, restartInMs: delay, reason: failure ? withoutPasswords(failure) : undefined },
        'workers thread exited',
      );
      restart = setTimeout(() => {
        restart = undefined;
        worker = start();
      }, delay);
      delay = Math.min(delay * 2, MAX_RESTART_DELAY_MS);
    });
    return started;
  };
  worker = start();
  const headReports = store
    ? createHeadReportPart(store, (head) => worker.postMessage({ type: 'head', head } satisfies ToWorkers))
    : undefined;

  return {
    name: ENTRY[role].name,
    get thread() {
      return worker;
    },
    // Only the workers' thread answers for its parts; the supervision thread's evaluation is read from the read store.
    ...(role === 'workers' ? { metrics: () => metrics.ask() } : {}),
    async readiness() {
      return state.ok && stall ? { ok: false, detail: `${state.detail}; ${stall.detail}`, alarm: stall.alarm } : state;
    },
    async close() {
      closing = true;
      const reportsStopped = headReports?.close();
      clearTimeout(restart);
      const exited = new Promise<void>((resolve) => {
        if (worker.threadId === -1) resolve();
        else worker.once('exit', () => resolve());
      });
      worker.postMessage({ type: 'close' } satisfies ToWorkers);
      const timer = setTimeout(() => void worker.terminate(), options.closeTimeoutMs ?? 30_000);
      await exited;
      clearTimeout(timer);
      await reportsStopped;
    },
  };
}
