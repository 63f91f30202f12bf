import { parentPort, workerData } from 'node:worker_threads';
import { watchStalls, type AnchoringPart } from './anchoring/part';
import { createLogger } from './logging';
import { answerMetrics } from './metrics';
import { exitOnCrash } from './exitOnCrash';
import { startWorkers, type RunningWorkers } from './workerParts';
import type { FromWorkers, ToWorkers, WorkersThreadData } from './workersThread';

// The service's worker thread (LEDGER_WORKERS=thread): the workers over a store connection of their
// own, woken by the service's thread at each commit, closed when it says so.

const port = parentPort!;
const { config, logLevel } = workerData as WorkersThreadData;
const logger = createLogger({ level: logLevel, base: { service: 'ledger-workers' } });
exitOnCrash(logger);
const say = (message: FromWorkers): void => port.postMessage(message);

let workers: RunningWorkers | undefined;
let stopWatching: (() => void) | undefined;
let closing = false;
const headListeners: Array<(head: number) => void> = [];

port.on('message', (message: ToWorkers) => {
  if (message.type === 'head') {
    for (const listener of headListeners) listener(message.head);
  } else if (message.type === 'metrics') {
    // Unanswered before the workers have started: the API thread's ask times out.
    if (workers) void answerMetrics('workers', workers.parts, message).then(say);
  } else if (!closing) {
    // Before the workers have started, they close as soon as they have.
    closing = true;
    stopWatching?.();
    if (workers) void workers.close().finally(() => process.exit(0));
  }
});

startWorkers({ config, logger, onAppended: (listener) => headListeners.push(listener) }).then(
  (started) => {
    workers = started;
    if (closing) void started.close().finally(() => process.exit(0));
    else {
      say({ type: 'started', parts: started.parts.map((part) => part.name) });
      // The API thread's /readyz cannot read this thread's anchorer: its stalls are told to it.
      const anchoring = started.parts.find((part): part is AnchoringPart => part.name === 'anchoring');
      if (anchoring) stopWatching = watchStalls(anchoring.anchorer, (stall) => say({ type: 'anchoring', stall }));
    }
  },
  (error: unknown) => {
    say({ type: 'failed', message: error instanceof Error ? error.message : String(error) });
    process.exit(1);
  },
);
