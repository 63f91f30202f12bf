#!/usr/bin/env node
// npm run demo:data: realistic Jiangsu certification data with planted problems (see docs/supervision.md).
const { main } = require('../ledger-service/dist/demo/cli.js');

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
