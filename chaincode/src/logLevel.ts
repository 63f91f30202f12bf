// fabric-contract-api logs every decorator at INFO when loaded; default it to warnings unless the operator says otherwise.
process.env.CORE_CHAINCODE_LOGGING_LEVEL ??= 'WARNING';

/**
 * In the chaincode server (CORE_CHAINCODE_ID is set): winston formats a line (timestamp, colours,
 * padding, arguments) before its transport drops it by level, so the shim's debug lines for every
 * message to and from the peer cost microseconds each even at WARNING. Below debug level they are
 * skipped here instead.
 */
function skipShimDebugLines(): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { newLogger } = require('fabric-shim') as typeof import('fabric-shim');
  for (const name of ['lib/handler.js', 'lib/stub.js', 'lib/iterators.js']) {
    const logger = newLogger(name) as unknown as { isDebugEnabled(): boolean; debug: unknown };
    if (!logger.isDebugEnabled()) logger.debug = () => logger;
  }
}

if (process.env.CORE_CHAINCODE_ID) skipShimDebugLines();

export {};
