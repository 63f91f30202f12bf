import { logHeadKeyIdOf, verifyConsistency, verifyLogHeadSignature, type LogHead } from '@certledger/chaincode';
import type { LogTree } from './logTree';

export interface LogHeadCheck {
  readonly treeSize: number;
  readonly rootHash: string;
  readonly timestamp: string;
  readonly consistent: boolean;
  /**
   * Why not, when inconsistent: `signature`, `key-id` (keyId is not the SHA-256 of publicKey's SPKI DER: another
   * key signed under the log's key id), `other-key` (signed by a key other than the log's; `keyId` names it),
   * `log-shorter-than-head`, `root-differs`.
   */
  readonly reason?: string;
  /** The key id the head names, when it is not the log's. */
  readonly keyId?: string;
  readonly recomputedRoot?: string;
}

/**
 * Checks every head the ledger holds against the log as recomputed from the store, and against the
 * log's key id: the one the service signs with, or else the first head's (whoever committed first).
 */
export function checkLogHeads(
  heads: readonly LogHead[],
  tree: LogTree,
  logKeyId: string | undefined = heads[0]?.keyId,
): LogHeadCheck[] {
  const current = tree.root();
  return heads.map((head) => {
    const base = { treeSize: head.treeSize, rootHash: head.rootHash, timestamp: head.timestamp };
    if (!verifyLogHeadSignature(head)) return { ...base, consistent: false, reason: 'signature' };
    if (logHeadKeyIdOf(head.publicKey) !== head.keyId) return { ...base, consistent: false, reason: 'key-id' };
    if (head.keyId !== logKeyId) return { ...base, consistent: false, reason: 'other-key', keyId: head.keyId };
    if (head.treeSize > tree.size) return { ...base, consistent: false, reason: 'log-shorter-than-head' };
    const recomputedRoot = tree.root(head.treeSize);
    const proof = tree.consistencyProof(head.treeSize);
    const consistent =
      recomputedRoot === head.rootHash && verifyConsistency(head.treeSize, tree.size, head.rootHash, current, proof);
    return consistent ? { ...base, consistent } : { ...base, consistent, reason: 'root-differs', recomputedRoot };
  });
}
