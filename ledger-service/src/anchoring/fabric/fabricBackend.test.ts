/**
 * Against the real network (scripts/fabric/network-up.sh): runs when FABRIC_CONNECTION or
 * .fabric/connection.json exists, and is skipped otherwise.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openSqliteEventStore } from '../../eventStore/sqlite/sqliteEventStore';
import { createAnchorer } from '../anchorer';
import { openSqliteAnchorStore } from '../anchorStore';
import { LedgerError } from '../port';
import { appendTo, contractSigned, issued, suspended } from '../testing/events';
import { fabricConnectionPath, FabricLedgerBackend, openFabricBackend, readFabricConnection } from './index';
import { batchOf, SyntheticStream } from './testing';

const ROOT = path.resolve(__dirname, '..', '..', '..', '..');
const CONNECTION = fabricConnectionPath(process.env, ROOT);
// Without a network the suite is skipped locally, but never in CI, where .ci/run starts one.
const describeNetwork = existsSync(CONNECTION) || process.env.CI ? describe : describe.skip;

const CB1 = 'CNCA-R-2002-001';
const CB2 = 'CNCA-R-2002-002';

async function rejection(promise: Promise<unknown>): Promise<LedgerError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof LedgerError) return error;
    throw error;
  }
  throw new Error('expected the ledger to refuse');
}

describeNetwork('fabric backend on the real network', () => {
  let backend: FabricLedgerBackend;

  beforeAll(() => {
    backend = openFabricBackend({ connection: CONNECTION });
  });
  afterAll(async () => {
    await backend.close();
  });

  it('anchors batches with the agency identity, waits for commit and reads them back from the peer', async () => {
    const a = new SyntheticStream();
    const b = new SyntheticStream();
    const certificateNo = `CN-${a.streamId.slice(-12)}`;
    const first = batchOf(CB1, [
      a.next({ type: 'ApplicationSubmitted' }),
      b.next(),
      a.next({ type: 'CertificateIssued', certificateNo, certificateStatus: 'valid' }),
    ]);
    const commit = await backend.anchor(first);
    expect(commit).toMatchObject({
      batchId: first.batchId,
      root: first.root,
      backend: 'fabric',
      channel: 'certledger',
      chaincode: 'certledger',
      replayed: false,
    });
    expect(commit.transactionId).toMatch(/^[0-9a-f]{64}$/);
    expect(commit.blockNumber).toBeGreaterThan(0);

    await expect(backend.getBatch(first.batchId)).resolves.toMatchObject({
      batchId: first.batchId,
      root: first.root,
      size: 3,
      agencyId: CB1,
      transactionId: commit.transactionId,
    });
    await expect(backend.getEvent(first.events[1]!)).resolves.toMatchObject({
      eventId: first.events[1]!.eventId,
      streamId: b.streamId,
      version: 0,
      hash: first.events[1]!.hash,
      batchId: first.batchId,
    });
    await expect(backend.getStreamHead(a.streamId)).resolves.toMatchObject({
      version: 1,
      hash: first.events[2]!.hash,
      agencyId: CB1,
    });
    await expect(backend.getCertificate(certificateNo)).resolves.toMatchObject({
      certificateNo,
      status: 'valid',
      version: 1,
    });

    const suspended = batchOf(CB1, [
      a.next({ type: 'CertificateSuspended', certificateNo, certificateStatus: 'suspended' }),
    ]);
    const second = await backend.anchor(suspended);
    expect(second.blockNumber).toBeGreaterThan(commit.blockNumber);
    await expect(backend.getCertificateHistory(certificateNo)).resolves.toEqual([
      expect.objectContaining({ status: 'valid', transactionId: commit.transactionId }),
      expect.objectContaining({ status: 'suspended', transactionId: second.transactionId }),
    ]);
    await expect(backend.getEvent({ streamId: b.streamId, version: 1 })).resolves.toBeUndefined();
    await expect(backend.getBatchEvents(first.batchId)).resolves.toEqual(
      first.events.map((event, leafIndex) =>
        expect.objectContaining({ eventId: event.eventId, hash: event.hash, batchId: first.batchId, leafIndex }),
      ),
    );
  });

  it('makes a repeated batch a no-op that names the transaction and block that anchored it', async () => {
    const s = new SyntheticStream();
    const batch = batchOf(CB1, [s.next(), s.next()]);
    const commit = await backend.anchor(batch);
    const replay = await backend.anchor(batch);
    expect(replay).toEqual({ ...commit, replayed: true });
  });

  it('reads the record and commit of a batch the ledger holds, without a transaction, as a replay answers it', async () => {
    const s = new SyntheticStream();
    const batch = batchOf(CB1, [s.next(), s.next()]);
    await backend.anchor(batch);
    const replay = await backend.anchor(batch);
    await expect(backend.committedBatch(batch.batchId)).resolves.toEqual({
      record: await backend.getBatch(batch.batchId),
      commit: replay,
    });
    await expect(backend.committedBatch('0'.repeat(64))).resolves.toBeUndefined();
  });

  it("anchors a regulator's supervision stream with that regulator's identity", async () => {
    const s = new SyntheticStream(undefined, 'supervision-');
    const commit = await backend.anchor(
      batchOf('regulator-jiangsu', [s.next({ type: 'SpotCheckRecorded' }), s.next({ type: 'SpotCheckRecorded' })]),
    );
    expect(commit.replayed).toBe(false);
    await expect(backend.getStreamHead(s.streamId)).resolves.toMatchObject({
      version: 1,
      agencyId: 'regulator-jiangsu',
    });
    // No regulator identity carries a CB's id: such a batch cannot even be signed.
    const error = await rejection(
      backend.anchor(batchOf(CB1, [new SyntheticStream(undefined, 'supervision-').next()])),
    );
    expect(error).toMatchObject({
      code: 'unavailable',
      message: expect.stringContaining('no Fabric identity may anchor'),
    });
  });

  it('anchors two certifications of two CBs that issue the same certificate number, refusing neither: each keeps its own claim', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'fabric-claims-'));
    const eventStore = openSqliteEventStore({ directory: dir });
    const anchorStore = openSqliteAnchorStore({ directory: dir });
    try {
      const run = randomUUID();
      const certificateNo = `CN-${run}`;
      const [first, second] = [`certification-${run}-a`, `certification-${run}-b`];
      const anchorer = createAnchorer({ eventStore, anchorStore, ledger: backend, maxBatchEvents: 3 });
      // One after the other, as a CB anchoring a number another CB anchored before it.
      const stored = await appendTo(eventStore, first, CB1, [contractSigned(1), issued(certificateNo)]);
      await anchorer.drain();
      stored.push(...(await appendTo(eventStore, second, CB2, [contractSigned(2), issued(certificateNo)])));
      await anchorer.drain();
      stored.push(...(await appendTo(eventStore, second, CB2, [suspended])));
      await anchorer.drain();

      expect(await anchorStore.refusedStreams()).toEqual(new Set());
      expect((await anchorStore.counts()).batches.rejected).toBe(0);
      for (const event of stored) await expect(backend.getEvent(event)).resolves.toMatchObject({ hash: event.hash });
      // No status of the number's own: the ledger does not say which claim is genuine.
      await expect(backend.getCertificate(certificateNo)).resolves.toEqual({
        certificateNo,
        contested: true,
        claims: [
          expect.objectContaining({ streamId: first, certificationId: `${run}-a`, agencyId: CB1, status: 'valid' }),
          expect.objectContaining({
            streamId: second,
            certificationId: `${run}-b`,
            agencyId: CB2,
            status: 'suspended',
          }),
        ],
        moreClaims: false,
      });
      const { claims, moreClaims } = await backend.getCertificateClaims(certificateNo);
      expect(claims.map((c) => [c.certificationId, c.agencyId, c.status])).toEqual([
        [`${run}-a`, CB1, 'valid'],
        [`${run}-b`, CB2, 'suspended'],
      ]);
      expect(moreClaims).toBe(false);
      await expect(backend.getCertificateHistory(certificateNo)).resolves.toEqual({
        certificateNo,
        contested: true,
        entries: [
          expect.objectContaining({ certificationId: `${run}-a`, status: 'valid' }),
          expect.objectContaining({ certificationId: `${run}-b`, status: 'valid' }),
          expect.objectContaining({ certificationId: `${run}-b`, status: 'suspended' }),
        ],
        moreClaims: false,
      });
    } finally {
      await Promise.all([eventStore.close(), anchorStore.close()]);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a CB anchoring another CB certification', async () => {
    const s = new SyntheticStream();
    await backend.anchor(batchOf(CB1, [s.next()]));
    const error = await rejection(backend.anchor(batchOf(CB2, [s.next()])));
    expect(error).toMatchObject({ code: 'rejected', chaincodeCode: 'CL_STREAM_NOT_OWNED' });
    await expect(backend.getStreamHead(s.streamId)).resolves.toMatchObject({ version: 0, agencyId: CB1 });
  });

  it("refuses a batch whose submitter's certificate names another agency", async () => {
    // The second CB's certificate presented as if it were the first CB's: its CA attributes decide.
    const connection = readFabricConnection(CONNECTION);
    const cb2 = connection.identities.find((id) => id.agencyId === CB2)!;
    const impostor = openFabricBackend({
      connection: { ...connection, identities: [{ ...cb2, agencyId: CB1 }] },
      queryIdentity: cb2.name,
    });
    try {
      const error = await rejection(impostor.anchor(batchOf(CB1, [new SyntheticStream().next()])));
      expect(error).toMatchObject({ code: 'rejected', chaincodeCode: 'CL_FORBIDDEN_AGENCY' });
    } finally {
      await impostor.close();
    }
  });

  it('refuses a forged prevHash', async () => {
    const s = new SyntheticStream();
    await backend.anchor(batchOf(CB1, [s.next()]));
    const error = await rejection(backend.anchor(batchOf(CB1, [s.next({ prevHash: 'f'.repeat(64) })])));
    expect(error).toMatchObject({ code: 'rejected', chaincodeCode: 'CL_PREV_HASH_MISMATCH' });
  });

  it('refuses a version gap', async () => {
    const s = new SyntheticStream();
    const first = s.next();
    await backend.anchor(batchOf(CB1, [first]));
    const gap = s.next({ version: 2, prevHash: first.hash });
    const error = await rejection(backend.anchor(batchOf(CB1, [gap])));
    expect(error).toMatchObject({ code: 'rejected', chaincodeCode: 'CL_VERSION_GAP' });
  });

  it('refuses a conflicting replay', async () => {
    const s = new SyntheticStream();
    const batch = batchOf(CB1, [s.next()]);
    await backend.anchor(batch);
    // Same hashes (so the same batch id and root) but other event ids: not the batch that was anchored.
    // The same digests under other eventIds (still UUIDs, as the chaincode takes only those).
    const conflicting = {
      ...batch,
      events: batch.events.map((e) => ({
        ...e,
        eventId: `${e.eventId.slice(0, -1)}${e.eventId.endsWith('0') ? '1' : '0'}`,
      })),
    };
    const error = await rejection(backend.anchor(conflicting));
    expect(error).toMatchObject({ code: 'rejected', chaincodeCode: 'CL_BATCH_CONFLICT' });
  });

  it('answers ping and reports an unreachable peer as unavailable', async () => {
    await expect(backend.ping()).resolves.toBeUndefined();
    const connection = readFabricConnection(CONNECTION);
    const peers = Object.fromEntries(
      Object.entries(connection.peers).map(([msp, p]) => [msp, { ...p, endpoint: '127.0.0.1:1' }]),
    );
    const dead = openFabricBackend({ connection: { ...connection, peers }, timeouts: { evaluateMs: 1000 } });
    try {
      await expect(dead.ping()).rejects.toMatchObject({ code: 'unavailable' });
    } finally {
      await dead.close();
    }
  });
});
