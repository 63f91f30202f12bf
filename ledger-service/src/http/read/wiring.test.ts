import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import pino from 'pino';
import { createProjections, createSqliteReadStore, type Projections } from '@certledger/projections';
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
import { appendUnfiledSupervision } from '../../audit/testing/history';
import { NO_SUBJECTS } from '../supervision/testing';
import { createSupervisionWriter } from '../supervision/supervisionWriter';
import { anchorFeedOf, eventFeedOf, logEventOf } from './wiring';

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

/** A SQLite event store and the read models it feeds through eventFeedOf, for one test. */
async function withEventFeed(
  test: (context: { dir: string; eventStore: EventStore; projections: Projections }) => Promise<void>,
): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'event-feed-'));
  const eventStore = openSqliteEventStore({ directory: dir });
  const readStore = createSqliteReadStore({ file: path.join(dir, 'projections.sqlite') });
  const projections = createProjections({
    events: eventFeedOf(eventStore),
    store: readStore,
    logger: pino({ level: 'silent' }),
  });
  try {
    await test({ dir, eventStore, projections });
  } finally {
    await projections.close();
    await readStore.close();
    await eventStore.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs SQL on the event store's file, as an operator with access to it could. */
function editStore(dir: string, sql: string, ...params: string[]): void {
  const db = new Database(path.join(dir, SQLITE_FILE_NAME));
  db.prepare(sql).run(...params);
  db.close();
}

describe('the event store as the projections’ event feed', () => {
  it('dates a certificate’s status by the occurredAt its hash covers, whatever the occurred_at column says', () =>
    withEventFeed(async ({ dir, eventStore, projections }) => {
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
      editStore(
        dir,
        'UPDATE events SET occurred_at = ? WHERE event_id = ?',
        '2026-03-01T10:00:00+08:00',
        '00000000-0000-4000-8000-0000000000f1',
      );

      await projections.runner.rebuild('registry');
      expect(await projections.queries.certificate('FEED00000001')).toMatchObject({
        status: 'withdrawn',
        statusSince: '2025-09-01',
      });
      expect(await projections.queries.certificate('FEED00000001', '2025-12-01')).toMatchObject({
        status: 'withdrawn',
        statusSince: '2025-09-01',
      });
    }));

  it('files a supervision event under the region its hash covers, whatever the region_code column says; an older event under the column', () =>
    withEventFeed(async ({ dir, eventStore, projections }) => {
      const writer = createSupervisionWriter({ store: eventStore, subjects: NO_SUBJECTS });
      const { event: filed } = await writer.submit(
        { id: 'regulator-nanjing', regionCode: '3201' },
        {
          eventId: '00000000-0000-4000-8000-0000000000a1',
          type: 'ComplaintRecorded',
          occurredAt: '2026-01-05T10:00:00+08:00',
          caseId: 'NJ-1',
          data: { receivedAt: '2026-01-04', subject: 'scope not as certified' },
        },
      );
      const older = await appendUnfiledSupervision(eventStore, 'OLD-1', { id: 'regulator-suzhou', regionCode: '3205' });
      // The operator moves both cases to Wuxi in the column the read models were built from.
      editStore(dir, "UPDATE events SET region_code = '3202' WHERE stream_id LIKE 'supervision-%'");

      const stored = await eventStore.readAll(0, 10);
      expect(stored.map((event) => [event.regionCode, logEventOf(event).regionCode])).toEqual([
        ['3202', '3201'],
        ['3202', '3202'],
      ]);
      await projections.runner.rebuild('eventlog');
      const trail = async (regionPrefix: string) =>
        (await projections.queries.auditTrail({ regionPrefix, limit: 10 })).items.map((item) => item.eventId);
      expect(await trail('3201')).toEqual([filed.eventId]);
      expect(await trail('3202')).toEqual([older.eventId]);
    }));
});
