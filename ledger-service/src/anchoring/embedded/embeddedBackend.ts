import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import {
  AnchorBatchResult,
  CertLedgerContract,
  SUPERVISION_STREAM_PREFIX,
  canonicalJson,
  encodeBatch,
  chaincodeErrorCodeOf,
  type ContractQuery,
} from '@certledger/chaincode';
import { AnchorBatch, AnchorCommit, BlockNotServed, LedgerBackend, LedgerError } from '../port';
import type { Context } from 'fabric-contract-api';
import { ContractQueries } from '../contractQueries';
import { EMBEDDED_LEDGER_SCHEMA } from './schema';
import {
  ContractLogger,
  SyntheticIdentity,
  TransactionEffects,
  prepareStubStatements,
  transactionContext,
} from './stub';

export interface EmbeddedBackendOptions {
  /** Directory of `ledger.sqlite`; created when missing. */
  readonly dataDir: string;
  readonly fileName?: string;
  /** Named in commits and receipts. */
  readonly channel?: string;
  readonly chaincode?: string;
  /** MSP of the synthesized agency identities (role=agency, agencyId=<batch agency>). */
  readonly agencyMspId?: string;
  /** MSP of the synthesized regulator identities, used for batches of supervision streams. */
  readonly regulatorMspId?: string;
  readonly busyTimeoutMs?: number;
  readonly logger?: ContractLogger;
  readonly clock?: () => Date;
}

export const EMBEDDED_LEDGER_FILE = 'ledger.sqlite';
const GENESIS_HASH = '0'.repeat(64);

export interface EmbeddedLedgerBackend extends LedgerBackend {
  readonly kind: 'embedded';
  readonly file: string;
  /** Highest block number, 0 when empty. */
  height(): Promise<number>;
  /**
   * Runs one transaction of another contract of the chaincode (e.g. LogHeadContract) with the given
   * identity and commits it as its own block, with the same MVCC check as anchor().
   */
  submitTransaction(
    functionName: string,
    identity: SyntheticIdentity,
    invoke: (ctx: Context) => Promise<string>,
  ): Promise<{ readonly result: string; readonly transactionId: string; readonly blockNumber: number }>;
  /** Runs a read-only function of another contract over the committed state. */
  evaluateTransaction(invoke: (ctx: Context) => Promise<string>): Promise<string>;
  /** The time of this one-node ledger: its transactions' times, and its contracts' clock. */
  ledgerTime(): Date;
}

const silent: ContractLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

/** The `embedded` ledger: the chaincode's contract class run in-process over a SQLite world state, one block per transaction. */
export function openEmbeddedBackend(options: EmbeddedBackendOptions): EmbeddedLedgerBackend {
  fs.mkdirSync(options.dataDir, { recursive: true });
  const file = path.join(options.dataDir, options.fileName ?? EMBEDDED_LEDGER_FILE);
  const db = new Database(file, { timeout: options.busyTimeoutMs ?? 5000 });
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.exec('BEGIN IMMEDIATE');
    db.exec(EMBEDDED_LEDGER_SCHEMA);
    db.exec('COMMIT');
  } catch (error) {
    db.close();
    throw new LedgerError('unavailable', `cannot open the embedded ledger ${file}: ${(error as Error).message}`);
  }
  return new EmbeddedBackend(db, file, options);
}

/** The contract's answer, or its error as the port's: a coded CL_… error is the ledger's refusal. */
async function invoked(call: () => Promise<string>): Promise<string> {
  try {
    return await call();
  } catch (error) {
    const message = (error as Error).message;
    const code = chaincodeErrorCodeOf(message);
    throw new LedgerError(code ? 'rejected' : 'unavailable', message, code);
  }
}

function hashOf(...parts: Array<string | Buffer>): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return hash.digest('hex');
}

class EmbeddedBackend extends ContractQueries implements EmbeddedLedgerBackend {
  readonly kind = 'embedded' as const;
  readonly channel: string;
  readonly chaincode: string;
  private readonly contract: CertLedgerContract;
  private readonly stubSql;
  private readonly sql;
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly db: Database.Database,
    readonly file: string,
    private readonly options: EmbeddedBackendOptions,
  ) {
    super();
    this.channel = options.channel ?? 'embedded';
    this.chaincode = options.chaincode ?? 'certledger';
    // One node: the clock that stamps its transactions is the clock the contract checks them against.
    this.contract = new CertLedgerContract({
      agencyMspIds: [options.agencyMspId ?? 'CBOrgMSP'],
      regulatorMspIds: [options.regulatorMspId ?? 'RegulatorOrgMSP'],
      now: () => this.ledgerTime().getTime(),
    });
    this.stubSql = prepareStubStatements(db);
    this.sql = {
      head: db.prepare<[], { block_number: number; block_hash: string }>(
        'SELECT block_number, block_hash FROM blocks ORDER BY block_number DESC LIMIT 1',
      ),
      blockOfTx: db.prepare<[string], { block_number: number }>('SELECT block_number FROM blocks WHERE tx_id = ?'),
      version: db.prepare<[string], { block_number: number }>('SELECT block_number FROM world_state WHERE key = ?'),
      insertBlock: db.prepare(
        `INSERT INTO blocks (block_number, tx_id, timestamp, creator_msp, creator_agency, function, chaincode_event, event_payload,
           writes_hash, previous_hash, block_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      upsert: db.prepare(
        'INSERT INTO world_state (key, value, block_number) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, block_number = excluded.block_number',
      ),
      archive: db.prepare(
        'INSERT INTO key_history (key, block_number, value) SELECT key, block_number, value FROM world_state WHERE key = ?',
      ),
    };
  }

  anchor(batch: AnchorBatch): Promise<AnchorCommit> {
    return this.serialized(() => this.anchorNow(batch));
  }

  async authorizeTransfer(streamId: string, fromAgencyId: string, toAgencyId: string): Promise<void> {
    const holder = this.identityFor({ agencyId: fromAgencyId, events: [{ streamId }] });
    await this.submitTransaction('AuthorizeTransfer', holder, (ctx) =>
      this.contract.AuthorizeTransfer(ctx, JSON.stringify({ streamId, toAgencyId })),
    );
  }

  ledgerTime(): Date {
    return (this.options.clock ?? (() => new Date()))();
  }

  /** A transaction of `identity` over the committed state: its facts, its context, and what it read and wrote. */
  private transaction(identity: SyntheticIdentity) {
    this.assertOpen();
    const facts = {
      txId: randomBytes(32).toString('hex'),
      timestamp: this.ledgerTime(),
      identity,
    };
    return { facts, ...transactionContext(this.stubSql, facts, this.options.logger ?? silent) };
  }

  private async anchorNow(batch: AnchorBatch): Promise<AnchorCommit> {
    const { facts, ctx, effects } = this.transaction(this.identityFor(batch));
    const result = JSON.parse(
      await invoked(() => this.contract.AnchorBatch(ctx, encodeBatch(batch))),
    ) as AnchorBatchResult;
    if (result.replayed) return this.replayedCommitOf(result.batch);
    const blockNumber = this.commit(facts, effects());
    return this.commitOf(result.batch, blockNumber, false);
  }

  protected async blockOfTransaction(transactionId: string): Promise<number | BlockNotServed> {
    this.assertOpen();
    return (
      this.sql.blockOfTx.get(transactionId)?.block_number ?? {
        reason: `the embedded ledger has no block of transaction ${transactionId}`,
      }
    );
  }

  /** Writes the transaction as the next block, atomically, if nothing it read has changed since (Fabric's MVCC check). */
  private commit(
    facts: { txId: string; timestamp: Date; identity: SyntheticIdentity },
    effects: TransactionEffects,
    functionName = 'AnchorBatch',
  ): number {
    const write = this.db.transaction((): number => {
      for (const [key, block] of effects.reads) {
        if ((this.sql.version.get(key)?.block_number ?? 0) !== block) {
          throw new LedgerError('unavailable', `MVCC read conflict on a key of transaction ${facts.txId}`);
        }
      }
      const head = this.sql.head.get();
      const blockNumber = (head?.block_number ?? 0) + 1;
      const writes = [...effects.writes].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      const writesHash = hashOf(...writes.flatMap(([key, value]) => [key, '\u0000', hashOf(value)]));
      const timestamp = facts.timestamp.toISOString();
      const previousHash = head?.block_hash ?? GENESIS_HASH;
      const blockHash = hashOf(canonicalJson({ blockNumber, txId: facts.txId, timestamp, writesHash, previousHash }));
      this.sql.insertBlock.run(
        blockNumber,
        facts.txId,
        timestamp,
        facts.identity.mspId,
        facts.identity.attributes.agencyId ?? '',
        functionName,
        effects.event?.name ?? null,
        effects.event?.payload ?? null,
        writesHash,
        previousHash,
        blockHash,
      );
      for (const [key, value] of writes) {
        this.sql.archive.run(key);
        this.sql.upsert.run(key, value, blockNumber);
      }
      return blockNumber;
    });
    try {
      return write.immediate();
    } catch (error) {
      if (error instanceof LedgerError) throw error;
      throw new LedgerError('unavailable', `the embedded ledger could not commit: ${(error as Error).message}`);
    }
  }

  private identityFor(
    batch: Pick<AnchorBatch, 'agencyId'> & { events: ReadonlyArray<{ streamId: string }> },
  ): SyntheticIdentity {
    const supervision =
      batch.events.length > 0 && batch.events.every((e) => e.streamId.startsWith(SUPERVISION_STREAM_PREFIX));
    return supervision
      ? {
          mspId: this.options.regulatorMspId ?? 'RegulatorOrgMSP',
          attributes: { role: 'regulator', agencyId: batch.agencyId },
        }
      : { mspId: this.options.agencyMspId ?? 'CBOrgMSP', attributes: { role: 'agency', agencyId: batch.agencyId } };
  }

  protected async evaluate<T>(fn: ContractQuery, arg: object): Promise<T> {
    this.assertOpen();
    const facts = {
      txId: randomBytes(32).toString('hex'),
      timestamp: new Date(),
      identity: { mspId: 'embedded', attributes: {} },
    };
    const { ctx } = transactionContext(this.stubSql, facts, this.options.logger ?? silent);
    return JSON.parse(await this.contract[fn](ctx, JSON.stringify(arg))) as T;
  }

  submitTransaction(
    functionName: string,
    identity: SyntheticIdentity,
    invoke: (ctx: Context) => Promise<string>,
  ): Promise<{ result: string; transactionId: string; blockNumber: number }> {
    return this.serialized(async () => {
      const { facts, ctx, effects } = this.transaction(identity);
      const result = await invoked(() => invoke(ctx));
      const done = effects();
      const blockNumber =
        done.writes.size > 0 ? this.commit(facts, done, functionName) : (this.sql.head.get()?.block_number ?? 0);
      return { result, transactionId: facts.txId, blockNumber };
    });
  }

  async evaluateTransaction(invoke: (ctx: Context) => Promise<string>): Promise<string> {
    this.assertOpen();
    const facts = {
      txId: randomBytes(32).toString('hex'),
      timestamp: new Date(),
      identity: { mspId: 'embedded', attributes: {} },
    };
    const { ctx } = transactionContext(this.stubSql, facts, this.options.logger ?? silent);
    return invoke(ctx);
  }

  async height(): Promise<number> {
    this.assertOpen();
    return this.sql.head.get()?.block_number ?? 0;
  }

  async ping(): Promise<void> {
    this.assertOpen();
    this.db.prepare('SELECT 1').get();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.queue.catch(() => undefined);
    this.closed = true;
    this.db.close();
  }

  private assertOpen(): void {
    if (this.closed) throw new LedgerError('unavailable', 'the embedded ledger is closed');
  }

  private serialized<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }
}
