'use strict';
/** Jest globalTeardown: stops what globalSetup started. */
module.exports = async function globalTeardown() {
  const stop = globalThis.__certledgerStopPostgres;
  globalThis.__certledgerStopPostgres = undefined;
  if (stop) stop();
};
