import cluster, { type Worker } from 'node:cluster';
import type { Logger } from 'pino';
import type { ServicePart } from './compose';
import type { Config } from './config';
import { answerMetrics, metricsRequester, type MetricsReply, type MetricsRequest } from './metrics';
import { startWorkers, type RunningWorkers } from './workerParts';

/** What an API process tells the primary: its new heads, and asks for the workers' figures (GET /metrics). */
export type FromApiProcess = { readonly type: 'head'; readonly head: number } | MetricsRequest;
/** Set by the primary in the environment of the API processes it forks when it runs the workers. */
const PRIMARY_RUNS_WORKERS = 'LEDGER_PRIMARY_RUNS_WORKERS';

const FIRST_RESTART_DELAY_MS = 1_000;
const MAX_RESTART_DELAY_MS = 30_000;
const STOP_TIMEOUT_MS = 30_000;

/** How an API process reports its store's new heads to the primary (undefined outside a cluster). */
export function headReporter(): ((head: number) => void) | undefined {
  if (!cluster.isWorker || !process.send) return undefined;
  return (head) => process.send?.({ type: 'head', head } satisfies FromApiProcess);
}

/**
 * In an API process whose primary runs the workers, the primary as a part that answers for their
 * figures over the cluster's channel (undefined elsewhere).
 */
export function primaryWorkersPart(): ServicePart | undefined {
  const send = process.send?.bind(process);
  if (!cluster.isWorker || !send || process.env[PRIMARY_RUNS_WORKERS] !== '1') return undefined;
  const requester = metricsRequester((request) => send(request satisfies FromApiProcess));
  const onMessage = (message: MetricsReply): void => {
    if (message?.type === 'metrics') requester.answered(message);
  };
  process.on('message', onMessage);
  return {
    name: 'workers',
    metrics: () => requester.ask(),
    async close() {
      process.off('message', onMessage);
      requester.abandon('the API process is closing');
    },
  };
}

/**
 * LEDGER_API_PROCESSES above 1: this process forks that many API processes, which share the port
 * (Node's cluster hands each new connection to the next of them) and run no workers; it runs the
 * workers itself (unless LEDGER_WORKERS=separate puts them in a process of their own), woken by
 * the heads the API processes report after their commits. The API processes append through
 * writers of their own, ordered by the store (SQLite's lock, PostgreSQL's transactions), and each
 * one's intake rereads a stream that another moved on. One that dies is forked again, after a delay
 * that grows while they keep dying; while the service starts, one that dies before it listens
 * stops it, as a single process failing to start would.
 */
export async function runApiProcesses({ config, logger }: { config: Config; logger: Logger }): Promise<void> {
  const headListeners: ((head: number) => void)[] = [];
  const workers: RunningWorkers | undefined =
    config.workers === 'separate'
      ? undefined
      : await startWorkers({ config, logger, onAppended: (listener) => headListeners.push(listener) });
  let stopping = false;
  let delay = FIRST_RESTART_DELAY_MS;
  let listening = 0;
  /** Every API process listened once: from then on, one that fails to start is forked again too. */
  let serving = false;

  const fork = (): Worker => {
    const child = cluster.fork({
      LEDGER_WORKERS: 'separate',
      LEDGER_API_PROCESSES: '1',
      [PRIMARY_RUNS_WORKERS]: workers ? '1' : '',
    });
    let listened = false;
    child.on('message', (message: FromApiProcess) => {
      if (message?.type === 'head') for (const listener of headListeners) listener(message.head);
      else if (message?.type === 'metrics' && workers)
        void answerMetrics('workers', workers.parts, message).then((reply) => {
          if (child.isConnected()) child.send(reply);
        });
    });
    child.once('listening', (address) => {
      listened = true;
      delay = FIRST_RESTART_DELAY_MS;
      listening += 1;
      if (listening === config.apiProcesses) {
        serving = true;
        logger.info({ port: address.port, apiProcesses: config.apiProcesses }, 'listening');
      }
    });
    child.once('exit', (code, signal) => {
      if (stopping) return;
      if (!listened && !serving) {
        logger.error({ pid: child.process.pid, code, signal }, 'an API process failed to start');
        void stop('start failure', 1);
        return;
      }
      logger.error({ pid: child.process.pid, code, signal, restartInMs: delay }, 'an API process exited');
      setTimeout(() => stopping || fork(), delay);
      delay = Math.min(delay * 2, MAX_RESTART_DELAY_MS);
    });
    return child;
  };

  const stop = async (reason: string, exitCode = 0): Promise<void> => {
    if (stopping) return;
    stopping = true;
    logger.info({ reason }, 'stopping');
    const children = Object.values(cluster.workers ?? {}).filter((child): child is Worker => child !== undefined);
    await Promise.all(
      children.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.isDead()) return resolve();
            const timer = setTimeout(() => child.process.kill('SIGKILL'), STOP_TIMEOUT_MS);
            child.once('exit', () => {
              clearTimeout(timer);
              resolve();
            });
            child.process.kill('SIGTERM');
          }),
      ),
    );
    await workers?.close().catch((error: unknown) => logger.error({ err: error }, 'closing the workers failed'));
    process.exit(exitCode);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  for (let i = 0; i < config.apiProcesses; i += 1) fork();
}
