import { randomUUID } from 'node:crypto';
import { batchIdOf, batchRootOf, inclusionProofFromLevels, leafHash, merkleLevels } from '@certledger/chaincode';
import { canonicalBytes, sha256Hex, ZERO_HASH, type HashedEnvelope } from '../../events/canonical';
import { streamIdOfEvent } from '../../events/schema';
import type { AnchoredEventDigest, LedgerBackend } from '../port';
import type { Receipt } from '../receipts';

export const CB_A = 'CNCA-R-2002-001';
export const CB_B = 'CNCA-R-2002-002';

/** B's certificate as bytes of B's certification say it. */
export const issuedEnvelope = (overrides: Partial<HashedEnvelope> = {}): HashedEnvelope => ({
  eventId: randomUUID(),
  certificationId: `victim-${randomUUID()}`,
  type: 'CertificateIssued',
  version: 0,
  agencyId: CB_B,
  occurredAt: '2026-03-01T08:00:00.000Z',
  prevHash: ZERO_HASH,
  data: { certificateNo: 'FAKE-001', issuedAt: '2026-03-01', validUntil: '2029-02-28', scope: 'Design', sectors: [33] },
  ...overrides,
});

/** The digest the anchorer sends for an event with these bytes. */
export function digestOf(
  envelope: HashedEnvelope,
  canonical: Uint8Array = canonicalBytes(envelope),
): AnchoredEventDigest {
  const certificateNo = envelope.data.certificateNo;
  return {
    eventId: envelope.eventId,
    streamId: streamIdOfEvent(envelope),
    version: envelope.version,
    type: envelope.type,
    hash: sha256Hex(canonical),
    prevHash: envelope.prevHash,
    occurredAt: envelope.occurredAt,
    ...(typeof certificateNo === 'string' ? { certificateNo, certificateStatus: 'valid' as const } : {}),
  };
}

/** Anchors the digests in one batch as `agencyId`: the receipt of the last, with `canonical` for its bytes, as the commit gives it. */
export async function anchoredReceipt(
  ledger: LedgerBackend,
  agencyId: string,
  digests: readonly AnchoredEventDigest[],
  canonical: Uint8Array,
): Promise<Receipt> {
  const hashes = digests.map((digest) => digest.hash);
  const commit = await ledger.anchor({
    batchId: batchIdOf(hashes),
    agencyId,
    root: batchRootOf(hashes),
    events: digests,
  });
  const leafIndex = digests.length - 1;
  const last = digests[leafIndex]!;
  return {
    receiptVersion: 1,
    status: 'anchored',
    eventId: last.eventId,
    streamId: last.streamId,
    position: 1,
    hash: last.hash,
    canonical: Buffer.from(canonical).toString('base64'),
    leafIndex,
    treeSize: digests.length,
    path: inclusionProofFromLevels(leafIndex, merkleLevels(hashes.map((hash) => leafHash(Buffer.from(hash, 'hex'))))),
    root: commit.root,
    batchId: commit.batchId,
    backend: commit.backend,
    channel: commit.channel,
    chaincode: commit.chaincode,
    transactionId: commit.transactionId,
    blockNumber: commit.blockNumber,
    anchoredAt: commit.anchoredAt!,
  };
}

/** An event anchored as its own bytes say, by the agency they name. */
export const honestReceipt = (ledger: LedgerBackend, envelope: HashedEnvelope): Promise<Receipt> =>
  anchoredReceipt(ledger, envelope.agencyId, [digestOf(envelope)], canonicalBytes(envelope));
