import { EventStore, EventStoreError, StoredEvent } from '../port';
import { appendRequest, certificateNo, newEvents, newStreamId } from './fixtures';

/** A fresh, empty store, plus a way to open a second handle on the same storage (another connection). */
export interface ContractStore {
  readonly store: EventStore;
  readonly openAnother: () => Promise<EventStore>;
}

export interface ContractSubject {
  readonly open: () => Promise<ContractStore>;
  /** Positions are 1, 2, 3… with no holes (SQL adapters); otherwise only strictly increasing. */
  readonly densePositions?: boolean;
  /** Each opened store starts with an empty log (otherwise tests count from the head they find). */
  readonly isolatedLog?: boolean;
}

async function rejection(promise: Promise<unknown>): Promise<EventStoreError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof EventStoreError) return error;
    throw error;
  }
  throw new Error('expected the call to fail with an EventStoreError');
}

/** Jest never resolves this, so a waitForAppend that beats it woke up for a reason. */
const LONGER_THAN_ANY_TEST = 10 * 60 * 1000;

/** The behaviour every EventStore adapter must show. */
export function eventStoreContract(name: string, subject: ContractSubject): void {
  describe(`EventStore contract: ${name}`, () => {
    const opened: EventStore[] = [];
    let store: EventStore;
    let openAnother: () => Promise<EventStore>;
    /** The head when the test began: 0 for an isolated log. */
    let base: number;
    const dense = subject.densePositions ?? true;

    /** Positions follow the base, with no holes where the adapter promises none. */
    function expectPositionsAfter(after: number, events: readonly StoredEvent[]): void {
      const positions = events.map((event) => event.position);
      if (dense) expect(positions).toEqual(positions.map((_, index) => after + 1 + index));
      positions.forEach((position, index) =>
        expect(position).toBeGreaterThan(index === 0 ? after : positions[index - 1]),
      );
    }

    beforeEach(async () => {
      const fresh = await subject.open();
      store = fresh.store;
      openAnother = async () => {
        const another = await fresh.openAnother();
        opened.push(another);
        return another;
      };
      opened.push(store);
      base = await store.headPosition();
    });

    afterEach(async () => {
      await Promise.all(opened.splice(0).map((each) => each.close()));
    });

    it('appends to a new stream with expected version -1 and reads the events back positioned', async () => {
      const streamId = newStreamId();
      const request = appendRequest(streamId, -1, 3);
      const stored = await store.append(request);
      expect(stored.map((event) => event.version)).toEqual([0, 1, 2]);
      expectPositionsAfter(base, stored);
      stored.forEach((event, index) => {
        expect(event).toMatchObject({ ...request.events[index], canonical: expect.any(Uint8Array) });
        expect(Buffer.from(event.canonical).equals(Buffer.from(request.events[index].canonical))).toBe(true);
        expect(Number.isNaN(Date.parse(event.recordedAt))).toBe(false);
      });
      expect(await store.readStream(streamId)).toEqual(stored);
      expect(await store.findEvent(stored[1].eventId)).toEqual(stored[1]);
      expect(await store.findEvent('no-such-event')).toBeUndefined();
      expect(await store.readStream(newStreamId())).toEqual([]);
    });

    it('finds several events by eventId at once, leaving out those not stored', async () => {
      const stored = await store.append(appendRequest(newStreamId(), -1, 3));
      const other = await store.append(appendRequest(newStreamId(), -1, 1));
      const found = await store.findEvents([stored[2].eventId, 'no-such-event', other[0].eventId, stored[0].eventId]);
      const byId = (a: StoredEvent, b: StoredEvent) => a.eventId.localeCompare(b.eventId);
      expect([...found].sort(byId)).toEqual([stored[0], stored[2], other[0]].sort(byId));
      expect(await store.findEvents([])).toEqual([]);
      expect(await store.findEvents(['no-such-event'])).toEqual([]);
    });

    it('keeps appending where the stream left off', async () => {
      const streamId = newStreamId();
      await store.append(appendRequest(streamId, -1, 2));
      const more = await store.append(appendRequest(streamId, 1, 2));
      expect(more.map((event) => event.version)).toEqual([2, 3]);
      expect((await store.readStream(streamId)).map((event) => event.version)).toEqual([0, 1, 2, 3]);
    });

    it('refuses a stale expected version and leaves the stream unchanged', async () => {
      const streamId = newStreamId();
      const first = await store.append(appendRequest(streamId, -1, 2));
      const stale = await rejection(store.append(appendRequest(streamId, 0)));
      expect(stale.code).toBe('wrong-expected-version');
      expect(stale.detail).toEqual({ expected: 0, actual: 1 });
      const recreate = await rejection(store.append(appendRequest(streamId, -1)));
      expect(recreate.detail).toEqual({ expected: -1, actual: 1 });
      expect(await store.readStream(streamId)).toEqual(first);
      expect(await store.headPosition()).toBe(first[1].position);
    });

    it('answers -1 as the actual version of a stream that does not exist', async () => {
      const streamId = newStreamId();
      const error = await rejection(store.append(appendRequest(streamId, 0)));
      expect(error.code).toBe('wrong-expected-version');
      expect(error.detail).toEqual({ expected: 0, actual: -1 });
      expect(await store.readStream(streamId)).toEqual([]);
    });

    it('lets exactly one of several concurrent appends with the same expected version win', async () => {
      const streamId = newStreamId();
      await store.append(appendRequest(streamId, -1));
      const results = await Promise.allSettled(
        Array.from({ length: 8 }, () => store.append(appendRequest(streamId, 0))),
      );
      const winners = results.filter((result) => result.status === 'fulfilled');
      const losers = results.flatMap((result) =>
        result.status === 'rejected' ? [result.reason as EventStoreError] : [],
      );
      expect(winners).toHaveLength(1);
      expect(losers.map((error) => error.code)).toEqual(Array(7).fill('wrong-expected-version'));
      expect((await store.readStream(streamId)).map((event) => event.version)).toEqual([0, 1]);
    });

    it('reports a reused eventId with the stored event, before any version check, and writes nothing', async () => {
      const streamId = newStreamId();
      const request = appendRequest(streamId, -1);
      const [stored] = await store.append(request);
      const retry = await rejection(store.append(request));
      expect(retry.code).toBe('duplicate-event-id');
      expect(retry.detail.existing).toEqual(stored);
      const elsewhere = newStreamId();
      const reused = { ...request.events[0], streamId: elsewhere, version: 0 };
      const other = await rejection(store.append({ streamId: elsewhere, expectedVersion: -1, events: [reused] }));
      expect(other.code).toBe('duplicate-event-id');
      expect((other.detail.existing as StoredEvent).contentDigest).toBe(stored.contentDigest);
      expect(await store.readStream(elsewhere)).toEqual([]);
      expect(await store.headPosition()).toBe(stored.position);
    });

    it('refuses a whole append whose last event reuses a stored eventId, keeping none of the events before it', async () => {
      const [stored] = await store.append(appendRequest(newStreamId(), -1));
      const streamId = newStreamId();
      const request = appendRequest(streamId, -1, 3, [certificateNo(`CN-${streamId}`)]);
      const events = [...request.events.slice(0, 2), { ...request.events[2]!, eventId: stored!.eventId }];
      const refused = await rejection(store.append({ ...request, events }));
      expect(refused.code).toBe('duplicate-event-id');
      expect(refused.detail.existing).toEqual(stored);
      expect(await store.readStream(streamId)).toEqual([]);
      expect(await store.headPosition()).toBe(stored!.position);
      const claimed = await store.append(appendRequest(newStreamId(), -1, 1, [certificateNo(`CN-${streamId}`)]));
      expect(claimed).toHaveLength(1);
    });

    it('reserves a claim atomically with the append and refuses it to any other stream', async () => {
      const holder = newStreamId();
      const rival = newStreamId();
      await store.append(appendRequest(holder, -1, 1, [certificateNo('CN-001')]));
      const taken = await rejection(store.append(appendRequest(rival, -1, 1, [certificateNo('CN-001')])));
      expect(taken.code).toBe('claim-taken');
      expect(taken.detail).toEqual({ kind: 'certificateNo', value: 'CN-001' });
      expect(await store.readStream(rival)).toEqual([]);
      const again = await store.append(appendRequest(holder, 0, 1, [certificateNo('CN-001')]));
      expect(again).toHaveLength(1);
    });

    it('does not keep the claim of an append that failed', async () => {
      const streamId = newStreamId();
      await store.append(appendRequest(streamId, -1));
      await rejection(store.append(appendRequest(streamId, 5, 1, [certificateNo('CN-002')])));
      const other = newStreamId();
      await expect(store.append(appendRequest(other, -1, 1, [certificateNo('CN-002')]))).resolves.toHaveLength(1);
    });

    it('appends each request of a bulk independently', async () => {
      const existing = newStreamId();
      await store.append(appendRequest(existing, -1, 1, [certificateNo('CN-003')]));
      const fresh = newStreamId();
      const claimant = newStreamId();
      const results = await store.appendEach([
        appendRequest(fresh, -1, 3),
        appendRequest(existing, -1),
        appendRequest(claimant, -1, 1, [certificateNo('CN-003')]),
        appendRequest(existing, 0, 2),
      ]);
      expect(Array.isArray(results[0]) && results[0].map((event) => event.version)).toEqual([0, 1, 2]);
      expect(results[1]).toBeInstanceOf(EventStoreError);
      expect((results[1] as EventStoreError).code).toBe('wrong-expected-version');
      expect((results[2] as EventStoreError).code).toBe('claim-taken');
      expect(Array.isArray(results[3]) && results[3].map((event) => event.version)).toEqual([1, 2]);
      expect(await store.readStream(claimant)).toEqual([]);
      const last = (results[3] as StoredEvent[])[1];
      expect(await store.headPosition()).toBe(last.position);
      expectPositionsAfter(base, await store.readAll(base, 10));
    });

    it('reads the global log in position order, page by page, with no gaps', async () => {
      const streams = [newStreamId(), newStreamId(), newStreamId()];
      for (let round = 0; round < 3; round++) {
        for (const streamId of streams) await store.append(appendRequest(streamId, round - 1));
      }
      const pages: StoredEvent[][] = [];
      let after = base;
      for (;;) {
        const page = await store.readAll(after, 4);
        if (page.length === 0) break;
        pages.push(page);
        after = page[page.length - 1].position;
      }
      expect(pages.map((page) => page.length)).toEqual([4, 4, 1]);
      const all = pages.flat();
      expectPositionsAfter(base, all);
      expect(all.map((event) => event.streamId)).toEqual([...streams, ...streams, ...streams]);
      expect(await store.readAll(all[8].position, 10)).toEqual([]);
      expect(await store.readAll(all[6].position, 10)).toEqual(all.slice(7));
    });

    it('reports the head position: 0 when empty, then the last position written', async () => {
      if (subject.isolatedLog ?? true) expect(base).toBe(0);
      await store.append(appendRequest(newStreamId(), -1, 2));
      const [last] = (await store.append(appendRequest(newStreamId(), -1))).slice(-1);
      expect(await store.headPosition()).toBe(last.position);
      await expect(store.ping()).resolves.toBeUndefined();
    });

    it('wakes a waitForAppend when an event is appended through the same handle', async () => {
      const woke = store.waitForAppend(base, LONGER_THAN_ANY_TEST);
      await store.append(appendRequest(newStreamId(), -1));
      await woke;
      expect(await store.readAll(base, 10)).toHaveLength(1);
    });

    it('wakes a waitForAppend when another connection appends', async () => {
      const writer = await openAnother();
      const head = await store.headPosition();
      const woke = store.waitForAppend(head, LONGER_THAN_ANY_TEST);
      await writer.append(appendRequest(newStreamId(), -1));
      await woke;
      expect(await store.readAll(head, 10)).toHaveLength(1);
    });

    it('returns from waitForAppend at once when the log is already past the position, and after the timeout otherwise', async () => {
      const [event] = await store.append(appendRequest(newStreamId(), -1));
      await store.waitForAppend(base, LONGER_THAN_ANY_TEST);
      await store.waitForAppend(event.position, 20);
      expect(await store.readAll(event.position, 10)).toEqual([]);
    });

    it('sees what another connection appended, with one shared global order', async () => {
      const other = await openAnother();
      const streamId = newStreamId();
      await store.append(appendRequest(streamId, -1));
      await other.append(appendRequest(streamId, 0));
      const stale = await rejection(store.append(appendRequest(streamId, 0)));
      expect(stale.detail).toEqual({ expected: 0, actual: 1 });
      const log = await store.readAll(base, 10);
      expect(log.map((event) => event.version)).toEqual([0, 1]);
      expectPositionsAfter(base, log);
    });

    it('rejects requests no caller should build', async () => {
      const streamId = newStreamId();
      const events = newEvents(streamId, 3, 1);
      await expect(store.append({ streamId, expectedVersion: -1, events })).rejects.toThrow(TypeError);
      await expect(store.append({ streamId: newStreamId(), expectedVersion: 2, events })).rejects.toThrow(TypeError);
    });

    it('fails every call with store-unavailable once the store is gone, and wrote nothing', async () => {
      const reader = await openAnother();
      await store.close();
      const streamId = newStreamId();
      const calls: Array<Promise<unknown>> = [
        store.append(appendRequest(streamId, -1)),
        store.readStream(streamId),
        store.findEvent('x'),
        store.findEvents(['x']),
        store.readAll(0, 10),
        store.headPosition(),
        store.ping(),
      ];
      for (const call of calls) expect((await rejection(call)).code).toBe('store-unavailable');
      const bulk = await store.appendEach([appendRequest(streamId, -1)]);
      expect((bulk[0] as EventStoreError).code).toBe('store-unavailable');
      expect(await reader.readStream(streamId)).toEqual([]);
    });
  });
}
