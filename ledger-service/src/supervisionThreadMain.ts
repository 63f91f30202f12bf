import { parentPort, workerData } from 'node:worker_threads';
import { exitOnCrash } from './exitOnCrash';
import { openServiceReadStore } from './http/read/part';
import { supervisionService } from './http/supervision/part';
import { createLogger } from './logging';
import type { FromWorkers, ToWorkers, WorkersThreadData } from './workersThread';

// The workers' supervision thread: evaluates the early warnings every minute over a read store
// connection of its own, apart from the anchorer and the projections, which an evaluation would
// otherwise stop for seconds (the first after a start reads every certification, the first of
// each day checks every one again).

const port = parentPort!;
const { config, logLevel } = workerData as WorkersThreadData;
const logger = createLogger({ level: logLevel, base: { service: 'ledger-supervision' } });
exitOnCrash(logger);

const readStore = openServiceReadStore(config.dataDir, logger);
const supervision = supervisionService({
  readStore,
  logger: logger.child({ part: 'supervision' }),
  rules: config.rules,
  config: config.supervision,
});
// At once, then on the timer; on a new data dir the read model's tables may not be there yet.
supervision
  .tick()
  .catch((error: unknown) => logger.warn({ err: error }, 'first evaluation failed; tried again on the timer'));
supervision.start(config.supervisionIntervalMs);
port.postMessage({ type: 'started', parts: ['supervision-evaluation'] } satisfies FromWorkers);

port.on('message', (message: ToWorkers) => {
  if (message.type !== 'close') return;
  supervision.stop();
  void readStore.close().finally(() => process.exit(0));
});
