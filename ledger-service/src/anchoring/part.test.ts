import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { openSqliteEventStore } from '../eventStore/sqlite/sqliteEventStore';
import { openSqliteAnchorStore } from './anchorStore';
import { openEmbeddedBackend } from './embedded';
import { createAnchorer } from './anchorer';
import { ANCHORING_STALLED, createAnchoringPart, watchStalls, type StallAlarm } from './part';
import { LONE_SURROGATES_DETAIL, RECEIPT_CHECKS, verifyReceipt, type Receipt } from './receipts';
import type { AnchorerStats } from './anchorer';
import type { LedgerBackend } from './port';
import { appendTo, chainedEvents, contractSigned } from './testing/events';
import { until } from '../testing/until';
import { formatMetrics } from '../metrics';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '../../..');
const CLI = path.join(ROOT, 'scripts', 'verify-receipt.js');
const BUILT = fs.existsSync(path.join(ROOT, 'ledger-service', 'dist', 'anchoring', 'receipts.js'));

describe('the anchoring part of the service, and the receipt CLI', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'anchoring-part-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** The part on the embedded ledger, its anchorer driven by the test. */
  const embeddedPart = () => {
    const store = openSqliteEventStore({ directory: dir });
    const part = createAnchoringPart({
      store,
      anchorStore: openSqliteAnchorStore({ directory: dir }),
      ledger: openEmbeddedBackend({ dataDir: dir }),
      runAnchorer: false,
    });
    return { store, part };
  };

  it("is not ready while the ledger does not answer, and leaves the ledger's error to the log, once", async () => {
    const store = openSqliteEventStore({ directory: dir });
    const ledger = openEmbeddedBackend({ dataDir: dir });
    const ping = jest
      .spyOn(ledger, 'ping')
      .mockRejectedValue(new Error('14 UNAVAILABLE: No connection established to peer0.org1.internal:7051'));
    const logged: Array<[string, object]> = [];
    const logger = {
      info: (object: object) => void logged.push(['info', object]),
      debug: () => {},
      error: () => {},
      warn: (object: object) => void logged.push(['warn', object]),
    };
    const part = createAnchoringPart({
      store,
      anchorStore: openSqliteAnchorStore({ directory: dir }),
      ledger,
      logger,
      runAnchorer: false,
    });
    // /readyz is public: polling it while the ledger is down does not fill the log.
    for (let poll = 0; poll < 3; poll += 1)
      expect(await part.readiness!()).toEqual({ ok: false, essential: true, detail: 'embedded ledger unreachable' });
    ping.mockResolvedValue(undefined);
    expect(await part.readiness!()).toMatchObject({ ok: true });
    expect(await part.readiness!()).toMatchObject({ ok: true });
    expect(logged).toEqual([
      [
        'warn',
        expect.objectContaining({
          check: 'ledger',
          backend: 'embedded',
          err: expect.objectContaining({ message: expect.stringContaining('peer0.org1.internal') }),
        }),
      ],
      ['info', { check: 'ledger', backend: 'embedded' }],
    ]);
    await part.close();
    await store.close();
  });

  it('stays degraded, naming them, while the ledger has refused batches', async () => {
    const { store, part } = embeddedPart();
    // A stream whose stored chain was forged: its first event does not start from 64 zeros.
    const forged = chainedEvents('certification-bad', 'CB-1', [contractSigned(1)], {
      version: -1,
      hash: 'ab'.repeat(32),
    });
    await store.append({ streamId: 'certification-bad', expectedVersion: -1, events: forged });
    await part.anchorer.drain();
    expect(await part.readiness!()).toEqual({
      ok: false,
      essential: false,
      detail: expect.stringContaining('1 batches refused by the ledger'),
    });
    expect(formatMetrics(await part.metrics())).toContain('certledger_anchor_batches_refused{backend="embedded"} 1');
    await part.close();
    await store.close();
  });

  it('raises the ANCHORING_STALLED alarm in readiness while the ledger keeps saying it holds a batch its queries never show', async () => {
    const store = openSqliteEventStore({ directory: dir });
    const ledger = openEmbeddedBackend({ dataDir: dir });
    await appendTo(store, 'certification-s1', 'CB-1', [contractSigned(1)]);
    const original = openSqliteAnchorStore({ directory: dir });
    await createAnchorer({ eventStore: store, anchorStore: original, ledger }).drain();
    await original.close();
    // Planned again with a new event, in a batch the ledger does not hold, which it refuses as holding the first.
    await appendTo(store, 'certification-s2', 'CB-1', [contractSigned(1)]);
    // An empty anchor store in place of the one that anchored the event, over a peer that never shows it.
    const behind: LedgerBackend = Object.assign(Object.create(ledger) as LedgerBackend, {
      getStreamEvents: async () => [],
    });
    const part = createAnchoringPart({
      store,
      anchorStore: openSqliteAnchorStore({ directory: dir, fileName: 'anchors-behind.sqlite' }),
      ledger: behind,
      anchorer: { retryInitialMs: 1, retryMaxMs: 2, maxBatchDelayMs: 0 },
    });
    try {
      const stalled = await until('the stall', async () => part.anchorer.stats().stalled, 10_000);
      expect(await part.readiness!()).toEqual({
        ok: false,
        essential: false,
        detail: expect.stringContaining('anchoring stalled: the ledger has answered CL_EVENT_ALREADY_ANCHORED'),
        alarm: {
          code: ANCHORING_STALLED,
          batchId: stalled.batchId,
          agencyId: 'CB-1',
          ledgerCode: 'CL_EVENT_ALREADY_ANCHORED',
          attempts: expect.any(Number),
          since: stalled.since,
          stalledBatches: 1,
        },
      });
      expect(formatMetrics(await part.metrics())).toContain('certledger_anchor_stalled_batches{backend="embedded"} 1');
    } finally {
      await part.close();
      await store.close();
    }
  });

  it('tells of each change of a stall, for an anchorer on another thread, and of its end', async () => {
    const calm: AnchorerStats = {
      running: true,
      batchesCommitted: 0,
      batchesReplayed: 0,
      batchesRejected: 0,
      eventsAnchored: 0,
      failingBatches: 1,
      consecutiveFailures: 3,
      stalledBatches: 0,
    };
    const stalled = (attempts: number): AnchorerStats => ({
      ...calm,
      stalledBatches: 1,
      stalled: {
        batchId: 'b'.repeat(64),
        agencyId: 'CB-1',
        code: 'CL_EVENT_ALREADY_ANCHORED',
        attempts,
        since: '2026-03-01T00:00:00.000Z',
      },
    });
    let stats = calm;
    const told: Array<StallAlarm | undefined> = [];
    const stop = watchStalls({ stats: () => stats }, (stall) => told.push(stall), 5);
    const pause = () => new Promise((resolve) => setTimeout(resolve, 30));
    try {
      await pause();
      expect(told).toEqual([]);
      stats = stalled(20);
      await pause();
      stats = stalled(21);
      await pause();
      stats = calm;
      await pause();
    } finally {
      stop();
    }
    expect(told.map((stall) => stall?.alarm)).toEqual([
      expect.objectContaining({ code: ANCHORING_STALLED, attempts: 20 }),
      expect.objectContaining({ code: ANCHORING_STALLED, attempts: 21 }),
      undefined,
    ]);
  });

  it('reports an event whose batch the ledger refused as rejected, with the code its receipt gives', async () => {
    const { store, part } = embeddedPart();
    const forged = chainedEvents('certification-bad', 'CB-1', [contractSigned(1)], {
      version: -1,
      hash: 'ab'.repeat(32),
    });
    const [event] = await store.append({ streamId: 'certification-bad', expectedVersion: -1, events: forged });
    await part.anchorer.drain();
    const receipt = (await part.receiptOf!(event!)) as { status: string; batchId: string; rejection: string };
    expect(receipt).toMatchObject({ status: 'rejected', rejection: 'CL_PREV_HASH_MISMATCH' });
    expect(await part.anchorStatusOf!(event!)).toEqual({
      status: 'rejected',
      batchId: receipt.batchId,
      code: receipt.rejection,
    });
    await part.close();
    await store.close();
  });

  it('verifies the receipt of an event stored with a lone surrogate before the intake refused them, saying so', async () => {
    const { store, part } = embeddedPart();
    // As the intake stored it: protobufjs writes \ud83d in a short string as ED A0 BD, which is not UTF-8.
    const [event] = await appendTo(store, 'certification-lone-1', 'CB-1', [
      { type: 'CertificateSuspended', data: { reason: 'overdue \ud83d', until: '2026-09-01' } },
    ]);
    expect(Buffer.from(event!.canonical).toString('hex')).toContain('6f76657264756520eda0bd');
    await part.anchorer.drain();
    const receipt = (await part.receiptOf!(event!)) as Receipt;
    await part.close();
    await store.close();
    const ledger = openEmbeddedBackend({ dataDir: dir });
    const verdict = await verifyReceipt(receipt, { ledger });
    await ledger.close();
    expect(verdict.checks.filter((check) => !check.ok)).toEqual([]);
    expect(verdict.checks.find((check) => check.name === 'canonical-envelope')).toEqual({
      name: 'canonical-envelope',
      ok: true,
      detail: LONE_SURROGATES_DETAIL,
    });
    expect(verdict.ok).toBe(true);
  });

  it('reports pending then anchored, serves receipts the CLI verifies offline and against the embedded ledger', async () => {
    const { store, part } = embeddedPart();
    const [event] = await appendTo(store, 'certification-p1', 'CB-1', [contractSigned(1), contractSigned(2)]);
    expect(await part.anchorStatusOf!(event!)).toEqual({ status: 'pending' });
    const metrics = formatMetrics(await part.metrics());
    expect(metrics).toContain('certledger_anchor_unanchored_events{backend="embedded"} 2');
    // Its anchorer is not started: the counters are the running anchorer's (another thread's) to tell.
    expect(metrics).not.toContain('certledger_anchor_events_anchored_total');
    await part.anchorer.drain();
    expect(await part.anchorStatusOf!(event!)).toMatchObject({
      status: 'anchored',
      backend: 'embedded',
      blockNumber: 1,
    });
    expect(await part.readiness!()).toMatchObject({ ok: true });
    const receipt = (await part.receiptOf!(event!)) as { status: string; path: string[]; hash: string };
    expect(receipt.status).toBe('anchored');
    await part.close();
    await store.close();

    if (!BUILT) throw new Error('the CLI runs the compiled service: run npx tsc -b first');
    const file = path.join(dir, 'receipt.json');
    fs.writeFileSync(file, JSON.stringify(receipt));
    const offline = await run(process.execPath, [CLI, file]).catch((error: { code: number; stdout: string }) => error);
    expect(offline).toMatchObject({ code: 3 });
    expect(offline.stdout).toMatch(/CONSISTENT OFFLINE \(not checked against the ledger\)\n$/);
    // Where it is anchored is the receipt's word until a ledger confirms it.
    expect(offline.stdout).toMatch(
      /^event \S+: anchored, the receipt says on embedded \(.*block 1.*\): not confirmed by the ledger\n/,
    );
    expect(offline.stdout).toContain('(offline only: pass --data-dir or --peer to check the ledger too)');
    const offlineJson = await run(process.execPath, [CLI, file, '--json']).catch(
      (error: { code: number; stdout: string }) => error,
    );
    expect(offlineJson).toMatchObject({ code: 3 });
    expect(JSON.parse(offlineJson.stdout)).toMatchObject({ ok: false, offlineOnly: true });
    const online = await run(process.execPath, [CLI, file, '--data-dir', dir, '--json']);
    const verdict = JSON.parse(online.stdout) as { ok: boolean; checks: Array<{ name: string; ok: boolean }> };
    expect(verdict.ok).toBe(true);
    expect(verdict.checks.map((c) => c.name)).toEqual(RECEIPT_CHECKS);
    const verified = await run(process.execPath, [CLI, file, '--data-dir', dir]);
    expect(verified.stdout).toMatch(/^event \S+: anchored on embedded \(embedded\/certledger, tx \w+, block 1, at /);
    expect(verified.stdout).toMatch(/VERIFIED\n$/);

    // A receipt of the embedded ledger's batch that says it is on Fabric, in another block.
    fs.writeFileSync(file, JSON.stringify({ ...receipt, backend: 'fabric', blockNumber: 999 }));
    const relabelled = await run(process.execPath, [CLI, file, '--data-dir', dir]).catch(
      (error: { code: number; stdout: string }) => error,
    );
    expect(relabelled).toMatchObject({ code: 1 });
    expect(relabelled.stdout).toContain(
      'FAIL ledger-commit: the ledger asked committed the batch with backend embedded, blockNumber 1',
    );
    expect(relabelled.stdout).toMatch(/block 999.*: not confirmed by the ledger\n/);
    expect(relabelled.stdout).toMatch(/NOT VERIFIED\n$/);

    fs.writeFileSync(
      file,
      JSON.stringify({ ...receipt, path: receipt.path.map((p) => p.replace(/^./, (c) => (c === '0' ? '1' : '0'))) }),
    );
    const failed = await run(process.execPath, [CLI, file, '--data-dir', dir]).catch(
      (error: { code: number; stdout: string }) => error,
    );
    expect(failed).toMatchObject({ code: 1 });

    // A receipt made up to be consistent with itself: a one-event tree whose root is that event's leaf.
    const leaf = createHash('sha256')
      .update(Buffer.concat([Buffer.from([0]), Buffer.from(receipt.hash, 'hex')]))
      .digest('hex');
    fs.writeFileSync(
      file,
      JSON.stringify({ ...receipt, path: [], leafIndex: 0, treeSize: 1, root: leaf, batchId: leaf }),
    );
    const madeUp = await run(process.execPath, [CLI, file]).catch((error: { code: number }) => error);
    expect(madeUp).toMatchObject({ code: 3 });
    const madeUpOnline = await run(process.execPath, [CLI, file, '--data-dir', dir]).catch(
      (error: { code: number; stdout: string }) => error,
    );
    expect(madeUpOnline).toMatchObject({ code: 1 });
    expect(madeUpOnline.stdout).toMatch(/NOT VERIFIED\n$/);
    expect((failed as { stdout: string }).stdout).toMatch(/FAIL inclusion/);

    // An embedded ledger file that holds the batch but lost the block of its transaction (edited or
    // damaged: block and state are written together): the receipt's block number stands on nothing.
    fs.writeFileSync(file, JSON.stringify(receipt));
    const ledgerFile = new Database(path.join(dir, 'ledger.sqlite'));
    ledgerFile.prepare('DELETE FROM blocks WHERE block_number = 1').run();
    ledgerFile.close();
    const blockless = await run(process.execPath, [CLI, file, '--data-dir', dir]).catch(
      (error: { code: number; stdout: string }) => error,
    );
    expect(blockless).toMatchObject({ code: 1 });
    expect(blockless.stdout).toMatch(
      /FAIL ledger-commit: the ledger asked committed the batch with no block of its transaction \(the embedded ledger has no block of transaction \w+\)/,
    );
    expect(blockless.stdout).toMatch(/NOT VERIFIED\n$/);
  });
});
