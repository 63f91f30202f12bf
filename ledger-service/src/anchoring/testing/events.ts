import { createHash, randomUUID } from 'node:crypto';
import type { EventStore, NewEvent, StoredEvent } from '../../eventStore/port';
import { canonicalBytes, sha256Hex, ZERO_HASH } from '../../events/canonical';
import type { EventType } from '../../events/schema';

export interface EventSpec {
  readonly type: EventType;
  readonly data: Record<string, unknown>;
}

export const contractSigned = (n: number): EventSpec => ({
  type: 'ContractSigned',
  data: { contractNo: `K-${n}`, signedAt: '2026-01-10' },
});
export const issued = (certificateNo: string): EventSpec => ({
  type: 'CertificateIssued',
  data: { certificateNo, issuedAt: '2026-03-01', validUntil: '2029-02-28', scope: 'Design of software', sectors: [33] },
});
export const suspended: EventSpec = {
  type: 'CertificateSuspended',
  data: { reason: 'surveillance overdue', until: '2026-09-01' },
};
export const restored: EventSpec = { type: 'CertificateRestored', data: { reason: 'audit done' } };
export const transferred = (fromAgencyId: string): EventSpec => ({
  type: 'CertificationTransferred',
  data: { fromAgencyId, reason: 'client moved' },
});

/** Events with real canonical bytes, chained after `after` (the stream's last stored event, if any). */
export function chainedEvents(
  streamId: string,
  agencyId: string,
  specs: readonly EventSpec[],
  after?: { version: number; hash: string },
): NewEvent[] {
  const certificationId = streamId.replace(/^(certification|supervision)-/, '');
  let prevHash = after?.hash ?? ZERO_HASH;
  let version = after ? after.version + 1 : 0;
  return specs.map((spec) => {
    const eventId = randomUUID();
    const occurredAt = new Date(Date.UTC(2026, 0, 1, 0, 0, version)).toISOString();
    const canonical = canonicalBytes({
      eventId,
      certificationId,
      type: spec.type,
      version,
      agencyId,
      occurredAt,
      prevHash,
      data: spec.data,
    });
    const hash = sha256Hex(canonical);
    const event: NewEvent = {
      eventId,
      streamId,
      certificationId,
      type: spec.type,
      version,
      agencyId,
      regionCode: '320102',
      occurredAt,
      canonical,
      hash,
      prevHash,
      contentDigest: createHash('sha256').update(eventId).digest('hex'),
    };
    prevHash = hash;
    version++;
    return event;
  });
}

/** Appends specs to a stream, continuing whatever it holds. */
export async function appendTo(
  store: EventStore,
  streamId: string,
  agencyId: string,
  specs: readonly EventSpec[],
): Promise<StoredEvent[]> {
  const existing = await store.readStream(streamId);
  const last = existing[existing.length - 1];
  const events = chainedEvents(streamId, agencyId, specs, last);
  return store.append({ streamId, expectedVersion: last ? last.version : -1, events });
}
