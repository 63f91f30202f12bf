'use strict';
/**
 * A child process for the kill test: runs the anchorer on the SQLite event store, the SQLite anchor
 * store and the embedded ledger in one directory, until it is killed.
 */
const path = require('node:path');
const Module = require('node:module');
require('../../../../scripts/test-services/swc-register');

// Load the chaincode from its sources, as jest does, not from a build that may be stale.
const CHAINCODE = path.resolve(__dirname, '../../../../chaincode/src/index.ts');
const resolve = Module._resolveFilename;
Module._resolveFilename = function resolveChaincode(request, ...rest) {
  return request === '@certledger/chaincode' ? CHAINCODE : resolve.call(this, request, ...rest);
};

const { openSqliteEventStore } = require('../../eventStore/sqlite/sqliteEventStore');
const { openSqliteAnchorStore } = require('../anchorStore');
const { openEmbeddedBackend } = require('../embedded');
const { createAnchorer } = require('../anchorer');

const config = JSON.parse(process.argv[2]);
const eventStore = openSqliteEventStore({ directory: config.directory });
const anchorStore = openSqliteAnchorStore({ directory: config.directory });
const ledger = openEmbeddedBackend({ dataDir: config.directory });
const anchorer = createAnchorer({
  eventStore,
  anchorStore,
  ledger,
  maxBatchEvents: config.maxBatchEvents,
  maxBatchDelayMs: config.maxBatchDelayMs,
  idleWaitMs: 20,
  retryInitialMs: 5,
});
anchorer.start();
process.send({ ready: true });
