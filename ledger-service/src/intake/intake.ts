import type { RulesConfig } from '../certification';
import { EventStoreError, storeUnavailableMessage, type EventStore, type StoredEvent } from '../eventStore/port';
import { CursorCache } from './cursorCache';
import { IntakeError } from './errors';
import {
  contentDigestOf,
  cursorOf,
  normalizedOrUndefined,
  SealFailure,
  sealAll,
  sealOne,
  staleVersion,
  streamIdOf,
  type Sealed,
  type StreamCursor,
} from './seal';
import type { Submission } from './submission';

export { streamIdOf } from './seal';

export interface IntakeOptions {
  readonly store: EventStore;
  readonly rules: RulesConfig;
  readonly clock: () => Date;
  /**
   * How often to seal again a submission whose append lost a race (one with an expectedVersion is
   * then refused: its version is stale, or the rules refuse it as the stream now stands).
   */
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
    return new IntakeError('unavailable', 'store-unavailable', storeUnavailableMessage(error));
  }
  throw error;
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

  /**
   * Idempotency by eventId costs no lookup on the way in: the store refuses a stored eventId under
   * its write lock (duplicate-event-id, with the stored event), and any refusal is checked against
   * a stored event of that id before it is given, so a retry is answered as one whatever else
   * would now be said of it.
   */
  async function submit(agencyId: string, submission: Submission): Promise<Accepted> {
    try {
      return await sealAndAppend(agencyId, submission);
    } catch (error) {
      if (!(error instanceof IntakeError) || error.kind === 'unavailable') throw error;
      const existing = await store.findEvent(submission.eventId).catch(rethrowStoreFailure);
      if (existing) return replayOf(existing, agencyId, submission);
      throw error;
    }
  }

  async function sealAndAppend(agencyId: string, submission: Submission): Promise<Accepted> {
    const streamId = streamIdOf(submission.certificationId);
    let fresh = false;
    for (let attempt = 0; ; attempt += 1) {
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
        if (error.code === 'duplicate-event-id') {
          return replayOf(error.detail.existing as StoredEvent, agencyId, submission);
        }
        if (error.code === 'wrong-expected-version') {
          if (cached) {
            fresh = true;
            continue;
          }
          // Sealed again as the stream now stands, a stale expectedVersion is told as sealOne tells
          // it: only to a party to the certification (the holder may have transferred it meanwhile).
          if (attempt >= maxRaceRetries) {
            throw staleVersion(submission.expectedVersion ?? cursor.version, Number(error.detail.actual ?? NaN));
          }
          continue;
        }
        throw storeFailure(error);
      }
    }
  }

  /**
   * Like submit, idempotency costs no lookup on the way in: a first pass takes every event as new
   * (the store refuses a stored eventId of a certification under its write lock), and only the
   * certifications that pass did not store are looked up and tried again, stored events answered as replays.
   */
  async function submitBulk(agencyId: string, submissions: readonly Submission[]): Promise<BulkOutcome[]> {
    const byStream = new Map<string, number[]>();
    submissions.forEach((submission, index) => {
      const indexes = byStream.get(submission.certificationId) ?? [];
      indexes.push(index);
      byStream.set(submission.certificationId, indexes);
    });
    const outcomes = await bulkPass(agencyId, submissions, byStream, new Map());
    const doubtful = new Map([...byStream].filter(([, indexes]) => indexes.some((index) => !outcomes[index]!.ok)));
    if (doubtful.size === 0) return outcomes;
    const eventIds = [...doubtful.values()].flatMap((indexes) => indexes.map((index) => submissions[index]!.eventId));
    let stored: Map<string, StoredEvent>;
    try {
      stored = new Map((await store.findEvents(eventIds)).map((event) => [event.eventId, event]));
    } catch (error) {
      const failure = storeFailure(error);
      for (const indexes of doubtful.values())
        for (const index of indexes) outcomes[index] = withoutLookup(outcomes[index]!, failure);
      return outcomes;
    }
    const retried = await bulkPass(agencyId, submissions, doubtful, stored);
    for (const indexes of doubtful.values()) for (const index of indexes) outcomes[index] = retried[index]!;
    return outcomes;
  }

  /** One pass over `byStream`'s certifications: `stored` events are replays, the others are sealed and appended. */
  async function bulkPass(
    agencyId: string,
    submissions: readonly Submission[],
    byStream: ReadonlyMap<string, readonly number[]>,
    stored: ReadonlyMap<string, StoredEvent>,
  ): Promise<BulkOutcome[]> {
    const outcomes: BulkOutcome[] = new Array(submissions.length);
    const requests: Array<{ indexes: number[]; sealed: Sealed; expectedVersion: number; streamId: string }> = [];
    const now = clock();
    for (const [certificationId, indexes] of byStream) {
      const streamId = streamIdOf(certificationId);
      try {
        const fresh: number[] = [];
        for (const index of indexes) {
          const existing = stored.get(submissions[index]!.eventId);
          if (existing) outcomes[index] = { ok: true, ...replayOf(existing, agencyId, submissions[index]!) };
          else fresh.push(index);
        }
        if (fresh.length === 0) continue;
        const cursor = await freshCursor(streamId);
        const batch = fresh.map((index) => submissions[index]!);
        const sealed = sealAll(cursor, agencyId, batch, { now, rules });
        if (sealed instanceof SealFailure) {
          refusedTogether(batch, sealed).forEach((outcome, i) => (outcomes[fresh[i]!] = outcome));
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
    for (const [r, { indexes, sealed, streamId }] of requests.entries()) {
      const result = results[r]!;
      if (result instanceof EventStoreError) cursors.delete(streamId);
      else cursors.set(streamId, sealed.next);
      if (result instanceof EventStoreError && result.code === 'duplicate-event-id') {
        const existing = result.detail.existing as StoredEvent;
        for (const index of indexes) {
          const submission = submissions[index]!;
          outcomes[index] =
            submission.eventId === existing.eventId
              ? outcomeOf(() => ({ ok: true, ...replayOf(existing, agencyId, submission) }))
              : { ok: false, error: storedConcurrently(existing.eventId) };
        }
      } else if (result instanceof EventStoreError && result.code === 'wrong-expected-version') {
        const stale = staleVersion(Number(result.detail.expected ?? -1), Number(result.detail.actual ?? NaN));
        const batch = indexes.map((index) => submissions[index]!);
        (await afterLostRace(agencyId, batch, streamId, stale)).forEach(
          (outcome, i) => (outcomes[indexes[i]!] = outcome),
        );
      } else {
        indexes.forEach((index, i) => {
          outcomes[index] =
            result instanceof EventStoreError
              ? { ok: false, error: storeFailure(result) }
              : { ok: true, created: true, event: result[i]! };
        });
      }
    }
    return outcomes;
  }

  /**
   * The outcomes of a certification's events whose append lost a race, sealed again as the stream
   * now stands: refused as sealAll refuses them, so that a stale expectedVersion is told only to a
   * party to the certification (the holder may have transferred it meanwhile); `stale` if they still seal.
   */
  async function afterLostRace(
    agencyId: string,
    batch: readonly Submission[],
    streamId: string,
    stale: IntakeError,
  ): Promise<BulkOutcome[]> {
    try {
      const sealed = sealAll(await freshCursor(streamId), agencyId, batch, { now: clock(), rules });
      if (sealed instanceof SealFailure) return refusedTogether(batch, sealed);
      return batch.map(() => ({ ok: false, error: stale }));
    } catch (error) {
      const failure = storeFailure(error);
      return batch.map(() => ({ ok: false, error: failure }));
    }
  }

  return { submit, submitBulk };
}

/** A bulk outcome, or the refusal it throws. */
function outcomeOf(decide: () => BulkOutcome): BulkOutcome {
  try {
    return decide();
  } catch (error) {
    if (error instanceof IntakeError) return { ok: false, error };
    throw error;
  }
}

/**
 * A first pass's outcome when the lookup meant to settle it failed with `lookupFailure`. A store
 * failure stands, for it says what is known of the write: nothing written, or an unconfirmed commit
 * whose events may be stored (never to be told as "nothing written"). A replay stands too; any
 * other refusal is not final without the lookup.
 */
function withoutLookup(firstPass: BulkOutcome, lookupFailure: IntakeError): BulkOutcome {
  return firstPass.ok || firstPass.error.kind === 'unavailable' ? firstPass : { ok: false, error: lookupFailure };
}

/** Another request stored an event of this certification between the lookup and the append: none of this request's were. */
function storedConcurrently(eventId: string): IntakeError {
  return new IntakeError(
    'conflict',
    'certification-batch-failed',
    `Not stored: event ${eventId} of the same certification was stored concurrently by another request; retry with the same eventIds`,
    { failedEventId: eventId },
  );
}

/** The outcomes of a certification's events when one of them is refused: all or none are stored. */
function refusedTogether(batch: readonly Submission[], failure: SealFailure): BulkOutcome[] {
  const culprit = batch[failure.index]!;
  return batch.map((_, i) => ({ ok: false, error: i === failure.index ? failure.error : siblingFailed(culprit) }));
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
