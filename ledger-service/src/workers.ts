import pino from 'pino';
import { loadConfig } from './config';
import { createEventStore } from './eventStore';
import { loadPrincipals } from './http/auth';
import { defaultParts } from './parts';

/**
 * The anchorer, the projections and supervision in a process of their own, for a service started
 * with LEDGER_WORKERS=separate. Same configuration as the service; no HTTP.
 */
async function main(): Promise<void> {
  const config = { ...loadConfig(), inProcessWorkers: true };
  const logger = pino({ level: config.logLevel, base: { service: 'ledger-workers' } });
  const store = await createEventStore({
    eventStore: config.eventStore,
    eventStoreUrl: config.eventStoreUrl,
    dataDir: config.dataDir,
    onBackgroundError: (error) => logger.warn({ err: error }, 'event store connection error'),
  });
  const parts = await defaultParts({ config, logger, store, principals: loadPrincipals(config.principalsPath) });
  logger.info({ parts: parts.map((part) => part.name) }, 'workers running');
  const stop = async (signal: string): Promise<void> => {
    logger.info({ signal }, 'stopping');
    for (const part of [...parts].reverse())
      await part.close().catch((error) => logger.warn({ err: error }, 'close failed'));
    await store.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}

main().catch((error: unknown) => {
  process.stderr.write(`ledger workers failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
