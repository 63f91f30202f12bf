import { createHash, randomUUID } from 'node:crypto';
import { canonicalBytes, normalizePayload, ZERO_HASH } from '../../events/canonical';
import type { CertificationEventType } from '../../events/schema';
import type { AppendRequest, EventStore, NewEvent } from '../../eventStore/port';
import { initialCertification } from '../../testing/scenario';

/**
 * Many complete certifications written straight through the store's appendEach, fast enough for a
 * million events: each envelope is the canonical encoding of a scenario event, built by splicing its
 * header fields before the payload bytes the protobuf encoder produced once (checked against
 * canonicalBytes for the first certification). Certificates get their own numbers.
 */

function varint(value: number): Buffer {
  const bytes: number[] = [];
  while (value > 127) {
    bytes.push((value % 128) | 0x80);
    value = Math.floor(value / 128);
  }
  bytes.push(value);
  return Buffer.from(bytes);
}

function field(number: number, bytes: Buffer): Buffer {
  return Buffer.concat([varint(number * 8 + 2), varint(bytes.length), bytes]);
}

interface Header {
  eventId: string;
  certificationId: string;
  type: string;
  version: number;
  agencyId: string;
  occurredAt: string;
  prevHash: string;
}

function headerBytes(h: Header): Buffer {
  return Buffer.concat([
    field(1, Buffer.from(h.eventId)),
    field(2, Buffer.from(h.certificationId)),
    field(3, Buffer.from(h.type)),
    ...(h.version > 0 ? [varint(4 * 8), varint(h.version)] : []),
    field(5, Buffer.from(h.agencyId)),
    field(6, Buffer.from(h.occurredAt)),
    field(7, Buffer.from(h.prevHash, 'hex')),
  ]);
}

export interface BulkHistoryOptions {
  readonly store: EventStore;
  readonly certifications: number;
  readonly agencyId: string;
  readonly regionCode?: string;
  readonly prefix?: string;
  /** Streams per appendEach call (default 500). */
  readonly streamsPerCall?: number;
  readonly onProgress?: (certifications: number) => void;
}

export async function writeBulkHistory(options: BulkHistoryOptions): Promise<{ readonly events: number }> {
  const prefix = options.prefix ?? 'BULK';
  const regionCode = options.regionCode ?? '320106';
  const template = initialCertification({ certificationId: `${prefix}-template`, appliedOn: '2025-03-01', regionCode });
  const payloadOf = new Map<number, Buffer>();
  template.forEach((event, version) => {
    const data = normalizePayload(event.type, event.data);
    const full = Buffer.from(
      canonicalBytes({ ...event, version, agencyId: options.agencyId, prevHash: ZERO_HASH, data }),
    );
    const head = headerBytes({ ...event, version, agencyId: options.agencyId, prevHash: ZERO_HASH });
    if (!full.subarray(0, head.length).equals(head))
      throw new Error('the spliced header does not match the canonical encoding');
    payloadOf.set(version, full.subarray(head.length));
  });
  let events = 0;
  let batch: AppendRequest[] = [];
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    const results = await options.store.appendEach(batch);
    const failed = results.find((r) => !Array.isArray(r));
    if (failed) throw failed;
    batch = [];
  };
  for (let i = 0; i < options.certifications; i++) {
    const certificationId = `${prefix}-${i}`;
    let prevHash = ZERO_HASH;
    const newEvents: NewEvent[] = [];
    template.forEach((event, version) => {
      const header = {
        eventId: randomUUID(),
        certificationId,
        type: event.type,
        version,
        agencyId: options.agencyId,
        occurredAt: event.occurredAt,
        prevHash,
      };
      const canonical =
        event.type === 'CertificateIssued'
          ? canonicalBytes({
              ...header,
              type: event.type as CertificationEventType,
              data: normalizePayload(event.type, {
                ...event.data,
                certificateNo: `${prefix}${String(i).padStart(9, '0')}`,
              }),
            })
          : Buffer.concat([headerBytes(header), payloadOf.get(version)!]);
      const hash = createHash('sha256').update(canonical).digest('hex');
      newEvents.push({
        ...header,
        type: event.type,
        streamId: `certification-${certificationId}`,
        regionCode,
        canonical,
        hash,
        contentDigest: hash,
      });
      prevHash = hash;
    });
    batch.push({ streamId: `certification-${certificationId}`, expectedVersion: -1, events: newEvents });
    events += newEvents.length;
    if (batch.length >= (options.streamsPerCall ?? 500)) {
      await flush();
      options.onProgress?.(i + 1);
    }
  }
  await flush();
  return { events };
}
