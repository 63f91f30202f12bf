import { inclusionProofFromLevels, leafHash, merkleLevels, verifyInclusion, type Hex } from '@certledger/chaincode';
import type { EventStore, StoredEvent } from '../eventStore/port';
import { canonicalFormOf, decodeCanonical, sha256Hex, type HashedEnvelope } from '../events/canonical';
import { streamIdOfEvent } from '../events/schema';
import type { AnchorStore } from './anchorStore/port';
import { certificateNoOf } from './certificates';
import {
  LedgerError,
  type AnchorBatch,
  type BlockNotServed,
  type CommittedBatch,
  type LedgerBackend,
  type LedgerBatchRecord,
  type LedgerEventRecord,
} from './port';

/**
 * Proof that an event is anchored. `pending` receipts carry only the event; `anchored` ones carry its
 * RFC 6962 audit path to the batch root and where that root is on the ledger. `rejected` means the
 * ledger refused the event's batch (the code says why) and it will not be anchored.
 */
export interface Receipt {
  readonly receiptVersion: 1;
  readonly status: 'pending' | 'anchored' | 'rejected';
  readonly eventId: string;
  readonly streamId: string;
  readonly position: number;
  readonly hash: string;
  /** The event's canonical bytes, base64: hash = SHA-256(canonical). */
  readonly canonical: string;
  readonly leafIndex?: number;
  readonly treeSize?: number;
  /** Audit path, leaf to root; leaf = SHA-256(0x00 ‖ 32 hash bytes). */
  readonly path?: readonly string[];
  readonly root?: string;
  readonly batchId?: string;
  readonly backend?: 'fabric' | 'embedded';
  readonly channel?: string;
  readonly chaincode?: string;
  readonly transactionId?: string;
  readonly blockNumber?: number;
  /** When the ledger anchored it: its transaction's time, within the skew of every endorsing peer's clock. */
  readonly anchoredAt?: string;
  readonly rejection?: string;
}

export interface ReceiptSources {
  readonly eventStore: EventStore;
  readonly anchorStore: AnchorStore;
}

/**
 * The Merkle tree of a committed batch, kept with the batch object the anchor store caches, so
 * that the receipts of its events cost log n look-ups each instead of hashing the whole batch.
 */
const batchTrees = new WeakMap<AnchorBatch, Hex[][]>();

function treeLevelsOf(batch: AnchorBatch): Hex[][] {
  let levels = batchTrees.get(batch);
  if (!levels) {
    levels = merkleLevels(batch.events.map((digest) => leafHash(Buffer.from(digest.hash, 'hex'))));
    batchTrees.set(batch, levels);
  }
  return levels;
}

/** Where the anchor store has put an event: its leaf and its batch (undefined while unplanned). */
type AnchorOfEvent = Awaited<ReturnType<AnchorStore['findEvent']>>;

/** The receipt of a stored event, given what the anchor store knows of it. */
export function receiptFrom(event: StoredEvent, found: AnchorOfEvent): Receipt {
  const base = {
    receiptVersion: 1 as const,
    eventId: event.eventId,
    streamId: event.streamId,
    position: event.position,
    hash: event.hash,
    canonical: Buffer.from(event.canonical).toString('base64'),
  };
  if (!found || found.batch.status === 'planned' || !found.batch.commit) {
    if (found?.batch.status === 'rejected')
      return {
        ...base,
        status: 'rejected',
        batchId: found.batch.batch.batchId,
        rejection: found.batch.rejection?.code,
      };
    return { ...base, status: 'pending' };
  }
  const { batch, commit } = found.batch;
  return {
    ...base,
    status: 'anchored',
    leafIndex: found.anchor.leafIndex,
    treeSize: batch.events.length,
    path: inclusionProofFromLevels(found.anchor.leafIndex, treeLevelsOf(batch)),
    root: batch.root,
    batchId: batch.batchId,
    backend: commit.backend,
    channel: commit.channel,
    chaincode: commit.chaincode,
    transactionId: commit.transactionId,
    blockNumber: commit.blockNumber,
    ...(commit.anchoredAt !== undefined ? { anchoredAt: commit.anchoredAt } : {}),
  };
}

/** The receipt of one event, or undefined when the event store has no such event. */
export async function buildReceipt(sources: ReceiptSources, eventId: string): Promise<Receipt | undefined> {
  const event = await sources.eventStore.findEvent(eventId);
  if (!event) return undefined;
  return receiptFrom(event, await sources.anchorStore.findEvent(eventId));
}

/** A receipt service bound to its sources: `buildReceipt(eventId)`. */
export function createReceipts(sources: ReceiptSources): {
  buildReceipt(eventId: string): Promise<Receipt | undefined>;
} {
  return { buildReceipt: (eventId) => buildReceipt(sources, eventId) };
}

/** What verifyReceipt checks, in the order it reports them: offline first, then against the ledger. */
export const RECEIPT_CHECKS = [
  'canonical-hash',
  'canonical-envelope',
  'inclusion',
  'ledger-batch',
  'ledger-commit',
  'ledger-event',
] as const;

export interface ReceiptCheck {
  readonly name: (typeof RECEIPT_CHECKS)[number];
  readonly ok: boolean;
  readonly detail?: string;
}

export interface ReceiptVerification {
  /** True when the receipt is anchored and every check passed, those against the ledger included. */
  readonly ok: boolean;
  readonly status: Receipt['status'];
  readonly checks: readonly ReceiptCheck[];
  /**
   * Why the ledger checks were not made: the ledger could not be reached. The offline checks
   * stand; ok is false, as nothing says yet that the ledger holds the root.
   */
  readonly ledgerUnavailable?: string;
  /**
   * No ledger was given: only the offline checks were made. ok is false, as anyone can make up a
   * receipt consistent with itself; only the ledger says that its root, commit and event are real.
   */
  readonly offlineOnly?: true;
  /**
   * Why the ledger asked cannot confirm the receipt's blockNumber: it holds the batch but cannot
   * serve the block of its transaction (a Fabric peer that joined the channel from a snapshot taken
   * after it). The block number only says where to find the transaction; the transaction itself, its
   * time, root and size are the ledger's batch record's (ledger-batch), so ok can still be true, and
   * the block number stays the receipt's word.
   */
  readonly blockNotConfirmed?: string;
}

const HEX64 = /^[0-9a-f]{64}$/;

/**
 * Checks a receipt offline (bytes → hash → audit path → root, and that the receipt's event and
 * stream are those its bytes name) and, given a ledger, that the ledger holds that root in a commit
 * where the receipt says, and at the stream and version the bytes name, the digest of these bytes.
 */
export async function verifyReceipt(
  receipt: Receipt,
  options: { readonly ledger?: LedgerBackend } = {},
): Promise<ReceiptVerification> {
  const checks: ReceiptCheck[] = [];
  const canonical = Buffer.from(receipt.canonical ?? '', 'base64');
  const computed = sha256Hex(canonical);
  checks.push(
    computed === receipt.hash
      ? { name: 'canonical-hash', ok: true }
      : { name: 'canonical-hash', ok: false, detail: `SHA-256 of the canonical bytes is ${computed}` },
  );
  const envelope = decoded(canonical);
  checks.push(envelopeCheck(canonical, envelope, receipt));
  if (receipt.status !== 'anchored') return { ok: false, status: receipt.status, checks };

  const { leafIndex, treeSize, path, root } = receipt;
  const wellFormed =
    Number.isInteger(leafIndex) &&
    Number.isInteger(treeSize) &&
    Array.isArray(path) &&
    path.every((p) => HEX64.test(p)) &&
    HEX64.test(root ?? '') &&
    HEX64.test(receipt.hash);
  const included =
    wellFormed && verifyInclusion(leafHash(Buffer.from(receipt.hash, 'hex')), leafIndex!, treeSize!, path!, root!);
  checks.push(
    included
      ? { name: 'inclusion', ok: true }
      : { name: 'inclusion', ok: false, detail: 'the audit path does not lead from the event hash to the root' },
  );

  if (!options.ledger) return { ok: false, status: receipt.status, checks, offlineOnly: true };
  const ownEnvelope = envelope instanceof Error ? undefined : envelope;
  let answer: LedgerAnswer;
  try {
    answer = await askLedger(options.ledger, receipt, ownEnvelope);
  } catch (error) {
    if (!(error instanceof LedgerError && error.code === 'unavailable')) throw error;
    return { ok: false, status: receipt.status, checks, ledgerUnavailable: error.message };
  }
  const commit = commitCheck(answer.batch, receipt, options.ledger.kind);
  checks.push(batchCheck(answer.batch?.record, receipt), commit, eventCheck(answer.event, ownEnvelope, receipt));
  const blockNotServed = commit.ok ? answer.batch?.blockNotServed : undefined;
  return {
    ok: checks.every((check) => check.ok),
    status: receipt.status,
    checks,
    ...(blockNotServed ? { blockNotConfirmed: blockNotServed.reason } : {}),
  };
}

function decoded(canonical: Uint8Array): HashedEnvelope | Error {
  try {
    return decodeCanonical(canonical);
  } catch (error) {
    return error as Error;
  }
}

/** Said of bytes an event's intake stored before it refused text that is not well-formed Unicode: they pass. */
export const LONE_SURROGATES_DETAIL =
  'the payload holds text that is not well-formed Unicode, a lone surrogate written as the 3 bytes of its ' +
  'UTF-16 code unit (not UTF-8), as the intake stored such text before it refused it (invalid-string); ' +
  'otherwise the bytes are the canonical encoding of the envelope they hold';

/** The receipt's event and stream are the ones its canonical bytes name: the stream follows from the event's type and certification. */
function envelopeCheck(canonical: Buffer, envelope: HashedEnvelope | Error, receipt: Receipt): ReceiptCheck {
  const failed = (detail: string): ReceiptCheck => ({ name: 'canonical-envelope', ok: false, detail });
  if (envelope instanceof Error) return failed(`the canonical bytes are no event envelope: ${envelope.message}`);
  const form = canonicalFormOf(canonical);
  if (form === 'not-canonical') return failed('the bytes are not the canonical encoding of the envelope they hold');
  if (envelope.eventId !== receipt.eventId) return failed(`the canonical bytes are event ${envelope.eventId}`);
  const streamId = streamIdOfEvent(envelope);
  if (streamId !== receipt.streamId)
    return failed(`the canonical bytes are an event of stream ${streamId}, not ${receipt.streamId}`);
  return form === 'lone-surrogates'
    ? { name: 'canonical-envelope', ok: true, detail: LONE_SURROGATES_DETAIL }
    : { name: 'canonical-envelope', ok: true };
}

/** The fields in which the ledger's answer differs from what is claimed, each with the ledger's value. */
function differences<K extends string>(
  ledger: Readonly<Partial<Record<K, unknown>>>,
  claimed: Readonly<Partial<Record<K, unknown>>>,
  fields: readonly K[],
): string[] {
  return fields.filter((field) => ledger[field] !== claimed[field]).map((field) => `${field} ${String(ledger[field])}`);
}

/** What the ledger holds of a receipt's batch (its record and commit, one read) and of its event. */
interface LedgerAnswer {
  readonly batch: CommittedBatch | undefined;
  readonly event: LedgerEventRecord | undefined;
}

/** Asks the ledger about an anchored receipt. Throws LedgerError when it cannot be asked. */
async function askLedger(
  ledger: LedgerBackend,
  receipt: Receipt,
  envelope: HashedEnvelope | undefined,
): Promise<LedgerAnswer> {
  const { batchId } = receipt;
  // The ledger keys digests by stream and version: both as the event's own bytes say, never as the receipt does.
  const ref = envelope && { streamId: streamIdOfEvent(envelope), version: envelope.version };
  const [batch, event] = await Promise.all([
    batchId ? ledger.committedBatch(batchId) : undefined,
    ref ? ledger.getEvent(ref) : undefined,
  ]);
  return { batch, event };
}

function batchCheck(batch: LedgerBatchRecord | undefined, receipt: Receipt): ReceiptCheck {
  if (!batch) return { name: 'ledger-batch', ok: false, detail: `the ledger holds no batch ${receipt.batchId}` };
  if (
    batch.root !== receipt.root ||
    batch.size !== receipt.treeSize ||
    batch.transactionId !== receipt.transactionId ||
    (receipt.anchoredAt !== undefined && batch.timestamp !== receipt.anchoredAt)
  ) {
    return {
      name: 'ledger-batch',
      ok: false,
      detail: `the ledger's batch has root ${batch.root}, size ${batch.size}, transaction ${batch.transactionId}, time ${batch.timestamp}`,
    };
  }
  return { name: 'ledger-batch', ok: true };
}

/**
 * The ledger asked is the one the receipt names, and committed the batch in the block it names
 * (ledger-batch checks the transaction). A block the ledger cannot serve is not confirmed, and not
 * refuted unless the ledger says the transaction's block is before the receipt's.
 */
function commitCheck(found: CommittedBatch | undefined, receipt: Receipt, kind: LedgerBackend['kind']): ReceiptCheck {
  if (!found)
    return {
      name: 'ledger-commit',
      ok: false,
      detail: `the ${kind} ledger asked has no commit of batch ${receipt.batchId}`,
    };
  const differ = differences(found.commit, receipt, ['backend', 'channel', 'chaincode']);
  const notServed = found.blockNotServed;
  if (notServed) differ.push(...blockBefore(notServed, receipt.blockNumber));
  else differ.push(...differences(found.commit, receipt, ['blockNumber']));
  if (differ.length > 0)
    return {
      name: 'ledger-commit',
      ok: false,
      detail: `the ledger asked committed the batch with ${differ.join(', ')}`,
    };
  if (notServed)
    return {
      name: 'ledger-commit',
      ok: true,
      detail: `block ${receipt.blockNumber} not confirmed: the ledger asked cannot serve it (${notServed.reason})`,
    };
  return { name: 'ledger-commit', ok: true };
}

/**
 * What a ledger that cannot serve the transaction's block still says of it: it is before the first
 * block it serves. A ledger that names no first block holds the batch without the block of its
 * transaction: nothing bounds the receipt's block number, which then fails.
 */
function blockBefore(notServed: BlockNotServed, blockNumber: number | undefined): string[] {
  const first = notServed.firstAvailableBlock;
  if (first === undefined) return [`no block of its transaction (${notServed.reason})`];
  if (!Number.isSafeInteger(blockNumber) || blockNumber! < 0) return ['a block number that is none'];
  return blockNumber! >= first ? [`blockNumber below ${first}`] : [];
}

/** The ledger's digest at the event's stream and version is this event's, in this batch and leaf, saying what its bytes say. */
function eventCheck(
  event: LedgerEventRecord | undefined,
  envelope: HashedEnvelope | undefined,
  receipt: Receipt,
): ReceiptCheck {
  if (!envelope)
    return { name: 'ledger-event', ok: false, detail: 'the canonical bytes name no stream and version to look up' };
  const streamId = streamIdOfEvent(envelope);
  const where = `${streamId} version ${envelope.version}`;
  if (!event)
    return {
      name: 'ledger-event',
      ok: false,
      detail: `the ledger holds no digest of event ${receipt.eventId} at ${where}`,
    };
  const claimed = { ...envelope, streamId, hash: receipt.hash, batchId: receipt.batchId, leafIndex: receipt.leafIndex };
  const differ = differences(event, claimed, [
    'eventId',
    'streamId',
    'version',
    'hash',
    'batchId',
    'leafIndex',
    'agencyId',
    'prevHash',
    'type',
    'occurredAt',
  ]);
  // A certificate's number is on the ledger as its CertificateIssued names it.
  if (envelope.type === 'CertificateIssued')
    differ.push(...differences(event, { certificateNo: certificateNoOf(envelope) }, ['certificateNo']));
  return differ.length === 0
    ? { name: 'ledger-event', ok: true }
    : { name: 'ledger-event', ok: false, detail: `the ledger's digest at ${where} has ${differ.join(', ')}` };
}
