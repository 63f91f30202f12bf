import {
  EMPTY_ROOT,
  consistencyProof,
  inclusionProof,
  inclusionProofFromLevels,
  leafHash,
  leafHashes,
  merkleLevels,
  merkleRoot,
  merkleRootOfLeafHashes,
  isPowerOfTwo,
  verifyConsistency,
  verifyInclusion,
} from './merkle';

// The eight leaves of Certificate Transparency's Merkle tree tests, with the roots of their prefixes.
const LEAVES = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'].map(
  (hex) => Buffer.from(hex, 'hex'),
);
const ROOTS = [
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];

const INCLUSION: Array<{ index: number; size: number; path: string[] }> = [
  { index: 0, size: 1, path: [] },
  {
    index: 0,
    size: 8,
    path: [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  },
  {
    index: 5,
    size: 8,
    path: [
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
  { index: 2, size: 3, path: ['fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125'] },
  {
    index: 1,
    size: 5,
    path: [
      '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  },
];

const CONSISTENCY: Array<{ first: number; second: number; proof: string[] }> = [
  { first: 1, second: 1, proof: [] },
  {
    first: 1,
    second: 8,
    proof: [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  },
  {
    first: 6,
    second: 8,
    proof: [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
  {
    first: 2,
    second: 5,
    proof: [
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  },
];

const HASHES = leafHashes(LEAVES);
const flip = (hex: string): string => (hex[0] === '0' ? '1' : '0') + hex.slice(1);

describe('RFC 6962 Merkle tree against the Certificate Transparency vectors', () => {
  it('hashes the empty tree to SHA-256 of nothing', () => {
    expect(merkleRoot([])).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(EMPTY_ROOT).toBe(merkleRoot([]));
  });

  it.each(ROOTS.map((root, i) => [i + 1, root] as const))('computes the root of the first %i leaves', (size, root) => {
    expect(merkleRoot(LEAVES.slice(0, size))).toBe(root);
  });

  it.each(INCLUSION)(
    'builds and verifies the audit path of leaf $index in a tree of $size',
    ({ index, size, path }) => {
      const hashes = HASHES.slice(0, size);
      expect(inclusionProof(index, hashes)).toEqual(path);
      expect(verifyInclusion(hashes[index]!, index, size, path, ROOTS[size - 1]!)).toBe(true);
    },
  );

  it.each(CONSISTENCY)(
    'builds and verifies the consistency proof from $first to $second',
    ({ first, second, proof }) => {
      expect(consistencyProof(first, HASHES.slice(0, second))).toEqual(proof);
      expect(verifyConsistency(first, second, ROOTS[first - 1]!, ROOTS[second - 1]!, proof)).toBe(true);
    },
  );

  it('verifies every audit path and every consistency proof of every prefix', () => {
    for (let size = 1; size <= 8; size++) {
      const hashes = HASHES.slice(0, size);
      for (let index = 0; index < size; index++) {
        expect(verifyInclusion(hashes[index]!, index, size, inclusionProof(index, hashes), ROOTS[size - 1]!)).toBe(
          true,
        );
      }
      for (let first = 1; first <= size; first++) {
        expect(
          verifyConsistency(first, size, ROOTS[first - 1]!, ROOTS[size - 1]!, consistencyProof(first, hashes)),
        ).toBe(true);
      }
    }
  });

  it('refuses a tampered audit path, a wrong index, a wrong size or a wrong leaf', () => {
    const { index, size, path } = INCLUSION[2]!;
    const root = ROOTS[size - 1]!;
    const leaf = HASHES[index]!;
    expect(verifyInclusion(leaf, index, size, [flip(path[0]!), ...path.slice(1)], root)).toBe(false);
    expect(verifyInclusion(leaf, index - 1, size, path, root)).toBe(false);
    expect(verifyInclusion(leaf, index, size - 2, path, root)).toBe(false);
    expect(verifyInclusion(HASHES[index + 1]!, index, size, path, root)).toBe(false);
    expect(verifyInclusion(leaf, index, size, path.slice(0, 2), root)).toBe(false);
    expect(verifyInclusion(leaf, index, size, path, flip(root))).toBe(false);
  });

  it('refuses a consistency proof between a rewritten prefix and the tree', () => {
    const { first, second, proof } = CONSISTENCY[2]!;
    expect(
      verifyConsistency(first, second, ROOTS[first - 1]!, ROOTS[second - 1]!, [flip(proof[0]!), ...proof.slice(1)]),
    ).toBe(false);
    expect(verifyConsistency(first, second, flip(ROOTS[first - 1]!), ROOTS[second - 1]!, proof)).toBe(false);
    expect(verifyConsistency(first, second, ROOTS[first - 1]!, flip(ROOTS[second - 1]!), proof)).toBe(false);
    expect(verifyConsistency(first - 1, second, ROOTS[first - 2]!, ROOTS[second - 1]!, proof)).toBe(false);
    expect(verifyConsistency(1, 8, ROOTS[0]!, ROOTS[7]!, [])).toBe(false);
  });

  it('keeps proofs valid for larger trees of arbitrary size', () => {
    const leaves = Array.from({ length: 37 }, (_, i) => Buffer.from([i, i * 3]));
    const hashes = leafHashes(leaves);
    for (const size of [2, 3, 7, 16, 17, 31, 37]) {
      const root = merkleRoot(leaves.slice(0, size));
      for (let index = 0; index < size; index++) {
        expect(verifyInclusion(hashes[index]!, index, size, inclusionProof(index, hashes.slice(0, size)), root)).toBe(
          true,
        );
      }
      for (const first of [1, 2, 5, 8, size]) {
        if (first > size) continue;
        const proof = consistencyProof(first, hashes.slice(0, size));
        expect(verifyConsistency(first, size, merkleRoot(leaves.slice(0, first)), root, proof)).toBe(true);
      }
    }
  });
});

describe('audit paths read off kept tree levels', () => {
  it('are the RFC 6962 paths for every leaf of every tree size up to 70, and the last level is the root', () => {
    for (let n = 1; n <= 70; n += 1) {
      const hashes = Array.from({ length: n }, (_, i) => leafHash(Buffer.from([i, n])));
      const levels = merkleLevels(hashes);
      expect(levels.at(-1)).toEqual([merkleRootOfLeafHashes(hashes)]);
      for (let index = 0; index < n; index += 1) {
        expect(inclusionProofFromLevels(index, levels)).toEqual(inclusionProof(index, hashes));
      }
    }
  });
});

describe('isPowerOfTwo', () => {
  it('holds for safe integers past 32 bits, where the bitwise form does not', () => {
    expect([1, 2, 4, 2 ** 31, 2 ** 32, 2 ** 40].map(isPowerOfTwo)).toEqual([true, true, true, true, true, true]);
    expect([0, 3, 6, 2 ** 31 + 2 ** 30, 2 ** 32 + 2, -4, 1.5].map(isPowerOfTwo)).toEqual([
      false,
      false,
      false,
      false,
      false,
      false,
      false,
    ]);
  });
});
