import { chinaDateOf, type CertificateView } from '@certledger/projections';
import { evolve, initialState, type CertificateStatus } from '../../certification';
import { decodeCanonical } from '../../events/canonical';
import type { StoredEvent } from '../../eventStore/port';

/** A certification's current certificate as its stream's hashed bytes say. */
export interface StreamCertificate {
  readonly certificateNo: string;
  readonly status: CertificateStatus;
  readonly validUntil: string;
  /** The day in China of the certificate's last change. */
  readonly changedOn: string;
  /** Every number the certification has held. */
  readonly numbers: readonly string[];
}

/** Folds the hashed bytes, never the columns stored beside them (a copy an operator could edit). */
export function certificateOfStream(stream: readonly StoredEvent[]): StreamCertificate | undefined {
  let state = initialState;
  for (const stored of stream)
    state = evolve(state, { ...decodeCanonical(stored.canonical), recordedAt: stored.recordedAt });
  const certificate = state.certificate;
  return (
    certificate && {
      certificateNo: certificate.certificateNo,
      status: certificate.status,
      validUntil: certificate.validUntil,
      changedOn: chinaDateOf(certificate.changedAt),
      numbers: state.certificateNos,
    }
  );
}

/**
 * Whether the certificate a page is about to show, from the read model, follows from the stream
 * the ledger vouches for. A number the certification no longer holds (a reissue) is not judged here.
 */
export function shownCertificateFollows(fromStream: StreamCertificate | undefined, shown: CertificateView): boolean {
  if (!fromStream) return false;
  if (fromStream.certificateNo !== shown.certificateNo) return fromStream.numbers.includes(shown.certificateNo);
  if (fromStream.status !== shown.recordedStatus || fromStream.validUntil !== shown.validUntil) return false;
  // Once not valid, nothing changes a certificate until it is valid again: its last change is the status's.
  return fromStream.status === 'valid' || fromStream.changedOn === shown.statusSince;
}
