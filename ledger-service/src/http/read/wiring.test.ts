import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createAnchorer } from '../../anchoring/anchorer';
import { openSqliteAnchorStore, type AnchorStore } from '../../anchoring/anchorStore';
import { openEmbeddedBackend, type EmbeddedLedgerBackend } from '../../anchoring/embedded';
import { appendTo, contractSigned } from '../../anchoring/testing/events';
import type { EventStore, StoredEvent } from '../../eventStore/port';
import { openSqliteEventStore } from '../../eventStore/sqlite/sqliteEventStore';
import { countingReads } from '../../eventStore/testing/countingReads';
import { anchorFeedOf } from './wiring';

const CB = 'CNCA-R-2002-001';

describe('the anchor store as the projections’ anchor feed', () => {
  let dir: string;
  let eventStore: EventStore;
  let anchorStore: AnchorStore;
  let ledger: EmbeddedLedgerBackend;
  let counting: ReturnType<typeof countingReads>;
  const stored: StoredEvent[] = [];

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'anchor-feed-'));
    eventStore = openSqliteEventStore({ directory: dir });
    anchorStore = openSqliteAnchorStore({ directory: dir });
    ledger = openEmbeddedBackend({ dataDir: dir });
    counting = countingReads(eventStore);
    for (let i = 0; i < 30; i++)
      stored.push(...(await appendTo(eventStore, `certification-f${i}`, CB, [contractSigned(1)])));
  });
  afterAll(async () => {
    await Promise.all([eventStore.close(), anchorStore.close(), ledger.close()]);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('gives no notice, and reads no event, while nothing is anchored', async () => {
    const feed = anchorFeedOf({ eventStore: counting.store, anchorStore });
    expect(await feed.readCommits(0, 100)).toEqual([]);
    expect(counting.rowsRead()).toBe(0);
  });

  it('gives a notice per anchored event, in log order, with its batch and transaction', async () => {
    const anchorer = createAnchorer({ eventStore, anchorStore, ledger, maxBatchEvents: 10, maxBatchDelayMs: 1 });
    anchorer.start();
    for (let i = 0; i < 500 && (await anchorer.lag()).unanchoredEvents > 0; i++)
      await new Promise((resolve) => setTimeout(resolve, 10));
    await anchorer.stop();
    const notices = await anchorFeedOf({ eventStore: counting.store, anchorStore }).readCommits(0, 100);
    expect(notices.map((n) => n.seq)).toEqual(stored.map((e) => e.position));
    for (const [i, notice] of notices.entries()) {
      expect(notice.eventIds).toEqual([stored[i]!.eventId]);
      expect(notice.certificationId).toBe(stored[i]!.certificationId);
      expect(notice.transactionId).not.toBe('');
      expect(notice.receipt).toMatchObject({ eventId: stored[i]!.eventId, status: 'anchored' });
    }
    expect(counting.rowsRead()).toBe(stored.length);
  });
});
