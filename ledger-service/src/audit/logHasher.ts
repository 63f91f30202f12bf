import type { LogHead } from '@certledger/chaincode';
import { sha256 } from '../events/sha256';
import { checkLogHeads, type LogHeadCheck } from './logHeadCheck';
import { LogTree, rootOfLeafHashes } from './logTree';

/**
 * The hashing half of the audit, run beside the reading half (in a worker thread when one is
 * available): recomputes each event's hash from its bytes, compares it with the stored hash, builds
 * the RFC 6962 tree of the whole log and every batch's root.
 */

/** One page of the log in transferable form. */
export interface HashPage {
  /** The canonical bytes of every event, back to back. */
  readonly bytes: Uint8Array;
  /** n + 1 offsets into `bytes`. */
  readonly offsets: Int32Array;
  /** The stored hash columns, 32 bytes each. */
  readonly hashes: Uint8Array;
  readonly positions: Float64Array;
  /** Index of the event's committed batch (−1 for none) and its leaf index in it. */
  readonly batch: Int32Array;
  readonly leaf: Int32Array;
}

export interface HashResult {
  readonly treeSize: number;
  readonly rootHash: string;
  /** Events whose bytes do not hash to their stored hash. */
  readonly mismatches: ReadonlyArray<{ readonly position: number; readonly computed: string }>;
  /** Batch index → root recomputed from the leaves read, with how many leaves were read. */
  readonly batchRoots: ReadonlyArray<{ readonly batch: number; readonly root: string; readonly leaves: number }>;
  readonly heads: readonly LogHeadCheck[];
}

export class LogHasher {
  private readonly tree = new LogTree();
  private readonly batches = new Map<number, Buffer[]>();
  private readonly mismatches: Array<{ position: number; computed: string }> = [];

  process(page: HashPage): void {
    const bytes = Buffer.from(page.bytes.buffer, page.bytes.byteOffset, page.bytes.byteLength);
    const hashes = Buffer.from(page.hashes.buffer, page.hashes.byteOffset, page.hashes.byteLength);
    for (let i = 0; i < page.positions.length; i++) {
      const computed = sha256(bytes.subarray(page.offsets[i]!, page.offsets[i + 1]!));
      if (computed.compare(hashes, i * 32, i * 32 + 32) !== 0) {
        this.mismatches.push({ position: page.positions[i]!, computed: computed.toString('hex') });
      }
      const leaf = this.tree.append(computed);
      const batch = page.batch[i]!;
      if (batch >= 0) {
        let leaves = this.batches.get(batch);
        if (!leaves) this.batches.set(batch, (leaves = []));
        leaves[page.leaf[i]!] = leaf;
      }
    }
  }

  finish(heads: readonly LogHead[], logKeyId?: string): HashResult {
    const batchRoots: Array<{ batch: number; root: string; leaves: number }> = [];
    for (const [batch, leaves] of this.batches) {
      let read = 0;
      for (let i = 0; i < leaves.length; i++) if (leaves[i] !== undefined) read++;
      batchRoots.push({ batch, leaves: read, root: read === leaves.length ? rootOfLeafHashes(leaves) : '' });
    }
    return {
      treeSize: this.tree.size,
      rootHash: this.tree.root(),
      mismatches: this.mismatches,
      batchRoots,
      heads: checkLogHeads(heads, this.tree, logKeyId),
    };
  }
}
