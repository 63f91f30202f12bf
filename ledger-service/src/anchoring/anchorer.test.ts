import fs from 'node:fs';
import os from 'node:os';
import Database from 'better-sqlite3';
import path from 'node:path';
import type { EventStore, StoredEvent } from '../eventStore/port';
import { openSqliteEventStore } from '../eventStore/sqlite/sqliteEventStore';
import { SQLITE_FILE_NAME } from '../eventStore';
import { canonicalBytes, decodeCanonical, sha256Hex } from '../events/canonical';
import { countingReads } from '../eventStore/testing/countingReads';
import { batchIdOf, batchRootOf } from '@certledger/chaincode';
import {
  Anchorer,
  AnchorerOptions,
  createAnchorer,
  FOLLOWS_REFUSED_EVENT,
  halvesOf,
  partOf,
  STALLED_ADOPTION_ATTEMPTS,
} from './anchorer';
import { AnchorStore, openSqliteAnchorStore, PlannedBatch } from './anchorStore';
import { EmbeddedLedgerBackend, openEmbeddedBackend } from './embedded';
import { AnchoredEventDigest, LedgerBackend, LedgerError } from './port';
import { buildReceipt, verifyReceipt, type Receipt } from './receipts';
import { appendTo, chainedEvents, contractSigned, issued, restored, suspended, transferred } from './testing/events';

const CB_A = 'CNCA-R-2002-001';
const CB_B = 'CNCA-R-2002-002';

describe('anchorer over the SQLite event store and the embedded ledger', () => {
  let dir: string;
  let eventStore: EventStore;
  let anchorStore: AnchorStore;
  let ledger: EmbeddedLedgerBackend;
  let anchorer: Anchorer | undefined;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'anchorer-'));
    eventStore = openSqliteEventStore({ directory: dir });
    anchorStore = openSqliteAnchorStore({ directory: dir });
    ledger = openEmbeddedBackend({ dataDir: dir });
  });
  afterEach(async () => {
    await anchorer?.stop();
    anchorer = undefined;
    await Promise.all([eventStore.close(), anchorStore.close(), ledger.close()]);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const start = (options: Partial<AnchorerOptions> = {}, backend: LedgerBackend = ledger): Anchorer => {
    anchorer = createAnchorer({
      eventStore,
      anchorStore,
      ledger: backend,
      maxBatchEvents: 7,
      maxBatchDelayMs: 20,
      idleWaitMs: 50,
      retryInitialMs: 10,
      ...options,
    });
    return anchorer;
  };

  async function until(condition: () => Promise<boolean>): Promise<void> {
    for (let i = 0; i < 1000; i++) {
      if (await condition()) return;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error('condition never held');
  }
  const allAnchored = (a: Anchorer) => async () => (await a.lag()).unanchoredEvents === 0;
  /** The embedded ledger with its anchor() replaced. */
  const anchoringWith = (anchor: LedgerBackend['anchor']): LedgerBackend =>
    Object.assign(Object.create(ledger) as LedgerBackend, { anchor });
  /** The embedded ledger refusing its first `times` batches with `code`, then anchoring. */
  const refusingFirst = (times: number, code: string): LedgerBackend => {
    let left = times;
    return anchoringWith(async (batch) => {
      if (left-- > 0) throw new LedgerError('rejected', `${code}: refused ${times} times for the test`, code);
      return ledger.anchor(batch);
    });
  };

  it('anchors every event of every agency, in batches no larger than the bound, with receipts that verify offline and online', async () => {
    const stored = [];
    for (let s = 0; s < 6; s++) {
      stored.push(
        ...(await appendTo(eventStore, `certification-a${s}`, CB_A, [
          contractSigned(1),
          contractSigned(2),
          contractSigned(3),
        ])),
      );
      stored.push(...(await appendTo(eventStore, `certification-b${s}`, CB_B, [contractSigned(1), contractSigned(2)])));
    }
    const receiptBefore = await buildReceipt({ eventStore, anchorStore }, stored[0]!.eventId);
    expect(receiptBefore?.status).toBe('pending');
    expect((await start().lag()).unanchoredEvents).toBe(stored.length);

    anchorer!.start();
    await until(allAnchored(anchorer!));
    for (const event of stored) {
      expect(await ledger.getEvent(event)).toMatchObject({
        hash: event.hash,
        streamId: event.streamId,
        version: event.version,
      });
      const receipt = await buildReceipt({ eventStore, anchorStore }, event.eventId);
      expect(receipt).toMatchObject({
        status: 'anchored',
        backend: 'embedded',
        channel: 'embedded',
        chaincode: 'certledger',
      });
      expect(receipt!.treeSize).toBeLessThanOrEqual(7);
      const verdict = await verifyReceipt(receipt!, { ledger });
      expect(verdict.checks.filter((c) => !c.ok)).toEqual([]);
      expect(verdict.ok).toBe(true);
    }
    const counts = await anchorStore.counts();
    expect(counts.events).toBe(stored.length);
    expect(counts.batches.rejected).toBe(0);
    expect(await ledger.height()).toBe(counts.batches.committed);
    expect(await ledger.getStreamHead('certification-b5')).toMatchObject({ agencyId: CB_B, version: 1 });
  });

  it('reads each event from the log about once while a batch fills, not again at every append', async () => {
    const counting = countingReads(eventStore);
    const appends = 40;
    anchorer = createAnchorer({
      eventStore: counting.store,
      anchorStore,
      ledger,
      maxBatchEvents: appends,
      maxBatchDelayMs: 60_000,
      idleWaitMs: 50,
    });
    anchorer.start();
    for (let i = 0; i < appends; i++) {
      await appendTo(eventStore, `certification-fill${i}`, CB_A, [contractSigned(1)]);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await until(allAnchored(anchorer));
    expect((await anchorStore.counts()).events).toBe(appends);
    // Reading every waiting event again at each append read about appends²/2 rows (some 800 here).
    expect(counting.rowsRead()).toBeLessThan(appends * 3);
  });

  it('a tampered receipt fails verification offline and against the ledger', async () => {
    const [event] = await appendTo(eventStore, 'certification-t', CB_A, [
      contractSigned(1),
      contractSigned(2),
      contractSigned(3),
    ]);
    await start().drain();
    const receipt = (await buildReceipt({ eventStore, anchorStore }, event!.eventId))!;
    const otherCanonical = Buffer.from(
      chainedEvents('certification-t', CB_A, [contractSigned(9)])[0]!.canonical,
    ).toString('base64');
    const tampered = [
      { ...receipt, canonical: otherCanonical },
      { ...receipt, path: [...receipt.path!].reverse() },
      { ...receipt, leafIndex: receipt.leafIndex! + 1 },
    ];
    for (const bad of tampered) expect((await verifyReceipt(bad)).checks.some((check) => !check.ok)).toBe(true);
    const forgedRoot = {
      ...receipt,
      root: receipt.path![0]!,
      path: [] as string[],
      treeSize: 1,
      leafIndex: 0,
      hash: receipt.path![0]!,
    };
    expect((await verifyReceipt(forgedRoot, { ledger })).checks.find((c) => c.name === 'ledger-batch')?.ok).toBe(false);
  });

  it('gives the time the ledger anchored the event, which the ledger confirms and a back-dated receipt cannot claim', async () => {
    const before = new Date().toISOString();
    const [event] = await appendTo(eventStore, 'certification-time', CB_A, [contractSigned(1)]);
    await start().drain();
    const receipt = (await buildReceipt({ eventStore, anchorStore }, event!.eventId))!;
    expect(receipt.anchoredAt! >= before && receipt.anchoredAt! <= new Date().toISOString()).toBe(true);
    expect((await ledger.getBatch(receipt.batchId!))?.timestamp).toBe(receipt.anchoredAt);
    expect((await verifyReceipt(receipt, { ledger })).ok).toBe(true);
    const backDated = { ...receipt, anchoredAt: '2025-01-01T00:00:00.000Z' };
    const verdict = await verifyReceipt(backDated, { ledger });
    expect(verdict.ok).toBe(false);
    expect(verdict.checks.find((c) => c.name === 'ledger-batch')?.detail).toContain(`time ${receipt.anchoredAt}`);
  });

  it('says the ledger could not be asked, apart from the offline checks, and lets other ledger errors through', async () => {
    const [event] = await appendTo(eventStore, 'certification-u', CB_A, [contractSigned(1)]);
    await start().drain();
    const receipt = (await buildReceipt({ eventStore, anchorStore }, event!.eventId))!;
    const failing = (error: Error): LedgerBackend =>
      Object.assign(Object.create(ledger) as LedgerBackend, { committedBatch: () => Promise.reject(error) });
    const unreachable = await verifyReceipt(receipt, { ledger: failing(new LedgerError('unavailable', 'no peer')) });
    expect(unreachable).toMatchObject({ ok: false, status: 'anchored', ledgerUnavailable: 'no peer' });
    expect(unreachable.checks.map((c) => [c.name, c.ok])).toEqual([
      ['canonical-hash', true],
      ['canonical-envelope', true],
      ['inclusion', true],
    ]);
    const otherCanonical = Buffer.from(
      chainedEvents('certification-u', CB_A, [contractSigned(9)])[0]!.canonical,
    ).toString('base64');
    const tamperedWhileUnreachable = await verifyReceipt(
      { ...receipt, canonical: otherCanonical },
      { ledger: failing(new LedgerError('unavailable', 'no peer')) },
    );
    expect(tamperedWhileUnreachable.checks.find((c) => c.name === 'canonical-hash')?.ok).toBe(false);
    await expect(verifyReceipt(receipt, { ledger: failing(new Error('a bug')) })).rejects.toThrow('a bug');
  });

  it("keeps the certificate's status on the ledger, learning its number across rounds, or from the stream when the anchor store lost it", async () => {
    const streamId = 'certification-cert1';
    await appendTo(eventStore, streamId, CB_A, [contractSigned(1), issued('CN-2026-0001')]);
    await start().drain();
    await appendTo(eventStore, streamId, CB_A, [suspended]);
    await start().drain();
    // The anchor store has lost the stream's certificate number: the anchorer reads it from the stream.
    const db = new Database(path.join(dir, 'anchors.sqlite'));
    expect(db.prepare('DELETE FROM anchor_stream_certificates').run().changes).toBe(1);
    db.close();
    const [last] = await appendTo(eventStore, streamId, CB_A, [restored]);
    await start().drain();
    expect(await ledger.getEvent(last!)).toMatchObject({ eventId: last!.eventId, certificateNo: 'CN-2026-0001' });
    expect(await ledger.getCertificateHistory('CN-2026-0001')).toEqual([
      expect.objectContaining({ status: 'valid', version: 1 }),
      expect.objectContaining({ status: 'suspended', version: 2 }),
      expect.objectContaining({ status: 'valid', version: 3 }),
    ]);
  });

  it('anchors a transfer in the same round as the transferring agency’s events', async () => {
    const streamId = 'certification-moving';
    await appendTo(eventStore, streamId, CB_A, [contractSigned(1), contractSigned(2)]);
    await appendTo(eventStore, streamId, CB_B, [transferred(CB_A), contractSigned(3)]);
    await start({ maxBatchEvents: 100 }).drain();
    expect(await ledger.getStreamHead(streamId)).toMatchObject({ agencyId: CB_B, version: 3 });
    expect((await anchorStore.counts()).batches).toEqual({ planned: 0, committed: 2, rejected: 0 });
  });

  it('retries with backoff while the ledger is down, and reports the lag meanwhile', async () => {
    let down = true;
    let attempts = 0;
    const flaky: LedgerBackend = Object.assign(Object.create(ledger) as LedgerBackend, {
      anchor: async (batch: Parameters<LedgerBackend['anchor']>[0]) => {
        attempts++;
        if (down) throw new LedgerError('unavailable', 'peer unreachable');
        return ledger.anchor(batch);
      },
    });
    const stored = await appendTo(eventStore, 'certification-r', CB_A, [contractSigned(1), contractSigned(2)]);
    start({}, flaky).start();
    await until(async () => attempts >= 3);
    const lag = await anchorer!.lag();
    expect(lag).toMatchObject({ headPosition: stored[1]!.position, anchoredThrough: 0, unanchoredEvents: 2 });
    expect(lag.oldestUnanchoredAgeMs).toBeGreaterThanOrEqual(0);
    expect(anchorer!.stats().consecutiveFailures).toBeGreaterThan(0);
    down = false;
    await until(allAnchored(anchorer!));
    expect(anchorer!.stats()).toMatchObject({ consecutiveFailures: 0, eventsAnchored: 2 });
    expect(await ledger.getEvent(stored[1]!)).toBeDefined();
  });

  it("keeps anchoring the other agencies while one agency's batches cannot be taken", async () => {
    let cbAEnrolled = false;
    const picky: LedgerBackend = Object.assign(Object.create(ledger) as LedgerBackend, {
      anchor: async (batch: Parameters<LedgerBackend['anchor']>[0]) => {
        if (batch.agencyId === CB_A && !cbAEnrolled) throw new LedgerError('unavailable', `no identity for ${CB_A}`);
        return ledger.anchor(batch);
      },
    });
    const stuck = await appendTo(eventStore, 'certification-stuck', CB_A, [contractSigned(1)]);
    start({}, picky).start();
    const others: StoredEvent[] = [];
    for (let i = 0; i < 3; i++)
      others.push(...(await appendTo(eventStore, `certification-free${i}`, CB_B, [contractSigned(i)])));
    await until(async () => (await Promise.all(others.map((e) => ledger.getEvent(e)))).every(Boolean));
    expect(await ledger.getEvent(stuck[0]!)).toBeUndefined();
    expect(anchorer!.stats()).toMatchObject({ failingBatches: 1 });
    cbAEnrolled = true;
    await until(allAnchored(anchorer!));
    expect(anchorer!.stats()).toMatchObject({ failingBatches: 0, consecutiveFailures: 0 });
  });

  it('retries a batch refused for a clock off the peers’ (CL_TX_TIME_SKEW): the batch is not at fault', async () => {
    const skewed = refusingFirst(3, 'CL_TX_TIME_SKEW');
    const [event] = await appendTo(eventStore, 'certification-clock', CB_A, [contractSigned(1)]);
    start({ retryInitialMs: 1, retryMaxMs: 2 }, skewed).start();
    await until(allAnchored(anchorer!));
    expect(anchorer!.stats().batchesRejected).toBe(0);
    expect(await ledger.getEvent(event!)).toBeDefined();
  });

  it('retries a version gap, which a peer that has not yet committed the previous block also gives, before taking it as a refusal', async () => {
    let lagging = 2;
    let gaps = 0;
    const behind: LedgerBackend = Object.assign(Object.create(ledger) as LedgerBackend, {
      anchor: async (batch: Parameters<LedgerBackend['anchor']>[0]) => {
        if (lagging > 0) {
          lagging--;
          gaps++;
          throw new LedgerError('rejected', 'CL_VERSION_GAP: the stream expects an earlier version', 'CL_VERSION_GAP');
        }
        return ledger.anchor(batch);
      },
    });
    const stored = await appendTo(eventStore, 'certification-lag', CB_A, [contractSigned(1)]);
    start({ retryInitialMs: 5 }, behind).start();
    await until(allAnchored(anchorer!));
    expect(gaps).toBe(2);
    expect(anchorer!.stats().batchesRejected).toBe(0);
    expect(await ledger.getEvent(stored[0]!)).toBeDefined();

    const always: LedgerBackend = Object.assign(Object.create(ledger) as LedgerBackend, {
      anchor: async () => {
        throw new LedgerError('rejected', 'CL_VERSION_GAP: a real gap', 'CL_VERSION_GAP');
      },
    });
    await anchorer!.stop();
    const gap = await appendTo(eventStore, 'certification-gap', CB_A, [contractSigned(1)]);
    start({ retryInitialMs: 1, retryMaxMs: 2 }, always).start();
    await until(async () => anchorer!.stats().batchesRejected === 1);
    expect((await buildReceipt({ eventStore, anchorStore }, gap[0]!.eventId))?.rejection).toBe('CL_VERSION_GAP');
  });

  it('records a batch the chaincode refuses, says so in its receipts, and goes on with the others', async () => {
    const good = await appendTo(eventStore, 'certification-good', CB_B, [contractSigned(1)]);
    // A stream whose stored chain was forged: its first event does not start from 64 zeros.
    const forged = chainedEvents('certification-bad', CB_A, [contractSigned(1)], {
      version: -1,
      hash: 'ab'.repeat(32),
    });
    await eventStore.append({ streamId: 'certification-bad', expectedVersion: -1, events: forged });
    await start().drain();
    expect(await buildReceipt({ eventStore, anchorStore }, forged[0]!.eventId)).toMatchObject({
      status: 'rejected',
      rejection: 'CL_PREV_HASH_MISMATCH',
    });
    expect((await buildReceipt({ eventStore, anchorStore }, good[0]!.eventId))?.status).toBe('anchored');
    expect(anchorer!.stats().batchesRejected).toBe(1);
  });

  it('narrows a refusal to the stream it concerns: the other streams of the batch are anchored, and the stream’s later events are refused without asking the ledger', async () => {
    const submitted: string[][] = [];
    const watching = anchoringWith((batch) => {
      submitted.push([...new Set(batch.events.map((event) => event.streamId))]);
      return ledger.anchor(batch);
    });
    const good: StoredEvent[] = [];
    for (let i = 0; i < 5; i++)
      good.push(...(await appendTo(eventStore, `certification-good${i}`, CB_A, [contractSigned(i)])));
    // A stream of the same CB whose stored chain was forged: its first event does not start from 64 zeros.
    const forged = chainedEvents('certification-bad', CB_A, [contractSigned(1)], {
      version: -1,
      hash: 'ab'.repeat(32),
    });
    await eventStore.append({ streamId: 'certification-bad', expectedVersion: -1, events: forged });
    await start({ maxBatchEvents: 100 }, watching).drain();

    expect(submitted[0]).toHaveLength(6);
    expect(await buildReceipt({ eventStore, anchorStore }, forged[0]!.eventId)).toMatchObject({
      status: 'rejected',
      rejection: 'CL_PREV_HASH_MISMATCH',
    });
    for (const event of good) expect(await ledger.getEvent(event)).toBeDefined();
    expect(anchorer!.stats().batchesRejected).toBe(1);
    expect((await anchorStore.counts()).batches.rejected).toBe(1);

    // After a restart: the forged stream's next event goes nowhere near the ledger; the others' do.
    await anchorer!.stop();
    const [next] = await appendTo(eventStore, 'certification-bad', CB_A, [contractSigned(2)]);
    const [other] = await appendTo(eventStore, 'certification-good0', CB_A, [contractSigned(9)]);
    submitted.length = 0;
    await start({ maxBatchEvents: 100 }, watching).drain();
    expect(submitted).toEqual([['certification-good0']]);
    expect(await ledger.getEvent(other!)).toBeDefined();
    expect(await buildReceipt({ eventStore, anchorStore }, next!.eventId)).toMatchObject({
      status: 'rejected',
      rejection: FOLLOWS_REFUSED_EVENT,
    });
    expect(await anchorStore.pendingBatches()).toEqual([]);
    expect((await anchorer!.lag()).unanchoredEvents).toBe(0);
  });

  it('does not say drained while the halves of a refused batch cannot be submitted', async () => {
    const flaky = anchoringWith(async (batch) => {
      if (new Set(batch.events.map((event) => event.streamId)).size > 2)
        throw new LedgerError('rejected', 'CL_PREV_HASH_MISMATCH: one of them', 'CL_PREV_HASH_MISMATCH');
      throw new LedgerError('unavailable', 'the peers do not answer');
    });
    for (let i = 0; i < 4; i++) await appendTo(eventStore, `certification-h${i}`, CB_A, [contractSigned(i)]);
    await expect(start({ maxBatchEvents: 100 }, flaky).drain()).rejects.toThrow('the peers do not answer');
    expect(anchorer!.stats()).toMatchObject({ failingBatches: 2, batchesRejected: 0 });
    expect(await anchorStore.pendingBatches()).toHaveLength(2);
  });

  it('retries an event dated a little ahead of the peers’ clocks instead of refusing it', async () => {
    const behind = refusingFirst(2, 'CL_OCCURRED_IN_FUTURE');
    const [event] = await appendTo(eventStore, 'certification-ahead', CB_A, [contractSigned(1)]);
    start({ retryInitialMs: 1, retryMaxMs: 2 }, behind).start();
    await until(allAnchored(anchorer!));
    expect(anchorer!.stats().batchesRejected).toBe(0);
    expect(await ledger.getEvent(event!)).toBeDefined();
  });

  it('refuses at once an event dated further ahead than the intake ever takes in', async () => {
    let submissions = 0;
    const counting = anchoringWith((batch) => {
      submissions++;
      return ledger.anchor(batch);
    });
    const [dated] = chainedEvents('certification-tomorrow', CB_A, [contractSigned(1)]);
    const occurredAt = new Date(Date.now() + 86_400_000).toISOString();
    const canonical = canonicalBytes({ ...decodeCanonical(dated!.canonical), occurredAt });
    const tomorrow = { ...dated!, occurredAt, canonical, hash: sha256Hex(canonical) };
    await eventStore.append({ streamId: 'certification-tomorrow', expectedVersion: -1, events: [tomorrow] });
    await start({}, counting).drain();
    expect(submissions).toBe(1);
    expect(await buildReceipt({ eventStore, anchorStore }, tomorrow.eventId)).toMatchObject({
      status: 'rejected',
      rejection: 'CL_OCCURRED_IN_FUTURE',
    });
  });

  it('anchors the occurredAt the hash covers, not an occurred_at column edited before anchoring', async () => {
    const [event, other] = await appendTo(eventStore, 'certification-dated', CB_A, [
      contractSigned(1),
      contractSigned(2),
    ]);
    const db = new Database(path.join(dir, SQLITE_FILE_NAME));
    db.prepare('UPDATE events SET occurred_at = ? WHERE event_id = ?').run('2025-06-30T09:00:00+08:00', event!.eventId);
    db.close();
    expect((await eventStore.findEvent(event!.eventId))?.occurredAt).toBe('2025-06-30T09:00:00+08:00');
    await start().drain();
    expect(await ledger.getEvent(event!)).toMatchObject({ eventId: event!.eventId, occurredAt: event!.occurredAt });
    expect(await ledger.getEvent(other!)).toMatchObject({ eventId: other!.eventId, occurredAt: other!.occurredAt });
  });

  it('sends no date for bytes that are no envelope, which the ledger refuses, and goes on with the other streams', async () => {
    const [broken] = chainedEvents('certification-garbled', CB_A, [contractSigned(1)]);
    const canonical = Buffer.from('not an envelope at all');
    await eventStore.append({
      streamId: 'certification-garbled',
      expectedVersion: -1,
      events: [{ ...broken!, canonical, hash: sha256Hex(canonical) }],
    });
    const [fine] = await appendTo(eventStore, 'certification-fine', CB_A, [contractSigned(1)]);
    await start().drain();
    expect(await buildReceipt({ eventStore, anchorStore }, broken!.eventId)).toMatchObject({
      status: 'rejected',
      rejection: 'CL_BAD_REQUEST',
    });
    expect(await ledger.getEvent(fine!)).toMatchObject({ eventId: fine!.eventId, occurredAt: fine!.occurredAt });
  });

  it('takes over the ledger’s batches for events planned again behind the ledger (an anchor store restored from a backup), and anchors the rest', async () => {
    const streams = ['certification-r0', 'certification-r1', 'certification-r2'];
    const before: StoredEvent[] = [];
    for (const streamId of streams)
      before.push(...(await appendTo(eventStore, streamId, CB_A, [contractSigned(1), contractSigned(2)])));
    await start({ maxBatchEvents: 2 }).drain();
    // The backup of the anchor store, taken here; the anchorer goes on after it.
    const backupDir = fs.mkdtempSync(path.join(os.tmpdir(), 'anchorer-backup-'));
    const anchorFile = path.join(dir, 'anchors.sqlite');
    const reader = new Database(anchorFile, { readonly: true });
    await reader.backup(path.join(backupDir, 'anchors.sqlite'));
    reader.close();
    const after: StoredEvent[] = [];
    for (const streamId of streams)
      after.push(...(await appendTo(eventStore, streamId, CB_A, [contractSigned(3), contractSigned(4)])));
    await start({ maxBatchEvents: 2 }).drain();
    const originalReceipts = new Map<string, Receipt>();
    for (const event of after)
      originalReceipts.set(event.eventId, (await buildReceipt({ eventStore, anchorStore }, event.eventId))!);
    const height = await ledger.height();
    await anchorer!.stop();
    anchorer = undefined;

    // The anchor store restored, behind the ledger; new events after it. Batches of 7 group the
    // events otherwise than the ledger's batches of 2: each holds events the ledger has and new ones.
    await anchorStore.close();
    fs.copyFileSync(path.join(backupDir, 'anchors.sqlite'), anchorFile);
    fs.rmSync(backupDir, { recursive: true, force: true });
    anchorStore = openSqliteAnchorStore({ directory: dir });
    expect(await anchorStore.checkpoint()).toBe(before.at(-1)!.position);
    const fresh: StoredEvent[] = [];
    for (const streamId of streams) fresh.push(...(await appendTo(eventStore, streamId, CB_A, [contractSigned(5)])));
    const submitted: string[] = [];
    const counting = anchoringWith((batch) => {
      submitted.push(batch.batchId);
      return ledger.anchor(batch);
    });
    await start({ maxBatchEvents: 7 }, counting).drain();

    expect(anchorer!.stats()).toMatchObject({ batchesRejected: 0 });
    expect((await anchorStore.counts()).batches.rejected).toBe(0);
    for (const event of after) {
      const receipt = (await buildReceipt({ eventStore, anchorStore }, event.eventId))!;
      const original = originalReceipts.get(event.eventId)!;
      expect(receipt).toMatchObject({
        status: 'anchored',
        batchId: original.batchId,
        transactionId: original.transactionId,
        blockNumber: original.blockNumber,
        leafIndex: original.leafIndex,
      });
      expect((await verifyReceipt(receipt, { ledger })).ok).toBe(true);
    }
    const freshBatches = new Set<string>();
    for (const event of fresh) {
      const receipt = (await buildReceipt({ eventStore, anchorStore }, event.eventId))!;
      expect(receipt.status).toBe('anchored');
      expect((await verifyReceipt(receipt, { ledger })).ok).toBe(true);
      freshBatches.add(receipt.batchId!);
    }
    // Blocks only for the new events' batches; the ledger's batches were read, never submitted again.
    expect(await ledger.height()).toBe(height + freshBatches.size);
    const ledgerBatches = new Set([...originalReceipts.values()].map((receipt) => receipt.batchId!));
    expect(ledgerBatches.size).toBeGreaterThan(0);
    expect(submitted.filter((batchId) => ledgerBatches.has(batchId))).toEqual([]);
    expect(await anchorStore.pendingBatches()).toEqual([]);
    expect((await anchorer!.lag()).unanchoredEvents).toBe(0);
  });

  /** Events of one stream anchored in one ledger batch, then an empty anchor store in place of the one that knew it. */
  async function anchoredThenForgotten(): Promise<StoredEvent[]> {
    const stored = await appendTo(eventStore, 'certification-forgotten', CB_A, [contractSigned(1), contractSigned(2)]);
    await start({ maxBatchEvents: 2 }).drain();
    await anchorer!.stop();
    anchorer = undefined;
    await anchorStore.close();
    anchorStore = openSqliteAnchorStore({ directory: dir, fileName: 'anchors-forgotten.sqlite' });
    return stored;
  }

  it('counts a ledger batch taken over once, however many planned batches hold its events', async () => {
    const stored = await anchoredThenForgotten();
    // Batches of one event: each holds an event of the ledger's batch of two.
    await start({ maxBatchEvents: 1 }).drain();

    expect(await anchorStore.counts()).toEqual({ batches: { planned: 0, committed: 1, rejected: 0 }, events: 2 });
    expect(anchorer!.stats()).toMatchObject({
      batchesCommitted: 1,
      batchesReplayed: 1,
      batchesRejected: 0,
      eventsAnchored: stored.length,
    });
  });

  it('never refuses events the ledger holds already, however long the peer queried takes to show them', async () => {
    const stored = await anchoredThenForgotten();
    let lagging = 30;
    const behind: LedgerBackend = Object.assign(Object.create(ledger) as LedgerBackend, {
      getStreamEvents: async (streamId: string) => (lagging-- > 0 ? [] : ledger.getStreamEvents(streamId)),
    });
    // Batches of one event: not the ledger's batch of two, which it would answer again.
    const lagged = start({ maxBatchEvents: 1, retryInitialMs: 1, retryMaxMs: 2 }, behind);
    lagged.start();
    await until(async () => lagging < 25);
    expect(lagged.stats().lastError).toMatch(/CL_EVENT_ALREADY_ANCHORED/);
    await until(allAnchored(lagged));

    expect(lagging).toBeLessThan(0);
    expect(lagged.stats()).toMatchObject({ batchesRejected: 0, eventsAnchored: stored.length });
    expect((await anchorStore.counts()).batches.rejected).toBe(0);
    for (const event of stored)
      expect((await buildReceipt({ eventStore, anchorStore }, event.eventId))?.status).toBe('anchored');
  });

  it('calls it a stall, logged once as an error, when the ledger keeps saying it holds a batch its queries never show; retries on, and clears it once taken over', async () => {
    const stored = await anchoredThenForgotten();
    let hidden = true;
    const behind: LedgerBackend = Object.assign(Object.create(ledger) as LedgerBackend, {
      getStreamEvents: async (streamId: string) => (hidden ? [] : ledger.getStreamEvents(streamId)),
    });
    const logged: Array<{ level: string; object: object; message?: string }> = [];
    const log =
      (level: string) =>
      (object: object, message?: string): void => {
        logged.push({ level, object, message });
      };
    const logger = { info: log('info'), warn: log('warn'), error: log('error'), debug: log('debug') };
    const startedAt = new Date().toISOString();
    const stalling = start({ maxBatchEvents: 1, retryInitialMs: 1, retryMaxMs: 2, logger }, behind);
    stalling.start();
    await until(async () => (stalling.stats().stalled?.attempts ?? 0) >= STALLED_ADOPTION_ATTEMPTS + 5);

    // Batches of one event: the stream's first event is the one refused; the second waits behind it.
    const firstBatch = batchIdOf([stored[0]!.hash]);
    const stall = stalling.stats().stalled!;
    expect(stall).toEqual({
      batchId: firstBatch,
      agencyId: CB_A,
      code: 'CL_EVENT_ALREADY_ANCHORED',
      attempts: expect.any(Number),
      since: expect.any(String),
    });
    expect(stall.since >= startedAt && stall.since <= new Date().toISOString()).toBe(true);
    expect(stalling.stats()).toMatchObject({ stalledBatches: 1, batchesRejected: 0 });
    const errors = logged.filter((line) => line.level === 'error');
    expect(errors).toEqual([
      {
        level: 'error',
        object: expect.objectContaining({
          batchId: firstBatch,
          attempts: STALLED_ADOPTION_ATTEMPTS,
          since: stall.since,
        }),
        message: expect.stringContaining('anchoring stalled'),
      },
    ]);

    hidden = false;
    await until(allAnchored(stalling));
    expect(stalling.stats()).toMatchObject({ stalledBatches: 0, batchesRejected: 0, eventsAnchored: stored.length });
    expect(stalling.stats().stalled).toBeUndefined();
    expect(logged.filter((line) => line.level === 'error')).toHaveLength(1);
    expect(logged).toContainEqual(
      expect.objectContaining({ level: 'info', message: 'a stalled anchor batch is settled' }),
    );
  });

  it('calls it a stall too when the ledger shows the events but its record of their batch disagrees with them, and never refuses', async () => {
    await anchoredThenForgotten();
    const disagreeing: LedgerBackend = Object.assign(Object.create(ledger) as LedgerBackend, {
      committedBatch: async (batchId: string) => {
        const found = await ledger.committedBatch(batchId);
        return found && { ...found, record: { ...found.record, root: '0'.repeat(64) } };
      },
    });
    const stalling = start({ maxBatchEvents: 1, retryInitialMs: 1, retryMaxMs: 2 }, disagreeing);
    stalling.start();
    await until(async () => (stalling.stats().stalled?.attempts ?? 0) >= STALLED_ADOPTION_ATTEMPTS);
    expect(stalling.stats()).toMatchObject({ stalledBatches: 1, batchesRejected: 0 });
    expect(stalling.stats().lastError).toMatch(/names another root/);
    await stalling.stop();
  });

  it('does not call it a stall while the peer queried catches up within the threshold', async () => {
    await anchoredThenForgotten();
    let lagging = STALLED_ADOPTION_ATTEMPTS - 2;
    const behind: LedgerBackend = Object.assign(Object.create(ledger) as LedgerBackend, {
      getStreamEvents: async (streamId: string) => (lagging-- > 0 ? [] : ledger.getStreamEvents(streamId)),
    });
    const errors: object[] = [];
    const logger = {
      info: () => undefined,
      warn: () => undefined,
      debug: () => undefined,
      error: (o: object) => errors.push(o),
    };
    const catchingUp = start({ maxBatchEvents: 1, retryInitialMs: 1, retryMaxMs: 2, logger }, behind);
    catchingUp.start();
    await until(allAnchored(catchingUp));
    expect(lagging).toBeLessThan(0);
    expect(catchingUp.stats()).toMatchObject({ stalledBatches: 0, batchesRejected: 0 });
    expect(errors).toEqual([]);
  });

  it('does not split a batch the ledger refuses for its submitter: every part would be refused alike', async () => {
    let submissions = 0;
    const forbidden = anchoringWith(async () => {
      submissions++;
      throw new LedgerError('rejected', 'CL_FORBIDDEN_AGENCY: not this agency', 'CL_FORBIDDEN_AGENCY');
    });
    for (let i = 0; i < 4; i++) await appendTo(eventStore, `certification-f${i}`, CB_A, [contractSigned(i)]);
    await start({ maxBatchEvents: 100 }, forbidden).drain();
    expect(submissions).toBe(1);
    expect((await anchorStore.counts()).batches).toEqual({ planned: 0, committed: 0, rejected: 1 });
  });
});

describe('parts of a planned batch', () => {
  const digest = (streamId: string, n: number): AnchoredEventDigest => ({
    eventId: `e${n}`,
    streamId,
    version: 0,
    type: 'ContractSigned',
    hash: n.toString(16).padStart(64, '0'),
    prevHash: '0'.repeat(64),
    occurredAt: '2026-01-01T00:00:00Z',
  });
  const streams = ['certification-a', 'certification-b', 'certification-a', 'certification-c', 'certification-b'];
  const digests = streams.map((streamId, n) => digest(streamId, n + 1));
  const hashes = digests.map((d) => d.hash);
  const whole: PlannedBatch = {
    batch: { batchId: batchIdOf(hashes), agencyId: CB_A, root: batchRootOf(hashes), events: digests },
    positions: [10, 11, 12, 13, 14],
    oldestRecordedAt: '2026-01-01T00:00:00.000Z',
  };

  it('keeps the chosen streams’ events in order, with their positions, under an id and root of their own', () => {
    const part = partOf(whole, (streamId) => streamId === 'certification-a')!;
    expect(part.batch.events.map((e) => e.eventId)).toEqual(['e1', 'e3']);
    expect(part.positions).toEqual([10, 12]);
    expect(part.batch.batchId).toBe(batchIdOf([digests[0]!.hash, digests[2]!.hash]));
    expect(part.batch.root).toBe(batchRootOf([digests[0]!.hash, digests[2]!.hash]));
    expect(part.batch.agencyId).toBe(CB_A);
    expect(partOf(whole, () => false)).toBeUndefined();
  });

  it('halves a batch by streams, each event in exactly one half; a batch of one stream has no halves', () => {
    const [first, second] = halvesOf(whole)!;
    expect(first.batch.events.map((e) => e.eventId)).toEqual(['e1', 'e2', 'e3', 'e5']);
    expect(second.batch.events.map((e) => e.eventId)).toEqual(['e4']);
    expect(second.positions).toEqual([13]);
    expect(halvesOf(partOf(whole, (streamId) => streamId === 'certification-b')!)).toBeUndefined();
  });
});
