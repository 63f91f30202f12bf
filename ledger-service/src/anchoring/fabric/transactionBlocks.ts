import type { BlockNotServed } from '../port';
import { blockNumberOf } from './block';
import { errorTexts, toLedgerError } from './errors';

/** How many transactions' blocks are remembered: about 150 bytes each. */
export const REMEMBERED_TRANSACTION_BLOCKS = 10_000;

/**
 * What a peer that joined the channel from a snapshot says of a transaction before it (qscc
 * GetBlockByTxID): the snapshot holds the ids of those transactions, not their blocks. Any other
 * answer, "no such transaction ID" from a peer that has not committed it yet included, is an error
 * worth asking again, never a block the receipt may name unconfirmed.
 */
const NOT_SERVED = /details for the TXID \[[^\]]*\] not available.*First available block = \[(\d+)\]/;

/** A snapshot peer's answer for a transaction before its first block; undefined for any other error. */
export function blockNotServedBy(error: unknown): BlockNotServed | undefined {
  for (const text of errorTexts(error)) {
    const match = NOT_SERVED.exec(text);
    if (match) return { reason: match[0], firstAvailableBlock: Number(match[1]) };
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
