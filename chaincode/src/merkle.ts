import { createHash } from 'node:crypto';

/**
 * Merkle trees in the manner of RFC 6962 (Certificate Transparency): leaf hash = SHA-256(0x00 ‖ leaf),
 * node hash = SHA-256(0x01 ‖ left ‖ right), and a tree of n > 1 leaves splits at the largest power of
 * two smaller than n. Hashes are lowercase hex strings; leaves are raw bytes.
 */

const LEAF_PREFIX = Buffer.from([0x00]);
const NODE_PREFIX = Buffer.from([0x01]);

export type Hex = string;

function sha256(...parts: Uint8Array[]): Buffer {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return hash.digest();
}

export function leafHash(leaf: Uint8Array): Hex {
  return sha256(LEAF_PREFIX, leaf).toString('hex');
}

export function nodeHash(left: Hex, right: Hex): Hex {
  return sha256(NODE_PREFIX, Buffer.from(left, 'hex'), Buffer.from(right, 'hex')).toString('hex');
}

/** Root of the empty tree: SHA-256 of nothing. */
export const EMPTY_ROOT: Hex = sha256().toString('hex');

/** The largest power of two strictly smaller than n (n ≥ 2). */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** Root over leaf hashes already computed (the form every other function works on). */
function rootOfHashes(hashes: readonly Hex[], from: number, to: number): Hex {
  const n = to - from;
  if (n === 0) return EMPTY_ROOT;
  if (n === 1) return hashes[from]!;
  const k = splitPoint(n);
  return nodeHash(rootOfHashes(hashes, from, from + k), rootOfHashes(hashes, from + k, to));
}

export function leafHashes(leaves: readonly Uint8Array[]): Hex[] {
  return leaves.map(leafHash);
}

/** MTH(D[n]) over raw leaves. */
export function merkleRoot(leaves: readonly Uint8Array[]): Hex {
  const hashes = leafHashes(leaves);
  return rootOfHashes(hashes, 0, hashes.length);
}

/** MTH over leaf hashes. */
export function merkleRootOfLeafHashes(hashes: readonly Hex[]): Hex {
  return rootOfHashes(hashes, 0, hashes.length);
}

/** Leaves given as hex strings of their bytes (event hashes), the form batches use. */
export function merkleRootOfHexLeaves(leaves: readonly Hex[]): Hex {
  return merkleRoot(leaves.map((leaf) => Buffer.from(leaf, 'hex')));
}

function path(index: number, hashes: readonly Hex[], from: number, to: number): Hex[] {
  const n = to - from;
  if (n <= 1) return [];
  const k = splitPoint(n);
  if (index < k) return [...path(index, hashes, from, from + k), rootOfHashes(hashes, from + k, to)];
  return [...path(index - k, hashes, from + k, to), rootOfHashes(hashes, from, from + k)];
}

/** PATH(m, D[n]): the audit path of leaf `index` among the given leaf hashes. */
export function inclusionProof(index: number, hashes: readonly Hex[]): Hex[] {
  if (!Number.isInteger(index) || index < 0 || index >= hashes.length) {
    throw new RangeError(`leaf index ${index} outside a tree of ${hashes.length}`);
  }
  return path(index, hashes, 0, hashes.length);
}

/**
 * Every level of the tree over the given leaf hashes, leaves first, root last. Pairing neighbours
 * and carrying a lone last node up unchanged builds exactly the RFC 6962 tree (its left subtrees
 * are complete), so once a tree's levels are kept, each audit path costs log n look-ups instead of
 * n hashes.
 */
export function merkleLevels(hashes: readonly Hex[]): Hex[][] {
  const levels: Hex[][] = [[...hashes]];
  for (let level = levels[0]!; level.length > 1;) {
    const next: Hex[] = [];
    for (let i = 0; i < level.length; i += 2)
      next.push(i + 1 < level.length ? nodeHash(level[i]!, level[i + 1]!) : level[i]!);
    levels.push(next);
    level = next;
  }
  return levels;
}

/** The audit path of leaf `index`, read off a tree's levels (the same path as inclusionProof). */
export function inclusionProofFromLevels(index: number, levels: readonly (readonly Hex[])[]): Hex[] {
  const leaves = levels[0]?.length ?? 0;
  if (!Number.isInteger(index) || index < 0 || index >= leaves) {
    throw new RangeError(`leaf index ${index} outside a tree of ${leaves}`);
  }
  const proof: Hex[] = [];
  for (let depth = 0, at = index; depth < levels.length - 1; depth += 1, at >>= 1) {
    const sibling = at ^ 1;
    if (sibling < levels[depth]!.length) proof.push(levels[depth]![sibling]!);
  }
  return proof;
}

/** RFC 9162 §2.1.3.2: does `path` lead from the leaf hash at `index` to `root` in a tree of `size`? */
export function verifyInclusion(leaf: Hex, index: number, size: number, proof: readonly Hex[], root: Hex): boolean {
  if (!Number.isInteger(index) || !Number.isInteger(size) || index < 0 || index >= size) return false;
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && r === root;
}

function subproof(m: number, hashes: readonly Hex[], from: number, to: number, complete: boolean): Hex[] {
  const n = to - from;
  if (m === n) return complete ? [] : [rootOfHashes(hashes, from, to)];
  const k = splitPoint(n);
  if (m <= k) return [...subproof(m, hashes, from, from + k, complete), rootOfHashes(hashes, from + k, to)];
  return [...subproof(m - k, hashes, from + k, to, false), rootOfHashes(hashes, from, from + k)];
}

/** PROOF(m, D[n]): shows that the tree of the first `m` leaves is a prefix of the tree of all of them. */
export function consistencyProof(m: number, hashes: readonly Hex[]): Hex[] {
  if (!Number.isInteger(m) || m < 0 || m > hashes.length) {
    throw new RangeError(`size ${m} outside a tree of ${hashes.length}`);
  }
  if (m === 0) return [];
  return subproof(m, hashes, 0, hashes.length, true);
}

/** RFC 9162 §2.1.4.2: is the tree of size `first` with `firstRoot` a prefix of the tree of `second` with `secondRoot`? */
export function verifyConsistency(
  first: number,
  second: number,
  firstRoot: Hex,
  secondRoot: Hex,
  proof: readonly Hex[],
): boolean {
  if (!Number.isInteger(first) || !Number.isInteger(second) || first < 0 || first > second) return false;
  if (first === 0) return proof.length === 0;
  if (first === second) return proof.length === 0 && firstRoot === secondRoot;
  if (proof.length === 0) return false;
  const path = isPowerOfTwo(first) ? [firstRoot, ...proof] : [...proof];
  let fn = first - 1;
  let sn = second - 1;
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  let fr = path[0]!;
  let sr = path[0]!;
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && fr === firstRoot && sr === secondRoot;
}

/** For any safe integer: the bitwise form works on 32 bits only, and logs grow past 2^31 events. */
export function isPowerOfTwo(n: number): boolean {
  if (!Number.isSafeInteger(n) || n < 1) return false;
  let m = n;
  while (m % 2 === 0) m /= 2;
  return m === 1;
}
