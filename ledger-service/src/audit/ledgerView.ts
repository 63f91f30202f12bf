import path from 'node:path';
import fs from 'node:fs';
import Database from 'better-sqlite3';
import {
  eventRecordsOf,
  eventsKeyAttributes,
  LEDGER_KEY,
  type BatchRecord,
  type EventRecord,
  type LogHead,
  type StreamEventsRecord,
} from '@certledger/chaincode';
import { compositeKey, compositeKeyRange, EMBEDDED_LEDGER_FILE } from '../anchoring/embedded';
import type { LedgerBackend } from '../anchoring/port';
import type { LogHeadLedger } from './logHeads/ledger';
import type { LedgerDigest, LedgerHead } from './types';

export interface LedgerBatch {
  readonly batchId: string;
  readonly root: string;
  readonly size: number;
  /** The anchoring transaction's time as the ledger records it. */
  readonly timestamp?: string;
}

/** An event the audit looks up on the ledger, which keeps digests by stream. */
export interface DigestRef {
  readonly eventId: string;
  readonly streamId: string;
}

/** What the audit reads from the ledger, in bulk. */
export interface AuditLedgerView {
  readonly kind: 'embedded' | 'fabric';
  /** The ledger's digests of these events, by eventId: those its stream holds under that id, at any version. */
  digests(events: readonly DigestRef[]): Promise<Map<string, LedgerDigest>>;
  /** Every digest the ledger holds for these batches. */
  batchDigests(batchIds: readonly string[]): Promise<LedgerDigest[]>;
  heads(streamIds: readonly string[]): Promise<Map<string, LedgerHead>>;
  batches(batchIds: readonly string[]): Promise<Map<string, LedgerBatch>>;
  /** How many event digests the ledger holds, when it can count them. */
  eventCount?(): Promise<number>;
  /** Every digest whose eventId `known` rejects, when the ledger can enumerate its digests. */
  digestsNotIn?(known: (eventId: string) => boolean): Promise<LedgerDigest[]>;
  /** The signed log heads on the ledger, smallest first; rejects when they cannot be read (never "none" instead). */
  logHeads(): Promise<LogHead[]>;
  /**
   * When the ledger last anchored a batch, on its own record (null: never), for a ledger that can
   * tell (the embedded one): a log whose newest head is old but which anchored nothing since is quiet.
   */
  lastAnchoredAt?(): Promise<string | null>;
  close(): Promise<void>;
}

export class AuditSourceError extends Error {
  readonly code = 'audit-source-unavailable';
  constructor(message: string) {
    super(message);
    this.name = 'AuditSourceError';
  }
}

function digestOf(record: Omit<EventRecord, 'leafIndex' | 'type' | 'occurredAt'>): LedgerDigest {
  return {
    eventId: record.eventId,
    streamId: record.streamId,
    version: record.version,
    hash: record.hash,
    prevHash: record.prevHash,
    batchId: record.batchId,
    agencyId: record.agencyId,
  };
}

/** The digests of `events`, by eventId, from the digests of their streams. */
async function byStream(
  events: readonly DigestRef[],
  streamDigests: (streamIds: string[]) => Promise<LedgerDigest[][]>,
): Promise<Map<string, LedgerDigest>> {
  const streamIds = [...new Set(events.map((event) => event.streamId))];
  const found = new Map<string, LedgerDigest>();
  (await streamDigests(streamIds)).forEach((digests, i) => {
    for (const digest of digests) found.set(`${streamIds[i]}\u0000${digest.eventId}`, digest);
  });
  const digests = new Map<string, LedgerDigest>();
  for (const event of events) {
    const digest = found.get(`${event.streamId}\u0000${event.eventId}`);
    if (digest) digests.set(event.eventId, digest);
  }
  return digests;
}

/**
 * Reads the embedded ledger's world state directly (read-only), as a peer would: fast enough to
 * audit a million events, and independent of the service that writes it.
 */
export function openEmbeddedLedgerView(options: {
  readonly dataDir: string;
  readonly fileName?: string;
}): AuditLedgerView {
  const file = path.join(options.dataDir, options.fileName ?? EMBEDDED_LEDGER_FILE);
  if (!fs.existsSync(file)) throw new AuditSourceError(`no embedded ledger at ${file}`);
  const db = new Database(file, { readonly: true, fileMustExist: true });
  const get = db.prepare<[string], { value: Buffer }>('SELECT value FROM world_state WHERE key = ?');
  const scan = db.prepare<[string, string], { key: string; value: Buffer }>(
    'SELECT key, value FROM world_state WHERE key > ? AND key < ?',
  );
  const eventTotal = db.prepare<[string, string], { n: number }>(
    `SELECT COALESCE(SUM(json_array_length(CAST(value AS TEXT), '$.events')), 0) AS n FROM world_state WHERE key > ? AND key < ?`,
  );
  const bulkHeads = db.prepare<[string], { id: string; version: number; hash: string; agencyId: string }>(
    `SELECT j.value AS id, json_extract(CAST(w.value AS TEXT), '$.version') AS version, json_extract(CAST(w.value AS TEXT), '$.hash') AS hash,
            json_extract(CAST(w.value AS TEXT), '$.agencyId') AS agencyId
     FROM json_each(?) j JOIN world_state w ON w.key = char(0) || 'stream' || char(0) || j.value || char(0)`,
  );
  const read = <T>(kind: string, attributes: readonly string[]): T | undefined => {
    const row = get.get(compositeKey(kind, attributes));
    return row ? (JSON.parse(row.value.toString('utf8')) as T) : undefined;
  };
  const [eventStart, eventEnd] = compositeKeyRange(LEDGER_KEY.events);
  const [headStart, headEnd] = compositeKeyRange('loghead');
  const recordsIn = function* (bounds: [string, string]): Generator<EventRecord> {
    for (const row of scan.iterate(...bounds))
      yield* eventRecordsOf(JSON.parse(row.value.toString('utf8')) as StreamEventsRecord);
  };
  const streamDigests = (streamId: string): LedgerDigest[] =>
    Array.from(recordsIn(compositeKeyRange(LEDGER_KEY.events, [streamId])), digestOf);
  return {
    kind: 'embedded',
    digests: (events) => byStream(events, async (streamIds) => streamIds.map(streamDigests)),
    async batchDigests(batchIds) {
      const digests: LedgerDigest[] = [];
      for (const batchId of batchIds) {
        for (const [streamId, firstVersion] of read<BatchRecord>(LEDGER_KEY.batch, [batchId])?.streams ?? []) {
          const stored = read<StreamEventsRecord>(LEDGER_KEY.events, eventsKeyAttributes(streamId, firstVersion));
          if (stored) digests.push(...eventRecordsOf(stored).map(digestOf));
        }
      }
      return digests;
    },
    async heads(streamIds) {
      const found = new Map<string, LedgerHead>();
      for (let i = 0; i < streamIds.length; i += 10_000) {
        for (const row of bulkHeads.iterate(JSON.stringify(streamIds.slice(i, i + 10_000)))) {
          found.set(row.id, { streamId: row.id, version: row.version, hash: row.hash, agencyId: row.agencyId });
        }
      }
      return found;
    },
    async batches(batchIds) {
      const found = new Map<string, LedgerBatch>();
      for (const id of batchIds) {
        const batch = read<BatchRecord>(LEDGER_KEY.batch, [id]);
        if (batch)
          found.set(id, { batchId: batch.batchId, root: batch.root, size: batch.size, timestamp: batch.timestamp });
      }
      return found;
    },
    async eventCount() {
      return eventTotal.get(eventStart, eventEnd)!.n;
    },
    async digestsNotIn(known) {
      const missing: LedgerDigest[] = [];
      for (const record of recordsIn([eventStart, eventEnd]))
        if (!known(record.eventId)) missing.push(digestOf(record));
      return missing;
    },
    async logHeads() {
      const heads: LogHead[] = [];
      for (const row of scan.iterate(headStart, headEnd)) {
        if (row.key.endsWith('latest\u0000')) continue;
        heads.push(JSON.parse(row.value.toString('utf8')) as LogHead);
      }
      return heads.sort((a, b) => a.treeSize - b.treeSize);
    },
    async lastAnchoredAt() {
      // One block per transaction, in commit order: the newest AnchorBatch block is the last anchoring.
      const row = db
        .prepare<[], { timestamp: string }>(
          "SELECT timestamp FROM blocks WHERE function = 'AnchorBatch' ORDER BY block_number DESC LIMIT 1",
        )
        .get();
      return row?.timestamp ?? null;
    },
    async close() {
      db.close();
    },
  };
}

async function mapLimited<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** The audit's view through any LedgerBackend's read-only queries (Fabric): one query per key, `concurrency` at a time. */
export function ledgerViewOfBackend(options: {
  readonly backend: LedgerBackend;
  readonly logHeads?: LogHeadLedger;
  readonly concurrency?: number;
}): AuditLedgerView {
  const { backend } = options;
  const concurrency = options.concurrency ?? 16;
  async function collect<T>(
    ids: readonly string[],
    fetch: (id: string) => Promise<T | undefined>,
  ): Promise<Map<string, T>> {
    const values = await mapLimited(ids, concurrency, fetch);
    const found = new Map<string, T>();
    ids.forEach((id, i) => {
      if (values[i] !== undefined) found.set(id, values[i]!);
    });
    return found;
  }
  return {
    kind: backend.kind,
    digests: (events) =>
      byStream(events, (streamIds) =>
        mapLimited(streamIds, concurrency, async (id) => (await backend.getStreamEvents(id)).map(digestOf)),
      ),
    async batchDigests(batchIds) {
      return (await mapLimited(batchIds, concurrency, (id) => backend.getBatchEvents(id))).flat().map(digestOf);
    },
    heads: (ids) => collect(ids, (id) => backend.getStreamHead(id)),
    batches: (ids) =>
      collect(ids, async (id) => {
        const batch = await backend.getBatch(id);
        return batch && { batchId: batch.batchId, root: batch.root, size: batch.size, timestamp: batch.timestamp };
      }),
    async logHeads() {
      // Without a source of heads (the verification page's view) there are none to read. A failed
      // query, a chaincode without LogHeadContract included, is no answer: it must not pass for "no heads".
      if (!options.logHeads) return [];
      try {
        return await options.logHeads.listHeads();
      } catch (error) {
        throw new AuditSourceError(`the log heads could not be read: ${(error as Error).message}`);
      }
    },
    async close() {
      await backend.close();
      (options.logHeads as { close?: () => void } | undefined)?.close?.();
    },
  };
}
