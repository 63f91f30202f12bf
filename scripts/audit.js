#!/usr/bin/env node
'use strict';
// `npm run audit`: replays the event store against the ledger (see docs/audit.md). Needs the compiled service.
const path = require('node:path');

const { auditCli } = require(path.resolve(__dirname, '../ledger-service/dist/audit/cli.js'));

auditCli(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.stderr.write(`audit failed: ${error && error.stack ? error.stack : error}\n`);
    process.exitCode = 2;
  },
);
