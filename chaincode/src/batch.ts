import { createHash } from 'node:crypto';
import { merkleRootOfHexLeaves } from './merkle';

/** A batch's id: SHA-256 over its event hashes (32 bytes each) concatenated in batch order, hex. */
export function batchIdOf(hashes: readonly string[]): string {
  const digest = createHash('sha256');
  for (const hash of hashes) digest.update(Buffer.from(hash, 'hex'));
  return digest.digest('hex');
}

/** A batch's root: RFC 6962 Merkle root whose leaves are the 32 bytes of each event hash. */
export function batchRootOf(hashes: readonly string[]): string {
  return merkleRootOfHexLeaves(hashes);
}
