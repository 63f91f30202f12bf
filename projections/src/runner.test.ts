import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { streamBuilder } from './fixtures';
import { createMemoryFeed } from './memoryFeed';
import type { ReadModel } from './model';
import { createProjectionRunner } from './runner';
import { postgresTestReadStore, sqliteTestReadStore, type TestReadStore } from './testing/readStores';
import type { LogEvent } from './types';

const STORES: Array<[string, (dir: string) => Promise<TestReadStore>]> = [
  ['SQLite', (dir) => sqliteTestReadStore(dir, 'runner')],
  ['PostgreSQL', () => postgresTestReadStore('runner')],
];

/** A model whose second version adds a column and an index on it: its DDL does not fit the first's table. */
const probe = (schemaVersion: 1 | 2): ReadModel<LogEvent> => ({
  name: 'probe',
  schemaVersion,
  source: 'events',
  tables: ['probe_events'],
  ddl: () =>
    schemaVersion === 1
      ? ['CREATE TABLE IF NOT EXISTS probe_events (event_id TEXT PRIMARY KEY)']
      : [
          'CREATE TABLE IF NOT EXISTS probe_events (event_id TEXT PRIMARY KEY, position BIGINT NOT NULL)',
          'CREATE INDEX IF NOT EXISTS probe_events_position ON probe_events (position)',
        ],
  apply: async (tx, events) => {
    for (const event of events)
      await (schemaVersion === 1
        ? tx.run('INSERT INTO probe_events (event_id) VALUES (?)', [event.eventId])
        : tx.run('INSERT INTO probe_events (event_id, position) VALUES (?, ?)', [event.eventId, event.position]));
  },
});

describe.each(STORES)('the projection runner over a real %s read store', (_kind, openStore) => {
  it('rebuilds a model whose new schema does not fit its old tables, on the first start after the change', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runner-'));
    const { store, drop } = await openStore(dir);
    try {
      const feed = createMemoryFeed();
      const builder = streamBuilder({ certificationId: 'c1', agencyId: 'CNCA-R-2002-001', regionCode: '320106' });
      feed.append([1, 2, 3].map((n) => builder.event('ApplicationReviewed', { n }, `2025-01-0${n}T10:00:00+08:00`)));
      const runnerOf = (version: 1 | 2) =>
        createProjectionRunner({
          store,
          events: feed,
          models: [probe(version)] as never,
          logger: pino({ level: 'silent' }),
        });

      const before = runnerOf(1);
      await before.init();
      await before.catchUp();
      expect(await store.all('SELECT event_id FROM probe_events')).toHaveLength(3);

      const after = runnerOf(2);
      await after.init();
      await after.catchUp();
      expect(
        (await store.all<{ position: number }>('SELECT position FROM probe_events ORDER BY position')).map((r) =>
          Number(r.position),
        ),
      ).toEqual([1, 2, 3]);
    } finally {
      await store.close();
      await drop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
