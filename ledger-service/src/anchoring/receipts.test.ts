import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { canonicalBytes, ZERO_HASH, type HashedEnvelope } from '../events/canonical';
import { openEmbeddedBackend, type EmbeddedLedgerBackend } from './embedded';
import type { AnchorCommit, AnchoredEventDigest, CommittedBatch, LedgerBackend } from './port';
import { LONE_SURROGATES_DETAIL, RECEIPT_CHECKS, verifyReceipt, type Receipt, type ReceiptCheck } from './receipts';
import {
  anchoredReceipt as anchoredReceiptOn,
  CB_A,
  digestOf,
  honestReceipt as honestReceiptOn,
  issuedEnvelope,
} from './testing/receipts';

const named = (checks: readonly ReceiptCheck[], name: ReceiptCheck['name']) => checks.find((c) => c.name === name);
const failed = (checks: readonly ReceiptCheck[]) => checks.filter((c) => !c.ok).map((c) => c.name);

describe('receipt verification against the embedded ledger', () => {
  let dir: string;
  let ledger: EmbeddedLedgerBackend;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'receipts-'));
    ledger = openEmbeddedBackend({ dataDir: dir });
  });
  afterEach(async () => {
    await ledger.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const anchoredReceipt = (agencyId: string, digests: readonly AnchoredEventDigest[], canonical: Uint8Array) =>
    anchoredReceiptOn(ledger, agencyId, digests, canonical);
  const honestReceipt = (envelope: HashedEnvelope) => honestReceiptOn(ledger, envelope);

  it('verifies a receipt whose event the ledger holds as its bytes say, in the stream its type and certification name', async () => {
    for (const envelope of [
      issuedEnvelope({ agencyId: CB_A }),
      issuedEnvelope({
        certificationId: `case-${randomUUID()}`,
        type: 'ComplaintRecorded',
        agencyId: 'REG-32',
        data: { receivedAt: '2026-02-27', subject: 'a complaint' },
      }),
    ]) {
      const receipt = await honestReceipt(envelope);
      expect(receipt.streamId).toBe(
        `${envelope.type === 'ComplaintRecorded' ? 'supervision' : 'certification'}-${envelope.certificationId}`,
      );
      const verdict = await verifyReceipt(receipt, { ledger });
      expect(failed(verdict.checks)).toEqual([]);
      expect(verdict.checks.map((c) => c.name)).toEqual(RECEIPT_CHECKS);
      expect(verdict.ok).toBe(true);
    }
  });

  it("refuses B's certificate anchored by A in a stream of A's own, the receipt naming A's stream, Fabric and a made-up block", async () => {
    const envelope = issuedEnvelope();
    const canonical = canonicalBytes(envelope);
    const ownStream = `certification-A-own-${randomUUID()}`;
    const { certificateNo: _none, certificateStatus: _anchored, ...digest } = digestOf(envelope, canonical);
    const anchored = await anchoredReceipt(CB_A, [{ ...digest, streamId: ownStream }], canonical);
    expect(anchored.streamId).toBe(ownStream);
    const forged: Receipt = { ...anchored, backend: 'fabric', blockNumber: 999 };

    const verdict = await verifyReceipt(forged, { ledger });
    expect(verdict.ok).toBe(false);
    expect(failed(verdict.checks)).toEqual(['canonical-envelope', 'ledger-commit', 'ledger-event']);
    expect(named(verdict.checks, 'canonical-envelope')?.detail).toBe(
      `the canonical bytes are an event of stream certification-${envelope.certificationId}, not ${ownStream}`,
    );
    expect(named(verdict.checks, 'ledger-commit')?.detail).toBe(
      'the ledger asked committed the batch with backend embedded, blockNumber 1',
    );
    expect(named(verdict.checks, 'ledger-event')?.detail).toBe(
      `the ledger holds no digest of event ${envelope.eventId} at certification-${envelope.certificationId} version 0`,
    );
    // Naming the stream the bytes name instead does not help: the ledger holds nothing there.
    const relabelled = await verifyReceipt(
      { ...anchored, streamId: `certification-${envelope.certificationId}` },
      { ledger },
    );
    expect(failed(relabelled.checks)).toEqual(['ledger-event']);
  });

  /** A ledger digest at the event's own stream and version that differs from its bytes in one field. */
  const disagreeing: ReadonlyArray<
    readonly [field: string, make: () => { envelope: HashedEnvelope; agencyId: string; digests: AnchoredEventDigest[] }]
  > = [
    [
      'agencyId',
      () => {
        const envelope = issuedEnvelope();
        return { envelope, agencyId: CB_A, digests: [digestOf(envelope)] };
      },
    ],
    [
      'prevHash',
      () => {
        const envelope = issuedEnvelope({ agencyId: CB_A, version: 1, prevHash: 'ab'.repeat(32) });
        const first = digestOf(
          issuedEnvelope({
            ...envelope,
            eventId: randomUUID(),
            type: 'ContractSigned',
            version: 0,
            prevHash: ZERO_HASH,
            data: { contractNo: 'K-1' },
          }),
        );
        return { envelope, agencyId: CB_A, digests: [first, { ...digestOf(envelope), prevHash: first.hash }] };
      },
    ],
    [
      'type',
      () => {
        const envelope = issuedEnvelope({ agencyId: CB_A, type: 'ContractSigned', data: { contractNo: 'K-1' } });
        return { envelope, agencyId: CB_A, digests: [{ ...digestOf(envelope), type: 'ApplicationSubmitted' }] };
      },
    ],
    [
      'occurredAt',
      () => {
        const envelope = issuedEnvelope({ agencyId: CB_A });
        return { envelope, agencyId: CB_A, digests: [{ ...digestOf(envelope), occurredAt: '2026-01-01T00:00:00Z' }] };
      },
    ],
    [
      'certificateNo',
      () => {
        const envelope = issuedEnvelope({ agencyId: CB_A });
        return { envelope, agencyId: CB_A, digests: [{ ...digestOf(envelope), certificateNo: 'CN-REAL-1' }] };
      },
    ],
  ];

  it.each(disagreeing)(
    "refuses a receipt whose bytes say another %s than the ledger's digest at their stream and version",
    async (field, make) => {
      const { envelope, agencyId, digests } = make();
      const receipt = await anchoredReceipt(agencyId, digests, canonicalBytes(envelope));
      const verdict = await verifyReceipt(receipt, { ledger });
      expect(verdict.ok).toBe(false);
      expect(failed(verdict.checks)).toEqual(['ledger-event']);
      const onLedger = (await ledger.getEvent({ streamId: receipt.streamId, version: envelope.version }))!;
      expect(named(verdict.checks, 'ledger-event')?.detail).toBe(
        `the ledger's digest at ${receipt.streamId} version ${envelope.version} has ${field} ${onLedger[field as keyof typeof onLedger]}`,
      );
    },
  );

  it('refuses a receipt that names another stream than its bytes, though the ledger holds the event', async () => {
    const receipt = await honestReceipt(issuedEnvelope({ agencyId: CB_A }));
    const verdict = await verifyReceipt({ ...receipt, streamId: 'certification-elsewhere' }, { ledger });
    expect(failed(verdict.checks)).toEqual(['canonical-envelope']);
    expect(verdict.ok).toBe(false);
  });

  it('refuses bytes that are not the canonical encoding of their envelope, though the ledger holds their hash', async () => {
    const envelope = issuedEnvelope({ agencyId: CB_A });
    const canonical = Buffer.from(canonicalBytes(envelope));
    // Field 1 (eventId, length-delimited) again at the end: protobuf reads the same envelope.
    expect(canonical[0]).toBe(0x0a);
    const repeated = Buffer.concat([canonical, canonical.subarray(0, 2 + canonical[1]!)]);
    const receipt = await anchoredReceipt(CB_A, [digestOf(envelope, repeated)], repeated);
    const verdict = await verifyReceipt(receipt, { ledger });
    expect(failed(verdict.checks)).toEqual(['canonical-envelope']);
    expect(named(verdict.checks, 'canonical-envelope')?.detail).toBe(
      'the bytes are not the canonical encoding of the envelope they hold',
    );
  });

  it('takes lone surrogates in the payload as the intake wrote them, and nothing else that is not UTF-8', async () => {
    /** The canonical-envelope check of a fresh event's bytes, as `tamper` leaves them, anchored as they are. */
    const envelopeCheckOf = async (
      overrides: Partial<HashedEnvelope>,
      tamper: (bytes: Buffer, lone: number) => Buffer = (bytes) => bytes,
    ) => {
      const envelope = issuedEnvelope({
        agencyId: CB_A,
        type: 'CertificateSuspended',
        data: { reason: 'overdue \ud83d\ud83d', until: '2026-09-01' },
        ...overrides,
      });
      const written = Buffer.from(canonicalBytes(envelope));
      const bytes = tamper(Buffer.from(written), written.indexOf('eda0bd', 0, 'hex'));
      const receipt = await anchoredReceipt(CB_A, [digestOf(envelope, bytes)], bytes);
      return named((await verifyReceipt(receipt, { ledger })).checks, 'canonical-envelope');
    };
    const NOT_CANONICAL = {
      name: 'canonical-envelope',
      ok: false,
      detail: 'the bytes are not the canonical encoding of the envelope they hold',
    };

    expect(await envelopeCheckOf({})).toEqual({ name: 'canonical-envelope', ok: true, detail: LONE_SURROGATES_DETAIL });
    // Field 1 (eventId) again at the end: still a forgery, lone surrogates or not.
    const repeatEventId = (bytes: Buffer) => Buffer.concat([bytes, bytes.subarray(0, 2 + bytes[1]!)]);
    expect(await envelopeCheckOf({}, repeatEventId)).toEqual(NOT_CANONICAL);
    // Bytes no encoder writes for any string: not UTF-8, and no surrogate either.
    expect(await envelopeCheckOf({}, (bytes, lone) => bytes.fill(0xff, lone, lone + 3))).toEqual(NOT_CANONICAL);
    // A surrogate pair written as two halves (CESU-8): its canonical encoding is the 4 bytes of U+1F600.
    const halves = (bytes: Buffer, lone: number) => {
      Buffer.from('edb880', 'hex').copy(bytes, lone + 3);
      return bytes;
    };
    expect(await envelopeCheckOf({}, halves)).toEqual(NOT_CANONICAL);
  });

  it.each([
    ['backend', { backend: 'fabric' }, 'backend embedded'],
    ['channel', { channel: 'mychannel' }, 'channel embedded'],
    ['chaincode', { chaincode: 'other' }, 'chaincode certledger'],
    ['block', { blockNumber: 2 }, 'blockNumber 1'],
  ] as const)(
    'refuses a receipt that names another %s than the ledger asked committed the batch in',
    async (_, claim, says) => {
      const receipt = await honestReceipt(issuedEnvelope({ agencyId: CB_A }));
      const verdict = await verifyReceipt({ ...receipt, ...claim }, { ledger });
      expect(failed(verdict.checks)).toEqual(['ledger-commit']);
      expect(named(verdict.checks, 'ledger-commit')?.detail).toBe(`the ledger asked committed the batch with ${says}`);
    },
  );

  /** The ledger as a peer that joined the channel from a snapshot taken after every block it holds batches of. */
  const snapshotPeer = (firstAvailableBlock?: number): LedgerBackend =>
    Object.assign(Object.create(ledger) as LedgerBackend, {
      committedBatch: async (batchId: string): Promise<CommittedBatch | undefined> => {
        const found = await ledger.committedBatch(batchId);
        if (!found) return undefined;
        const { blockNumber: _notServed, ...commit } = found.commit as AnchorCommit;
        const reason = `details for the TXID [${found.record.transactionId}] not available. Ledger bootstrapped from a snapshot. First available block = [${firstAvailableBlock}]`;
        return {
          record: found.record,
          commit,
          blockNotServed: firstAvailableBlock === undefined ? { reason } : { reason, firstAvailableBlock },
        };
      },
    });

  it("verifies a receipt whose block the ledger asked cannot serve, the batch record confirming its transaction, and says the block is the receipt's word", async () => {
    const receipt = await honestReceipt(issuedEnvelope({ agencyId: CB_A }));
    const verdict = await verifyReceipt(receipt, { ledger: snapshotPeer(40) });
    expect(failed(verdict.checks)).toEqual([]);
    expect(verdict.ok).toBe(true);
    expect(verdict.blockNotConfirmed).toMatch(
      /^details for the TXID \[\w+\] not available. Ledger bootstrapped from a snapshot/,
    );
    expect(named(verdict.checks, 'ledger-commit')?.detail).toBe(
      `block ${receipt.blockNumber} not confirmed: the ledger asked cannot serve it (${verdict.blockNotConfirmed})`,
    );
    expect((await verifyReceipt(receipt, { ledger })).blockNotConfirmed).toBeUndefined();
  });

  it('refuses any block number when the ledger holds the batch but names no first block it serves: nothing bounds the claim', async () => {
    const receipt = await honestReceipt(issuedEnvelope({ agencyId: CB_A }));
    for (const blockNumber of [receipt.blockNumber, 999_999]) {
      const verdict = await verifyReceipt({ ...receipt, blockNumber }, { ledger: snapshotPeer() });
      expect(verdict.ok).toBe(false);
      expect(verdict.blockNotConfirmed).toBeUndefined();
      expect(failed(verdict.checks)).toEqual(['ledger-commit']);
      expect(named(verdict.checks, 'ledger-commit')?.detail).toMatch(/with no block of its transaction \(/);
    }
  });

  it.each([
    ['a block at or after the first it serves', { blockNumber: 40 }, 'ledger-commit', /with blockNumber below 40$/],
    ['another channel', { channel: 'certledger' }, 'ledger-commit', /with channel embedded$/],
    ['another transaction', { transactionId: 'ab'.repeat(32) }, 'ledger-batch', /transaction [0-9a-f]{64}, time/],
  ] as const)(
    'refuses a receipt whose block the ledger asked cannot serve when it names %s',
    async (_, claim, failing, detail) => {
      const receipt = await honestReceipt(issuedEnvelope({ agencyId: CB_A }));
      const verdict = await verifyReceipt({ ...receipt, ...claim }, { ledger: snapshotPeer(40) });
      expect(verdict.ok).toBe(false);
      expect(failed(verdict.checks)).toEqual([failing]);
      expect(named(verdict.checks, failing)?.detail).toMatch(detail);
    },
  );

  it("reads the batch's record and commit in one ledger query", async () => {
    const receipt = await honestReceipt(issuedEnvelope({ agencyId: CB_A }));
    const asked: string[] = [];
    const counting = Object.assign(Object.create(ledger) as LedgerBackend, {
      getBatch: (batchId: string) => (asked.push('getBatch'), ledger.getBatch(batchId)),
      committedBatch: (batchId: string) => (asked.push('committedBatch'), ledger.committedBatch(batchId)),
    });
    expect((await verifyReceipt(receipt, { ledger: counting })).ok).toBe(true);
    expect(asked).toEqual(['committedBatch']);
  });

  it('is never ok without a ledger: it says the offline checks were all it made', async () => {
    const receipt = await honestReceipt(issuedEnvelope({ agencyId: CB_A }));
    expect(await verifyReceipt(receipt)).toEqual({
      ok: false,
      status: 'anchored',
      offlineOnly: true,
      checks: [
        { name: 'canonical-hash', ok: true },
        { name: 'canonical-envelope', ok: true },
        { name: 'inclusion', ok: true },
      ],
    });
  });
});
