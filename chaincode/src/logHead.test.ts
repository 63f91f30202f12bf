import { createHash, generateKeyPairSync, KeyObject, sign } from 'node:crypto';
import type { Context } from 'fabric-contract-api';
import { chaincodeErrorCodeOf } from './errors';
import { LogHead, LogHeadContract, logHeadKeyIdOf, logHeadOptionsFromEnv, logHeadSigningBytes } from './logHead';
import { consistencyProof, leafHashes, merkleRootOfLeafHashes } from './merkle';

const HEAD_TIME = '2026-01-05T09:00:00.000Z';

/** Committed state only; each call is one transaction whose writes land when it returns. */
class FakeLedger {
  readonly state = new Map<string, Buffer>();
  /** The transactions' time, and the peer's clock. */
  time = new Date(HEAD_TIME);

  context(identity: { mspId: string; role: string }): Context {
    const stub = {
      getDateTimestamp: () => this.time,
      createCompositeKey: (type: string, attrs: string[]) => `\u0000${type}\u0000${attrs.join('\u0000')}\u0000`,
      getState: async (key: string) => this.state.get(key) ?? Buffer.alloc(0),
      putState: async (key: string, value: Uint8Array) => void this.state.set(key, Buffer.from(value)),
      setEvent: () => undefined,
    };
    const clientIdentity = {
      getMSPID: () => identity.mspId,
      getAttributeValue: (name: string) => (name === 'role' ? identity.role : null),
    };
    return { stub, clientIdentity } as unknown as Context;
  }
}

interface Key {
  readonly privateKey: KeyObject;
  readonly publicKey: string;
  /** As the service's signer derives it (ledger-service/src/audit/logHeads/signer.ts). */
  readonly keyId: string;
}

function newKey(): Key {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privateKey,
    publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    keyId: createHash('sha256')
      .update(publicKey.export({ type: 'spki', format: 'der' }))
      .digest('hex'),
  };
}

const HASHES = leafHashes(Array.from({ length: 8 }, (_, i) => Buffer.from([i])));

/** A head over the first `treeSize` leaves, signed by `signer` and naming `keyId` (the signer's own unless given). */
function headOf(treeSize: number, signer: Key, keyId = signer.keyId, timestamp = HEAD_TIME): LogHead {
  const fields = {
    treeSize,
    rootHash: merkleRootOfLeafHashes(HASHES.slice(0, treeSize)),
    lastPosition: treeSize,
    timestamp,
    keyId,
  };
  const signature = sign(null, logHeadSigningBytes(fields), signer.privateKey).toString('base64');
  return { ...fields, publicKey: signer.publicKey, signature };
}

describe('LogHeadContract.CommitLogHead', () => {
  const operator = { mspId: 'CBOrgMSP', role: 'anchorer' };
  let ledger: FakeLedger;
  let contract: LogHeadContract;
  beforeEach(() => {
    ledger = new FakeLedger();
    contract = new LogHeadContract({
      operatorMspIds: ['CBOrgMSP'],
      operatorRoles: ['admin', 'anchorer'],
      now: () => ledger.time.getTime(),
    });
  });

  const commit = (head: LogHead, consistency: string[] = []) =>
    contract.CommitLogHead(ledger.context(operator), JSON.stringify({ head, consistency }));
  const refusal = async (head: LogHead, consistency: string[] = []) => {
    const before = new Map(ledger.state);
    const error = await commit(head, consistency).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    if (!error) throw new Error('the head was accepted');
    expect(ledger.state).toEqual(before);
    return chaincodeErrorCodeOf(error.message);
  };
  const latest = async () => JSON.parse(await contract.GetLogHead(ledger.context(operator), '{}')) as LogHead | null;

  it('derives keyId as the service does: SHA-256 of the public key SPKI DER', () => {
    const key = newKey();
    expect(logHeadKeyIdOf(key.publicKey)).toBe(key.keyId);
    expect(logHeadKeyIdOf('not a key')).toBeUndefined();
  });

  it("accepts the log key's heads, growing with consistency proofs", async () => {
    const log = newKey();
    await commit(headOf(3, log));
    await commit(headOf(8, log), consistencyProof(3, HASHES));
    expect(await latest()).toMatchObject({ treeSize: 8, keyId: log.keyId });
  });

  it("takes a head's time only near the transaction's, itself near the peer's clock: no head can be dated back", async () => {
    const log = newKey();
    const minutes = (n: number) => new Date(Date.parse(HEAD_TIME) + n * 60_000);
    ledger.time = minutes(10);
    expect(await refusal(headOf(3, log))).toBe('CL_LOG_HEAD_TIME');
    ledger.time = minutes(-10);
    expect(await refusal(headOf(3, log))).toBe('CL_LOG_HEAD_TIME');
    ledger.time = minutes(2);
    await commit(headOf(3, log));
    ledger.time = minutes(24 * 60);
    await commit(headOf(3, log));
    expect((await latest())?.timestamp).toBe(HEAD_TIME);

    const offClock = new LogHeadContract({
      operatorMspIds: ['CBOrgMSP'],
      operatorRoles: ['anchorer'],
      maxClockSkewSeconds: 300,
      now: () => ledger.time.getTime() - 301_000,
    });
    const error = await offClock
      .CommitLogHead(
        ledger.context(operator),
        JSON.stringify({
          head: headOf(8, log, log.keyId, ledger.time.toISOString()),
          consistency: consistencyProof(3, HASHES),
        }),
      )
      .catch((e: Error) => e);
    expect(chaincodeErrorCodeOf(String(error))).toBe('CL_TX_TIME_SKEW');
  });

  it("takes the latest head again, signed later, as a quiet log's heartbeat; the same head again changes nothing", async () => {
    const log = newKey();
    const later = new Date(Date.parse(HEAD_TIME) + 120_000).toISOString();
    await commit(headOf(3, log));
    const before = new Map(ledger.state);
    await commit(headOf(3, log));
    expect(ledger.state).toEqual(before);
    ledger.time = new Date(later);
    await commit(headOf(3, log, log.keyId, later));
    expect(await latest()).toMatchObject({ treeSize: 3, timestamp: later });
    // Not a way back in time, nor a way round the time check.
    const beforeBack = new Map(ledger.state);
    await commit(headOf(3, log));
    expect(ledger.state).toEqual(beforeBack);
    const tooLate = new Date(Date.parse(later) + 3_600_000).toISOString();
    expect(await refusal(headOf(3, log, log.keyId, tooLate))).toBe('CL_LOG_HEAD_TIME');
    // The log grows again from its latest head.
    await commit(headOf(8, log, log.keyId, later), consistencyProof(3, HASHES));
    expect(await latest()).toMatchObject({ treeSize: 8 });
  });

  it('refuses a head timed without its offset before comparing it with the latest, which each peer would read in its own time zone', async () => {
    const log = newKey();
    await commit(headOf(3, log));
    // A day before the latest head in every time zone: read as local time, it was taken as a retry of it.
    expect(await refusal(headOf(3, log, log.keyId, '2026-01-04T09:00:00'))).toBe('CL_BAD_REQUEST');
    expect(await refusal(headOf(8, log, log.keyId, '2026-01-05T09:00:00'), consistencyProof(3, HASHES))).toBe(
      'CL_BAD_REQUEST',
    );
  });

  it("refuses a head another key signed under the log's keyId, even with a valid consistency proof", async () => {
    const log = newKey();
    const operatorKey = newKey();
    await commit(headOf(3, log));
    expect(await refusal(headOf(8, operatorKey, log.keyId), consistencyProof(3, HASHES))).toBe('CL_LOG_HEAD_SIGNATURE');
    expect(await latest()).toMatchObject({ treeSize: 3, keyId: log.keyId });
  });

  /** Commits a head through the contract as a chaincode service started with CERTLEDGER_LOG_HEAD_KEY_ID=logKeyId runs it. */
  const committerPinnedTo =
    (logKeyId: string) =>
    (head: LogHead, consistency: string[] = []): Promise<string> =>
      new LogHeadContract({
        operatorMspIds: ['CBOrgMSP'],
        operatorRoles: ['admin', 'anchorer'],
        logKeyId,
        now: () => ledger.time.getTime(),
      }).CommitLogHead(ledger.context(operator), JSON.stringify({ head, consistency }));

  it('refuses, when the log key id is configured, a head of another key even before the first head', async () => {
    const log = newKey();
    const commitTo = committerPinnedTo(log.keyId);
    const error = await commitTo(headOf(3, newKey())).catch((e: Error) => e);
    expect(chaincodeErrorCodeOf(String(error))).toBe('CL_LOG_HEAD_SIGNATURE');
    expect(await latest()).toBeNull();
    await commitTo(headOf(3, log));
    expect(await latest()).toMatchObject({ treeSize: 3, keyId: log.keyId });
  });

  it("recovers nothing when the key id is configured after an impostor's head is the latest: every head is refused from then on", async () => {
    const service = newKey();
    const impostor = newKey();
    await commit(headOf(3, impostor));
    const commitTo = committerPinnedTo(service.keyId);
    const refused = (head: LogHead, consistency: string[] = []) =>
      commitTo(head, consistency).then(
        () => 'accepted',
        (error: Error) => error.message,
      );
    const logIsImpostors = `CL_LOG_HEAD_SIGNATURE: the log is signed by key ${impostor.keyId}`;
    expect(await refused(headOf(3, service))).toBe(logIsImpostors);
    expect(await refused(headOf(8, service), consistencyProof(3, HASHES))).toBe(logIsImpostors);
    expect(await refused(headOf(8, impostor), consistencyProof(3, HASHES))).toBe(
      `CL_LOG_HEAD_SIGNATURE: the log is signed by key ${service.keyId}`,
    );
    expect(await latest()).toMatchObject({ treeSize: 3, keyId: impostor.keyId });
  });

  it('reads the log key id from CERTLEDGER_LOG_HEAD_KEY_ID, and stops on one that is not a key id', () => {
    const saved = process.env.CERTLEDGER_LOG_HEAD_KEY_ID;
    try {
      delete process.env.CERTLEDGER_LOG_HEAD_KEY_ID;
      expect(logHeadOptionsFromEnv().logKeyId).toBeUndefined();
      process.env.CERTLEDGER_LOG_HEAD_KEY_ID = '';
      expect(logHeadOptionsFromEnv().logKeyId).toBeUndefined();
      process.env.CERTLEDGER_LOG_HEAD_KEY_ID = ` ${'AB'.repeat(32)} `;
      expect(logHeadOptionsFromEnv().logKeyId).toBe('ab'.repeat(32));
      process.env.CERTLEDGER_LOG_HEAD_KEY_ID = 'log-key';
      expect(() => logHeadOptionsFromEnv()).toThrow('CERTLEDGER_LOG_HEAD_KEY_ID');
    } finally {
      if (saved === undefined) delete process.env.CERTLEDGER_LOG_HEAD_KEY_ID;
      else process.env.CERTLEDGER_LOG_HEAD_KEY_ID = saved;
    }
  });

  it('refuses a first head whose keyId is not its public key', async () => {
    expect(await refusal(headOf(3, newKey(), newKey().keyId))).toBe('CL_LOG_HEAD_SIGNATURE');
    expect(await latest()).toBeNull();
  });
});
