import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { batchIdOf, batchRootOf } from '@certledger/chaincode';
import pg from 'pg';
import { openPostgresEventStore } from '../../eventStore/postgres/postgresEventStore';
import { dropSchemas, testPostgresUrl, uniqueSchema } from '../../eventStore/testing/postgresTestDb';
import { startStallingProxy } from '../../eventStore/testing/stallingProxy';
import { createAnchorer, partOf } from '../anchorer';
import { openEmbeddedBackend } from '../embedded';
import type { AnchorCommit, AnchoredEventDigest } from '../port';
import { buildReceipt, verifyReceipt } from '../receipts';
import { appendTo, contractSigned, issued } from '../testing/events';
import { until } from '../../testing/until';
import { AnchorStore, AnchorStoreError, PlannedBatch } from './port';
import { openPostgresAnchorStore } from './postgresAnchorStore';
import { openSqliteAnchorStore } from './sqliteAnchorStore';

function planned(agencyId: string, ids: string[], firstPosition: number): PlannedBatch {
  const events: AnchoredEventDigest[] = ids.map((eventId, i) => ({
    eventId,
    streamId: `certification-${agencyId}-${i}`,
    version: i,
    type: 'ContractSigned',
    hash: createHash('sha256').update(eventId).digest('hex'),
    prevHash: '0'.repeat(64),
    occurredAt: '2026-01-01T00:00:00Z',
  }));
  const hashes = events.map((e) => e.hash);
  return {
    batch: { batchId: batchIdOf(hashes), agencyId, root: batchRootOf(hashes), events },
    positions: ids.map((_, i) => firstPosition + i),
    oldestRecordedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, firstPosition)).toISOString(),
  };
}

/** The events of a planned batch at these leaves (each its own stream), as a batch of their own. */
function partOfTest(whole: PlannedBatch, leaves: number[]): PlannedBatch {
  const streams = new Set(leaves.map((leaf) => whole.batch.events[leaf]!.streamId));
  return partOf(whole, (streamId) => streams.has(streamId))!;
}

const commitOf = (batch: PlannedBatch): AnchorCommit => ({
  batchId: batch.batch.batchId,
  root: batch.batch.root,
  backend: 'embedded',
  channel: 'embedded',
  chaincode: 'certledger',
  transactionId: 'tx-' + batch.batch.batchId.slice(0, 8),
  blockNumber: 7,
  replayed: false,
});

const adapters: Array<
  [string, () => Promise<{ store: AnchorStore; reopen: () => Promise<AnchorStore>; cleanup: () => Promise<void> }>]
> = [
  [
    'SQLite',
    async () => {
      const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'anchor-store-'));
      return {
        store: openSqliteAnchorStore({ directory }),
        reopen: async () => openSqliteAnchorStore({ directory }),
        cleanup: async () => fs.rmSync(directory, { recursive: true, force: true }),
      };
    },
  ],
  [
    'PostgreSQL',
    async () => {
      const connectionString = testPostgresUrl();
      const schema = uniqueSchema('anchor_store');
      return {
        store: await openPostgresAnchorStore({ connectionString, schema }),
        reopen: () => openPostgresAnchorStore({ connectionString, schema }),
        cleanup: () => dropSchemas(connectionString, [schema]),
      };
    },
  ],
];

describe.each(adapters)('%s anchor store', (_name, open) => {
  let store: AnchorStore;
  let reopen: () => Promise<AnchorStore>;
  let cleanup: () => Promise<void>;
  beforeEach(async () => {
    ({ store, reopen, cleanup } = await open());
  });
  afterEach(async () => {
    await store.close();
    await cleanup();
  });

  it('stores a plan atomically with its checkpoint, keeps it across a reopen, and records commits and refusals', async () => {
    expect(await store.checkpoint()).toBe(0);
    const a = planned('cb1', ['e1', 'e2', 'e3'], 1);
    const b = planned('cb2', ['e4', 'e5'], 4);
    await store.savePlan({
      batches: [a, b],
      checkpoint: 5,
      streamCertificates: new Map([['certification-cb1', 'CN-1']]),
    });
    await store.close();
    store = await reopen();
    expect(await store.checkpoint()).toBe(5);
    expect((await store.pendingBatches()).map((p) => [p.batch.batchId, p.status, p.positions])).toEqual([
      [a.batch.batchId, 'planned', [1, 2, 3]],
      [b.batch.batchId, 'planned', [4, 5]],
    ]);
    expect(await store.pendingSummary()).toEqual({
      batches: 2,
      events: 5,
      firstPosition: 1,
      oldestRecordedAt: a.oldestRecordedAt,
    });
    expect(await store.certificateOfStream('certification-cb1')).toBe('CN-1');
    expect(await store.certificateOfStream('certification-none')).toBeUndefined();

    await store.recordCommit(commitOf(a), '2026-01-01T00:00:10Z');
    await store.recordRejection(b.batch.batchId, 'CL_VERSION_GAP', 'CL_VERSION_GAP: gap');
    expect(await store.pendingBatches()).toEqual([]);
    expect(await store.findEvent('e2')).toMatchObject({
      anchor: { eventId: 'e2', batchId: a.batch.batchId, leafIndex: 1, position: 2 },
      batch: { status: 'committed', commit: commitOf(a) },
    });
    expect((await store.findEvent('e5'))?.batch).toMatchObject({
      status: 'rejected',
      rejection: { code: 'CL_VERSION_GAP' },
    });
    expect(await store.findEvent('e9')).toBeUndefined();
    expect(await store.counts()).toEqual({ batches: { planned: 0, committed: 1, rejected: 1 }, events: 5 });
  });

  it('puts parts of a planned batch in its place in one step, lists pending batches in log order, and names the refused streams', async () => {
    const whole = planned('cb1', ['e1', 'e2', 'e3', 'e4'], 1);
    const later = planned('cb1', ['e5'], 5);
    await store.savePlan({ batches: [whole, later], checkpoint: 5, streamCertificates: new Map() });
    const [front, back] = [partOfTest(whole, [0, 1]), partOfTest(whole, [2, 3])];
    await store.replaceBatch(whole.batch.batchId, [back, front]);
    expect((await store.pendingBatches()).map((p) => p.batch.batchId)).toEqual([
      front.batch.batchId,
      back.batch.batchId,
      later.batch.batchId,
    ]);
    expect(await store.getBatch(whole.batch.batchId)).toBeUndefined();
    expect((await store.findEvent('e3'))?.anchor).toEqual({
      eventId: 'e3',
      batchId: back.batch.batchId,
      leafIndex: 0,
      position: 3,
    });
    expect((await store.counts()).events).toBe(5);

    await store.recordRejection(front.batch.batchId, 'CL_PREV_HASH_MISMATCH', 'CL_PREV_HASH_MISMATCH: forged');
    await expect(store.replaceBatch(front.batch.batchId, [partOfTest(front, [0])])).rejects.toThrow(/not planned/);
    expect((await store.findEvent('e1'))?.batch.status).toBe('rejected');
    expect(await store.refusedStreams()).toEqual(new Set(['certification-cb1-0', 'certification-cb1-1']));
  });

  it('moves planned events the ledger holds already to the ledger’s batch, committed, with the rest of their batch in its place, in one step', async () => {
    const whole = planned('cb1', ['e1', 'e2', 'e3'], 4);
    const other = planned('cb1', ['e4'], 7);
    await store.savePlan({ batches: [whole, other], checkpoint: 7, streamCertificates: new Map() });
    // The ledger's batch: e1 and e2 of the planned batch, e4 (planned in another batch), and x (not in the log).
    const onLedger = planned('cb1', ['x', 'e2', 'e1', 'e4'], 1);
    const ledgerBatch = { ...onLedger, positions: [0, 5, 4, 7] };
    const anchorsOf = (ids: string[]) =>
      ids.map((eventId) => {
        const leafIndex = onLedger.batch.events.findIndex((e) => e.eventId === eventId);
        return { eventId, batchId: onLedger.batch.batchId, leafIndex, position: ledgerBatch.positions[leafIndex]! };
      });
    const replay = { ...commitOf(onLedger), replayed: true };
    const rest = partOfTest(whole, [2]);
    expect(
      await store.adoptAnchored(
        whole.batch.batchId,
        [{ planned: ledgerBatch, commit: replay, anchors: anchorsOf(['e1', 'e2']) }],
        rest,
      ),
    ).toEqual([onLedger.batch.batchId]);
    expect(await store.getBatch(whole.batch.batchId)).toBeUndefined();
    expect((await store.pendingBatches()).map((p) => p.batch.batchId)).toEqual([
      rest.batch.batchId,
      other.batch.batchId,
    ]);
    expect(await store.findEvent('e1')).toMatchObject({
      anchor: { eventId: 'e1', batchId: onLedger.batch.batchId, leafIndex: 2, position: 4 },
      batch: { status: 'committed', commit: replay, positions: [0, 5, 4, 7] },
    });
    expect((await store.findEvent('e3'))?.anchor).toMatchObject({ batchId: rest.batch.batchId, position: 6 });
    expect(await store.findEvent('x')).toBeUndefined();

    // The other planned batch's event, taken over later into the same batch: its commit stays the first,
    // and the batch is not recorded again.
    expect(
      await store.adoptAnchored(
        other.batch.batchId,
        [{ planned: ledgerBatch, commit: { ...replay, blockNumber: 99 }, anchors: anchorsOf(['e4']) }],
        undefined,
      ),
    ).toEqual([]);
    expect(await store.findEvent('e4')).toMatchObject({
      anchor: { batchId: onLedger.batch.batchId, leafIndex: 3, position: 7 },
      batch: { status: 'committed', commit: replay },
    });
    expect(await store.counts()).toEqual({ batches: { planned: 1, committed: 1, rejected: 0 }, events: 4 });
    expect((await store.anchorsAfter(0, 10)).map((found) => found.anchor.eventId)).toEqual(['e1', 'e2', 'e3', 'e4']);
    await expect(store.adoptAnchored(other.batch.batchId, [], undefined)).rejects.toThrow(/not planned/);
  });

  it('never moves the checkpoint back and refuses to plan an event twice', async () => {
    await store.savePlan({ batches: [planned('cb1', ['e1'], 1)], checkpoint: 9, streamCertificates: new Map() });
    await store.savePlan({ batches: [], checkpoint: 3, streamCertificates: new Map() });
    expect(await store.checkpoint()).toBe(9);
    const again = planned('cb1', ['e7', 'e1'], 10);
    await expect(store.savePlan({ batches: [again], checkpoint: 11, streamCertificates: new Map() })).rejects.toThrow();
    expect(await store.checkpoint()).toBe(9);
    expect(await store.getBatch(again.batch.batchId)).toBeUndefined();
    expect(await store.findEvent('e7')).toBeUndefined();
  });
});

describe('anchorer with the PostgreSQL event store and anchor store', () => {
  it('anchors every event on the embedded ledger, with verifying receipts', async () => {
    const connectionString = testPostgresUrl();
    const schema = uniqueSchema('anchorer_pg');
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'anchorer-pg-'));
    const eventStore = await openPostgresEventStore({ connectionString, schema, poolSize: 2 });
    const anchorStore = await openPostgresAnchorStore({ connectionString, schema });
    const ledger = openEmbeddedBackend({ dataDir });
    try {
      const stored = [
        ...(await appendTo(eventStore, 'certification-pg1', 'CB-1', [contractSigned(1), issued('CN-PG-1')])),
        ...(await appendTo(eventStore, 'certification-pg2', 'CB-2', [contractSigned(2)])),
      ];
      await createAnchorer({ eventStore, anchorStore, ledger }).drain();
      for (const event of stored) {
        const receipt = await buildReceipt({ eventStore, anchorStore }, event.eventId);
        expect((await verifyReceipt(receipt!, { ledger })).ok).toBe(true);
      }
      expect(await ledger.getCertificate('CN-PG-1')).toMatchObject({ status: 'valid', certificationId: 'pg1' });
    } finally {
      await Promise.all([eventStore.close(), anchorStore.close(), ledger.close()]);
      await dropSchemas(connectionString, [schema]);
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('PostgreSQL anchor store, when the server ends its connection mid-transaction', () => {
  it('fails the call as anchor-store-unavailable without crashing the process, and works again after', async () => {
    const connectionString = testPostgresUrl();
    const schema = uniqueSchema('anchor_killed');
    const store = await openPostgresAnchorStore({ connectionString, schema });
    const [blocker, admin] = [new pg.Client({ connectionString }), new pg.Client({ connectionString })];
    await Promise.all([blocker.connect(), admin.connect()]);
    const plan = { batches: [planned('cb1', ['e1', 'e2'], 1)], checkpoint: 2, streamCertificates: new Map() };
    try {
      const blockerPid = (await blocker.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
      await blocker.query('BEGIN');
      await blocker.query(`LOCK TABLE "${schema}".anchor_checkpoint`);
      // The plan's batches are written; its checkpoint waits on the lock, in the open transaction.
      const saving = store.savePlan(plan).then(
        () => undefined,
        (error: unknown) => error,
      );
      const victim = await until('the plan to wait on the lock', async () => {
        const { rows } = await admin.query<{ pid: number }>(
          'SELECT pid FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))',
          [blockerPid],
        );
        return rows[0]?.pid;
      });
      await admin.query('SELECT pg_terminate_backend($1)', [victim]);
      expect(await saving).toBeInstanceOf(AnchorStoreError);
      await blocker.query('ROLLBACK');
      await new Promise((resolve) => setTimeout(resolve, 100)); // any stray 'error' event would be emitted by now
      expect(await store.checkpoint()).toBe(0);
      await store.savePlan(plan);
      expect(await store.checkpoint()).toBe(2);
    } finally {
      await Promise.all([blocker.end(), admin.end()]);
      await store.close();
      await dropSchemas(connectionString, [schema]);
    }
  });
});

describe('PostgreSQL anchor store, when the server goes silent', () => {
  it('fails calls as anchor-store-unavailable within its query timeout, and works once the server answers again', async () => {
    const proxy = await startStallingProxy(testPostgresUrl());
    const schema = uniqueSchema('anchor_silent');
    const store = await openPostgresAnchorStore({
      connectionString: proxy.url,
      schema,
      queryTimeoutMs: 300,
      connectTimeoutMs: 1000,
    });
    const plan = { batches: [planned('cb1', ['e1'], 1)], checkpoint: 1, streamCertificates: new Map() };
    try {
      await store.ping();
      proxy.stall();
      for (const call of [() => store.savePlan(plan), () => store.ping()]) {
        const started = Date.now();
        await expect(call()).rejects.toBeInstanceOf(AnchorStoreError);
        expect(Date.now() - started).toBeLessThan(300 + 1000 + 500);
      }
      proxy.resume();
      await store.savePlan(plan);
      expect(await store.checkpoint()).toBe(1);
    } finally {
      await store.close();
      await proxy.close();
      await dropSchemas(testPostgresUrl(), [schema]);
    }
  });
});
