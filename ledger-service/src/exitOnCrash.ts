import type { Logger } from 'pino';

/**
 * Ends the process (or the worker thread it runs in) on an uncaught exception or an unhandled
 * rejection, once logged, as Node itself would: fabric-contract-api, which the embedded ledger
 * loads, installs listeners for both that only log, and while any listener is there Node keeps
 * running in whatever state the error left. Stored events are safe either way (each commit is
 * atomic); a supervisor or the workers thread's restart starts again from there.
 */
export function exitOnCrash(logger: Logger): void {
  const crash =
    (what: string) =>
    (error: unknown): void => {
      logger.fatal({ err: error }, `${what}; exiting`);
      process.exit(1);
    };
  process.on('uncaughtException', crash('uncaught exception'));
  process.on('unhandledRejection', crash('unhandled rejection'));
}
