/**
 * The anchorer and receipts against the real network (scripts/fabric/network-up.sh): runs when
 * FABRIC_CONNECTION or .fabric/connection.json exists, and is skipped otherwise.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { canonicalBytes, decodeCanonical, sha256Hex } from '../events/canonical';
import type { EventStore } from '../eventStore/port';
import { openSqliteEventStore } from '../eventStore/sqlite/sqliteEventStore';
import { createAnchorer, FOLLOWS_REFUSED_EVENT } from './anchorer';
import { openSqliteAnchorStore, type AnchorStore } from './anchorStore';
import { fabricConnectionPath, openFabricBackend, type FabricLedgerBackend } from './fabric';
import type { AnchorBatch, LedgerBackend } from './port';
import { buildReceipt, verifyReceipt } from './receipts';
import { appendTo, chainedEvents, contractSigned, issued, suspended, transferred } from './testing/events';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const CONNECTION = fabricConnectionPath(process.env, ROOT);
const CLI = path.join(ROOT, 'scripts', 'verify-receipt.js');
const BUILT = fs.existsSync(path.join(ROOT, 'ledger-service', 'dist', 'anchoring', 'fabric', 'index.js'));
// Without a network the suite is skipped locally, but never in CI, where .ci/run starts one.
const describeNetwork = fs.existsSync(CONNECTION) || process.env.CI ? describe : describe.skip;
const CB_1 = 'CNCA-R-2002-001';
const CB_2 = 'CNCA-R-2002-002';

describeNetwork('anchorer on the real Fabric network', () => {
  let dir: string;
  let eventStore: EventStore;
  let anchorStore: AnchorStore;
  let ledger: FabricLedgerBackend;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'anchorer-fabric-'));
    eventStore = openSqliteEventStore({ directory: dir });
    anchorStore = openSqliteAnchorStore({ directory: dir });
    ledger = openFabricBackend({ connection: CONNECTION });
  });
  afterEach(async () => {
    await Promise.all([eventStore.close(), anchorStore.close(), ledger.close()]);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('anchors every event, keeps the certificate history on the peer, and its receipts verify against the peer', async () => {
    const run = randomUUID();
    const certificateNo = `CN-${run}`.slice(0, 40);
    const stored = [
      ...(await appendTo(eventStore, `certification-${run}-a`, CB_1, [contractSigned(1), issued(certificateNo)])),
      ...(await appendTo(eventStore, `certification-${run}-b`, CB_2, [contractSigned(2), contractSigned(3)])),
    ];
    stored.push(...(await appendTo(eventStore, `certification-${run}-a`, CB_1, [suspended])));
    await createAnchorer({ eventStore, anchorStore, ledger, maxBatchEvents: 3 }).drain();

    for (const event of stored) {
      expect(await ledger.getEvent(event)).toMatchObject({ hash: event.hash, version: event.version });
      const receipt = await buildReceipt({ eventStore, anchorStore }, event.eventId);
      expect(receipt).toMatchObject({ status: 'anchored', backend: 'fabric' });
      expect((await verifyReceipt(receipt!, { ledger })).checks.filter((c) => !c.ok)).toEqual([]);
    }
    expect(await ledger.getCertificateHistory(certificateNo)).toEqual([
      expect.objectContaining({ status: 'valid' }),
      expect.objectContaining({ status: 'suspended' }),
    ]);

    if (!BUILT) throw new Error('the CLI runs the compiled service: run npx tsc -b first');
    const file = path.join(dir, 'receipt.json');
    fs.writeFileSync(file, JSON.stringify(await buildReceipt({ eventStore, anchorStore }, stored[1]!.eventId)));
    const { stdout } = await promisify(execFile)(process.execPath, [
      CLI,
      file,
      '--peer',
      'RegulatorOrgMSP',
      '--connection',
      CONNECTION,
    ]);
    expect(stdout).toMatch(/ok {3}ledger-event/);
    expect(stdout).toMatch(/VERIFIED\n$/);

    // With no peer to be reached, the CLI says so and exits 2 (an I/O error), not 1 (not verified).
    const connection = JSON.parse(fs.readFileSync(CONNECTION, 'utf8'));
    const unreachable = path.join(dir, 'unreachable.json');
    fs.writeFileSync(
      unreachable,
      JSON.stringify({
        ...connection,
        peers: Object.fromEntries(
          Object.entries(connection.peers).map(([msp, peer]) => [
            msp,
            { ...(peer as object), endpoint: '127.0.0.1:1' },
          ]),
        ),
      }),
    );
    const failed = await promisify(execFile)(process.execPath, [
      CLI,
      file,
      '--peer',
      'RegulatorOrgMSP',
      '--connection',
      unreachable,
    ]).catch((error: { code: number; stdout: string }) => error);
    expect(failed).toMatchObject({ code: 2 });
    expect(failed.stdout).toMatch(/ok {3}inclusion/);
    expect(failed.stdout).toMatch(/the ledger could not be reached, its checks were not made/);
  }, 120_000);

  it("moves a stream to the accepting CB only with the holder's consent on the ledger, which the anchorer gives first", async () => {
    const run = randomUUID();
    const [moved, forced] = [`certification-${run}-moved`, `certification-${run}-forced`];
    await appendTo(eventStore, moved, CB_1, [contractSigned(1)]);
    await appendTo(eventStore, forced, CB_1, [contractSigned(2)]);
    await createAnchorer({ eventStore, anchorStore, ledger }).drain();

    const [transfer] = await appendTo(eventStore, moved, CB_2, [transferred(CB_1), contractSigned(3)]);
    await createAnchorer({ eventStore, anchorStore, ledger }).drain();
    expect(await ledger.getStreamHead(moved)).toMatchObject({ agencyId: CB_2, version: 2 });
    expect((await buildReceipt({ eventStore, anchorStore }, transfer!.eventId))?.status).toBe('anchored');

    // The same takeover without the holder's consent, as a CB submitting on its own would try it.
    const withoutConsent = Object.assign(Object.create(ledger) as typeof ledger, {
      authorizeTransfer: async () => undefined,
    });
    const [takeover] = await appendTo(eventStore, forced, CB_2, [transferred(CB_1)]);
    await createAnchorer({ eventStore, anchorStore, ledger: withoutConsent }).drain();
    expect(await buildReceipt({ eventStore, anchorStore }, takeover!.eventId)).toMatchObject({
      status: 'rejected',
      rejection: 'CL_STREAM_NOT_OWNED',
    });
    expect(await ledger.getStreamHead(forced)).toMatchObject({ agencyId: CB_1, version: 0 });
  }, 120_000);

  it('an anchor store behind the peers (restored from a backup) takes over the batches the ledger holds, with their original transactions, and anchors the rest', async () => {
    const run = randomUUID();
    const streams = [0, 1, 2].map((i) => `certification-${run}-r${i}`);
    const anchoredBefore = [];
    for (const streamId of streams)
      anchoredBefore.push(...(await appendTo(eventStore, streamId, CB_1, [contractSigned(1), contractSigned(2)])));
    await createAnchorer({ eventStore, anchorStore, ledger, maxBatchEvents: 2 }).drain();
    const original = new Map<string, { batchId?: string; transactionId?: string; blockNumber?: number }>();
    for (const event of anchoredBefore)
      original.set(event.eventId, (await buildReceipt({ eventStore, anchorStore }, event.eventId))!);

    // The anchor store as a backup taken before it anchored anything: batches of 4 group the events
    // otherwise than the ledger's batches of 2, and each holds events the ledger has besides new ones.
    const restoredDir = fs.mkdtempSync(path.join(os.tmpdir(), 'anchorer-fabric-restored-'));
    const restored = openSqliteAnchorStore({ directory: restoredDir });
    try {
      const fresh = [];
      for (const streamId of streams) fresh.push(...(await appendTo(eventStore, streamId, CB_1, [contractSigned(3)])));
      // The ledger's batches are read, not submitted again: only the planned batches go to the orderer.
      const submitted: string[] = [];
      const counting: LedgerBackend = Object.assign(Object.create(ledger) as LedgerBackend, {
        anchor: (batch: AnchorBatch) => {
          submitted.push(batch.batchId);
          return ledger.anchor(batch);
        },
      });
      const anchorer = createAnchorer({ eventStore, anchorStore: restored, ledger: counting, maxBatchEvents: 4 });
      await anchorer.drain();

      expect(anchorer.stats()).toMatchObject({ batchesRejected: 0 });
      for (const event of anchoredBefore) {
        const receipt = (await buildReceipt({ eventStore, anchorStore: restored }, event.eventId))!;
        const { batchId, transactionId, blockNumber } = original.get(event.eventId)!;
        expect(receipt).toMatchObject({ status: 'anchored', batchId, transactionId, blockNumber });
        expect((await verifyReceipt(receipt, { ledger })).checks.filter((c) => !c.ok)).toEqual([]);
      }
      for (const event of fresh) {
        const receipt = (await buildReceipt({ eventStore, anchorStore: restored }, event.eventId))!;
        expect(receipt).toMatchObject({ status: 'anchored', backend: 'fabric' });
        expect((await verifyReceipt(receipt, { ledger })).checks.filter((c) => !c.ok)).toEqual([]);
      }
      for (const streamId of streams) expect(await ledger.getStreamHead(streamId)).toMatchObject({ version: 2 });
      const ledgerBatches = new Set([...original.values()].map((receipt) => receipt.batchId));
      expect(submitted.filter((batchId) => ledgerBatches.has(batchId))).toEqual([]);
    } finally {
      await restored.close();
      fs.rmSync(restoredDir, { recursive: true, force: true });
    }
  }, 180_000);

  it('narrows a refused batch to the streams it concerns (a forged chain, an event dated after its anchoring): the same CB’s other streams in that batch are anchored', async () => {
    const run = randomUUID();
    const good = [];
    for (let i = 0; i < 3; i++)
      good.push(...(await appendTo(eventStore, `certification-${run}-good${i}`, CB_1, [contractSigned(i)])));
    // A stream whose stored chain was forged: its first event does not start from 64 zeros.
    const badStream = `certification-${run}-bad`;
    const forged = chainedEvents(badStream, CB_1, [contractSigned(9)], { version: -1, hash: 'ab'.repeat(32) });
    await eventStore.append({ streamId: badStream, expectedVersion: -1, events: forged });
    // And one that says it occurred a day from now, as the intake (R16) never stores: the peers refuse it.
    const futureStream = `certification-${run}-future`;
    const [future] = chainedEvents(futureStream, CB_1, [contractSigned(8)]);
    // Dated in its hashed bytes: the anchorer sends the ledger the occurredAt the hash covers.
    const occurredAt = new Date(Date.now() + 86_400_000).toISOString();
    const canonical = canonicalBytes({ ...decodeCanonical(future!.canonical), occurredAt });
    const tomorrow = { ...future!, occurredAt, canonical, hash: sha256Hex(canonical) };
    await eventStore.append({ streamId: futureStream, expectedVersion: -1, events: [tomorrow] });
    const anchorer = createAnchorer({ eventStore, anchorStore, ledger, maxBatchEvents: 100 });
    await anchorer.drain();

    for (const event of good) {
      const receipt = await buildReceipt({ eventStore, anchorStore }, event.eventId);
      expect(receipt).toMatchObject({ status: 'anchored', backend: 'fabric' });
      expect((await verifyReceipt(receipt!, { ledger })).checks.filter((c) => !c.ok)).toEqual([]);
    }
    expect(await buildReceipt({ eventStore, anchorStore }, forged[0]!.eventId)).toMatchObject({
      status: 'rejected',
      rejection: 'CL_PREV_HASH_MISMATCH',
    });
    expect(await ledger.getStreamHead(badStream)).toBeUndefined();
    expect(await buildReceipt({ eventStore, anchorStore }, tomorrow.eventId)).toMatchObject({
      status: 'rejected',
      rejection: 'CL_OCCURRED_IN_FUTURE',
    });

    const [next] = await appendTo(eventStore, badStream, CB_1, [contractSigned(10)]);
    await anchorer.drain();
    expect(await buildReceipt({ eventStore, anchorStore }, next!.eventId)).toMatchObject({
      status: 'rejected',
      rejection: FOLLOWS_REFUSED_EVENT,
    });
    expect(anchorer.stats()).toMatchObject({ batchesRejected: 3 });
  }, 120_000);
});
