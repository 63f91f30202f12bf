import { createHash } from 'node:crypto';
import { canonicalBytes, normalizePayload, sha256Hex, ZERO_HASH } from '../../events/canonical';
import { filedRegionOf, streamRegionOf } from '../../events/filedRegion';
import { SUPERVISION_STREAM_PREFIX } from '@certledger/chaincode';
import { SUPERVISION_EVENT_TYPES, type SupervisionEventType } from '../../events/schema';
import { atEventPaths, validatePayload, type ValidationIssue } from '../../events/validate';
import { EventStoreError, storeUnavailableMessage, type EventStore, type StoredEvent } from '../../eventStore/port';
import { CERTIFICATION_ID, occurredAtIssue } from '../../intake/submission';
import { stableJson } from '../../intake/stableJson';
import { regionVisibleTo } from '../principal';
import { forbidden, notFound, ProblemError } from '../problem';
import { checkJurisdiction, type SubjectIndex } from './jurisdiction';

/** A supervision event as a regulator submits it; `caseId` names the stream (supervision-{caseId}), default the eventId. */
export interface SupervisionSubmission {
  readonly eventId: string;
  readonly type: SupervisionEventType;
  readonly occurredAt: string;
  readonly caseId: string;
  readonly data: Record<string, unknown>;
}

export interface SupervisionWriterOptions {
  readonly store: EventStore;
  /** Finds the certifications an event names by certificate number or credit code, for checkJurisdiction. */
  readonly subjects: SubjectIndex;
  readonly clock?: () => Date;
  /** How far in the future occurredAt may be (R16). Default 300 s. */
  readonly clockSkewSeconds?: number;
}

/**
 * Who writes: a regulator's principal id (its agencyId on the ledger) and region; an admin has the
 * empty region, which covers every region as it does on the read side.
 */
export interface SupervisionWriterIdentity {
  readonly id: string;
  readonly regionCode: string;
}

export interface SupervisionWriter {
  /**
   * Validates, hashes, chains and appends; the same eventId with the same body again returns the stored event.
   * A case belongs to the writer of its first event (see checkCaseOwner), and what an event names must lie in
   * its writer's jurisdiction (checkJurisdiction): others are refused before anything is stored.
   */
  submit(writer: SupervisionWriterIdentity, submission: unknown): Promise<{ created: boolean; event: StoredEvent }>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function parseSupervisionSubmission(body: unknown): SupervisionSubmission {
  if (!body || typeof body !== 'object' || Array.isArray(body))
    throw new ProblemError(400, 'invalid-body', 'The body must be a JSON object');
  const { eventId, type, occurredAt, caseId, data } = body as Record<string, unknown>;
  const errors: ValidationIssue[] = [];
  if (typeof eventId !== 'string' || !UUID.test(eventId))
    errors.push({ path: 'eventId', code: 'invalid-event-id', message: 'eventId must be a UUID' });
  if (typeof type !== 'string' || !(SUPERVISION_EVENT_TYPES as readonly string[]).includes(type)) {
    errors.push({
      path: 'type',
      code: 'unknown-event-type',
      message: `type must be one of ${SUPERVISION_EVENT_TYPES.join(', ')}`,
    });
  }
  const occurredAtWrong = occurredAtIssue(occurredAt);
  if (occurredAtWrong) errors.push(occurredAtWrong);
  if (caseId !== undefined && (typeof caseId !== 'string' || !CERTIFICATION_ID.test(caseId))) {
    errors.push({
      path: 'caseId',
      code: 'invalid-case-id',
      message: 'caseId must be 1–64 characters of [A-Za-z0-9._-]',
    });
  }
  if (!data || typeof data !== 'object' || Array.isArray(data))
    errors.push({ path: 'data', code: 'invalid-data', message: 'data must be a JSON object' });
  if (errors.length > 0) throw new ProblemError(400, 'invalid-event', 'The supervision event is not valid', { errors });
  const issues = validatePayload(type as string, data);
  if (issues.length > 0)
    throw new ProblemError(400, 'invalid-payload', `The ${String(type)} payload is not valid`, {
      errors: atEventPaths(issues),
    });
  // One UUID in either case is one event, as the certification intake and the reads take it.
  const id = (eventId as string).toLowerCase();
  return {
    eventId: id,
    type: type as SupervisionEventType,
    occurredAt: occurredAt as string,
    caseId: (caseId as string | undefined) ?? id,
    data: data as Record<string, unknown>,
  };
}

/**
 * A supervision case (stream supervision-{caseId}) belongs to the writer of its first event, because the
 * chaincode binds a stream to the agencyId of its first anchored batch (CL_STREAM_NOT_OWNED for any other
 * submitter; all regulators share one MSP and the chaincode does not read regionCode), and a regulator's
 * agencyId is its principal id. An event of another writer would be stored, then refused by the ledger,
 * and every later event of the case would fail with CL_VERSION_GAP. So, before anything is stored:
 *  - a case the caller cannot read (its region, streamRegionOf: the hashed filing of its first event
 *    that has one, is outside the caller's prefix, as in maySeeStream) is answered 404,
 *    indistinguishable from a case that does not exist;
 *  - a case the caller can read but did not open (a province over a city's case, an admin, another
 *    regulator of the same region) is answered 403: the ledger would refuse the event;
 *  - a case that already holds another writer's event (stored before this check) can never be anchored
 *    past it, so it takes no more events (409 case-not-anchorable).
 */
function checkCaseOwner(writer: SupervisionWriterIdentity, caseId: string, history: readonly StoredEvent[]): void {
  const first = history[0];
  if (!first) return;
  if (!regionVisibleTo(writer.regionCode, streamRegionOf(history)!)) throw notFound('Supervision case');
  if (first.agencyId !== writer.id) {
    throw forbidden(
      `Supervision case ${caseId} was opened by ${first.agencyId}; only its first writer may add to it (the ledger binds a stream to its first writer)`,
    );
  }
  const foreign = history.find((event) => event.agencyId !== first.agencyId);
  if (foreign) {
    throw new ProblemError(
      409,
      'case-not-anchorable',
      `Supervision case ${caseId} holds event ${foreign.eventId} of another writer, which the ledger refuses; nothing more can be anchored in it: open a new case`,
    );
  }
}

/**
 * The payload with the region the event is filed under: the writer's (an admin's is empty, every
 * region), in the hashed bytes so that the audit can check the region_code column against it. The
 * submitter never sets it: parseSupervisionSubmission refuses a payload that does (set-by-ledger).
 */
function filedUnder(writer: SupervisionWriterIdentity, data: Record<string, unknown>): Record<string, unknown> {
  return { ...data, filing: { regionCode: writer.regionCode } };
}

export function createSupervisionWriter(options: SupervisionWriterOptions): SupervisionWriter {
  const { store } = options;
  const clock = options.clock ?? (() => new Date());
  const skewMs = (options.clockSkewSeconds ?? 300) * 1000;
  return {
    async submit(writer, body) {
      const submission = parseSupervisionSubmission(body);
      if (Date.parse(submission.occurredAt) > clock().getTime() + skewMs) {
        throw new ProblemError(422, 'occurred-in-future', `occurredAt ${submission.occurredAt} is in the future`, {
          rule: 'R16',
        });
      }
      const agencyId = writer.id;
      const contentDigest = createHash('sha256')
        .update(
          stableJson({
            agencyId,
            caseId: submission.caseId,
            type: submission.type,
            occurredAt: submission.occurredAt,
            data: submission.data,
          }),
        )
        .digest('hex');
      let subjectsChecked = false;
      for (let attempt = 0; attempt < 8; attempt += 1) {
        const existing = await store.findEvent(submission.eventId);
        if (existing) {
          // An event outside the caller's region is indistinguishable from none, as on GET /v1/events/{id}.
          if (!regionVisibleTo(writer.regionCode, filedRegionOf(existing))) throw notFound('Event');
          if (existing.contentDigest !== contentDigest)
            throw new ProblemError(
              409,
              'event-id-conflict',
              `eventId ${submission.eventId} is already stored with another body`,
            );
          return { created: false, event: existing };
        }
        const streamId = SUPERVISION_STREAM_PREFIX + submission.caseId;
        const history = await store.readStream(streamId);
        checkCaseOwner(writer, submission.caseId, history);
        if (!subjectsChecked) await checkJurisdiction(writer, submission.data, store, options.subjects);
        subjectsChecked = true;
        const last = history.at(-1);
        const data = normalizePayload(submission.type, filedUnder(writer, submission.data));
        const hashed = {
          eventId: submission.eventId,
          certificationId: submission.caseId,
          type: submission.type,
          version: (last?.version ?? -1) + 1,
          agencyId,
          occurredAt: submission.occurredAt,
          prevHash: last?.hash ?? ZERO_HASH,
          data,
        };
        const canonical = canonicalBytes(hashed);
        try {
          const [event] = await store.append({
            streamId,
            expectedVersion: last?.version ?? -1,
            events: [
              {
                ...hashed,
                streamId,
                regionCode: writer.regionCode,
                canonical,
                hash: sha256Hex(canonical),
                contentDigest,
              },
            ],
          });
          return { created: true, event: event! };
        } catch (error) {
          if (
            error instanceof EventStoreError &&
            (error.code === 'wrong-expected-version' || error.code === 'duplicate-event-id')
          )
            continue;
          if (error instanceof EventStoreError && error.code === 'store-unavailable')
            throw new ProblemError(503, 'store-unavailable', storeUnavailableMessage(error));
          throw error;
        }
      }
      throw new ProblemError(409, 'wrong-expected-version', 'The supervision stream kept changing; try again');
    },
  };
}
