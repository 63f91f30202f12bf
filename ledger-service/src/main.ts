import cluster from 'node:cluster';
import { createLogger } from './logging';
import { headReporter, primaryWorkersPart, runApiProcesses } from './apiProcesses';
import { composeLedgerService } from './compose';
import { loadConfig } from './config';
import { createHttpServer } from './http/server';
import { exitOnCrash } from './exitOnCrash';
import { defaultParts } from './parts';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger({ level: config.logLevel, base: { service: 'ledger-service' } });
  exitOnCrash(logger);
  if (config.usingDemoPrincipals && cluster.isPrimary)
    logger.warn('using the demo principals file: set LEDGER_PRINCIPALS for real tokens');
  if (config.apiProcesses > 1 && cluster.isPrimary) {
    await runApiProcesses({ config, logger });
    return;
  }
  const reportHead = headReporter();
  const workersElsewhere = primaryWorkersPart();
  const service = await composeLedgerService({
    config,
    logger,
    parts: (context) => defaultParts({ config, logger, reportHead, workersElsewhere, ...context }),
  });
  const server = createHttpServer(service.app).listen(config.port, () => {
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    logger.info(
      { port, eventStore: config.eventStore, ledgerBackend: config.ledgerBackend, dataDir: config.dataDir },
      'listening',
    );
  });
  server.once('error', (error: NodeJS.ErrnoException) => {
    logger.fatal(
      { err: error, port: config.port },
      `cannot listen on port ${config.port}: ${error.code ?? error.message}`,
    );
    process.exit(1);
  });
  server.keepAliveTimeout = 65_000;
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    server.close(() => {
      service.close().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    });
    server.closeAllConnections();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((error: unknown) => {
  // The logger may not exist yet: fail fast with the reason on stderr.
  process.stderr.write(`ledger-service failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
