import type { BlockNotServed } from '../port';
import { blockNumberOf } from './block';
import { errorTexts, toLedgerError } from './errors';

/** How many transactions' blocks are remembered: about 150 bytes each. */
export const REMEMBERED_TRANSACTION_BLOCKS = 10_000;

/**
 * What a peer's ledger says when it has no block for a transaction id (qscc GetBlockByTxID): it does
 * not know the id, or it joined the channel from a snapshot, which holds the ids of the transactions
 * before it but not their blocks.
 */
const NOT_SERVED = /(?:no such transaction ID \[[^\]]*\] in index|details for the TXID \[[^\]]*\] not available).*/;
const FIRST_AVAILABLE_BLOCK = /First available block = \[(\d+)\]/;

/** The peer's answer when it cannot serve a transaction's block; undefined for any other error. */
export function blockNotServedBy(error: unknown): BlockNotServed | undefined {
  for (const text of errorTexts(error)) {
    const reason = NOT_SERVED.exec(text)?.[0];
    if (reason === undefined) continue;
    const first = FIRST_AVAILABLE_BLOCK.exec(reason)?.[1];
    return first === undefined ? { reason } : { reason, firstAvailableBlock: Number(first) };
  }
  return undefined;
}

/**
 * The blocks of committed transactions, each asked of the peer once: a committed transaction's
 * block never changes, and the peer answers with the whole block (up to MAX_BATCH_EVENTS digests).
 * Remembers the most recently used `capacity`; lookups of one transaction at once share one request.
 */
export class TransactionBlocks {
  private readonly known = new Map<string, number>();
  private readonly asking = new Map<string, Promise<number | BlockNotServed>>();

  constructor(
    /** The serialized block holding a transaction (qscc GetBlockByTxID). */
    private readonly fetchBlock: (transactionId: string) => Promise<Uint8Array>,
    private readonly capacity: number = REMEMBERED_TRANSACTION_BLOCKS,
  ) {}

  /** Remembers the block a transaction committed in, as its commit status said. */
  remember(transactionId: string, blockNumber: number): void {
    this.known.delete(transactionId);
    this.known.set(transactionId, blockNumber);
    if (this.known.size > this.capacity) this.known.delete(this.known.keys().next().value!);
  }

  /** The transaction's block, or why the peer cannot serve it. Throws LedgerError when the peer cannot be asked. */
  blockOf(transactionId: string): Promise<number | BlockNotServed> {
    const known = this.known.get(transactionId);
    if (known !== undefined) {
      this.remember(transactionId, known);
      return Promise.resolve(known);
    }
    let asked = this.asking.get(transactionId);
    if (!asked) {
      asked = this.ask(transactionId).finally(() => this.asking.delete(transactionId));
      this.asking.set(transactionId, asked);
    }
    return asked;
  }

  private async ask(transactionId: string): Promise<number | BlockNotServed> {
    let blockNumber: number;
    try {
      blockNumber = blockNumberOf(await this.fetchBlock(transactionId));
    } catch (error) {
      const notServed = blockNotServedBy(error);
      if (notServed) return notServed;
      throw toLedgerError(error, `looking up the block of transaction ${transactionId} failed`);
    }
    this.remember(transactionId, blockNumber);
    return blockNumber;
  }
}
