#!/usr/bin/env node
'use strict';
// `npm run backup`: an online backup of the service's data directory, or --verify of one (README, "Backup and restore"). Needs the compiled service.
const path = require('node:path');

const { backupCli } = require(path.resolve(__dirname, '../ledger-service/dist/backup/cli.js'));

backupCli(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.stderr.write(`backup failed: ${error && error.stack ? error.stack : error}\n`);
    process.exitCode = 2;
  },
);
