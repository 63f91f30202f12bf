import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { batchIdOf, batchRootOf, MAX_LISTED_CLAIMS } from '@certledger/chaincode';
import { openSqliteEventStore } from '../../eventStore/sqlite/sqliteEventStore';
import { createAnchorer } from '../anchorer';
import { openSqliteAnchorStore } from '../anchorStore';
import { AnchorBatch, AnchoredEventDigest, LedgerError } from '../port';
import { appendTo, contractSigned, issued, suspended } from '../testing/events';
import { openEmbeddedBackend } from './embeddedBackend';

const ZERO = '0'.repeat(64);
const sha = (text: string): string => createHash('sha256').update(text).digest('hex');

function digests(streamId: string, count: number, from = 0, prevHash = ZERO): AnchoredEventDigest[] {
  const events: AnchoredEventDigest[] = [];
  for (let version = from; version < from + count; version++) {
    const hash = sha(`${streamId}/${version}`);
    events.push({
      // A UUID, as the service's eventIds are (the chaincode takes no other).
      eventId: sha(`event ${streamId}/${version}`)
        .slice(0, 32)
        .replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5'),
      streamId,
      version,
      type: 'ApplicationSubmitted',
      hash,
      prevHash,
      occurredAt: '2026-01-01T00:00:00Z',
    });
    prevHash = hash;
  }
  return events;
}

function batchOf(agencyId: string, events: AnchoredEventDigest[]): AnchorBatch {
  const hashes = events.map((e) => e.hash);
  return { batchId: batchIdOf(hashes), agencyId, root: batchRootOf(hashes), events };
}

describe('embedded ledger backend', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'embedded-ledger-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('commits each batch as one block, durably, and answers the read-only queries after a reopen', async () => {
    const first = digests('certification-c1', 3);
    const ledger = openEmbeddedBackend({ dataDir: dir });
    const commit1 = await ledger.anchor(batchOf('CB-1', first));
    const commit2 = await ledger.anchor(batchOf('CB-1', digests('certification-c1', 1, 3, first[2]!.hash)));
    expect(commit1).toMatchObject({
      backend: 'embedded',
      channel: 'embedded',
      chaincode: 'certledger',
      blockNumber: 1,
      replayed: false,
    });
    expect(commit2.blockNumber).toBe(2);
    await ledger.close();

    const reopened = openEmbeddedBackend({ dataDir: dir });
    expect(await reopened.height()).toBe(2);
    expect(await reopened.getEvent({ streamId: 'certification-c1', version: 1 })).toMatchObject({
      eventId: first[1]!.eventId,
      hash: first[1]!.hash,
      batchId: commit1.batchId,
    });
    expect(await reopened.getStreamHead('certification-c1')).toMatchObject({ version: 3, agencyId: 'CB-1' });
    expect(await reopened.getBatch(commit1.batchId)).toMatchObject({
      size: 3,
      transactionId: commit1.transactionId,
      root: commit1.root,
    });
    expect(await reopened.getEvent({ streamId: 'certification-c1', version: 4 })).toBeUndefined();
    expect(await reopened.getEvent({ streamId: 'missing', version: 0 })).toBeUndefined();
    expect((await reopened.getBatchEvents(commit1.batchId)).map((e) => e.eventId)).toEqual(first.map((e) => e.eventId));
    await reopened.close();

    const db = new Database(path.join(dir, 'ledger.sqlite'), { readonly: true });
    const blocks = db
      .prepare(
        'SELECT block_number, tx_id, previous_hash, block_hash, chaincode_event FROM blocks ORDER BY block_number',
      )
      .all() as Array<Record<string, unknown>>;
    db.close();
    expect(blocks.map((b) => b.tx_id)).toEqual([commit1.transactionId, commit2.transactionId]);
    expect(blocks[1]!.previous_hash).toBe(blocks[0]!.block_hash);
    expect(blocks[0]!.chaincode_event).toBe('BatchAnchored');
  });

  it('answers a replayed batch with the original transaction and block, writing nothing', async () => {
    const ledger = openEmbeddedBackend({ dataDir: dir });
    const batch = batchOf('CB-1', digests('certification-c1', 2));
    const commit = await ledger.anchor(batch);
    const replay = await ledger.anchor(batch);
    expect(replay).toEqual({ ...commit, replayed: true });
    expect(await ledger.height()).toBe(1);
    await ledger.close();
  });

  it('reads the record and commit of a batch it holds as a replay answers it, without a transaction; none for a batch it lacks', async () => {
    const ledger = openEmbeddedBackend({ dataDir: dir });
    const batch = batchOf('CB-1', digests('certification-c1', 2));
    await ledger.anchor(batch);
    await ledger.anchor(batchOf('CB-1', digests('certification-c2', 1)));
    const replay = await ledger.anchor(batch);
    expect(await ledger.committedBatch(batch.batchId)).toEqual({
      record: await ledger.getBatch(batch.batchId),
      commit: replay,
    });
    expect(await ledger.height()).toBe(2);
    expect(await ledger.committedBatch('0'.repeat(64))).toBeUndefined();
    await ledger.close();
  });

  it("throws a rejected LedgerError with the chaincode's code, and commits nothing", async () => {
    const ledger = openEmbeddedBackend({ dataDir: dir });
    await ledger.anchor(batchOf('CB-1', digests('certification-c1', 1)));
    const intruding = batchOf('CB-2', digests('certification-c1', 1, 1, sha('certification-c1/0')));
    const error = await ledger.anchor(intruding).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LedgerError);
    expect(error).toMatchObject({ code: 'rejected', chaincodeCode: 'CL_STREAM_NOT_OWNED' });
    expect(await ledger.height()).toBe(1);
    await ledger.close();
  });

  it("keeps the certificate's history from the key history, with transaction ids and times", async () => {
    let time = new Date('2026-02-01T00:00:00Z');
    const ledger = openEmbeddedBackend({ dataDir: dir, clock: () => time });
    const events = digests('certification-c7', 3);
    const issued = {
      ...events[1]!,
      type: 'CertificateIssued',
      certificateNo: 'CN-7',
      certificateStatus: 'valid' as const,
    };
    const suspended = {
      ...events[2]!,
      type: 'CertificateSuspended',
      certificateNo: 'CN-7',
      certificateStatus: 'suspended' as const,
    };
    const c1 = await ledger.anchor(batchOf('CB-1', [events[0]!, issued]));
    time = new Date('2026-03-01T00:00:00Z');
    const c2 = await ledger.anchor(batchOf('CB-1', [suspended]));
    expect(await ledger.getCertificate('CN-7')).toMatchObject({
      status: 'suspended',
      certificationId: 'c7',
      version: 2,
    });
    expect(await ledger.getCertificateHistory('CN-7')).toEqual([
      expect.objectContaining({
        status: 'valid',
        version: 1,
        transactionId: c1.transactionId,
        timestamp: '2026-02-01T00:00:00.000Z',
      }),
      expect.objectContaining({
        status: 'suspended',
        version: 2,
        transactionId: c2.transactionId,
        timestamp: '2026-03-01T00:00:00.000Z',
      }),
    ]);
    await ledger.close();
  });

  it('anchors two certifications that issue the same certificate number, refusing neither: each keeps its own claim', async () => {
    const ledger = openEmbeddedBackend({ dataDir: dir });
    const eventStore = openSqliteEventStore({ directory: dir });
    const anchorStore = openSqliteAnchorStore({ directory: dir });
    try {
      const anchorer = createAnchorer({ eventStore, anchorStore, ledger, maxBatchEvents: 3 });
      // One after the other, as a CB anchoring a number another CB anchored before it.
      const stored = await appendTo(eventStore, 'certification-first', 'CB-1', [contractSigned(1), issued('CN-7')]);
      await anchorer.drain();
      stored.push(...(await appendTo(eventStore, 'certification-second', 'CB-2', [contractSigned(2), issued('CN-7')])));
      await anchorer.drain();
      stored.push(...(await appendTo(eventStore, 'certification-second', 'CB-2', [suspended])));
      await anchorer.drain();

      expect(await anchorStore.refusedStreams()).toEqual(new Set());
      expect((await anchorStore.counts()).batches.rejected).toBe(0);
      for (const event of stored) expect(await ledger.getEvent(event)).toMatchObject({ hash: event.hash });
      // No status of the number's own: the ledger does not say which claim is genuine.
      expect(await ledger.getCertificate('CN-7')).toEqual({
        certificateNo: 'CN-7',
        contested: true,
        claims: [
          expect.objectContaining({ streamId: 'certification-first', agencyId: 'CB-1', status: 'valid' }),
          expect.objectContaining({ streamId: 'certification-second', agencyId: 'CB-2', status: 'suspended' }),
        ],
        moreClaims: false,
      });
      const { claims, moreClaims } = await ledger.getCertificateClaims('CN-7');
      expect(claims.map((c) => [c.certificationId, c.status])).toEqual([
        ['first', 'valid'],
        ['second', 'suspended'],
      ]);
      expect(moreClaims).toBe(false);
      expect(await ledger.getCertificateHistory('CN-7')).toEqual({
        certificateNo: 'CN-7',
        contested: true,
        entries: [
          expect.objectContaining({ certificationId: 'first', status: 'valid' }),
          expect.objectContaining({ certificationId: 'second', status: 'valid' }),
          expect.objectContaining({ certificationId: 'second', status: 'suspended' }),
        ],
        moreClaims: false,
      });
    } finally {
      await Promise.all([eventStore.close(), anchorStore.close(), ledger.close()]);
    }
  });

  it('lists at most MAX_LISTED_CLAIMS claims on a number, reading one page of them, and says there are more', async () => {
    const ledger = openEmbeddedBackend({ dataDir: dir });
    const claimants = Array.from({ length: MAX_LISTED_CLAIMS + 1 }, (_, i) => ({
      ...digests(`certification-c${String(i).padStart(3, '0')}`, 1)[0]!,
      type: 'CertificateIssued',
      certificateNo: 'CN-9',
      certificateStatus: 'valid' as const,
    }));
    await ledger.anchor(batchOf('CB-1', claimants));
    const listed = claimants.slice(0, MAX_LISTED_CLAIMS).map((e) => e.streamId.slice('certification-'.length));
    const certificate = await ledger.getCertificate('CN-9');
    if (!certificate || !('contested' in certificate)) throw new Error('CN-9 is not contested');
    expect(certificate.claims.map((c) => c.certificationId)).toEqual(listed);
    expect(certificate.moreClaims).toBe(true);
    const claims = await ledger.getCertificateClaims('CN-9');
    expect(claims.claims.map((c) => c.certificationId)).toEqual(listed);
    expect(claims.moreClaims).toBe(true);
    const history = await ledger.getCertificateHistory('CN-9');
    if (!('contested' in history)) throw new Error('CN-9 is not contested');
    expect(history.entries.map((h) => h.certificationId)).toEqual(listed);
    expect(history.moreClaims).toBe(true);
    await ledger.close();
  });

  it('refuses to commit over state another writer changed since the transaction read it', async () => {
    const a = openEmbeddedBackend({ dataDir: dir });
    const b = openEmbeddedBackend({ dataDir: dir });
    const batch1 = batchOf('CB-1', digests('certification-c1', 1));
    const [r1, r2] = await Promise.allSettled([a.anchor(batch1), b.anchor(batch1)]);
    // Whichever commits second either replays (it read after the first commit) or loses the MVCC check.
    const outcomes = [r1, r2].map((r) =>
      r.status === 'fulfilled' ? (r.value.replayed ? 'replayed' : 'committed') : (r.reason as LedgerError).code,
    );
    expect(outcomes.filter((o) => o === 'committed')).toHaveLength(1);
    expect(await a.height()).toBe(1);
    await a.close();
    await b.close();
  });
});
