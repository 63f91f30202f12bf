import type { Outcome } from './groupCommit';
import { AppendRequest, EventStoreError, StoredEvent, UniqueClaim } from './port';

/** What the store holds that bears on one append request, looked up under the write lock. */
export interface AppendFacts {
  /** A stored event that has the eventId of one of the request's events. */
  readonly existing?: StoredEvent;
  /** Version of the stream's last event, -1 when the stream is empty. */
  readonly actualVersion: number;
  /** A requested claim already held by another stream. */
  readonly takenClaim?: UniqueClaim;
}

/** Rejects requests no caller should build: they are programming errors, not conflicts. */
export function assertWellFormed(request: AppendRequest): void {
  const { streamId, expectedVersion, events } = request;
  if (!Number.isInteger(expectedVersion) || expectedVersion < -1) {
    throw new TypeError(`expectedVersion must be an integer >= -1, got ${expectedVersion}`);
  }
  const ids = new Set<string>();
  events.forEach((event, index) => {
    if (event.streamId !== streamId)
      throw new TypeError(`event ${event.eventId} belongs to ${event.streamId}, not ${streamId}`);
    if (event.version !== expectedVersion + 1 + index) {
      throw new TypeError(
        `event ${event.eventId} has version ${event.version}, expected ${expectedVersion + 1 + index}`,
      );
    }
    if (ids.has(event.eventId)) throw new TypeError(`eventId ${event.eventId} appears twice in one append`);
    ids.add(event.eventId);
  });
}

/** The conflict that stops an append, checked in a fixed order: retry, then concurrency, then uniqueness. */
export function conflictOf(request: AppendRequest, facts: AppendFacts): EventStoreError | undefined {
  if (facts.existing) {
    return new EventStoreError('duplicate-event-id', `event ${facts.existing.eventId} is already stored`, {
      existing: facts.existing,
    });
  }
  if (facts.actualVersion !== request.expectedVersion) {
    return new EventStoreError(
      'wrong-expected-version',
      `stream ${request.streamId} is at version ${facts.actualVersion}, not ${request.expectedVersion}`,
      { expected: request.expectedVersion, actual: facts.actualVersion },
    );
  }
  if (facts.takenClaim) {
    const { kind, value } = facts.takenClaim;
    return new EventStoreError('claim-taken', `${kind} ${value} is already claimed`, { kind, value });
  }
  return undefined;
}

/** The request's events as stored, numbered from just after `head`. */
export function positioned(request: AppendRequest, head: number, recordedAt: string): StoredEvent[] {
  // Named one by one: spreading into a literal with more properties is several times slower, per event.
  return request.events.map((event, index) => ({
    eventId: event.eventId,
    streamId: event.streamId,
    certificationId: event.certificationId,
    type: event.type,
    version: event.version,
    agencyId: event.agencyId,
    regionCode: event.regionCode,
    occurredAt: event.occurredAt,
    canonical: event.canonical,
    hash: event.hash,
    prevHash: event.prevHash,
    contentDigest: event.contentDigest,
    position: head + 1 + index,
    recordedAt,
  }));
}

/** Claims without repeats, each owned by the request's first event. */
export function distinctClaims(request: AppendRequest): UniqueClaim[] {
  const seen = new Set<string>();
  return (request.claims ?? []).filter((claim) => {
    const key = claimKey(claim);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

export function claimKey(claim: UniqueClaim): string {
  return `${claim.kind}\u0000${claim.value}`;
}

/** Any failure of the storage itself: the caller answers 503 and nothing was written. */
export function unavailable(error: unknown): EventStoreError {
  if (error instanceof EventStoreError) return error;
  const reason = reasonOf(error);
  return new EventStoreError('store-unavailable', 'the event store is unavailable', { reason });
}

/** A commit sent and never confirmed (a timeout, a lost connection): store-unavailable, but the request may have been written. */
export function unconfirmed(error: unknown): EventStoreError {
  return new EventStoreError('store-unavailable', 'the event store did not confirm the commit', {
    reason: reasonOf(error),
    outcome: 'unknown',
  });
}

export function isEventStoreError(error: unknown): error is EventStoreError {
  return error instanceof EventStoreError;
}

/**
 * A short, stable word for logs: the driver's error code when it has one. Native drivers may throw
 * errors from another realm (jest's sandboxes), so this looks at the shape, not at instanceof.
 */
function reasonOf(error: unknown): string {
  if (typeof error !== 'object' || error === null) return String(error);
  const { code, type, message } = error as { code?: unknown; type?: unknown; message?: unknown };
  if (typeof code === 'string') return code;
  if (typeof type === 'string') return type;
  return typeof message === 'string' ? message : String(error);
}

type Submit = (request: AppendRequest) => Promise<Outcome<StoredEvent[]>>;

/** EventStore.append over a group-committing store's submit: the stored events, or the refusal thrown. */
export async function appendThrough(submit: Submit, request: AppendRequest): Promise<StoredEvent[]> {
  assertWellFormed(request);
  const outcome = await submit(request);
  if (outcome.ok) return outcome.value;
  throw outcome.error;
}

/** EventStore.appendEach over a group-committing store's submit: each request's events, or its refusal. */
export async function appendEachThrough(
  submit: Submit,
  requests: readonly AppendRequest[],
): Promise<Array<StoredEvent[] | EventStoreError>> {
  requests.forEach(assertWellFormed);
  const outcomes = await Promise.all(requests.map(submit));
  return outcomes.map((outcome) => (outcome.ok ? outcome.value : unavailable(outcome.error)));
}
