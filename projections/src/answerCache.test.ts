import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { parseAgencies } from './agencies';
import { createAnswerCache, type AnswerCache } from './answerCache';
import { issuedCertification, streamBuilder, type IssuedCertification, type StreamBuilder } from './fixtures';
import { createMemoryAnchorFeed, createMemoryFeed } from './memoryFeed';
import { createProjections, type Projections } from './projections';
import { createReadQueries, type ReadQueries } from './queries';
import { createSqliteReadStore, readStoreConfigFromEnv, type ReadStore } from './store';

const agencies = parseAgencies({
  agencies: [{ agencyId: 'CNCA-R-2002-001', name: 'Demo CB', approvalNo: 'CNCA-R-2002-001', schemes: ['QMS'] }],
});
const DAY = '2026-06-01';

function certification(n: number): IssuedCertification {
  return {
    certificationId: `cert-${n}`,
    agencyId: 'CNCA-R-2002-001',
    regionCode: '320102',
    holderName: `南京阀门${n}有限公司`,
    creditCode: `91320100MA1XXXX${n}0A`,
    certificateNo: `CERT-${n}`,
    issuedAt: '2026-01-10',
    validUntil: '2029-01-09',
  };
}

/**
 * The service's two sides over one SQLite file, each with its own connections: the workers'
 * projections write the read model, and the API's queries keep answers in memory.
 */
describe('the answer cache in front of a real SQLite read model written by another connection', () => {
  let dir: string;
  const feed = createMemoryFeed();
  const anchors = createMemoryAnchorFeed();
  const builders = new Map<number, StreamBuilder>();
  let workers: Projections;
  let apiStore: ReadStore;
  let beforeReplay: (() => Promise<void>) | undefined;

  const settleAll = async (): Promise<void> => {
    await workers.runner.catchUp();
    const settled = new Set(
      (await workers.store.all<{ event_id: string }>('SELECT event_id FROM anc_receipts')).map((r) => r.event_id),
    );
    for (const event of feed.events.filter((e) => !settled.has(e.eventId))) {
      anchors.commit({
        batchId: `b-${event.eventId}`,
        eventIds: [event.eventId],
        backend: 'embedded',
        channel: 'certledger',
        chaincode: 'certledger',
        transactionId: `tx-${event.eventId}`,
        blockNumber: 1,
        committedAt: new Date().toISOString(),
        eventType: event.type,
        certificationId: event.certificationId,
        receipt: { status: 'anchored', eventId: event.eventId },
      });
    }
    await workers.runner.catchUp();
  };
  const suspend = async (n: number): Promise<void> => {
    feed.append([builders.get(n)!.event('CertificateSuspended', { reason: 'overdue' }, '2026-03-01T09:00:00+08:00')]);
    await settleAll();
  };
  const apiSide = (maxBytes: number): { cache: AnswerCache; queries: ReadQueries } => {
    const cache = createAnswerCache({ store: apiStore, maxBytes });
    return { cache, queries: createReadQueries({ store: apiStore, agencies, today: () => DAY, answerCache: cache }) };
  };
  const statusOf = async (queries: ReadQueries, certificateNo: string): Promise<string> =>
    JSON.parse(String((await queries.certificateAnswer(certificateNo))!.body)).status;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'answer-cache-'));
    const file = path.join(dir, 'projections.sqlite');
    workers = createProjections({
      events: {
        ...feed,
        readAll: async (after, limit) => {
          await beforeReplay?.();
          return feed.readAll(after, limit);
        },
      },
      anchors,
      store: createSqliteReadStore({ file }),
      agencies,
      logger: pino({ level: 'silent' }),
      today: () => DAY,
    });
    await workers.runner.init();
    for (let n = 1; n <= 4; n++) {
      const builder = streamBuilder(certification(n));
      builders.set(n, builder);
      feed.append(issuedCertification(certification(n), builder));
    }
    await settleAll();
    apiStore = createSqliteReadStore({ file });
  });

  afterAll(async () => {
    await workers.close();
    await workers.store.close();
    await apiStore.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('answers from memory the second time, and drops exactly the answers the workers changed', async () => {
    const { cache, queries } = apiSide(1 << 20);
    const first = await queries.certificateAnswer('CERT-1');
    expect(JSON.parse(String(first!.body)).status).toBe('valid');
    await queries.certificateAnswer('CERT-2');
    expect(cache.stats()).toMatchObject({ entries: 2, hits: 0, misses: 2 });
    const again = await queries.certificateAnswer('CERT-1');
    expect([again!.etag, String(again!.body)]).toEqual([first!.etag, String(first!.body)]);
    expect(cache.stats().hits).toBe(1);

    await suspend(1);
    const after = await queries.certificateAnswer('CERT-1');
    expect(JSON.parse(String(after!.body)).status).toBe('suspended');
    expect(after!.etag).not.toBe(first!.etag);
    // CERT-2 did not change: still answered from memory.
    await queries.certificateAnswer('CERT-2');
    expect(cache.stats()).toMatchObject({ hits: 2, misses: 3 });
  });

  it('drops every answer as soon as the registry is reset for a rebuild, and answers the same afterwards', async () => {
    const { cache, queries } = apiSide(1 << 20);
    const before = await queries.certificateAnswer('CERT-3');
    let keptWhileReplaying: number | undefined;
    // The tables are dropped and created again in one transaction, then the log is replayed: look between.
    beforeReplay = async () => {
      if (keptWhileReplaying !== undefined) return;
      await cache.freshen();
      keptWhileReplaying = cache.stats().entries;
    };
    await workers.runner.rebuild('registry');
    beforeReplay = undefined;
    expect(keptWhileReplaying).toBe(0);
    const after = await queries.certificateAnswer('CERT-3');
    expect([after!.etag, String(after!.body)]).toEqual([before!.etag, String(before!.body)]);
  });

  it('starts afresh when the change it applied last has been forgotten, so no change goes unseen', async () => {
    const { cache, queries } = apiSide(1 << 20);
    expect(await statusOf(queries, 'CERT-4')).toBe('valid');
    await queries.certificateAnswer('CERT-2');
    await suspend(4);
    // The notes up to CERT-4's change are pruned, as they are once a reader is too far behind.
    const { seq } = (await workers.store.get<{ seq: number }>(
      "SELECT max(seq) AS seq FROM reg_answer_changes WHERE certificate_no = 'CERT-4'",
    ))!;
    await workers.store.transaction((tx) => tx.run('DELETE FROM reg_answer_changes WHERE seq <= ?', [seq]));
    await suspend(2);
    expect(await statusOf(queries, 'CERT-4')).toBe('suspended');
    expect(await statusOf(queries, 'CERT-2')).toBe('suspended');
    expect(cache.stats()).toMatchObject({ hits: 0, misses: 4 });
  });

  it('does not keep an answer read before a change it then applied', async () => {
    const { cache, queries } = apiSide(1 << 20);
    await cache.freshen();
    const stamp = cache.stamp();
    const read = (await createReadQueries({ store: apiStore, agencies, today: () => DAY }).certificateAnswer(
      'CERT-3',
    ))!;
    await suspend(3);
    await cache.freshen();
    cache.put('CERT-3', DAY, { etag: read.etag, body: String(read.body) }, stamp);
    expect(cache.stats().entries).toBe(0);
    expect(await statusOf(queries, 'CERT-3')).toBe('suspended');
  });

  it('keeps the answer changed last when the workers commit something else to the store', async () => {
    const { cache, queries } = apiSide(1 << 20);
    const builder = streamBuilder(certification(5));
    feed.append(issuedCertification(certification(5), builder));
    await settleAll();
    expect(await statusOf(queries, 'CERT-5')).toBe('valid');
    // A write that changes no answer, as supervision's evaluations and the other read models make.
    await workers.store.transaction(async (tx) => {
      await tx.run('CREATE TABLE IF NOT EXISTS unrelated_writes (n INTEGER)');
      await tx.run('INSERT INTO unrelated_writes (n) VALUES (1)');
    });
    expect(await statusOf(queries, 'CERT-5')).toBe('valid');
    expect(cache.stats()).toMatchObject({ hits: 1, misses: 1 });
  });

  it('answers again when the date changes, as the status can turn to expired', async () => {
    const { cache } = apiSide(1 << 20);
    const answer = { body: '{"status":"valid"}', etag: 'W/"valid:x"' };
    cache.put('CERT-9', '2029-01-09', answer, cache.stamp());
    expect(cache.get('CERT-9', '2029-01-09')?.etag).toBe(answer.etag);
    expect(cache.get('CERT-9', '2029-01-10')).toBeUndefined();
  });
});

describe('PROJECTIONS_ANSWER_CACHE_MB', () => {
  it('is 256 MB unless set, 0 turns the cache off, and anything but a whole number is refused', () => {
    expect(readStoreConfigFromEnv({}).answerCacheMb).toBe(256);
    expect(readStoreConfigFromEnv({ PROJECTIONS_ANSWER_CACHE_MB: '0' }).answerCacheMb).toBe(0);
    expect(readStoreConfigFromEnv({ PROJECTIONS_ANSWER_CACHE_MB: '4096' }).answerCacheMb).toBe(4096);
    for (const bad of ['-1', '1.5', 'lots', '']) {
      expect(() => readStoreConfigFromEnv({ PROJECTIONS_ANSWER_CACHE_MB: bad })).toThrow(
        expect.objectContaining({ code: 'read-store-config' }),
      );
    }
  });
});
