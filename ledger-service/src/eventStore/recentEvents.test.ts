import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { EventStore } from './port';
import { withRecentEvents } from './recentEvents';
import { openSqliteEventStore } from './sqlite/sqliteEventStore';
import { eventStoreContract } from './testing/contract';
import { countingReads } from './testing/countingReads';
import { appendRequest, newStreamId } from './testing/fixtures';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'certledger-recent-'));
let counter = 0;
const freshDirectory = () => path.join(root, `store-${++counter}`);
const freshStore = () => openSqliteEventStore({ directory: freshDirectory(), pollIntervalMs: 20 });
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

eventStoreContract('SQLite with the recent events kept for the followers', {
  open: async () => {
    const directory = freshDirectory();
    const opened = () => withRecentEvents(openSqliteEventStore({ directory, pollIntervalMs: 20 }), 5);
    return { store: opened(), openAnother: async () => opened() };
  },
});

const positions = (events: readonly { position: number }[]) => events.map((event) => event.position);

describe('withRecentEvents', () => {
  let store: EventStore;
  beforeEach(() => {
    store = freshStore();
  });
  afterEach(() => store.close());

  const appendEvents = async (streams: number, perStream: number) => {
    for (let i = 0; i < streams; i++) await store.append(appendRequest(newStreamId(), -1, perStream));
  };

  it('reads each new event from the store once for followers that keep up with each other', async () => {
    const counted = countingReads(store);
    const followed = withRecentEvents(counted.store, 100);
    const checkpoints = [0, 0, 0];
    for (let round = 0; round < 10; round++) {
      await appendEvents(2, 3);
      for (const [follower, after] of checkpoints.entries()) {
        const page = await followed.readAll(after, 50);
        expect(positions(page)).toEqual(positions(await store.readAll(after, 50)));
        checkpoints[follower] = page.at(-1)!.position;
      }
    }
    expect(checkpoints).toEqual([60, 60, 60]);
    expect(counted.rowsRead()).toBe(60);
  });

  it('serves a follower far behind from the store without losing the window of the others', async () => {
    await appendEvents(10, 10);
    const counted = countingReads(store);
    const followed = withRecentEvents(counted.store, 20);
    expect(positions(await followed.readAll(80, 20))).toEqual(range(81, 100));
    const behind = await followed.readAll(0, 30);
    expect(positions(behind)).toEqual(range(1, 30));
    expect(positions(await followed.readAll(85, 10))).toEqual(range(86, 95));
    expect(counted.rowsRead()).toBe(50);
  });

  it('answers exactly as the store does for any follower, window size and page, while events are appended', async () => {
    // A seeded walk: pages of random sizes from random checkpoints, against the store's own answer.
    let seed = 7;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (const capacity of [1, 3, 16, 1000]) {
      const followed = withRecentEvents(store, capacity);
      const checkpoints = [0, 0, 0, 0];
      for (let step = 0; step < 300; step++) {
        if (random(4) === 0) await appendEvents(1, 1 + random(4));
        const follower = random(checkpoints.length);
        const after = random(10) === 0 ? random(checkpoints[follower]! + 1) : checkpoints[follower]!;
        const limit = 1 + random(12);
        const [kept, truth] = await Promise.all([followed.readAll(after, limit), store.readAll(after, limit)]);
        expect(kept).toEqual(truth);
        if (kept.length > 0) checkpoints[follower] = kept.at(-1)!.position;
      }
    }
  });

  it('gives calls that overlap each other the store’s answer', async () => {
    await appendEvents(5, 4);
    const followed = withRecentEvents(store, 8);
    await followed.readAll(0, 10);
    await appendEvents(5, 4);
    const pages = await Promise.all([0, 4, 10, 10, 15, 25].map((after) => followed.readAll(after, 12)));
    const truth = await Promise.all([0, 4, 10, 10, 15, 25].map((after) => store.readAll(after, 12)));
    expect(pages).toEqual(truth);
    expect(positions(await followed.readAll(30, 12))).toEqual(range(31, 40));
  });
});

function range(first: number, last: number): number[] {
  return Array.from({ length: last - first + 1 }, (_, i) => first + i);
}
