import type Database from 'better-sqlite3';
import type { Context } from 'fabric-contract-api';

/** The identity a transaction is submitted with, as Fabric CA would issue it. */
export interface SyntheticIdentity {
  readonly mspId: string;
  readonly attributes: Readonly<Record<string, string>>;
}

export interface TransactionFacts {
  readonly txId: string;
  readonly timestamp: Date;
  readonly identity: SyntheticIdentity;
}

export interface ContractLogger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** What the transaction did: its read set (key → block of the version read) and its write set. */
export interface TransactionEffects {
  readonly reads: ReadonlyMap<string, number>;
  readonly writes: ReadonlyMap<string, Buffer>;
  readonly event?: { readonly name: string; readonly payload: Buffer };
}

const COMPOSITE_KEY_NAMESPACE = '\u0000';
const MIN_UNICODE_RUNE = '\u0000';

/** Same layout as fabric-shim's createCompositeKey, so keys mean the same in both backends. */
export function compositeKey(objectType: string, attributes: readonly string[]): string {
  return COMPOSITE_KEY_NAMESPACE + objectType + MIN_UNICODE_RUNE + attributes.map((a) => a + MIN_UNICODE_RUNE).join('');
}

/** Bounds of every composite key that starts with these attributes: the partial key, and the first key past them. */
export function compositeKeyRange(objectType: string, attributes: readonly string[] = []): [string, string] {
  const start = compositeKey(objectType, attributes);
  return [start, start.slice(0, -1) + '\u0001'];
}

/** A shim-style query iterator over rows already read. */
function iteratorOver<Row, Value>(rows: readonly Row[], valueOf: (row: Row) => Value) {
  let index = 0;
  return {
    next: async () => {
      const row = rows[index++];
      return row === undefined ? { done: true, value: undefined } : { done: false, value: valueOf(row) };
    },
    close: async () => undefined,
  };
}

export interface StubStatements {
  readonly get: Database.Statement<[string], { value: Buffer; block_number: number }>;
  readonly range: Database.Statement<[string, string], { key: string; value: Buffer }>;
  readonly rangePage: Database.Statement<[string, string, number], { key: string; value: Buffer }>;
  readonly history: Database.Statement<
    [string, string],
    { value: Buffer; block_number: number; tx_id: string; timestamp: string }
  >;
}

export function prepareStubStatements(db: Database.Database): StubStatements {
  return {
    get: db.prepare<[string], { value: Buffer; block_number: number }>(
      'SELECT value, block_number FROM world_state WHERE key = ?',
    ),
    range: db.prepare<[string, string], { key: string; value: Buffer }>(
      'SELECT key, value FROM world_state WHERE key >= ? AND key < ? ORDER BY key',
    ),
    rangePage: db.prepare<[string, string, number], { key: string; value: Buffer }>(
      'SELECT key, value FROM world_state WHERE key >= ? AND key < ? ORDER BY key LIMIT ?',
    ),
    history: db.prepare<[string, string], { value: Buffer; block_number: number; tx_id: string; timestamp: string }>(
      `SELECT v.value, v.block_number, b.tx_id, b.timestamp
       FROM (SELECT value, block_number FROM key_history WHERE key = ? UNION ALL SELECT value, block_number FROM world_state WHERE key = ?) v
       JOIN blocks b ON b.block_number = v.block_number ORDER BY v.block_number`,
    ),
  };
}

/**
 * A Context for the contract over the SQLite world state, with Fabric's semantics: reads see committed
 * state only, writes are buffered until the caller commits them, and the read set is kept for the
 * commit-time version check.
 */
export function transactionContext(
  sql: StubStatements,
  facts: TransactionFacts,
  logger: ContractLogger,
): { ctx: Context; effects: () => TransactionEffects } {
  const reads = new Map<string, number>();
  const writes = new Map<string, Buffer>();
  let event: { name: string; payload: Buffer } | undefined;
  const stub = {
    getTxID: () => facts.txId,
    getDateTimestamp: () => facts.timestamp,
    getTxTimestamp: () => ({
      seconds: Math.floor(facts.timestamp.getTime() / 1000),
      nanos: (facts.timestamp.getTime() % 1000) * 1e6,
    }),
    createCompositeKey: (objectType: string, attributes: string[]) => compositeKey(objectType, attributes),
    getState: async (key: string) => {
      const row = sql.get.get(key);
      reads.set(key, row?.block_number ?? 0);
      return row ? row.value : Buffer.alloc(0);
    },
    putState: async (key: string, value: Uint8Array) => {
      writes.set(key, Buffer.from(value));
    },
    setEvent: (name: string, payload: Uint8Array) => {
      event = { name, payload: Buffer.from(payload) };
    },
    // Read-only queries only: a submitted transaction's range reads are not in its read set.
    getStateByPartialCompositeKey: async (objectType: string, attributes: string[]) => {
      return iteratorOver(sql.range.all(...compositeKeyRange(objectType, attributes)), (row) => row);
    },
    // As Fabric's: at most pageSize records from the bookmark (the key to resume at, '' for the start).
    getStateByPartialCompositeKeyWithPagination: async (
      objectType: string,
      attributes: string[],
      pageSize: number,
      bookmark = '',
    ) => {
      const [start, end] = compositeKeyRange(objectType, attributes);
      const rows = sql.rangePage.all(bookmark > start ? bookmark : start, end, pageSize + 1);
      const page = rows.slice(0, pageSize);
      return {
        iterator: iteratorOver(page, (row) => row),
        metadata: { fetchedRecordsCount: page.length, bookmark: rows[pageSize]?.key ?? '' },
      };
    },
    getHistoryForKey: async (key: string) => {
      return iteratorOver(sql.history.all(key, key), (row) => {
        const millis = Date.parse(row.timestamp);
        return {
          isDelete: false,
          value: row.value,
          txId: row.tx_id,
          timestamp: { seconds: Math.floor(millis / 1000), nanos: (millis % 1000) * 1e6 },
        };
      });
    },
  };
  const clientIdentity = {
    getMSPID: () => facts.identity.mspId,
    getAttributeValue: (name: string) => facts.identity.attributes[name] ?? null,
    getID: () => `x509::/OU=client/CN=${facts.identity.attributes.agencyId ?? 'unknown'}::/CN=embedded`,
  };
  const ctx = {
    stub,
    clientIdentity,
    logging: { getLogger: () => logger, setLevel: () => undefined },
  } as unknown as Context;
  return { ctx, effects: () => ({ reads, writes, event }) };
}
