import { createLogger } from './logging';
import { loadConfig } from './config';
import { exitOnCrash } from './exitOnCrash';
import { startWorkers } from './workerParts';

/**
 * The anchorer, the projections and supervision in a process of their own, for a service started
 * with LEDGER_WORKERS=separate. Same configuration as the service; no HTTP.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger({ level: config.logLevel, base: { service: 'ledger-workers' } });
  exitOnCrash(logger);
  const workers = await startWorkers({ config, logger });
  logger.info({ parts: workers.parts.map((part) => part.name) }, 'workers running');
  const stop = async (signal: string): Promise<void> => {
    logger.info({ signal }, 'stopping');
    await workers.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}

main().catch((error: unknown) => {
  process.stderr.write(`ledger workers failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
