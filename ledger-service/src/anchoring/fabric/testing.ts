import { createHash, randomUUID } from 'node:crypto';
import { GatewayError } from '@hyperledger/fabric-gateway';
import { Writer } from 'protobufjs';
import { batchIdOf, batchRootOf } from '@certledger/chaincode';
import type { AnchorBatch, AnchoredEventDigest } from '../port';

const ZERO = '0'.repeat(64);

/** A stream of synthetic event digests that chain correctly, for tests and the benchmark. */
export class SyntheticStream {
  readonly streamId: string;
  private version = -1;
  private head = ZERO;

  constructor(id: string = randomUUID(), prefix: 'certification-' | 'supervision-' = 'certification-') {
    this.streamId = `${prefix}${id}`;
  }

  /** The next event of the stream (advances the stream). */
  next(overrides: Partial<AnchoredEventDigest> = {}): AnchoredEventDigest {
    this.version += 1;
    const eventId = randomUUID();
    const hash = createHash('sha256').update(`${this.streamId}/${this.version}/${eventId}`).digest('hex');
    const event: AnchoredEventDigest = {
      eventId,
      streamId: this.streamId,
      version: this.version,
      type: 'AuditPlanned',
      hash,
      prevHash: this.head,
      occurredAt: new Date().toISOString(),
      ...overrides,
    };
    this.head = event.hash;
    this.version = event.version;
    return event;
  }
}

/** A well-formed batch (id and Merkle root computed from the events' hashes). */
export function batchOf(agencyId: string, events: readonly AnchoredEventDigest[]): AnchorBatch {
  const hashes = events.map((e) => e.hash);
  return { batchId: batchIdOf(hashes), agencyId, root: batchRootOf(hashes), events };
}

/** An error as the gateway client throws it: a gRPC status, and each peer's detail message. */
export function gatewayError(code: number, message: string, details: readonly string[]): GatewayError {
  return new GatewayError({
    code,
    message,
    details: details.map((detail) => ({ address: 'peer0:9051', mspId: 'CBOrgMSP', message: detail })),
    cause: Object.assign(new Error(message), { code, details: '', metadata: undefined as never }),
  });
}

/** A serialized common.Block of this number (header: number and a hash; then some data), as qscc returns one. */
export function serializedBlock(blockNumber: number): Uint8Array {
  const header = Writer.create()
    .uint32((1 << 3) | 0)
    .uint64(blockNumber)
    .uint32((2 << 3) | 2)
    .bytes(Buffer.alloc(32))
    .finish();
  return Writer.create()
    .uint32((1 << 3) | 2)
    .bytes(header)
    .uint32((2 << 3) | 2)
    .bytes(Buffer.from([1, 2, 3]))
    .finish();
}
