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
import { stableJson } from './stableJson';
import type { Submission } from './submission';

export const streamIdOf = (certificationId: string): string => `certification-${certificationId}`;

export interface IntakeOptions {
  readonly store: EventStore;
  readonly rules: RulesConfig;
  readonly clock: () => Date;
  /** How often to retry a submission without expectedVersion that lost a race. */
  readonly maxRaceRetries?: number;
}

export interface Accepted {
  readonly created: boolean;
  readonly event: StoredEvent;
}

export type BulkOutcome =
  | { readonly ok: true; readonly created: boolean; readonly event: StoredEvent }
  | { readonly ok: false; readonly error: IntakeError };

export interface Intake {
  submit(agencyId: string, submission: Submission): Promise<Accepted>;
  /** Each certification's events are stored all or none; outcomes come back in submission order. */
  submitBulk(agencyId: string, submissions: readonly Submission[]): Promise<BulkOutcome[]>;
}

function contentDigestOf(agencyId: string, submission: Submission): string {
  const { certificationId, type, occurredAt, data } = submission;
  return createHash('sha256').update(stableJson({ agencyId, certificationId, type, occurredAt, data })).digest('hex');
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
  if (
    existing.contentDigest !== contentDigestOf(agencyId, submission) ||
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

interface Sealed {
  readonly events: NewEvent[];
  readonly claims: UniqueClaim[];
}

/** Why sealing stopped: the submission at `index` was refused. */
class SealFailure {
  constructor(
    readonly index: number,
    readonly error: IntakeError,
  ) {}
}

export function createIntake(options: IntakeOptions): Intake {
  const { store, rules, clock } = options;
  const maxRaceRetries = options.maxRaceRetries ?? 8;

  /** Validates, decides and hashes submissions that continue `history` (pure apart from the clock). */
  function seal(
    agencyId: string,
    history: readonly StoredEvent[],
    submissions: readonly Submission[],
  ): Sealed | SealFailure {
    let state = foldHistory(history, decodeDataOf);
    let last = history.at(-1);
    let regionCode = history[0]?.regionCode ?? '';
    const events: NewEvent[] = [];
    const claims: UniqueClaim[] = [];
    for (const [index, submission] of submissions.entries()) {
      try {
        const version = (last?.version ?? -1) + 1;
        if (submission.expectedVersion !== undefined && submission.expectedVersion !== version - 1) {
          throw staleVersion(submission.expectedVersion, version - 1);
        }
        const issues = validatePayload(submission.type, submission.data);
        const ruleIssue = issues.find((issue) => issue.rule !== undefined);
        if (ruleIssue) {
          throw new IntakeError('rule', ruleIssue.code, ruleIssue.message, { rule: ruleIssue.rule, errors: issues });
        }
        if (issues.length > 0)
          throw invalid('invalid-payload', `The ${submission.type} payload is not valid`, { errors: issues });
        const proposed = {
          type: submission.type,
          data: normalizePayload(submission.type, submission.data),
          occurredAt: submission.occurredAt,
          agencyId,
          eventId: submission.eventId,
        };
        const decision = decide(state, proposed, { now: clock(), rules });
        if (!decision.ok) {
          throw new IntakeError('rule', decision.code, decision.message, { rule: decision.rule });
        }
        const data = normalizePayload(submission.type, decision.data);
        if (version === 0) regionCode = String((data.client as { regionCode?: string } | undefined)?.regionCode ?? '');
        const hashed = {
          eventId: submission.eventId,
          certificationId: submission.certificationId,
          type: submission.type,
          version,
          agencyId,
          occurredAt: submission.occurredAt,
          prevHash: last?.hash ?? ZERO_HASH,
          data,
        };
        const canonical = canonicalBytes(hashed);
        const event: NewEvent = {
          ...hashed,
          streamId: streamIdOf(submission.certificationId),
          regionCode,
          canonical,
          hash: sha256Hex(canonical),
          contentDigest: contentDigestOf(agencyId, submission),
        };
        events.push(event);
        claims.push(...(decision.claims ?? []));
        state = evolve(state, { ...event, data });
        last = { ...event, position: 0, recordedAt: '' };
      } catch (error) {
        if (error instanceof IntakeError) return new SealFailure(index, error);
        throw error;
      }
    }
    return { events, claims };
  }

  async function submit(agencyId: string, submission: Submission): Promise<Accepted> {
    for (let attempt = 0; ; attempt += 1) {
      const existing = await store.findEvent(submission.eventId).catch(rethrowStoreFailure);
      if (existing) return replayOf(existing, agencyId, submission);
      const history = await store.readStream(streamIdOf(submission.certificationId)).catch(rethrowStoreFailure);
      const sealed = seal(agencyId, history, [submission]);
      if (sealed instanceof SealFailure) throw sealed.error;
      try {
        const [event] = await store.append({
          streamId: streamIdOf(submission.certificationId),
          expectedVersion: history.at(-1)?.version ?? -1,
          events: sealed.events,
          claims: sealed.claims,
        });
        return { created: true, event: event! };
      } catch (error) {
        if (!(error instanceof EventStoreError)) throw error;
        if (error.code === 'duplicate-event-id') continue;
        if (error.code === 'wrong-expected-version') {
          if (submission.expectedVersion !== undefined || attempt >= maxRaceRetries) {
            throw staleVersion(
              submission.expectedVersion ?? history.at(-1)?.version ?? -1,
              Number(error.detail.actual ?? NaN),
            );
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
    const requests: Array<{ indexes: number[]; sealed: Sealed; expectedVersion: number }> = [];
    for (const [certificationId, indexes] of byStream) {
      try {
        const fresh: number[] = [];
        for (const index of indexes) {
          const existing = await store.findEvent(submissions[index]!.eventId).catch(rethrowStoreFailure);
          if (existing) outcomes[index] = { ok: true, ...replayOf(existing, agencyId, submissions[index]!) };
          else fresh.push(index);
        }
        if (fresh.length === 0) continue;
        const history = await store.readStream(streamIdOf(certificationId)).catch(rethrowStoreFailure);
        const sealed = seal(
          agencyId,
          history,
          fresh.map((index) => submissions[index]!),
        );
        if (sealed instanceof SealFailure) {
          const culprit = submissions[fresh[sealed.index]!]!;
          fresh.forEach((index, i) => {
            outcomes[index] = { ok: false, error: i === sealed.index ? sealed.error : siblingFailed(culprit) };
          });
        } else {
          requests.push({ indexes: fresh, sealed, expectedVersion: history.at(-1)?.version ?? -1 });
        }
      } catch (error) {
        const failure = storeFailure(error);
        for (const index of indexes) outcomes[index] ??= { ok: false, error: failure };
      }
    }
    const results = await store
      .appendEach(
        requests.map(({ sealed, expectedVersion }) => ({
          streamId: sealed.events[0]!.streamId,
          expectedVersion,
          events: sealed.events,
          claims: sealed.claims,
        })),
      )
      .catch(rethrowStoreFailure);
    requests.forEach(({ indexes }, r) => {
      const result = results[r]!;
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
