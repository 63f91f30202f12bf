import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { EventType } from '../../events/schema';
import type { AppendRequest, NewEvent, UniqueClaim } from '../port';

const ZERO = '0'.repeat(64);

/** A stream id the way the intake names certification streams, unique per call. */
export function newStreamId(): string {
  return `certification-${randomUUID()}`;
}

/** Events with random canonical bytes, versions fromVersion.., chained by prevHash. */
export function newEvents(streamId: string, fromVersion: number, count: number, type: EventType = 'ApplicationSubmitted'): NewEvent[] {
  const events: NewEvent[] = [];
  let prevHash = ZERO;
  for (let index = 0; index < count; index++) {
    const canonical = new Uint8Array(randomBytes(64 + index));
    const hash = createHash('sha256').update(canonical).digest('hex');
    events.push({
      eventId: randomUUID(),
      streamId,
      certificationId: streamId.replace(/^certification-/, ''),
      type,
      version: fromVersion + index,
      agencyId: 'CNCA-R-2002-001',
      regionCode: '310115',
      occurredAt: new Date(Date.UTC(2026, 0, 1 + index)).toISOString(),
      canonical,
      hash,
      prevHash,
      contentDigest: createHash('sha256').update(hash).digest('hex'),
    });
    prevHash = hash;
  }
  return events;
}

/** A request appending `count` new events after `expectedVersion`. */
export function appendRequest(
  streamId: string,
  expectedVersion: number,
  count = 1,
  claims?: readonly UniqueClaim[],
): AppendRequest {
  return { streamId, expectedVersion, events: newEvents(streamId, expectedVersion + 1, count), claims };
}

export function certificateNo(value: string): UniqueClaim {
  return { kind: 'certificateNo', value };
}
