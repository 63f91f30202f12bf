'use strict';
/**
 * A child process for the multi-process test: opens the store, waits for "go", then repeatedly
 * reads the stream's version and appends one event expecting it, reporting every outcome.
 */
require('../../../../scripts/test-services/swc-register');
const { openSqliteEventStore } = require('../sqlite/sqliteEventStore');
const { openPostgresEventStore } = require('../postgres/postgresEventStore');
const { newEvents } = require('./fixtures');

async function open(config) {
  if (config.kind === 'sqlite') return openSqliteEventStore({ directory: config.directory });
  return openPostgresEventStore({ connectionString: config.connectionString, schema: config.schema, poolSize: 2 });
}

async function attempt(store, streamId) {
  const stream = await store.readStream(streamId);
  const expectedVersion = stream.length - 1;
  const [event] = newEvents(streamId, expectedVersion + 1, 1);
  try {
    const [stored] = await store.append({ streamId, expectedVersion, events: [event] });
    return { eventId: event.eventId, won: true, version: stored.version };
  } catch (error) {
    return { eventId: event.eventId, won: false, code: error.code ?? String(error) };
  }
}

async function main() {
  const config = JSON.parse(process.argv[2]);
  const store = await open(config);
  await new Promise((resolve) => {
    process.once('message', resolve);
    process.send({ ready: true });
  });
  const outcomes = [];
  for (let index = 0; index < config.attempts; index++) outcomes.push(await attempt(store, config.streamId));
  await store.close();
  process.send({ outcomes }, () => process.exit(0));
}

main().catch((error) => {
  process.send?.({ error: String(error && error.stack ? error.stack : error) }, () => process.exit(1));
});
