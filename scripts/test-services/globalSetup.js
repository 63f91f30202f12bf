'use strict';
/** Jest globalSetup: starts the services tests need for real, unless the environment provides them. */
const { startPostgres } = require('./postgres');

module.exports = async function globalSetup() {
  if (!process.env.TEST_POSTGRES_URL) {
    try {
      const server = await startPostgres();
      process.env.TEST_POSTGRES_URL = server.url;
      globalThis.__certledgerStopPostgres = server.stop;
    } catch (error) {
      // The PostgreSQL suites fail with this reason; the others still run.
      process.env.TEST_POSTGRES_ERROR = error instanceof Error ? error.message : String(error);
    }
  }
};
