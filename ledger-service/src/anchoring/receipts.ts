import { inclusionProofFromLevels, leafHash, merkleLevels, verifyInclusion, type Hex } from '@certledger/chaincode';
import type { EventStore, StoredEvent } from '../eventStore/port';
import { decodeCanonical, sha256Hex } from '../events/canonical';
import type { AnchorStore } from './anchorStore/port';
import { LedgerError, type AnchorBatch, type LedgerBackend } from './port';

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

export interface ReceiptCheck {
  readonly name: 'canonical-hash' | 'canonical-envelope' | 'inclusion' | 'ledger-batch' | 'ledger-event';
  readonly ok: boolean;
  readonly detail?: string;
}

export interface ReceiptVerification {
  /** True when every check passed and the receipt is anchored. */
  readonly ok: boolean;
  readonly status: Receipt['status'];
  readonly checks: readonly ReceiptCheck[];
  /**
   * Why the ledger checks were not made: the ledger could not be reached. The offline checks
   * stand; ok is false, as nothing says yet that the ledger holds the root.
   */
  readonly ledgerUnavailable?: string;
}

const HEX64 = /^[0-9a-f]{64}$/;

/** Checks a receipt offline (bytes → hash → audit path → root) and, given a ledger, that the ledger holds that root and digest. */
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
  let version: number | undefined;
  try {
    const envelope = decodeCanonical(canonical);
    version = envelope.version;
    checks.push(
      envelope.eventId === receipt.eventId
        ? { name: 'canonical-envelope', ok: true }
        : { name: 'canonical-envelope', ok: false, detail: `the canonical bytes are event ${envelope.eventId}` },
    );
  } catch (error) {
    checks.push({
      name: 'canonical-envelope',
      ok: false,
      detail: `the canonical bytes are no event envelope: ${(error as Error).message}`,
    });
  }
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

  if (options.ledger) {
    try {
      checks.push(...(await ledgerChecks(options.ledger, receipt, version)));
    } catch (error) {
      if (!(error instanceof LedgerError && error.code === 'unavailable')) throw error;
      return { ok: false, status: receipt.status, checks, ledgerUnavailable: error.message };
    }
  }
  return { ok: checks.every((check) => check.ok), status: receipt.status, checks };
}

/** What the ledger says of an anchored receipt's batch and event. Throws LedgerError when it cannot be asked. */
async function ledgerChecks(
  ledger: LedgerBackend,
  receipt: Receipt,
  version: number | undefined,
): Promise<ReceiptCheck[]> {
  const found: ReceiptCheck[] = [];
  const { root, treeSize } = receipt;
  const batch = receipt.batchId ? await ledger.getBatch(receipt.batchId) : undefined;
  if (!batch) found.push({ name: 'ledger-batch', ok: false, detail: `the ledger holds no batch ${receipt.batchId}` });
  else if (
    batch.root !== root ||
    batch.size !== treeSize ||
    batch.transactionId !== receipt.transactionId ||
    (receipt.anchoredAt !== undefined && batch.timestamp !== receipt.anchoredAt)
  ) {
    found.push({
      name: 'ledger-batch',
      ok: false,
      detail: `the ledger's batch has root ${batch.root}, size ${batch.size}, transaction ${batch.transactionId}, time ${batch.timestamp}`,
    });
  } else found.push({ name: 'ledger-batch', ok: true });
  // The ledger keys digests by stream and version; the version is the one inside the event's own bytes.
  const event = version === undefined ? undefined : await ledger.getEvent({ streamId: receipt.streamId, version });
  if (!event)
    found.push({
      name: 'ledger-event',
      ok: false,
      detail: `the ledger holds no digest of event ${receipt.eventId} (${receipt.streamId} version ${version})`,
    });
  else if (event.eventId !== receipt.eventId || event.hash !== receipt.hash || event.batchId !== receipt.batchId) {
    found.push({
      name: 'ledger-event',
      ok: false,
      detail: `the ledger has event ${event.eventId} with hash ${event.hash} in batch ${event.batchId}`,
    });
  } else found.push({ name: 'ledger-event', ok: true });
  return found;
}
