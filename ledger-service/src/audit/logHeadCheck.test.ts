import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { logHeadSigningBytes, type LogHead } from '@certledger/chaincode';
import { checkLogHeads } from './logHeadCheck';
import { loadOrCreateLogHeadSigner } from './logHeads/signer';
import { LogTree } from './logTree';

describe('checkLogHeads', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'log-head-check-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const treeOf = (size: number): LogTree => {
    const tree = new LogTree();
    for (let i = 0; i < size; i++) tree.append(createHash('sha256').update(`event ${i}`).digest());
    return tree;
  };
  const fieldsOf = (tree: LogTree, treeSize: number) => ({
    treeSize,
    rootHash: tree.root(treeSize),
    lastPosition: treeSize,
    timestamp: '2026-01-05T09:00:00.000Z',
  });

  it("checks the heads against the log's key id when given, not against whoever committed first (other-key)", () => {
    const tree = treeOf(8);
    const log = loadOrCreateLogHeadSigner(dir);
    const intruder = loadOrCreateLogHeadSigner(path.join(dir, 'intruder'));
    const heads = [intruder.sign(fieldsOf(tree, 3)), log.sign(fieldsOf(tree, 8))];
    expect(checkLogHeads(heads, tree, log.keyId)).toEqual([
      {
        treeSize: 3,
        rootHash: heads[0]!.rootHash,
        timestamp: heads[0]!.timestamp,
        consistent: false,
        reason: 'other-key',
        keyId: intruder.keyId,
      },
      expect.objectContaining({ treeSize: 8, consistent: true }),
    ]);
    // Without the log's key id the first head's key is taken for it, as the ledger takes it.
    expect(checkLogHeads(heads, tree).map((check) => check.reason)).toEqual([undefined, 'other-key']);
  });

  it("finds a head another key signed under the log's keyId inconsistent (key-id)", () => {
    const tree = treeOf(8);
    const log = loadOrCreateLogHeadSigner(dir);
    // An operator's own Ed25519 key: the signature verifies against the head's publicKey, and the keyId is the log's.
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const fields = { ...fieldsOf(tree, 8), keyId: log.keyId };
    const forged: LogHead = {
      ...fields,
      publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      signature: sign(null, logHeadSigningBytes(fields), privateKey).toString('base64'),
    };
    expect(checkLogHeads([log.sign(fieldsOf(tree, 3)), forged, log.sign(fieldsOf(tree, 8))], tree)).toEqual([
      expect.objectContaining({ treeSize: 3, consistent: true }),
      { treeSize: 8, rootHash: forged.rootHash, timestamp: forged.timestamp, consistent: false, reason: 'key-id' },
      expect.objectContaining({ treeSize: 8, consistent: true }),
    ]);
  });
});
