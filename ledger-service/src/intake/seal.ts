import { CERTIFICATION_STREAM_PREFIX } from '@certledger/chaincode';
import { decide, evolve, initialState, isPartyTo, type CertificationState, type RulesConfig } from '../certification';
import { normalizePayload, sha256Hex, ZERO_HASH, type HashedEnvelope } from '../events/canonical';
import { encodeCanonical } from '../events/encoder';
import type { EventType } from '../events/schema';
import { atEventPaths, validatePayload, type ValidationIssue } from '../events/validate';
import type { NewEvent, StoredEvent, UniqueClaim } from '../eventStore/port';
import { IntakeError, invalid } from './errors';
import { decodeDataOf } from './eventView';
import type { Submission } from './submission';

// Sealing: turning submissions that continue a stream into hashed, chained events, or naming the
// rule or schema error that refuses them. Pure apart from the clock in the context.

export const streamIdOf = (certificationId: string): string => CERTIFICATION_STREAM_PREFIX + certificationId;

/**
 * The fingerprint of what was submitted, to tell a retry from a conflicting reuse of an eventId.
 * Over the normalized payload, whose keys come in schema order: key order and explicit defaults
 * in the body do not matter, as they do not matter to the hash.
 */
export function contentDigestOf(
  agencyId: string,
  submission: Submission,
  normalizedData: Record<string, unknown>,
): string {
  const { certificationId, type, occurredAt } = submission;
  return sha256Hex(JSON.stringify([agencyId, certificationId, type, occurredAt, normalizedData]));
}

export function normalizedOrUndefined(submission: Submission): Record<string, unknown> | undefined {
  try {
    return normalizePayload(submission.type, submission.data);
  } catch {
    return undefined;
  }
}

function foldHistory(history: readonly StoredEvent[]): CertificationState {
  let state = initialState;
  for (const event of history) state = evolve(state, { ...event, data: decodeDataOf(event) });
  return state;
}

export function staleVersion(expected: number, actual: number): IntakeError {
  return new IntakeError(
    'conflict',
    'wrong-expected-version',
    `expectedVersion ${expected} is not the stream's last version ${actual}`,
    {
      expectedVersion: expected,
      actualVersion: actual,
    },
  );
}

/** Where a stream stands: the folded state and what the next event must continue. */
export interface StreamCursor {
  readonly state: CertificationState;
  readonly version: number;
  readonly hash: string;
  readonly regionCode: string;
}

const EMPTY_CURSOR: StreamCursor = { state: initialState, version: -1, hash: ZERO_HASH, regionCode: '' };

export function cursorOf(history: readonly StoredEvent[]): StreamCursor {
  const last = history.at(-1);
  if (!last) return EMPTY_CURSOR;
  return {
    state: foldHistory(history),
    version: last.version,
    hash: last.hash,
    regionCode: history[0]!.regionCode,
  };
}

export interface Sealed {
  readonly events: NewEvent[];
  readonly claims: UniqueClaim[];
  readonly next: StreamCursor;
}

/** Why sealing stopped: the submission at `index` was refused. */
export class SealFailure {
  constructor(
    readonly index: number,
    readonly error: IntakeError,
  ) {}
}

/**
 * ReportedToCnca repeats its certification's id: the stream's, or the report would claim to be about
 * another. Said only of an id the schema takes (a missing, empty or malformed one is the schema's to
 * report), at the payload's certificationId: data.certificationId once payloadError places it in the
 * event, apart from the envelope's certificationId (the body's against the URL's, parseSubmission's).
 */
function otherCertificationIssues(
  { type, certificationId, data }: Submission,
  schemaIssues: readonly ValidationIssue[],
): ValidationIssue[] {
  if (
    type !== 'ReportedToCnca' ||
    data.certificationId === certificationId ||
    schemaIssues.some((issue) => issue.path === 'certificationId')
  )
    return [];
  return [
    {
      path: 'certificationId',
      code: 'certification-id-mismatch',
      message: `data.certificationId must be this stream's certificationId, ${certificationId}`,
    },
  ];
}

/**
 * The intake's error for a refused payload: its issues, found at paths relative to the payload, told
 * at their paths inside the event (atEventPaths), whether a rule's (422) or the schema's (400).
 */
function payloadError(type: string, payloadIssues: readonly ValidationIssue[]): IntakeError {
  const issues = atEventPaths(payloadIssues);
  const ruleIssue = issues.find((issue) => issue.rule !== undefined);
  if (ruleIssue)
    return new IntakeError('rule', ruleIssue.code, ruleIssue.message, { rule: ruleIssue.rule, errors: issues });
  return invalid('invalid-payload', `The ${type} payload is not valid`, { errors: issues });
}

function checkPayload(submission: Submission): void {
  const schemaIssues = validatePayload(submission.type, submission.data);
  const mismatch = otherCertificationIssues(submission, schemaIssues);
  if (schemaIssues.length > 0 || mismatch.length > 0)
    throw payloadError(submission.type, [...schemaIssues, ...mismatch]);
}

/**
 * A payload the validator let through and protobufjs or the encoder still cannot take is the
 * submitter's to fix: an invalid-payload IntakeError about the whole payload (path data), never a
 * plain Error that would answer 500.
 */
function unencodable(type: string, error: unknown): IntakeError {
  const message = error instanceof Error ? error.message : String(error);
  return payloadError(type, [{ path: '', code: 'unencodable', message }]);
}

function normalized(type: EventType, data: Record<string, unknown>): Record<string, unknown> {
  try {
    return normalizePayload(type, data);
  } catch (error) {
    throw unencodable(type, error);
  }
}

function encoded(envelope: HashedEnvelope): Uint8Array {
  try {
    return encodeCanonical(envelope);
  } catch (error) {
    throw unencodable(envelope.type, error);
  }
}

/** Validates, decides and hashes one submission that continues `cursor`. Throws IntakeError. */
export function sealOne(
  cursor: StreamCursor,
  agencyId: string,
  submission: Submission,
  context: { now: Date; rules: RulesConfig },
): { event: NewEvent; data: Record<string, unknown>; claims: readonly UniqueClaim[]; next: StreamCursor } {
  // The stream's version is told only to a party to it: anyone else hears R15's refusal from
  // decide below, as without expectedVersion.
  const expected = submission.expectedVersion;
  const stale = expected !== undefined && expected !== cursor.version;
  if (stale && isPartyTo(cursor.state, agencyId, submission.type)) throw staleVersion(expected, cursor.version);
  checkPayload(submission);
  const proposedData = normalized(submission.type, submission.data);
  const decision = decide(
    cursor.state,
    {
      type: submission.type,
      data: proposedData,
      occurredAt: submission.occurredAt,
      agencyId,
      eventId: submission.eventId,
    },
    context,
  );
  if (!decision.ok) throw new IntakeError('rule', decision.code, decision.message, { rule: decision.rule });
  if (stale) throw staleVersion(expected, cursor.version); // not reached: decide refuses whoever is no party
  const data = decision.data === proposedData ? proposedData : normalized(submission.type, decision.data);
  const version = cursor.version + 1;
  const regionCode =
    version === 0 ? String((data.client as { regionCode?: string } | undefined)?.regionCode ?? '') : cursor.regionCode;
  const hashed = {
    eventId: submission.eventId,
    certificationId: submission.certificationId,
    type: submission.type,
    version,
    agencyId,
    occurredAt: submission.occurredAt,
    prevHash: cursor.hash,
    data,
  };
  const canonical = encoded(hashed);
  const hash = sha256Hex(canonical);
  // Named one by one: a spread into a literal with more properties costs the intake ~3 µs an event.
  const event: NewEvent = {
    eventId: hashed.eventId,
    certificationId: hashed.certificationId,
    type: hashed.type,
    version,
    agencyId,
    occurredAt: hashed.occurredAt,
    prevHash: hashed.prevHash,
    streamId: streamIdOf(submission.certificationId),
    regionCode,
    canonical,
    hash,
    contentDigest: contentDigestOf(agencyId, submission, proposedData),
  };
  // Recorded now, as far as the rules can tell: the store stamps recordedAt a moment later, so a
  // state cached from here is never more lenient than one folded from the store.
  const state = evolve(cursor.state, { ...hashed, data, recordedAt: context.now.toISOString() });
  return { event, data, claims: decision.claims ?? [], next: { state, version, hash, regionCode } };
}

export function sealAll(
  cursor: StreamCursor,
  agencyId: string,
  submissions: readonly Submission[],
  context: { now: Date; rules: RulesConfig },
): Sealed | SealFailure {
  const events: NewEvent[] = [];
  const claims: UniqueClaim[] = [];
  let next = cursor;
  for (const [index, submission] of submissions.entries()) {
    try {
      const sealed = sealOne(next, agencyId, submission, context);
      events.push(sealed.event);
      claims.push(...sealed.claims);
      next = sealed.next;
    } catch (error) {
      if (error instanceof IntakeError) return new SealFailure(index, error);
      throw error;
    }
  }
  return { events, claims, next };
}
