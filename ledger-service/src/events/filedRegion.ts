import { CERTIFICATION_STREAM_PREFIX, SUPERVISION_STREAM_PREFIX } from '@certledger/chaincode';
import { readClientRegionCode, readFiledRegion } from './envelopeHeader';

/**
 * Whether each event of the stream names its own region in its hashed bytes (a supervision event's
 * filing) rather than the stream's first event naming it for all (a certification's client).
 */
export const regionFiledPerEvent = (streamId: string): boolean => streamId.startsWith(SUPERVISION_STREAM_PREFIX);

/** What of a stored event says where it is filed: its stream, its region_code column and its hashed bytes. */
export interface FiledEvent {
  readonly streamId: string;
  readonly regionCode: string;
  readonly canonical: Uint8Array;
}

/** A supervision event's hashed filing region; undefined for another stream's event or one written before filings. */
const hashedFilingOf = (event: FiledEvent): string | undefined =>
  regionFiledPerEvent(event.streamId) ? readFiledRegion(event.canonical) : undefined;

/**
 * The region an event is filed under, which decides the regulators who see it. A supervision event:
 * the filing its hashed payload carries (the writer's region, '' for an admin's), so that an edit of
 * the region_code column, which no hash covers, moves nothing; the column only for a supervision
 * event written before the ledger recorded filings, the one place its region is. A certification's
 * event: the column (the audit compares it with the client region the stream's first event hashes).
 * Throws EnvelopeFormatError on a supervision event whose bytes are not protobuf.
 */
export function filedRegionOf(event: FiledEvent): string {
  return hashedFilingOf(event) ?? event.regionCode;
}

/**
 * The region an event is filed under, as its hashed bytes say. A certification stream's first
 * event: the client's regionCode in its payload (what the intake copies into every event's
 * region_code). A supervision event: its payload's filing region, the writing regulator's ('' for an
 * admin). Undefined for a certification's later events, for supervision events written before the
 * ledger recorded their filing (nothing to check them against), and for bytes that are not protobuf.
 */
export function hashedRegionOf(streamId: string, version: number, canonical: Uint8Array): string | undefined {
  try {
    if (regionFiledPerEvent(streamId)) return readFiledRegion(canonical);
    if (version !== 0 || !streamId.startsWith(CERTIFICATION_STREAM_PREFIX)) return undefined;
    return readClientRegionCode(canonical);
  } catch {
    return undefined;
  }
}

/**
 * The region a stream is filed under (undefined for an empty one). A supervision case: the hashed
 * filing of its first event that carries one; every event of a case is its first writer's
 * (checkCaseOwner), so a case opened before filings and continued since is still judged by hashed
 * bytes. Only a case none of whose events carries a filing (written wholly before filings) is judged
 * by its first event's region_code column, which an operator can edit unseen by this check and by
 * the audit. A certification: the client's region its opening ApplicationSubmitted hashes, so that
 * an edit of the column moves no certification into another region's sight; the column only for a
 * stream opened by another event, which the intake never stores.
 */
export function streamRegionOf(history: readonly FiledEvent[]): string | undefined {
  const first = history[0];
  if (!first) return undefined;
  if (!regionFiledPerEvent(first.streamId))
    return hashedRegionOf(first.streamId, 0, first.canonical) || first.regionCode;
  for (const event of history) {
    const filed = hashedFilingOf(event);
    if (filed !== undefined) return filed;
  }
  return first.regionCode;
}
