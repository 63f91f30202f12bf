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

/** SHA-256 over a batch's event ids in order, each as UTF-8 followed by a zero byte, hex. */
export function eventIdsHashOf(eventIds: readonly string[]): string {
  const digest = createHash('sha256');
  for (const id of eventIds) digest.update(id, 'utf8').update(ZERO_BYTE);
  return digest.digest('hex');
}

const ZERO_BYTE = Buffer.alloc(1);
