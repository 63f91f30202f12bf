import { sha256 } from '../events/sha256';

/**
 * An append-only RFC 6962 Merkle tree over the whole global log (leaves: the 32 bytes of each event
 * hash, in log order). Every complete subtree root is kept in flat Buffers, one per level, so a root
 * of any prefix or a consistency proof costs O(log n) hashes; appending is O(1) amortized.
 * Produces the same hashes as @certledger/chaincode's merkle.ts (checked in tests).
 */

const LEAF = Buffer.from([0x00]);
const NODE = Buffer.from([0x01]);
const EMPTY = sha256(new Uint8Array(0));

const leafInput = Buffer.alloc(33);
const nodeInput = Buffer.alloc(65);
LEAF.copy(leafInput, 0);
NODE.copy(nodeInput, 0);

export function leafHashOf(eventHash: Buffer): Buffer {
  eventHash.copy(leafInput, 1);
  return sha256(leafInput);
}

export function nodeHashOf(left: Buffer, right: Buffer): Buffer {
  left.copy(nodeInput, 1);
  right.copy(nodeInput, 33);
  return sha256(nodeInput);
}

export class LogTreeError extends Error {
  readonly code = 'log-tree-range';
  constructor(message: string) {
    super(message);
    this.name = 'LogTreeError';
  }
}

function highestPowerOfTwoBelow(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

export class LogTree {
  /** levels[l] holds the roots of the complete subtrees of 2^l leaves, 32 bytes each, left to right. */
  private readonly levels: Buffer[] = [Buffer.alloc(32 * 1024)];
  private readonly counts: number[] = [0];

  get size(): number {
    return this.counts[0]!;
  }

  /** Appends one leaf: the 32-byte event hash (Buffer) or its hex. Returns the leaf hash. */
  append(eventHash: Buffer | string): Buffer {
    const bytes = typeof eventHash === 'string' ? Buffer.from(eventHash, 'hex') : eventHash;
    if (bytes.length !== 32) throw new LogTreeError('a leaf is a 32-byte event hash');
    const leaf = leafHashOf(bytes);
    this.appendLeafHash(leaf);
    return leaf;
  }

  /** Appends a leaf whose leaf hash (SHA-256(0x00 ‖ event hash)) is already known. */
  appendLeafHash(leaf: Buffer): void {
    let node = leaf;
    let level = 0;
    for (;;) {
      const index = this.push(level, node);
      if (index % 2 === 0) return;
      node = nodeHashOf(this.node(level, index - 1), node);
      level++;
    }
  }

  /** MTH of the first `size` leaves, hex. */
  root(size = this.size): string {
    return this.rangeRoot(0, this.checkSize(size)).toString('hex');
  }

  /** RFC 6962 PROOF(m, D[n]): hex hashes showing the tree of `m` leaves is a prefix of the tree of `n`. */
  consistencyProof(m: number, n = this.size): string[] {
    this.checkSize(n);
    if (!Number.isInteger(m) || m < 0 || m > n) throw new LogTreeError(`size ${m} outside a tree of ${n}`);
    if (m === 0 || m === n) return [];
    return this.subproof(m, 0, n, true).map((b) => b.toString('hex'));
  }

  /** RFC 6962 PATH(index, D[n]): the audit path of one leaf. */
  inclusionProof(index: number, n = this.size): string[] {
    this.checkSize(n);
    if (!Number.isInteger(index) || index < 0 || index >= n)
      throw new LogTreeError(`leaf ${index} outside a tree of ${n}`);
    const path: Buffer[] = [];
    let from = 0;
    let to = n;
    const stack: Buffer[] = [];
    while (to - from > 1) {
      const k = highestPowerOfTwoBelow(to - from);
      if (index < from + k) {
        stack.push(this.rangeRoot(from + k, to));
        to = from + k;
      } else {
        stack.push(this.rangeRoot(from, from + k));
        from += k;
      }
    }
    while (stack.length > 0) path.push(stack.pop()!);
    return path.map((b) => b.toString('hex'));
  }

  private subproof(m: number, from: number, to: number, complete: boolean): Buffer[] {
    const n = to - from;
    if (m === n) return complete ? [] : [this.rangeRoot(from, to)];
    const k = highestPowerOfTwoBelow(n);
    if (m <= k) return [...this.subproof(m, from, from + k, complete), this.rangeRoot(from + k, to)];
    return [...this.subproof(m - k, from + k, to, false), this.rangeRoot(from, from + k)];
  }

  /**
   * MTH of leaves [from, to) where `from` is aligned to the largest power of two not above to − from
   * (true of every range RFC 6962's recursion visits): the complete subtrees of the range's binary
   * decomposition, folded right to left.
   */
  private rangeRoot(from: number, to: number): Buffer {
    if (to === from) return EMPTY;
    const parts: Buffer[] = [];
    let start = from;
    let remaining = to - from;
    while (remaining > 0) {
      let level = 31 - Math.clz32(remaining);
      while (start % 2 ** level !== 0) level--;
      parts.push(this.node(level, start / 2 ** level));
      start += 2 ** level;
      remaining -= 2 ** level;
    }
    let root = parts.pop()!;
    while (parts.length > 0) root = nodeHashOf(parts.pop()!, root);
    return root;
  }

  private node(level: number, index: number): Buffer {
    if (index >= (this.counts[level] ?? 0)) throw new LogTreeError(`no complete subtree ${index} at level ${level}`);
    return this.levels[level]!.subarray(index * 32, index * 32 + 32);
  }

  private push(level: number, hash: Buffer): number {
    if (this.levels[level] === undefined) {
      this.levels[level] = Buffer.alloc(32 * 64);
      this.counts[level] = 0;
    }
    let buffer = this.levels[level]!;
    const index = this.counts[level]!;
    if ((index + 1) * 32 > buffer.length) {
      const grown = Buffer.alloc(buffer.length * 2);
      buffer.copy(grown);
      this.levels[level] = buffer = grown;
    }
    hash.copy(buffer, index * 32);
    this.counts[level] = index + 1;
    return index;
  }

  private checkSize(size: number): number {
    if (!Number.isInteger(size) || size < 0 || size > this.size)
      throw new LogTreeError(`tree size ${size} outside 0..${this.size}`);
    return size;
  }
}

/** RFC 6962 root of a batch whose leaves are the given 32-byte event hashes, hex. */
export function batchRootOfHashes(hashes: readonly Buffer[]): string {
  return rootOfLeafHashes(hashes.map(leafHashOf));
}

/** RFC 6962 root over leaf hashes already computed, hex: pairs level by level, an odd last node moves up as is. */
export function rootOfLeafHashes(leaves: readonly Buffer[]): string {
  if (leaves.length === 0) return EMPTY.toString('hex');
  let level = leaves.slice();
  while (level.length > 1) {
    const next: Buffer[] = [];
    for (let i = 0; i + 1 < level.length; i += 2) next.push(nodeHashOf(level[i]!, level[i + 1]!));
    if (level.length % 2 === 1) next.push(level[level.length - 1]!);
    level = next;
  }
  return level[0]!.toString('hex');
}
