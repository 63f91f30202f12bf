import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import express from 'express';
import pino from 'pino';
import request from 'supertest';
import { LogHeadContract, verifyConsistency, verifyLogHeadSignature } from '@certledger/chaincode';
import { openSqliteAnchorStore } from '../anchoring/anchorStore';
import { openEmbeddedBackend, type EmbeddedLedgerBackend } from '../anchoring/embedded';
import { LedgerError } from '../anchoring/port';
import { openSqliteEventStore, SQLITE_FILE_NAME, type EventStore } from '../eventStore';
import { problemHandler } from '../http/errors';
import { readSqliteMembership } from './anchorMembership';
import { runAudit } from './audit';
import { createLogRouter } from './http';
import { openEmbeddedLedgerView } from './ledgerView';
import { createLogHeadCommitter, LOG_HEADS_FILE, LogHeadError } from './logHeads/committer';
import { embeddedLogHeadLedger } from './logHeads/ledger';
import { loadOrCreateLogHeadSigner } from './logHeads/signer';
import { buildHistory } from './testing/history';
import { editPayload, sqliteTamperDb } from './testing/tamper';

describe('signed log heads on the embedded ledger', () => {
  let dir: string;
  let store: EventStore;
  let ledger: EmbeddedLedgerBackend;
  let anchorStore: ReturnType<typeof openSqliteAnchorStore>;

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'audit-heads-'));
    store = openSqliteEventStore({ directory: dir });
    anchorStore = openSqliteAnchorStore({ directory: dir });
    ledger = openEmbeddedBackend({ dataDir: dir });
    await buildHistory({ store, anchorStore, ledger, certifications: 2 });
  });

  afterEach(async () => {
    await anchorStore.close();
    await store.close();
    await ledger.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const audit = async () => {
    const view = openEmbeddedLedgerView({ dataDir: dir });
    try {
      return await runAudit({ store, ledger: view, membership: readSqliteMembership(dir) });
    } finally {
      await view.close();
    }
  };

  it('commits signed, growing heads that the audit finds consistent, and serves them with consistency proofs', async () => {
    const heads = embeddedLogHeadLedger({ backend: ledger });
    const committer = createLogHeadCommitter({
      store,
      signer: loadOrCreateLogHeadSigner(dir),
      ledger: heads,
      dataDir: dir,
    });
    const first = (await committer.commitNow())!;
    expect(first.treeSize).toBe(28);
    expect(verifyLogHeadSignature(first)).toBe(true);
    await buildHistory({ store, anchorStore, ledger, certifications: 1, prefix: 'D' });
    const second = (await committer.commitNow())!;
    expect(second.treeSize).toBe(42);
    expect(await committer.commitNow()).toEqual(second);
    expect((await heads.listHeads()).map((h) => h.treeSize)).toEqual([28, 42]);
    expect(loadOrCreateLogHeadSigner(dir).keyId).toBe(first.keyId);

    const report = await audit();
    expect(report.ok).toBe(true);
    expect(report.log.heads).toEqual([
      expect.objectContaining({ treeSize: 28, consistent: true }),
      expect.objectContaining({ treeSize: 42, consistent: true }),
    ]);
    expect(report.log.rootHash).toBe(second.rootHash);

    const app = express()
      .use(createLogRouter({ committer }))
      .use(problemHandler(pino({ level: 'silent' })));
    const head = await request(app).get('/v1/log/head').expect(200);
    expect(head.body).toEqual(second);
    const proof = await request(app).get('/v1/log/consistency').query({ from: 28, to: 42 }).expect(200);
    expect(proof.body).toMatchObject({ from: 28, to: 42, fromRoot: first.rootHash, toRoot: second.rootHash });
    expect(verifyConsistency(28, 42, first.rootHash, second.rootHash, proof.body.proof)).toBe(true);
    const bad = await request(app).get('/v1/log/consistency').query({ from: 43 }).expect(400);
    expect(bad.body.code).toBe('invalid-tree-size');
    await committer.stop();
  });

  it("signs a quiet log's head again on the ledger once an interval has passed, so that a quiet log reads as quiet, not cut back", async () => {
    const heads = embeddedLogHeadLedger({ backend: ledger });
    let clock = Date.now();
    const committer = createLogHeadCommitter({
      store,
      signer: loadOrCreateLogHeadSigner(dir),
      ledger: heads,
      dataDir: dir,
      intervalMs: 60_000,
      now: () => new Date(clock),
    });
    const first = (await committer.commitNow())!;
    expect(await committer.commitNow()).toEqual(first);
    clock += 121_000;
    const confirmed = (await committer.commitNow())!;
    expect(confirmed).toMatchObject({ treeSize: first.treeSize, rootHash: first.rootHash, keyId: first.keyId });
    expect(Date.parse(confirmed.timestamp)).toBe(clock);
    expect(verifyLogHeadSignature(confirmed)).toBe(true);
    expect((await heads.latestHead())?.timestamp).toBe(confirmed.timestamp);
    // The local record keeps the heads that grew the log; the ledger lists them and the latest confirmation.
    expect(committer.heads()).toEqual([first]);
    clock += 121_000;
    const again = (await committer.commitNow())!;
    expect((await heads.listHeads()).map((h) => h.timestamp)).toEqual([first.timestamp, again.timestamp]);
    expect((await audit()).ok).toBe(true);
  });

  it('drops an unfinished last line of its local heads (a crash or a full disk) and goes on', async () => {
    const heads = embeddedLogHeadLedger({ backend: ledger });
    const signer = loadOrCreateLogHeadSigner(dir);
    const first = (await createLogHeadCommitter({ store, signer, ledger: heads, dataDir: dir }).commitNow())!;
    const file = path.join(dir, LOG_HEADS_FILE);
    const whole = fs.readFileSync(file, 'utf8');
    const torn = '{"treeSize":29,"rootHa';
    fs.appendFileSync(file, torn);
    const warnings: object[] = [];
    const logger = { info: () => undefined, error: () => undefined, warn: (o: object) => void warnings.push(o) };
    const restarted = createLogHeadCommitter({ store, signer, ledger: heads, dataDir: dir, logger });
    expect(warnings).toEqual([expect.objectContaining({ droppedBytes: torn.length })]);
    expect(fs.readFileSync(file, 'utf8')).toBe(whole);
    await buildHistory({ store, anchorStore, ledger, certifications: 1, prefix: 'T' });
    const next = (await restarted.commitNow())!;
    expect(next.treeSize).toBe(first.treeSize + 14);
    const lines = fs.readFileSync(file, 'utf8').trim().split('\n');
    expect(lines.map((line) => (JSON.parse(line) as { treeSize: number }).treeSize)).toEqual([
      first.treeSize,
      next.treeSize,
    ]);
  });

  it.each([
    ['a write that stops part-way (a full disk)', 'write'],
    ['a sync that fails', 'sync'],
  ])(
    'cuts back a head whose append failed on %s, so that the next head starts on a line of its own',
    async (_, failing) => {
      const committer = createLogHeadCommitter({ store, signer: loadOrCreateLogHeadSigner(dir), dataDir: dir });
      const first = (await committer.commitNow())!;
      const file = path.join(dir, LOG_HEADS_FILE);
      const whole = fs.readFileSync(file, 'utf8');
      await buildHistory({ store, anchorStore, ledger, certifications: 1, prefix: 'F' });
      const failure = Object.assign(new Error(`${failing} failed`), { code: failing === 'write' ? 'ENOSPC' : 'EIO' });
      const write = fs.writeSync;
      if (failing === 'write') {
        let writes = 0;
        // The first write lands 20 bytes, the next finds the disk full.
        jest.spyOn(fs, 'writeSync').mockImplementation(((fd: number, buffer: Buffer, offset: number) => {
          writes += 1;
          if (writes > 1) throw failure;
          return write(fd, buffer, offset, 20);
        }) as typeof fs.writeSync);
      } else {
        jest.spyOn(fs, 'fsyncSync').mockImplementationOnce(() => {
          throw failure;
        });
      }
      try {
        await expect(committer.commitNow()).rejects.toBe(failure);
      } finally {
        jest.restoreAllMocks();
      }
      expect(fs.readFileSync(file, 'utf8')).toBe(whole);
      const next = (await committer.commitNow())!;
      const lines = fs.readFileSync(file, 'utf8').trim().split('\n');
      expect(lines.map((line) => (JSON.parse(line) as { treeSize: number }).treeSize)).toEqual([
        first.treeSize,
        next.treeSize,
      ]);
    },
  );

  it('where another process commits the heads, follows its record without writing it: a line still being written waits for the next read', async () => {
    const heads = embeddedLogHeadLedger({ backend: ledger });
    const signer = loadOrCreateLogHeadSigner(dir);
    const writer = createLogHeadCommitter({ store, signer, ledger: heads, dataDir: dir });
    const reader = createLogHeadCommitter({ store, signer, dataDir: dir, commits: false });
    await reader.sync();
    expect(reader.latest()).toBeUndefined();
    const first = (await writer.commitNow())!;
    await buildHistory({ store, anchorStore, ledger, certifications: 1, prefix: 'R' });
    const second = (await writer.commitNow())!;
    await reader.sync();
    expect(reader.heads()).toEqual([first, second]);
    expect(reader.consistencyProof(first.treeSize, second.treeSize)).toEqual(
      writer.consistencyProof(first.treeSize, second.treeSize),
    );

    const file = path.join(dir, LOG_HEADS_FILE);
    const being = JSON.stringify({ ...second, treeSize: second.treeSize + 1 });
    fs.appendFileSync(file, being.slice(0, 20));
    await reader.sync();
    expect(reader.latest()).toEqual(second);
    expect(fs.readFileSync(file, 'utf8').endsWith(being.slice(0, 20))).toBe(true);
    fs.appendFileSync(file, `${being.slice(20)}\n`);
    await reader.sync();
    expect(reader.latest()).toEqual(JSON.parse(being));
  });

  it('serves heads and proofs while a commit waits for the ledger', async () => {
    const heads = embeddedLogHeadLedger({ backend: ledger });
    let release: () => void = () => undefined;
    const slow = {
      ...heads,
      commitHead: async (...args: Parameters<typeof heads.commitHead>) => {
        await new Promise<void>((resolve) => (release = resolve));
        return heads.commitHead(...args);
      },
    };
    const committer = createLogHeadCommitter({
      store,
      signer: loadOrCreateLogHeadSigner(dir),
      ledger: slow,
      dataDir: dir,
    });
    const committing = committer.commitNow();
    await new Promise((resolve) => setTimeout(resolve, 50));
    let synced = false;
    await Promise.race([committer.sync().then(() => (synced = true)), new Promise((r) => setTimeout(r, 2_000))]);
    expect(synced).toBe(true);
    expect(committer.size()).toBeGreaterThan(0);
    release();
    expect((await committing)?.treeSize).toBe(committer.size());
  });

  it('reads each complete line of the record once, skipping one that is no head', async () => {
    const signer = loadOrCreateLogHeadSigner(dir);
    const writer = createLogHeadCommitter({ store, signer, dataDir: dir });
    const warnings: object[] = [];
    const logger = { info: () => undefined, error: () => undefined, warn: (o: object) => void warnings.push(o) };
    const reader = createLogHeadCommitter({ store, signer, dataDir: dir, commits: false, logger });
    const first = (await writer.commitNow())!;
    fs.appendFileSync(path.join(dir, LOG_HEADS_FILE), '{"treeSize": not json\n');
    await reader.sync();
    await reader.sync();
    expect(reader.heads()).toEqual([first]);
    expect(warnings).toHaveLength(1);
    await buildHistory({ store, anchorStore, ledger, certifications: 1, prefix: 'S' });
    const second = (await writer.commitNow())!;
    await reader.sync();
    expect(reader.heads()).toEqual([first, second]);
  });

  it('after tampering, the audit finds the heads inconsistent, the committer stops, and the ledger refuses a head that does not extend the last', async () => {
    const heads = embeddedLogHeadLedger({ backend: ledger });
    const signer = loadOrCreateLogHeadSigner(dir);
    const committer = createLogHeadCommitter({ store, signer, ledger: heads, dataDir: dir });
    const committed = (await committer.commitNow())!;
    const [victim] = await store.readAll(2, 1);
    const db = sqliteTamperDb(path.join(dir, SQLITE_FILE_NAME));
    await editPayload(db, victim!.eventId, { rehash: true });
    await db.close();

    const report = await audit();
    expect(report.ok).toBe(false);
    expect(report.log.heads).toEqual([
      expect.objectContaining({ treeSize: 28, consistent: false, reason: 'root-differs' }),
    ]);
    expect(report.discrepancies).toEqual([expect.objectContaining({ kind: 'modified', eventId: victim!.eventId })]);

    const restarted = createLogHeadCommitter({ store, signer, ledger: heads, dataDir: dir });
    await expect(restarted.commitNow()).rejects.toBeInstanceOf(LogHeadError);

    const rewritten = signer.sign({
      treeSize: 29,
      rootHash: 'ab'.repeat(32),
      lastPosition: 29,
      timestamp: new Date().toISOString(),
    });
    const refusal = await heads.commitHead(rewritten, ['cd'.repeat(32)]).catch((e: unknown) => e);
    expect(refusal).toBeInstanceOf(LedgerError);
    expect(refusal).toMatchObject({ code: 'rejected', chaincodeCode: 'CL_LOG_HEAD_INCONSISTENT' });
    expect((await heads.latestHead())!.rootHash).toBe(committed.rootHash);
  });

  it('accepts heads only from an operator identity and only under the log key', async () => {
    const contract = new LogHeadContract({ operatorMspIds: ['CBOrgMSP'], operatorRoles: ['admin', 'anchorer'] });
    const signer = loadOrCreateLogHeadSigner(dir);
    const head = signer.sign({
      treeSize: 0,
      rootHash: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
      lastPosition: 0,
      timestamp: new Date().toISOString(),
    });
    const submit = (role: string, body: object) =>
      ledger
        .submitTransaction(
          'CommitLogHead',
          { mspId: 'CBOrgMSP', attributes: { role, agencyId: 'CNCA-R-2002-001' } },
          (ctx) => contract.CommitLogHead(ctx, JSON.stringify(body)),
        )
        .catch((e: unknown) => e);
    expect(await submit('agency', { head, consistency: [] })).toMatchObject({ chaincodeCode: 'CL_FORBIDDEN_ROLE' });
    expect(await submit('anchorer', { head: { ...head, treeSize: 1 }, consistency: [] })).toMatchObject({
      chaincodeCode: 'CL_LOG_HEAD_SIGNATURE',
    });
    expect(await submit('anchorer', { head, consistency: [] })).toMatchObject({ transactionId: expect.any(String) });
    const stranger = loadOrCreateLogHeadSigner(dir, 'other-key.pem').sign({
      treeSize: 5,
      rootHash: 'ab'.repeat(32),
      lastPosition: 5,
      timestamp: new Date().toISOString(),
    });
    expect(await submit('anchorer', { head: stranger, consistency: [] })).toMatchObject({
      chaincodeCode: 'CL_LOG_HEAD_SIGNATURE',
    });
  });
});
