import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AnchorStore } from '../../anchoring/anchorStore';
import { openEmbeddedBackend, type EmbeddedLedgerBackend } from '../../anchoring/embedded';
import { LedgerError } from '../../anchoring/port';
import type { EventStore, StoredEvent } from '../../eventStore/port';
import type { AnchorMembership } from '../anchorMembership';
import { runAudit, type AuditReport } from '../audit';
import { checkStreamIntegrity } from '../integrity';
import { ledgerViewOfBackend, openEmbeddedLedgerView, type AuditLedgerView } from '../ledgerView';
import { formatSummary } from '../report';
import { embeddedLogHeadLedger, type LogHeadLedger } from '../logHeads/ledger';
import { loadOrCreateLogHeadSigner } from '../logHeads/signer';
import type { Discrepancy } from '../types';
import {
  AGENCY,
  anchorAll,
  appendDatedAhead,
  appendUnfiledSupervision,
  buildHistory,
  commitLogHead,
  OTHER_AGENCY,
} from './history';
import { NO_SUBJECTS } from '../../http/supervision/testing';
import { createSupervisionWriter } from '../../http/supervision/supervisionWriter';
import {
  deleteAnchorBatchesOf,
  deleteAnchorRows,
  deleteEvent,
  editColumn,
  editPayload,
  insertForged,
  renameStream,
  setRecordedAt,
  swapPositions,
  type TamperDb,
} from './tamper';

/** One event store with its anchor store and raw SQL access, as a tamper suite needs it. */
export interface TamperTarget {
  readonly store: EventStore;
  readonly anchorStore: AnchorStore;
  readonly db: TamperDb;
  /** Raw SQL on the anchor store's tables (anchor_batches, anchor_events). */
  readonly anchorDb: TamperDb;
  readonly membership: () => Promise<AnchorMembership>;
  close(): Promise<void>;
}

/** The same tamper tests against any event store adapter, with the real anchorer and embedded ledger. */
export function tamperSuite(name: string, open: (dir: string) => Promise<TamperTarget>): void {
  describe(`audit against tampering: ${name} + embedded ledger`, () => {
    let dir: string;
    let target: TamperTarget;
    let ledger: EmbeddedLedgerBackend;
    let certificationIds: string[];

    beforeEach(async () => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'audit-tamper-'));
      target = await open(dir);
      ledger = openEmbeddedBackend({ dataDir: dir });
      ({ certificationIds } = await buildHistory({
        store: target.store,
        anchorStore: target.anchorStore,
        ledger,
        certifications: 3,
        otherAgencyCertifications: 1,
      }));
    });

    afterEach(async () => {
      await target.close();
      await ledger.close();
      fs.rmSync(dir, { recursive: true, force: true });
    });

    interface AuditRun {
      filter?: { agencyId?: string };
      logKeyId?: string;
      logKeyUnreadable?: string;
      now?: () => Date;
      logHeadMaxAgeMs?: number;
      /**
       * `embedded` reads the ledger file (and can list every digest on it); `fabric` goes through the
       * backend's queries, as the audit of a Fabric network does (it can only look up what it names).
       */
      view?: 'embedded' | 'fabric';
      /** Where the `fabric` view reads log heads (default: the embedded ledger's LogHeadContract). */
      logHeads?: LogHeadLedger;
      wrap?: (view: AuditLedgerView) => AuditLedgerView;
      /** The store as the audit sees it (default: the target's). */
      store?: EventStore;
    }

    async function audit(options: AuditRun = {}): Promise<AuditReport> {
      const { view: kind = 'embedded', logHeads, wrap = (v) => v, ...rest } = options;
      const backend = kind === 'fabric' ? openEmbeddedBackend({ dataDir: dir }) : undefined;
      const view = backend
        ? ledgerViewOfBackend({ backend, logHeads: logHeads ?? embeddedLogHeadLedger({ backend }) })
        : openEmbeddedLedgerView({ dataDir: dir });
      try {
        return await runAudit({
          store: target.store,
          ...rest,
          ledger: wrap(view),
          membership: await target.membership(),
          pageSize: 17,
        });
      } finally {
        await view.close();
      }
    }

    const anHourLater = (): Date => new Date(Date.now() + 3_600_000);

    /** A suspension through the intake, after the stream's last event; not anchored. */
    async function submitUnanchored(certification: number, eventId: string): Promise<void> {
      const last = (await streamOf(certification)).at(-1)!;
      const { createIntake } = await import('../../intake/intake');
      const { defaultRulesConfig } = await import('../../certification');
      const intake = createIntake({ store: target.store, rules: defaultRulesConfig, clock: () => new Date() });
      await intake.submit(AGENCY, {
        certificationId: certificationIds[certification]!,
        eventId,
        type: 'CertificateSuspended',
        occurredAt: '2026-06-01T10:00:00+08:00',
        expectedVersion: last.version,
        data: { reason: 'complaint under review', until: '2026-09-01' },
      });
    }

    const streamOf = async (i: number): Promise<StoredEvent[]> =>
      target.store.readStream(`certification-${certificationIds[i]}`);
    const kinds = (report: AuditReport): string[] => report.discrepancies.map((d) => `${d.kind}:${d.reason}`);
    const only = (report: AuditReport): Discrepancy => {
      expect(report.discrepancies).toHaveLength(1);
      return report.discrepancies[0]!;
    };

    it('finds nothing wrong in an untouched, anchored history', async () => {
      const report = await audit();
      expect(report.ok).toBe(true);
      expect(report.discrepancies).toEqual([]);
      expect(report.warnings).toEqual([]);
      expect(report.counts).toMatchObject({
        eventsInLog: 56,
        eventsAudited: 56,
        streamsAudited: 4,
        anchoredEvents: 56,
        pendingEvents: 0,
      });
      expect(report.counts.batchesChecked).toBeGreaterThan(0);
    });

    it('names an edited payload (hash column left alone) as modified, with its event, stream and position', async () => {
      const victim = (await streamOf(1))[5]!;
      await editPayload(target.db, victim.eventId);
      const report = await audit();
      expect(report.ok).toBe(false);
      expect(only(report)).toMatchObject({
        kind: 'modified',
        reason: 'bytes-hash-mismatch',
        eventId: victim.eventId,
        streamId: victim.streamId,
        version: 5,
        position: victim.position,
        expected: victim.hash,
      });
    });

    it('names an edited payload whose hash was recomputed as modified against the anchored digest', async () => {
      const victim = (await streamOf(0))[3]!;
      await editPayload(target.db, victim.eventId, { rehash: true });
      const finding = only(await audit());
      expect(finding).toMatchObject({
        kind: 'modified',
        reason: 'hash-differs-from-anchored-digest',
        eventId: victim.eventId,
        expected: victim.hash,
        position: victim.position,
      });
    });

    it('names an edited occurred_at (the hashed occurredAt left alone) as column-altered, with its event; the verification page stops saying valid', async () => {
      const victim = (await streamOf(1)).at(-1)!;
      expect(victim.type).toBe('CertificateIssued');
      await editColumn(target.db, { eventId: victim.eventId }, 'occurred_at', '2024-01-02T10:00:00+08:00');
      const report = await audit();
      expect(report.ok).toBe(false);
      expect(only(report)).toMatchObject({
        kind: 'column-altered',
        reason: 'occurred-at-differs-from-bytes',
        eventId: victim.eventId,
        streamId: victim.streamId,
        version: victim.version,
        position: victim.position,
        expected: victim.occurredAt,
        actual: '2024-01-02T10:00:00+08:00',
      });
      expect(report.byKind['column-altered']).toBe(1);
      const summary = formatSummary(report);
      expect(summary).toMatch(/column-altered\s+1/);
      expect(summary).toContain(
        'a column the hash does not cover (occurred_at, region_code) contradicts the hashed event',
      );
      expect(summary).toContain(`expected ${victim.occurredAt}  found 2024-01-02T10:00:00+08:00`);
      const integrity = await checkStreamIntegrity({ store: target.store, ledger, streamId: victim.streamId });
      expect(integrity.ok).toBe(false);
      expect(integrity.discrepancies.map((d) => d.kind)).toEqual(['column-altered']);
    });

    it('names a certification filed under another region (region_code edited) as column-altered, naming the stream and its first misfiled event', async () => {
      const moved = await streamOf(0);
      await editColumn(target.db, { streamId: moved[0]!.streamId }, 'region_code', '110105');
      const partly = await streamOf(2);
      await editColumn(target.db, { eventId: partly[7]!.eventId }, 'region_code', '440305');
      const report = await audit();
      expect(report.ok).toBe(false);
      expect(report.discrepancies).toEqual([
        expect.objectContaining({
          kind: 'column-altered',
          reason: 'region-differs-from-first-event',
          streamId: moved[0]!.streamId,
          eventId: moved[0]!.eventId,
          version: 0,
          position: moved[0]!.position,
          expected: '320106',
          actual: '110105',
        }),
        expect.objectContaining({
          kind: 'column-altered',
          reason: 'region-differs-from-first-event',
          streamId: partly[0]!.streamId,
          eventId: partly[7]!.eventId,
          version: 7,
          expected: '320106',
          actual: '440305',
        }),
      ]);
      expect(report.byKind['column-altered']).toBe(2);
    });

    it("names each event of a supervision case moved out of its writer's region (region_code edited) as column-altered, an admin's case too, but no event written before filings were hashed", async () => {
      const writer = createSupervisionWriter({ store: target.store, subjects: NO_SUBJECTS });
      const nanjing = { id: 'regulator-nanjing', regionCode: '3201' };
      const suzhou = { id: 'regulator-suzhou', regionCode: '3205' };
      const admin = { id: 'ops', regionCode: '' };
      const complaint = (caseId: string, subject: string) => ({
        eventId: randomUUID(),
        type: 'ComplaintRecorded',
        occurredAt: '2026-01-05T10:00:00+08:00',
        caseId,
        data: { receivedAt: '2026-01-04', subject },
      });
      const opened = (await writer.submit(nanjing, complaint('NJ-1', 'scope not as certified'))).event;
      const followed = (await writer.submit(nanjing, complaint('NJ-1', 'follow-up'))).event;
      const byAdmin = (await writer.submit(admin, complaint('OPS-1', 'national campaign'))).event;
      // A case opened before the ledger hashed filings, continued since.
      const older = await appendUnfiledSupervision(target.store, 'OLD-1', suzhou);
      const continued = (await writer.submit(suzhou, complaint('OLD-1', 'continued'))).event;
      await anchorAll({ store: target.store, anchorStore: target.anchorStore, ledger });
      expect((await audit()).discrepancies).toEqual([]);

      await editColumn(target.db, { streamId: opened.streamId }, 'region_code', '3205');
      await editColumn(target.db, { eventId: byAdmin.eventId }, 'region_code', '3201');
      await editColumn(target.db, { streamId: older.streamId }, 'region_code', '32');
      const report = await audit();
      expect(report.ok).toBe(false);
      // expected: the region the event's hash covers; actual: the column.
      const misfiled = (event: StoredEvent, expected: string, actual: string) => [
        'region-differs-from-filing',
        event.eventId,
        event.streamId,
        event.version,
        event.position,
        expected,
        actual,
      ];
      expect(report.discrepancies.map((d) => d.kind)).toEqual(Array(4).fill('column-altered'));
      expect(
        report.discrepancies.map((d) => [d.reason, d.eventId, d.streamId, d.version, d.position, d.expected, d.actual]),
      ).toEqual([
        misfiled(opened, '3201', '3205'),
        misfiled(followed, '3201', '3205'),
        misfiled(byAdmin, '', '3201'),
        misfiled(continued, '3205', '32'),
      ]);
      expect(formatSummary(report)).toContain('expected ""  found 3201');
    });

    it.each([
      ['into a supervision stream', 'supervision-'],
      ['to another certification', 'certification-Y'],
    ])(
      'names a certification moved %s (stream_id edited) as modified, each event naming the stream its bytes name, and the stream as missing its anchored events',
      async (_, prefix) => {
        const moved = await streamOf(1);
        const from = moved[0]!.streamId;
        const to = `${prefix}${certificationIds[1]}`;
        await renameStream(target.db, from, to);
        const report = await audit();
        expect(report.ok).toBe(false);
        expect(
          report.discrepancies.map((d) => [d.kind, d.reason, d.streamId, d.eventId, d.expected, d.actual]),
        ).toEqual(
          expect.arrayContaining(
            moved.flatMap((event) => [
              ['modified', 'stream-differs-from-bytes', to, event.eventId, from, to],
              [
                'anchored-but-missing-from-store',
                'stream-missing-from-store',
                from,
                event.eventId,
                event.hash,
                undefined,
              ],
            ]),
          ),
        );
        expect(report.discrepancies).toHaveLength(2 * moved.length);
      },
    );

    it('names a supervision case moved into a certification stream (stream_id edited) as modified, and the case as missing its anchored events', async () => {
      const writer = createSupervisionWriter({ store: target.store, subjects: NO_SUBJECTS });
      const { event } = await writer.submit(
        { id: 'regulator-nanjing', regionCode: '3201' },
        {
          eventId: randomUUID(),
          type: 'ComplaintRecorded',
          occurredAt: '2026-01-05T10:00:00+08:00',
          caseId: 'NJ-7',
          data: { receivedAt: '2026-01-04', subject: 'scope not as certified' },
        },
      );
      await anchorAll({ store: target.store, anchorStore: target.anchorStore, ledger });
      expect((await audit()).ok).toBe(true);
      await renameStream(target.db, event.streamId, 'certification-NJ-7');
      expect(kinds(await audit()).sort()).toEqual([
        'anchored-but-missing-from-store:stream-missing-from-store',
        'modified:stream-differs-from-bytes',
      ]);
    });

    it('names a deleted event as deleted, from the ledger digest it leaves behind', async () => {
      const victim = (await streamOf(2))[7]!;
      await deleteEvent(target.db, victim.eventId);
      const finding = only(await audit());
      expect(finding).toMatchObject({
        kind: 'deleted',
        reason: 'version-gap',
        eventId: victim.eventId,
        streamId: victim.streamId,
        version: 7,
        expected: victim.hash,
      });
    });

    it("names a deleted last event as deleted: the ledger's stream head is beyond the store", async () => {
      const stream = await streamOf(0);
      const victim = stream[stream.length - 1]!;
      await deleteEvent(target.db, victim.eventId);
      const finding = only(await audit());
      expect(finding).toMatchObject({
        kind: 'deleted',
        reason: 'tail-truncated',
        eventId: victim.eventId,
        version: victim.version,
      });
    });

    it('names a whole stream gone from the store as anchored-but-missing-from-store', async () => {
      const stream = await streamOf(1);
      for (const event of stream) await deleteEvent(target.db, event.eventId);
      const report = await audit();
      expect(report.discrepancies).toHaveLength(stream.length);
      expect(new Set(report.discrepancies.map((d) => d.kind))).toEqual(new Set(['anchored-but-missing-from-store']));
      expect(report.discrepancies.map((d) => d.eventId).sort()).toEqual(stream.map((e) => e.eventId).sort());
    });

    it('names two swapped events as reordered', async () => {
      const stream = await streamOf(1);
      await swapPositions(target.db, stream[4]!.eventId, stream[9]!.eventId);
      const report = await audit();
      expect(kinds(report)).toEqual(['reordered:log-order-differs', 'reordered:log-order-differs']);
      expect(report.discrepancies.map((d) => d.eventId).sort()).toEqual(
        [stream[4]!.eventId, stream[9]!.eventId].sort(),
      );
      expect(report.discrepancies.find((d) => d.eventId === stream[4]!.eventId)!.position).toBe(stream[9]!.position);
    });

    it('names a forged event with a recomputed chain as inserted, listing the renumbered events after it', async () => {
      const stream = await streamOf(2);
      const forged = await insertForged(target.db, stream[0]!.streamId, 6);
      const finding = only(await audit());
      expect(finding).toMatchObject({
        kind: 'inserted',
        reason: 'unanchored-among-anchored',
        eventId: forged,
        version: 6,
      });
      expect(finding.affected!.map((a) => a.eventId)).toEqual(stream.slice(6).map((e) => e.eventId));
      expect(finding.affected![0]).toMatchObject({ storedVersion: 7, anchoredVersion: 6 });
    });

    it('reports events the anchorer never anchored once the grace period is over, and only then', async () => {
      const last = (await streamOf(0)).at(-1)!;
      // The service's log head of the anchored history; the log has not grown since, so it stays the newest.
      await commitLogHead({ store: target.store, ledger, dataDir: dir });
      await submitUnanchored(0, '00000000-0000-4000-8000-000000000001');
      const fresh = await audit();
      expect(fresh.ok).toBe(true);
      expect(fresh.counts.pendingEvents).toBe(1);
      const late = await audit({ now: anHourLater });
      expect(only(late)).toMatchObject({
        kind: 'never-anchored',
        eventId: '00000000-0000-4000-8000-000000000001',
        version: last.version + 1,
      });
    });

    it("reports a batch the ledger refused, with its event, whatever the event's recorded time says", async () => {
      const refused = await appendDatedAhead(target.store, `certification-${certificationIds[0]}`);
      await anchorAll({ store: target.store, anchorStore: target.anchorStore, ledger });
      const report = await audit();
      expect(report.ok).toBe(false);
      const finding = only(report);
      expect(finding).toMatchObject({
        kind: 'rejected-by-ledger',
        reason: 'refused-by-ledger',
        eventId: refused.eventId,
        position: refused.position,
        actual: 'CL_OCCURRED_IN_FUTURE',
      });
      // Dated far ahead, it would count as pending for ever if its recorded time were believed.
      await setRecordedAt(target.db, refused.eventId, '2099-01-01T00:00:00.000Z');
      const redated = await audit();
      expect(kinds(redated).sort()).toEqual(['modified:recorded-at-in-future', 'rejected-by-ledger:refused-by-ledger']);
      expect(redated.counts.pendingEvents).toBe(0);
      // Gone from the store, the refused batch is still in the anchor store's record.
      await deleteEvent(target.db, refused.eventId);
      expect(only(await audit())).toMatchObject({
        kind: 'rejected-by-ledger',
        reason: 'refused-batch-missing-from-store',
        batchId: finding.batchId,
      });
    });

    it('flags a recorded time later than the audit, on that event alone', async () => {
      const victim = (await streamOf(1))[6]!;
      await setRecordedAt(target.db, victim.eventId, '2099-01-01T00:00:00.000Z');
      expect(only(await audit())).toMatchObject({
        kind: 'modified',
        reason: 'recorded-at-in-future',
        eventId: victim.eventId,
        position: victim.position,
        actual: '2099-01-01T00:00:00.000Z',
      });
    });

    it('flags a recorded time earlier than that of the event before it in the log', async () => {
      const stream = await streamOf(2);
      const victim = stream[3]!;
      await setRecordedAt(target.db, victim.eventId, '2020-01-01T00:00:00.000Z');
      expect(only(await audit())).toMatchObject({
        kind: 'modified',
        reason: 'recorded-at-before-previous-event',
        eventId: victim.eventId,
        position: victim.position,
        expected: stream[2]!.recordedAt,
        actual: '2020-01-01T00:00:00.000Z',
      });
    });

    it('reports an unanchored event as never anchored once a log head covered it long ago, whatever its recorded time says', async () => {
      const eventId = '00000000-0000-4000-8000-000000000002';
      await submitUnanchored(1, eventId);
      await commitLogHead({ store: target.store, ledger, dataDir: dir });
      // An hour on, its recorded time moved to a minute before the audit: within the grace period.
      const later = anHourLater();
      await setRecordedAt(target.db, eventId, new Date(later.getTime() - 60_000).toISOString());
      expect(only(await audit({ now: () => later }))).toMatchObject({
        kind: 'never-anchored',
        reason: 'unanchored-long-after-log-head',
        eventId,
      });
    });

    it("reports log heads signed by another key than the service's, naming both key ids, and takes none of them for the log's", async () => {
      // An operator identity of another org commits a head of the log with its own key before the service's first.
      const intruder = await commitLogHead({ store: target.store, ledger, dataDir: path.join(dir, 'intruder') });
      // The ledger takes that key for the log's: the service's head of the grown log is refused.
      await buildHistory({
        store: target.store,
        anchorStore: target.anchorStore,
        ledger,
        certifications: 1,
        prefix: 'K',
      });
      await expect(commitLogHead({ store: target.store, ledger, dataDir: dir })).rejects.toThrow(
        'CL_LOG_HEAD_SIGNATURE',
      );
      const logKeyId = loadOrCreateLogHeadSigner(dir).keyId;
      const report = await audit({ logKeyId });
      expect(report.ok).toBe(false);
      expect(only(report)).toMatchObject({
        kind: 'log-head-missing-or-stale',
        reason: 'log-head-other-key',
        position: intruder.lastPosition,
        expected: logKeyId,
        actual: intruder.keyId,
      });
      expect(report.log).toMatchObject({
        keyId: logKeyId,
        keyIdGiven: true,
        heads: [expect.objectContaining({ consistent: false, reason: 'other-key', keyId: intruder.keyId })],
      });
      expect(formatSummary(report)).toContain(`is signed by key ${intruder.keyId}, not the log's`);
      // The intruder's head covers nothing for the log: an hour on, the log has no head of its own.
      expect(kinds(await audit({ logKeyId, now: anHourLater }))).toEqual([
        'log-head-missing-or-stale:log-head-other-key',
        'log-head-missing-or-stale:no-log-head',
      ]);
    });

    it('reports log heads it could not read instead of taking them for none', async () => {
      const unreachable: LogHeadLedger = {
        commitHead: () => Promise.reject(new Error('read only')),
        latestHead: () => Promise.reject(new LedgerError('unavailable', 'GetLogHead failed: peer unreachable')),
        listHeads: () => Promise.reject(new LedgerError('unavailable', 'GetLogHeads failed: peer unreachable')),
      };
      const report = await audit({ view: 'fabric', logHeads: unreachable });
      expect(report.ok).toBe(false);
      expect(only(report)).toMatchObject({
        kind: 'log-head-missing-or-stale',
        reason: 'log-heads-unreadable',
        actual: expect.stringContaining('peer unreachable'),
      });
    });

    it('reports a newest log head too old for the log, though everything after it is gone from both stores', async () => {
      await commitLogHead({ store: target.store, ledger, dataDir: dir });
      const { certificationIds: added } = await buildHistory({
        store: target.store,
        anchorStore: target.anchorStore,
        ledger,
        certifications: 1,
        prefix: 'G',
      });
      const gone = await target.store.readStream(`certification-${added[0]}`);
      for (const event of gone) await deleteEvent(target.db, event.eventId);
      await deleteAnchorBatchesOf(
        target.anchorDb,
        gone.map((event) => event.eventId),
      );
      const later = anHourLater();
      // The Fabric view cannot list the ledger's digests: only the missing log head tells.
      expect(only(await audit({ view: 'fabric', now: () => later }))).toMatchObject({
        kind: 'log-head-missing-or-stale',
        reason: 'log-head-stale',
      });
      expect((await audit({ view: 'fabric', now: () => later, logHeadMaxAgeMs: 2 * 3_600_000 })).ok).toBe(true);
      // The embedded view lists every digest on the ledger: it names the events themselves.
      const embedded = await audit({ now: () => later });
      expect(embedded.discrepancies).toHaveLength(14);
      expect(new Set(kinds(embedded))).toEqual(new Set(['anchored-but-missing-from-store:stream-missing-from-store']));
    });

    it('reports anchored events no log head has covered within the tolerance', async () => {
      await commitLogHead({ store: target.store, ledger, dataDir: dir });
      await buildHistory({
        store: target.store,
        anchorStore: target.anchorStore,
        ledger,
        certifications: 1,
        prefix: 'L',
      });
      expect((await audit()).ok).toBe(true);
      for (const view of ['embedded', 'fabric'] as const) {
        expect(only(await audit({ view, now: anHourLater }))).toMatchObject({
          kind: 'log-head-missing-or-stale',
          reason: 'anchored-beyond-log-head',
          position: 57,
        });
      }
    });

    it.each(['embedded', 'fabric'] as const)(
      'names the events a batch lost from both stores as missing from the store (%s view)',
      async (view) => {
        const gone = await streamOf(1);
        for (const event of gone) await deleteEvent(target.db, event.eventId);
        await deleteAnchorRows(
          target.anchorDb,
          gone.map((event) => event.eventId),
        );
        const report = await audit({ view });
        expect(report.discrepancies.map((d) => d.eventId).sort()).toEqual(gone.map((e) => e.eventId).sort());
        expect(new Set(kinds(report))).toEqual(new Set(['anchored-but-missing-from-store:stream-missing-from-store']));
        expect(report.discrepancies.every((d) => d.batchId !== undefined)).toBe(true);
        // A ledger that cannot list a batch's digests still says how many events the batch had.
        const blind = await audit({
          view,
          wrap: (v) => ({ ...v, batchDigests: async () => [], digestsNotIn: undefined }),
        });
        expect(new Set(kinds(blind))).toEqual(new Set(['deleted:batch-events-missing']));
        expect(blind.discrepancies.length).toBeGreaterThan(0);
      },
    );

    it('lists the checks it skipped as warnings, which leave ok alone: an unchecked log key, a filter, recorded times not in log order', async () => {
      const head = await commitLogHead({ store: target.store, ledger, dataDir: dir });
      const logKeyId = loadOrCreateLogHeadSigner(dir).keyId;
      expect((await audit({ logKeyId })).warnings).toEqual([]);

      const unordered: EventStore = Object.assign(Object.create(target.store) as EventStore, {
        recordedAtFollowsLog: false,
      });
      const report = await audit({ filter: { agencyId: AGENCY }, store: unordered });
      expect(report.ok).toBe(true);
      expect(report.warnings).toEqual([
        {
          code: 'log-head-key-unchecked',
          message: expect.stringContaining(`the key of the first head on the ledger, ${head.keyId}, was taken`),
        },
        { code: 'scope-filtered', message: expect.stringContaining(`only the events of agencyId=${AGENCY}`) },
        { code: 'recorded-time-order-unchecked', message: expect.stringContaining('(KurrentDB)') },
      ]);
      expect(formatSummary(report)).toContain('ALL CHECKS AGREE; 3 CHECKS SKIPPED (warnings below)');

      // Why the caller could not read the key is the warning's first words.
      const unreadable = await audit({ logKeyUnreadable: 'EACCES: permission denied' });
      expect(unreadable.warnings).toEqual([
        {
          code: 'log-head-key-unchecked',
          message: expect.stringMatching(/^the log's key could not be read \(EACCES: permission denied\)/),
        },
      ]);
    });

    it('limits the audit to one agency', async () => {
      const victim = (await streamOf(3))[2]!;
      await editPayload(target.db, victim.eventId);
      const mine = await audit({ filter: { agencyId: AGENCY } });
      expect(mine.ok).toBe(true);
      expect(mine.counts.eventsAudited).toBe(42);
      const theirs = await audit({ filter: { agencyId: OTHER_AGENCY } });
      expect(only(theirs)).toMatchObject({ kind: 'modified', eventId: victim.eventId });
    });
  });
}
