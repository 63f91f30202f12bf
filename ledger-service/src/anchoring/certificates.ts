import type { EventStore, StoredEvent } from '../eventStore/port';
import { decodeCanonical, type HashedEnvelope } from '../events/canonical';
import type { AnchoredEventDigest } from './port';

type CertificateStatus = NonNullable<AnchoredEventDigest['certificateStatus']>;

/** The certificate status each certificate event leaves behind. */
export const STATUS_AFTER: Readonly<Record<string, CertificateStatus>> = {
  CertificateIssued: 'valid',
  CertificateSuspended: 'suspended',
  CertificateRestored: 'valid',
  CertificateWithdrawn: 'withdrawn',
  CertificateCancelled: 'cancelled',
  CertificateExpired: 'expired',
  CertificateScopeChanged: 'valid',
};

/** The certificate number an envelope's payload names (a CertificateIssued's), if any. */
export function certificateNoOf(envelope: HashedEnvelope): string | undefined {
  const value = envelope.data.certificateNo;
  return typeof value === 'string' && value !== '' ? value : undefined;
}

export function certificateNoIn(event: StoredEvent): string | undefined {
  return certificateNoOf(decodeCanonical(event.canonical));
}

/** Where the anchorer learns a stream's certificate number when its own memory has none. */
export interface CertificateLookup {
  (streamId: string, beforeVersion: number): Promise<string | undefined>;
}

/** Reads the stream and takes the last CertificateIssued before `beforeVersion` (the slow path, after a lost cache). */
export function certificateFromStream(store: EventStore): CertificateLookup {
  return async (streamId, beforeVersion) => {
    const events = await store.readStream(streamId);
    let certificateNo: string | undefined;
    for (const event of events) {
      if (event.version >= beforeVersion) break;
      if (event.type === 'CertificateIssued') certificateNo = certificateNoIn(event) ?? certificateNo;
    }
    return certificateNo;
  };
}
