import { createHash } from 'node:crypto';
import { decide, evolve, initialState, type CertificationState, type RulesConfig } from '../certification';
import { decodeDataOf } from './eventView';
import { canonicalBytes, normalizePayload, sha256Hex, ZERO_HASH } from '../events/canonical';
import { validatePayload } from '../events/validate';
import {
  EventStoreError,
  type EventStore,
  type NewEvent,
  type StoredEvent,
  type UniqueClaim,
} from '../eventStore/port';
import { IntakeError, invalid } from './errors';
import type { Submission } from './submission';

export const streamIdOf = (certificationId: string): string => `certification-${certificationId}`;

export interface IntakeOptions {
  readonly store: EventStore;
  readonly rules: RulesConfig;
  readonly clock: () => Date;
  /** How often to retry a submission without expectedVersion that lost a race. */
  readonly maxRaceRetries?: number;
  /** How many streams' folded states to keep between submissions. */
  readonly cachedStreams?: number;
}

export interface Accepted {
  readonly created: boolean;
  readonly event: StoredEvent;
  /** The payload as stored, when this call stored it (saves decoding the canonical bytes again). */
  readonly data?: Record<string, unknown>;
}

export type BulkOutcome =
  | { readonly ok: true; readonly created: boolean; readonly event: StoredEvent }
  | { readonly ok: false; readonly error: IntakeError };

export interface Intake {
  submit(agencyId: string, submission: Submission): Promise<Accepted>;
  /** Each certification's events are stored all or none; outcomes come back in submission order. */
  submitBulk(agencyId: string, submissions: readonly Submission[]): Promise<BulkOutcome[]>;
}

/**
 * The fingerprint of what was submitted, to tell a retry from a conflicting reuse of an eventId.
 * Over the normalized payload, whose keys come in schema order: key order and explicit defaults
 * in the body do not matter, as they do not matter to the hash.
 */
function contentDigestOf(agencyId: string, submission: Submission, normalizedData: Record<string, unknown>): string {
  const { certificationId, type, occurredAt } = submission;
  return createHash('sha256')
    .update(JSON.stringify([agencyId, certificationId, type, occurredAt, normalizedData]))
    .digest('hex');
}

function normalizedOrUndefined(submission: Submission): Record<string, unknown> | undefined {
  try {
    return normalizePayload(submission.type, submission.data);
  } catch {
    return undefined;
  }
}

function foldHistory(
  history: readonly StoredEvent[],
  decodeData: (event: StoredEvent) => Record<string, unknown>,
): CertificationState {
  let state = initialState;
  for (const event of history) state = evolve(state, { ...event, data: decodeData(event) });
  return state;
}

/** A retry of an event already stored: the same body is answered with the stored event, another body is a conflict. */
function replayOf(existing: StoredEvent, agencyId: string, submission: Submission): Accepted {
  const normalized = normalizedOrUndefined(submission);
  if (
    normalized === undefined ||
    existing.contentDigest !== contentDigestOf(agencyId, submission, normalized) ||
    existing.certificationId !== submission.certificationId
  ) {
    throw new IntakeError(
      'conflict',
      'event-id-conflict',
      `eventId ${submission.eventId} is already stored with another body`,
      {
        eventId: submission.eventId,
      },
    );
  }
  return { created: false, event: existing };
}

function staleVersion(expected: number, actual: number): IntakeError {
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

/** Rethrows a store failure as the intake error it means for the submitter. */
function rethrowStoreFailure(error: unknown): never {
  throw storeFailure(error);
}

function storeFailure(error: unknown): IntakeError {
  if (error instanceof IntakeError) return error;
  if (error instanceof EventStoreError && error.code === 'claim-taken') {
    return new IntakeError(
      'rule',
      'certificate-number-taken',
      `certificate number ${String(error.detail.value)} is already used in the ledger`,
      {
        rule: 'R10',
      },
    );
  }
  if (error instanceof EventStoreError && error.code === 'store-unavailable') {
    return new IntakeError('unavailable', 'store-unavailable', 'The event store is not available; nothing was written');
  }
  throw error;
}

/** Where a stream stands: the folded state and what the next event must continue. */
interface StreamCursor {
  readonly state: CertificationState;
  readonly version: number;
  readonly hash: string;
  readonly regionCode: string;
}

const EMPTY_CURSOR: StreamCursor = { state: initialState, version: -1, hash: ZERO_HASH, regionCode: '' };

function cursorOf(history: readonly StoredEvent[]): StreamCursor {
  const last = history.at(-1);
  if (!last) return EMPTY_CURSOR;
  return {
    state: foldHistory(history, decodeDataOf),
    version: last.version,
    hash: last.hash,
    regionCode: history[0]!.regionCode,
  };
}

/**
 * Recently written streams' cursors, so that an intake does not re-read and re-fold the whole
 * stream. Only an optimisation: the store's expected-version check decides, and any doubt (a
 * conflict, a refusal) is settled again against a fresh read.
 */
class CursorCache {
  private readonly entries = new Map<string, StreamCursor>();
  constructor(private readonly capacity: number) {}

  get(streamId: string): StreamCursor | undefined {
    const cursor = this.entries.get(streamId);
    if (cursor) {
      this.entries.delete(streamId);
      this.entries.set(streamId, cursor);
    }
    return cursor;
  }

  set(streamId: string, cursor: StreamCursor): void {
    this.entries.delete(streamId);
    this.entries.set(streamId, cursor);
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
  }

  delete(streamId: string): void {
    this.entries.delete(streamId);
  }
}

interface Sealed {
  readonly events: NewEvent[];
  readonly claims: UniqueClaim[];
  readonly next: StreamCursor;
}

/** Why sealing stopped: the submission at `index` was refused. */
class SealFailure {
  constructor(
    readonly index: number,
    readonly error: IntakeError,
  ) {}
}

function checkPayload(submission: Submission): void {
  const issues = validatePayload(submission.type, submission.data);
  const ruleIssue = issues.find((issue) => issue.rule !== undefined);
  if (ruleIssue) {
    throw new IntakeError('rule', ruleIssue.code, ruleIssue.message, { rule: ruleIssue.rule, errors: issues });
  }
  if (issues.length > 0)
    throw invalid('invalid-payload', `The ${submission.type} payload is not valid`, { errors: issues });
}

/** Validates, decides and hashes one submission that continues `cursor`. Throws IntakeError. */
function sealOne(
  cursor: StreamCursor,
  agencyId: string,
  submission: Submission,
  context: { now: Date; rules: RulesConfig },
): { event: NewEvent; data: Record<string, unknown>; claims: readonly UniqueClaim[]; next: StreamCursor } {
  if (submission.expectedVersion !== undefined && submission.expectedVersion !== cursor.version) {
    throw staleVersion(submission.expectedVersion, cursor.version);
  }
  checkPayload(submission);
  const proposedData = normalizePayload(submission.type, submission.data);
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
  const data = decision.data === proposedData ? proposedData : normalizePayload(submission.type, decision.data);
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
  const canonical = canonicalBytes(hashed);
  const hash = sha256Hex(canonical);
  const event: NewEvent = {
    ...hashed,
    streamId: streamIdOf(submission.certificationId),
    regionCode,
    canonical,
    hash,
    contentDigest: contentDigestOf(agencyId, submission, proposedData),
  };
  const state = evolve(cursor.state, { ...hashed, data });
  return { event, data, claims: decision.claims ?? [], next: { state, version, hash, regionCode } };
}

function sealAll(
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

export function createIntake(options: IntakeOptions): Intake {
  const { store, rules, clock } = options;
  const maxRaceRetries = options.maxRaceRetries ?? 8;
  const cursors = new CursorCache(options.cachedStreams ?? 10_000);

  async function freshCursor(streamId: string): Promise<StreamCursor> {
    const cursor = cursorOf(await store.readStream(streamId).catch(rethrowStoreFailure));
    cursors.set(streamId, cursor);
    return cursor;
  }

  async function submit(agencyId: string, submission: Submission): Promise<Accepted> {
    const streamId = streamIdOf(submission.certificationId);
    let fresh = false;
    for (let attempt = 0; ; attempt += 1) {
      const existing = await store.findEvent(submission.eventId).catch(rethrowStoreFailure);
      if (existing) return replayOf(existing, agencyId, submission);
      const cached = fresh ? undefined : cursors.get(streamId);
      const cursor = cached ?? (await freshCursor(streamId));
      let sealed: ReturnType<typeof sealOne>;
      try {
        sealed = sealOne(cursor, agencyId, submission, { now: clock(), rules });
      } catch (error) {
        // A refusal is only final when it was decided on a fresh read of the stream.
        if (cached && error instanceof IntakeError) {
          fresh = true;
          continue;
        }
        throw error;
      }
      try {
        const [event] = await store.append({
          streamId,
          expectedVersion: cursor.version,
          events: [sealed.event],
          claims: sealed.claims,
        });
        cursors.set(streamId, sealed.next);
        return { created: true, event: event!, data: sealed.data };
      } catch (error) {
        cursors.delete(streamId);
        if (!(error instanceof EventStoreError)) throw error;
        if (error.code === 'duplicate-event-id') continue;
        if (error.code === 'wrong-expected-version') {
          if (cached) {
            fresh = true;
            continue;
          }
          if (submission.expectedVersion !== undefined || attempt >= maxRaceRetries) {
            throw staleVersion(submission.expectedVersion ?? cursor.version, Number(error.detail.actual ?? NaN));
          }
          continue;
        }
        throw storeFailure(error);
      }
    }
  }

  async function submitBulk(agencyId: string, submissions: readonly Submission[]): Promise<BulkOutcome[]> {
    const outcomes: Array<BulkOutcome | undefined> = new Array(submissions.length);
    const byStream = new Map<string, number[]>();
    submissions.forEach((submission, index) => {
      const indexes = byStream.get(submission.certificationId) ?? [];
      indexes.push(index);
      byStream.set(submission.certificationId, indexes);
    });
    const requests: Array<{ indexes: number[]; sealed: Sealed; expectedVersion: number; streamId: string }> = [];
    const now = clock();
    for (const [certificationId, indexes] of byStream) {
      const streamId = streamIdOf(certificationId);
      try {
        const fresh: number[] = [];
        for (const index of indexes) {
          const existing = await store.findEvent(submissions[index]!.eventId).catch(rethrowStoreFailure);
          if (existing) outcomes[index] = { ok: true, ...replayOf(existing, agencyId, submissions[index]!) };
          else fresh.push(index);
        }
        if (fresh.length === 0) continue;
        const cursor = await freshCursor(streamId);
        const sealed = sealAll(
          cursor,
          agencyId,
          fresh.map((index) => submissions[index]!),
          { now, rules },
        );
        if (sealed instanceof SealFailure) {
          const culprit = submissions[fresh[sealed.index]!]!;
          fresh.forEach((index, i) => {
            outcomes[index] = { ok: false, error: i === sealed.index ? sealed.error : siblingFailed(culprit) };
          });
        } else {
          requests.push({ indexes: fresh, sealed, expectedVersion: cursor.version, streamId });
        }
      } catch (error) {
        const failure = storeFailure(error);
        for (const index of indexes) outcomes[index] ??= { ok: false, error: failure };
      }
    }
    const results = await store
      .appendEach(
        requests.map(({ sealed, expectedVersion, streamId }) => ({
          streamId,
          expectedVersion,
          events: sealed.events,
          claims: sealed.claims,
        })),
      )
      .catch(rethrowStoreFailure);
    requests.forEach(({ indexes, sealed, streamId }, r) => {
      const result = results[r]!;
      if (result instanceof EventStoreError) cursors.delete(streamId);
      else cursors.set(streamId, sealed.next);
      indexes.forEach((index, i) => {
        if (result instanceof EventStoreError) {
          const error =
            result.code === 'wrong-expected-version'
              ? staleVersion(Number(result.detail.expected ?? -1), Number(result.detail.actual ?? NaN))
              : result.code === 'duplicate-event-id'
                ? new IntakeError(
                    'conflict',
                    'event-id-conflict',
                    'An eventId of this certification was stored concurrently',
                  )
                : storeFailure(result);
          outcomes[index] = { ok: false, error };
        } else {
          outcomes[index] = { ok: true, created: true, event: result[i]! };
        }
      });
    });
    return outcomes.map((outcome) => outcome!);
  }

  return { submit, submitBulk };
}

function siblingFailed(culprit: Submission): IntakeError {
  return new IntakeError(
    'conflict',
    'certification-batch-failed',
    `Not stored: event ${culprit.eventId} of the same certification was refused`,
    {
      failedEventId: culprit.eventId,
    },
  );
}
