import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import pino from 'pino';
import { createProjections, createSqliteReadStore } from '@certledger/projections';
import { createAnchorer } from '../../anchoring/anchorer';
import { openSqliteAnchorStore, type AnchorStore } from '../../anchoring/anchorStore';
import { openEmbeddedBackend, type EmbeddedLedgerBackend } from '../../anchoring/embedded';
import { appendTo, contractSigned } from '../../anchoring/testing/events';
import { defaultRulesConfig } from '../../certification';
import type { EventStore, StoredEvent } from '../../eventStore/port';
import { openSqliteEventStore, SQLITE_FILE_NAME } from '../../eventStore/sqlite/sqliteEventStore';
import { countingReads } from '../../eventStore/testing/countingReads';
import { createIntake } from '../../intake/intake';
import { initialCertification } from '../../testing/scenario';
import { anchorFeedOf, eventFeedOf } from './wiring';

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

describe('the event store as the projections’ event feed', () => {
  it('dates a certificate’s status by the occurredAt its hash covers, whatever the occurred_at column says', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'event-feed-'));
    const eventStore = openSqliteEventStore({ directory: dir });
    const readStore = createSqliteReadStore({ file: path.join(dir, 'projections.sqlite') });
    try {
      const intake = createIntake({ store: eventStore, rules: defaultRulesConfig, clock: () => new Date() });
      const events = initialCertification({
        certificationId: 'FEED-1',
        appliedOn: '2025-03-01',
        certificateNo: 'FEED00000001',
      });
      const outcomes = await intake.submitBulk(
        CB,
        events.map((event) => ({ ...event, expectedVersion: undefined })),
      );
      expect(outcomes.every((outcome) => outcome.ok)).toBe(true);
      const withdrawn = await intake.submit(CB, {
        certificationId: 'FEED-1',
        eventId: '00000000-0000-4000-8000-0000000000f1',
        type: 'CertificateWithdrawn',
        occurredAt: '2025-09-01T10:00:00+08:00',
        expectedVersion: events.length - 1,
        data: { reason: 'misuse of the certificate mark' },
      });
      expect(withdrawn).toMatchObject({ created: true });
      // The operator dates the withdrawal half a year later in the column the pages were built from.
      const db = new Database(path.join(dir, SQLITE_FILE_NAME));
      db.prepare('UPDATE events SET occurred_at = ? WHERE event_id = ?').run(
        '2026-03-01T10:00:00+08:00',
        '00000000-0000-4000-8000-0000000000f1',
      );
      db.close();

      const projections = createProjections({
        events: eventFeedOf(eventStore),
        store: readStore,
        logger: pino({ level: 'silent' }),
      });
      try {
        await projections.runner.rebuild('registry');
        expect(await projections.queries.certificate('FEED00000001')).toMatchObject({
          status: 'withdrawn',
          statusSince: '2025-09-01',
        });
        expect(await projections.queries.certificate('FEED00000001', '2025-12-01')).toMatchObject({
          status: 'withdrawn',
          statusSince: '2025-09-01',
        });
      } finally {
        await projections.close();
      }
    } finally {
      await readStore.close();
      await eventStore.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
