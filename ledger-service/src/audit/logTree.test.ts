import { createHash } from 'node:crypto';
import {
  consistencyProof,
  inclusionProof,
  leafHash,
  merkleRootOfHexLeaves,
  verifyConsistency,
} from '@certledger/chaincode';
import { batchRootOfHashes, LogTree, LogTreeError } from './logTree';

const hashes = (n: number): string[] =>
  Array.from({ length: n }, (_, i) => createHash('sha256').update(`event-${i}`).digest('hex'));

describe('LogTree (RFC 6962 over event hashes)', () => {
  const all = hashes(70);
  const tree = new LogTree();
  for (const hash of all) tree.append(hash);
  const leaves = all.map((hash) => leafHash(Buffer.from(hash, 'hex')));

  it('gives the same root as the chaincode for every prefix size', () => {
    for (let size = 0; size <= all.length; size++)
      expect(tree.root(size)).toBe(merkleRootOfHexLeaves(all.slice(0, size)));
  });

  it('gives the same consistency proofs as the chaincode, and they verify', () => {
    for (const n of [1, 2, 3, 7, 8, 9, 31, 64, 70]) {
      for (let m = 0; m <= n; m++) {
        const proof = tree.consistencyProof(m, n);
        expect(proof).toEqual(m === n ? [] : consistencyProof(m, leaves.slice(0, n)));
        if (m > 0) expect(verifyConsistency(m, n, tree.root(m), tree.root(n), proof)).toBe(true);
      }
    }
  });

  it('gives the same inclusion paths as the chaincode', () => {
    for (const index of [0, 1, 5, 33, 69]) expect(tree.inclusionProof(index)).toEqual(inclusionProof(index, leaves));
  });

  it('computes batch roots like the chaincode', () => {
    expect(batchRootOfHashes(all.slice(0, 13).map((h) => Buffer.from(h, 'hex')))).toBe(
      merkleRootOfHexLeaves(all.slice(0, 13)),
    );
  });

  it('refuses sizes beyond the tree and leaves that are not 32 bytes', () => {
    expect(() => tree.root(71)).toThrow(LogTreeError);
    expect(() => tree.consistencyProof(5, 71)).toThrow(LogTreeError);
    expect(() => tree.append('abcd')).toThrow(LogTreeError);
  });
});

describe('rootOfLeafHashes (batch roots, bottom-up)', () => {
  it('equals the recursive RFC 6962 root for every size up to 40', async () => {
    const { leafHashOf, rootOfLeafHashes } = await import('./logTree');
    const all = hashes(40);
    for (let n = 0; n <= 40; n++) {
      expect(rootOfLeafHashes(all.slice(0, n).map((h) => leafHashOf(Buffer.from(h, 'hex'))))).toBe(
        merkleRootOfHexLeaves(all.slice(0, n)),
      );
    }
  });
});
