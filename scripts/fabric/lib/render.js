'use strict';
/** Renders a template from stdin: every ${NAME} becomes the environment's NAME; a missing one is an error. */
const text = require('node:fs').readFileSync(0, 'utf8');
const missing = new Set();
const out = text.replace(/\$\{([A-Z0-9_]+)\}/g, (_, name) => {
  const value = process.env[name];
  if (value === undefined) missing.add(name);
  return value ?? '';
});
if (missing.size) {
  process.stderr.write(`render: unset variables: ${[...missing].join(', ')}\n`);
  process.exit(1);
}
process.stdout.write(out);
