import './logLevel';
import { createHash, createPublicKey, verify as verifySignature } from 'node:crypto';
import { Context, Contract, Info, Returns, Transaction } from 'fabric-contract-api';
import { checkHeadTime, clockSkewFromEnv, rfc3339Millis, vouchedTxTime, type LedgerClock } from './clock';
import { ChaincodeError } from './errors';
import { canonicalJson, fromBytes, toBytes } from './json';
import { verifyConsistency } from './merkle';
import { parseJsonArgument } from './validate';

/**
 * A signed head of the whole global log, in the manner of Certificate Transparency: the RFC 6962 root
 * over every event hash in log order, for the first `treeSize` events.
 */
export interface LogHead {
  readonly treeSize: number;
  readonly rootHash: string;
  /** Position in the global log of the last event the head covers (0 for the empty log). */
  readonly lastPosition: number;
  readonly timestamp: string;
  /** SHA-256 (hex) of the signing key's SubjectPublicKeyInfo DER. */
  readonly keyId: string;
  /** The signing key's public key, SPKI PEM. */
  readonly publicKey: string;
  /** Ed25519 signature (base64) over logHeadSigningBytes(head). */
  readonly signature: string;
}

/** What the key signs: a fixed text form of the head's fields, so any language can rebuild it. */
export function logHeadSigningBytes(
  head: Pick<LogHead, 'treeSize' | 'rootHash' | 'lastPosition' | 'timestamp' | 'keyId'>,
): Buffer {
  return Buffer.from(
    `certledger-log-head-v1\n${head.treeSize}\n${head.rootHash}\n${head.lastPosition}\n${head.timestamp}\n${head.keyId}\n`,
    'utf8',
  );
}

export function verifyLogHeadSignature(head: LogHead): boolean {
  try {
    return verifySignature(null, logHeadSigningBytes(head), head.publicKey, Buffer.from(head.signature, 'base64'));
  } catch {
    return false;
  }
}

/** The key id of a public key (SPKI PEM): SHA-256 (hex) of its SubjectPublicKeyInfo DER, as the service's signer derives it; undefined when the PEM is no public key. */
export function logHeadKeyIdOf(publicKey: string): string | undefined {
  try {
    const der = createPublicKey(publicKey).export({ type: 'spki', format: 'der' });
    return createHash('sha256').update(der).digest('hex');
  } catch {
    return undefined;
  }
}

export interface CommitLogHeadInput {
  readonly head: LogHead;
  /** RFC 6962 consistency proof from the latest head on the ledger to this one (hex). */
  readonly consistency: readonly string[];
}

export interface LogHeadOptions extends LedgerClock {
  /** MSP ids whose identities with role=admin or role=anchorer may commit heads. */
  readonly operatorMspIds: readonly string[];
  readonly operatorRoles: readonly string[];
  /**
   * The log's key id, when configured: heads of any other key are refused from the first on. Unset,
   * the first head's key becomes the log's, whoever among the operator identities committed it.
   */
  readonly logKeyId?: string;
}

const HEX64 = /^[0-9a-f]{64}$/;

/**
 * Options from the chaincode's environment: CERTLEDGER_OPERATOR_MSP_IDS, CERTLEDGER_OPERATOR_ROLES
 * (comma-separated), CERTLEDGER_LOG_HEAD_KEY_ID (the service's log-head key id; every org's chaincode
 * service must have the same), CERTLEDGER_MAX_CLOCK_SKEW_SECONDS. Throws on a key id that is not one,
 * so that a typo stops the chaincode service rather than refusing every head.
 */
export function logHeadOptionsFromEnv(): LogHeadOptions {
  const list = (name: string, fallback: string): string[] =>
    (process.env[name] ?? fallback)
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
  const logKeyId = process.env.CERTLEDGER_LOG_HEAD_KEY_ID?.trim().toLowerCase() || undefined;
  if (logKeyId !== undefined && !HEX64.test(logKeyId))
    throw new Error('CERTLEDGER_LOG_HEAD_KEY_ID must be a log-head key id: 64 hex characters');
  return Object.freeze({
    operatorMspIds: list('CERTLEDGER_OPERATOR_MSP_IDS', 'CBOrgMSP,RegulatorOrgMSP'),
    operatorRoles: list('CERTLEDGER_OPERATOR_ROLES', 'admin,anchorer'),
    ...(logKeyId !== undefined ? { logKeyId } : {}),
    maxClockSkewSeconds: clockSkewFromEnv(),
  });
}

const LATEST = 'latest';
/** The latest head signed again at a later time while the log stayed the same: one value, no history. */
const CONFIRMED = 'confirmed';

function fail(detail: string): never {
  throw new ChaincodeError('CL_BAD_REQUEST', detail);
}

export function parseLogHeadInput(json: string): CommitLogHeadInput {
  const input = parseJsonArgument(json, 'the log head');
  const head = input.head as Record<string, unknown> | undefined;
  if (!head || typeof head !== 'object') fail('head must be an object');
  const { treeSize, rootHash, lastPosition, timestamp, keyId, publicKey, signature } = head;
  if (typeof treeSize !== 'number' || !Number.isSafeInteger(treeSize) || treeSize < 0)
    fail('treeSize must be a non-negative integer');
  if (typeof lastPosition !== 'number' || !Number.isSafeInteger(lastPosition) || lastPosition < 0)
    fail('lastPosition must be a non-negative integer');
  if (typeof rootHash !== 'string' || !HEX64.test(rootHash)) fail('rootHash must be 64 lowercase hex characters');
  if (typeof keyId !== 'string' || !HEX64.test(keyId)) fail('keyId must be 64 lowercase hex characters');
  // Before anything compares it: a time without its offset would be read in each peer's own time zone.
  if (typeof timestamp !== 'string' || Number.isNaN(rfc3339Millis(timestamp)))
    fail('timestamp must be an RFC 3339 time with its offset');
  if (typeof publicKey !== 'string' || publicKey.length > 1000) fail('publicKey must be a PEM string');
  if (typeof signature !== 'string' || signature.length > 200) fail('signature must be base64');
  const consistency = input.consistency;
  if (
    !Array.isArray(consistency) ||
    consistency.length > 128 ||
    !consistency.every((h) => typeof h === 'string' && HEX64.test(h))
  ) {
    fail('consistency must be an array of hex hashes');
  }
  return {
    head: { treeSize, rootHash, lastPosition, timestamp, keyId, publicKey, signature },
    consistency: consistency as string[],
  };
}

/**
 * Keeps the signed heads of the global log. A head is accepted only from an operator identity, only
 * signed by the log's key (the configured one, else the first head's), and only with a consistency proof from the latest head:
 * the ledger itself refuses a log that did not only grow.
 */
@Info({ title: 'LogHeadContract', description: 'Signed heads of the global event log with consistency checks' })
export class LogHeadContract extends Contract {
  private readonly options: LogHeadOptions;

  constructor(options: LogHeadOptions = logHeadOptionsFromEnv()) {
    super('LogHeadContract');
    this.options = options;
  }

  /**
   * Commits a head (JSON of CommitLogHeadInput). The latest head again is a no-op (a retry), unless
   * it is signed at a later time: then it confirms the log unchanged until then (a quiet log's
   * heartbeat, so that an audit can tell a quiet log from one cut back since its last head).
   * Returns the stored head.
   */
  @Transaction()
  @Returns('string')
  async CommitLogHead(ctx: Context, inputJson: string): Promise<string> {
    const { head, consistency } = parseLogHeadInput(inputJson);
    const identity = ctx.clientIdentity;
    const role = identity.getAttributeValue('role') ?? '';
    if (!this.options.operatorMspIds.includes(identity.getMSPID())) {
      throw new ChaincodeError('CL_FORBIDDEN_MSP', `MSP ${identity.getMSPID()} may not commit log heads`);
    }
    if (!this.options.operatorRoles.includes(role)) {
      throw new ChaincodeError(
        'CL_FORBIDDEN_ROLE',
        `log heads are committed by identities with role ${this.options.operatorRoles.join(' or ')}`,
      );
    }
    if (!verifyLogHeadSignature(head))
      throw new ChaincodeError('CL_LOG_HEAD_SIGNATURE', 'the head is not signed by its publicKey');
    // The keyId is what binds a head to the log's key: another key's signature under the log's keyId is refused.
    if (logHeadKeyIdOf(head.publicKey) !== head.keyId)
      throw new ChaincodeError(
        'CL_LOG_HEAD_SIGNATURE',
        `keyId ${head.keyId} is not the SHA-256 of the publicKey's SPKI`,
      );
    const { logKeyId } = this.options;
    if (logKeyId !== undefined && head.keyId !== logKeyId)
      throw new ChaincodeError('CL_LOG_HEAD_SIGNATURE', `the log is signed by key ${logKeyId}`);
    const latest = await this.readHead(ctx, LATEST);
    const current = await this.currentHead(ctx, latest);
    const sameLog =
      latest && head.treeSize === latest.treeSize && head.rootHash === latest.rootHash && head.keyId === latest.keyId;
    if (sameLog && !(Date.parse(head.timestamp) > Date.parse(current!.timestamp))) return canonicalJson(current);
    // A head's time is the operator's word; the ledger takes it only near its own, vouched-for time.
    checkHeadTime(head.timestamp, vouchedTxTime(ctx, this.options), this.options);
    if (sameLog) {
      // The log unchanged since its latest head, now: kept apart, so that the heads' history stays the log's growth.
      await ctx.stub.putState(ctx.stub.createCompositeKey('loghead', [CONFIRMED]), toBytes(head));
      return canonicalJson(head);
    }
    if (latest) {
      if (latest.keyId !== head.keyId)
        throw new ChaincodeError('CL_LOG_HEAD_SIGNATURE', `the log is signed by key ${latest.keyId}`);
      if (head.treeSize < latest.treeSize) {
        throw new ChaincodeError(
          'CL_LOG_HEAD_INCONSISTENT',
          `tree size ${head.treeSize} is below the latest head's ${latest.treeSize}`,
        );
      }
      if (!verifyConsistency(latest.treeSize, head.treeSize, latest.rootHash, head.rootHash, consistency)) {
        throw new ChaincodeError(
          'CL_LOG_HEAD_INCONSISTENT',
          `the head of size ${head.treeSize} is not consistent with the latest head of size ${latest.treeSize}`,
        );
      }
    }
    await ctx.stub.putState(
      ctx.stub.createCompositeKey('loghead', [String(head.treeSize).padStart(16, '0')]),
      toBytes(head),
    );
    await ctx.stub.putState(ctx.stub.createCompositeKey('loghead', [LATEST]), toBytes(head));
    ctx.stub.setEvent('LogHeadCommitted', toBytes({ treeSize: head.treeSize, rootHash: head.rootHash }));
    return canonicalJson(head);
  }

  private async readHead(ctx: Context, id: string): Promise<LogHead | undefined> {
    return fromBytes<LogHead>(await ctx.stub.getState(ctx.stub.createCompositeKey('loghead', [id])));
  }

  /** The latest head, or its confirmation when the log stayed the same since. */
  private async currentHead(ctx: Context, latest: LogHead | undefined): Promise<LogHead | undefined> {
    if (!latest) return undefined;
    const confirmed = await this.readHead(ctx, CONFIRMED);
    return confirmed &&
      confirmed.treeSize === latest.treeSize &&
      confirmed.rootHash === latest.rootHash &&
      Date.parse(confirmed.timestamp) > Date.parse(latest.timestamp)
      ? confirmed
      : latest;
  }

  /** {} → the latest head (signed again when the log was quiet) or null; {"treeSize": n} → the head of that size or null. */
  @Transaction(false)
  @Returns('string')
  async GetLogHead(ctx: Context, queryJson: string): Promise<string> {
    const query = parseJsonArgument(queryJson, 'the query');
    const size = query.treeSize;
    if (size !== undefined && (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0))
      fail('treeSize must be a non-negative integer');
    if (size === undefined)
      return canonicalJson((await this.currentHead(ctx, await this.readHead(ctx, LATEST))) ?? null);
    return canonicalJson((await this.readHead(ctx, String(size).padStart(16, '0'))) ?? null);
  }

  /** {} → every head ever committed, smallest first (the key history of the latest head), then its latest confirmation. */
  @Transaction(false)
  @Returns('string')
  async GetLogHeads(ctx: Context, _queryJson: string): Promise<string> {
    const iterator = await ctx.stub.getHistoryForKey(ctx.stub.createCompositeKey('loghead', [LATEST]));
    const heads: LogHead[] = [];
    try {
      for (;;) {
        const next = await iterator.next();
        if (next.value && !next.value.isDelete) {
          const head = fromBytes<LogHead>(next.value.value);
          if (head) heads.push(head);
        }
        if (next.done) break;
      }
    } finally {
      await iterator.close();
    }
    heads.sort((a, b) => a.treeSize - b.treeSize);
    const latest = heads.at(-1);
    const current = await this.currentHead(ctx, latest);
    if (current && current !== latest) heads.push(current);
    return canonicalJson(heads);
  }
}
