import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { openSqliteEventStore } from '../eventStore/sqlite/sqliteEventStore';
import { openSqliteAnchorStore } from './anchorStore';
import { openEmbeddedBackend } from './embedded';
import { createAnchoringPart } from './part';
import { appendTo, chainedEvents, contractSigned } from './testing/events';

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
    expect(await part.metrics()).toContain('anchor_batches_refused{backend="embedded"} 1');
    await part.close();
    await store.close();
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

  it('reports pending then anchored, serves receipts the CLI verifies offline and against the embedded ledger', async () => {
    const { store, part } = embeddedPart();
    const [event] = await appendTo(store, 'certification-p1', 'CB-1', [contractSigned(1), contractSigned(2)]);
    expect(await part.anchorStatusOf!(event!)).toEqual({ status: 'pending' });
    expect(await part.metrics()).toContain('anchor_unanchored_events{backend="embedded"} 2');
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
    const online = await run(process.execPath, [CLI, file, '--data-dir', dir, '--json']);
    const verdict = JSON.parse(online.stdout) as { ok: boolean; checks: Array<{ name: string; ok: boolean }> };
    expect(verdict.ok).toBe(true);
    expect(verdict.checks.map((c) => c.name)).toEqual([
      'canonical-hash',
      'canonical-envelope',
      'inclusion',
      'ledger-batch',
      'ledger-event',
    ]);

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
  });
});
