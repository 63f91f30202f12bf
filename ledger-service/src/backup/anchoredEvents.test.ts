import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { anchoredEventsProblem, checkAnchoredEvents, pairWithLog, type PositionedEvent } from './anchoredEvents';

const at = (position: number, eventId: string): PositionedEvent => ({ position, eventId });

describe('the anchored events against the log', () => {
  it('pairs each anchored event with the event the log holds at its position, walking both in position order', () => {
    const log = [at(1, 'a'), at(2, 'b'), at(3, 'c'), at(5, 'e'), at(6, 'f')];
    const anchored = [at(1, 'a'), at(3, 'x'), at(3, 'c'), at(4, 'd'), at(6, 'f'), at(9, 'i')];
    expect([...pairWithLog(anchored, log)]).toEqual([
      { position: 1, anchoredEventId: 'a', loggedEventId: 'a' },
      { position: 3, anchoredEventId: 'x', loggedEventId: 'c' },
      { position: 3, anchoredEventId: 'c', loggedEventId: 'c' },
      { position: 4, anchoredEventId: 'd', loggedEventId: undefined },
      { position: 6, anchoredEventId: 'f', loggedEventId: 'f' },
      { position: 9, anchoredEventId: 'i', loggedEventId: undefined },
    ]);
  });

  it('reads the log no further than the anchored events need, and lets it go when stopped', () => {
    let read = 0;
    let released = false;
    function* log(): Generator<PositionedEvent> {
      try {
        for (let position = 1; position <= 1_000_000; position++) {
          read++;
          yield at(position, `e${position}`);
        }
      } finally {
        released = true;
      }
    }
    const pairs = pairWithLog([at(2, 'e2'), at(3, 'e3'), at(40, 'e40')], log());
    expect(pairs.next().value).toEqual({ position: 2, anchoredEventId: 'e2', loggedEventId: 'e2' });
    expect(read).toBe(2);
    pairs.return(undefined);
    expect(released).toBe(true);
  });

  describe('in SQLite copies', () => {
    let dir: string;
    let anchors: string;
    let events: string;

    beforeAll(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'anchored-events-'));
      anchors = path.join(dir, 'anchors.sqlite');
      events = path.join(dir, 'events.sqlite');
      const log = new Database(events);
      log.exec('CREATE TABLE events (position INTEGER PRIMARY KEY, event_id TEXT NOT NULL UNIQUE)');
      const anchorStore = new Database(anchors);
      anchorStore.exec(
        'CREATE TABLE anchor_events (event_id TEXT PRIMARY KEY, batch_id TEXT NOT NULL, leaf_index INTEGER NOT NULL, position INTEGER NOT NULL) WITHOUT ROWID;' +
          'CREATE INDEX anchor_events_position ON anchor_events (position);',
      );
      const logged = log.prepare('INSERT INTO events VALUES (?, ?)');
      const anchored = anchorStore.prepare('INSERT INTO anchor_events VALUES (?, ?, ?, ?)');
      log.transaction(() => {
        for (let position = 1; position <= 250; position++) logged.run(position, `event-${position}`);
      })();
      // Positions 42 and 43 swapped in the anchor store, and a row past the log's head.
      const swapped: Record<number, string> = { 42: 'event-43', 43: 'event-42' };
      anchorStore.transaction(() => {
        for (let position = 1; position <= 200; position++)
          anchored.run(swapped[position] ?? `event-${position}`, 'b', 0, position);
        anchored.run('event-300', 'b', 0, 300);
      })();
      log.close();
      anchorStore.close();
    });
    afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

    it('names the rows whose position holds another event in the log, or none, with progress step by step', async () => {
      const progress: Array<[number, number]> = [];
      const check = await checkAnchoredEvents(anchors, events, {
        rowsPerStep: 64,
        onProgress: (checked, total) => progress.push([checked, total]),
      });
      expect(check).toEqual({
        checked: 201,
        mismatchCount: 3,
        mismatches: [
          { position: 42, anchoredEventId: 'event-43', loggedEventId: 'event-42' },
          { position: 43, anchoredEventId: 'event-42', loggedEventId: 'event-43' },
          { position: 300, anchoredEventId: 'event-300', loggedEventId: undefined },
        ],
      });
      expect(progress).toEqual([
        [0, 201],
        [64, 201],
        [128, 201],
        [192, 201],
        [201, 201],
      ]);
      expect(anchoredEventsProblem(check)).toBe(
        "the anchor store's copy names another event than the event store's copy at 3 of its 201 anchored positions: " +
          'position 42: the anchor store names event-43, the event store holds event-42 there; ' +
          'position 43: the anchor store names event-42, the event store holds event-43 there; ' +
          'position 300: the anchor store names event-300, the event store holds no event there',
      );
      expect(anchoredEventsProblem({ ...check, mismatchCount: 9 })).toMatch(/there; and 6 more$/);
    });

    it('stops between two steps once told to, throwing the reason it was given', async () => {
      const stopping = new AbortController();
      const reason = new Error('stopped');
      const progress: number[] = [];
      await expect(
        checkAnchoredEvents(anchors, events, {
          rowsPerStep: 64,
          stop: stopping.signal,
          onProgress: (checked) => {
            progress.push(checked);
            if (checked === 64) stopping.abort(reason);
          },
        }),
      ).rejects.toBe(reason);
      expect(progress).toEqual([0, 64]);
      // The copies are closed: they can be removed (and opened again).
      expect(await checkAnchoredEvents(anchors, events)).toMatchObject({ checked: 201, mismatchCount: 3 });
    });
  });
});
