import {
  AllStreamSubscription,
  AppendConsistencyViolationError,
  AppendStreamRequest,
  BACKWARDS,
  END,
  ErrorType,
  FORWARDS,
  jsonEvent,
  KurrentDBClient,
  NO_STREAM,
  START,
  streamNameFilter,
  WrongExpectedVersionError,
} from '@kurrent/kurrentdb-client';
import { assertWellFormed, AppendFacts, conflictOf, distinctClaims, unavailable } from '../appendRules';
import { AppendRequest, EventStore, EventStoreError, StoredEvent, UniqueClaim } from '../port';
import { AppendWaiters } from '../waiters';
import { bodyOf, KurrentEventBody, reservedStreams, ReservedStreams, storedEventOfBody } from './mapping';

export interface KurrentEventStoreOptions {
  /** kurrentdb://… or esdb://… */
  readonly connectionString: string;
  /** Prefix of the reserved eventId and claim streams. */
  readonly reservedPrefix?: string;
  /** Polling fallback for waitForAppend, should the $all subscription drop. */
  readonly pollIntervalMs?: number;
}

interface Marker {
  readonly [key: string]: string | number;
  readonly streamId: string;
  readonly version: number;
}

/**
 * Connects and checks the server answers. Needs KurrentDB 25.1 or later: an append writes the
 * events, one reserved stream per eventId and one per new claim in one multi-stream append, so
 * idempotency and uniqueness hold atomically. Positions are commit positions in $all (strictly
 * increasing, not dense); versions are stream revisions.
 */
export async function openKurrentEventStore(options: KurrentEventStoreOptions): Promise<EventStore> {
  let client: KurrentDBClient;
  try {
    client = KurrentDBClient.connectionString(options.connectionString);
  } catch (error) {
    throw unavailable(error);
  }
  const store = new KurrentEventStore(client, options);
  try {
    await store.ping();
  } catch (error) {
    await store.close();
    throw error;
  }
  return store;
}

const CONFLICT_TYPES: ReadonlySet<string> = new Set([
  ErrorType.WRONG_EXPECTED_VERSION,
  ErrorType.APPEND_CONSISTENCY_VIOLATION,
]);

class KurrentEventStore implements EventStore {
  /** recordedAt is stamped here, before the server orders concurrent appends into the log. */
  readonly recordedAtFollowsLog = false;
  private readonly reserved: ReservedStreams;
  private readonly waiters: AppendWaiters;
  private subscription: AllStreamSubscription | undefined;
  private closed = false;

  constructor(
    private readonly client: KurrentDBClient,
    options: KurrentEventStoreOptions,
  ) {
    this.reserved = reservedStreams(options.reservedPrefix ?? 'certledger-');
    this.waiters = new AppendWaiters({
      head: () => this.headPosition(),
      pollIntervalMs: options.pollIntervalMs ?? 1000,
    });
  }

  async append(request: AppendRequest): Promise<StoredEvent[]> {
    assertWellFormed(request);
    this.assertOpen();
    try {
      const claims = distinctClaims(request);
      const holders = await Promise.all(claims.map((claim) => this.claimHolder(claim)));
      const heldElsewhere = holders.some((holder) => holder !== undefined && holder !== request.streamId);
      if (heldElsewhere || request.events.length === 0) {
        const conflict = conflictOf(request, await this.factsFor(request));
        if (conflict) throw conflict;
        return [];
      }
      const recordedAt = new Date().toISOString();
      const newClaims = claims.filter((_, index) => holders[index] === undefined);
      const result = await this.client.multiStreamAppend(this.appendRequests(request, newClaims, recordedAt));
      this.waiters.notify(Number(result.position));
      return await this.readStreamFrom(request.streamId, request.expectedVersion + 1, request.events.length);
    } catch (error) {
      if (error instanceof EventStoreError) throw error;
      if (isConflict(error)) throw await this.explainConflict(request, error);
      throw unavailable(error);
    }
  }

  async appendEach(requests: readonly AppendRequest[]): Promise<Array<StoredEvent[] | EventStoreError>> {
    requests.forEach(assertWellFormed);
    return Promise.all(requests.map((request) => this.append(request).catch((error: unknown) => unavailable(error))));
  }

  async readStream(streamId: string): Promise<StoredEvent[]> {
    this.assertOpen();
    return this.guard(() => this.readStreamFrom(streamId, 0));
  }

  async findEvent(eventId: string): Promise<StoredEvent | undefined> {
    this.assertOpen();
    return this.guard(async () => {
      const marker = await this.firstData<Marker>(this.reserved.eventId(eventId));
      if (!marker) return undefined;
      const [event] = await this.readStreamFrom(marker.streamId, Number(marker.version), 1);
      return event;
    });
  }

  async findEvents(eventIds: readonly string[]): Promise<StoredEvent[]> {
    const found = await Promise.all([...new Set(eventIds)].map((eventId) => this.findEvent(eventId)));
    return found.filter((event): event is StoredEvent => event !== undefined);
  }

  async readAll(afterPosition: number, limit: number): Promise<StoredEvent[]> {
    this.assertOpen();
    return this.guard(async () => {
      const fromPosition =
        afterPosition <= 0 ? START : { commit: BigInt(afterPosition), prepare: BigInt(afterPosition) };
      const events: StoredEvent[] = [];
      if (limit <= 0) return events;
      const reads = this.client.readAll({
        fromPosition,
        direction: FORWARDS,
        maxCount: limit + 1,
        filter: this.ledgerFilter(),
      });
      for await (const resolved of reads) {
        const event = resolved.event;
        if (!event || !event.isJson) continue;
        const position = Number(event.position.commit);
        if (position <= afterPosition) continue;
        events.push(storedEventOfBody(event.streamId, event.type, position, event.data as KurrentEventBody));
        if (events.length >= limit) break;
      }
      return events;
    });
  }

  async headPosition(): Promise<number> {
    this.assertOpen();
    return this.guard(async () => {
      const reads = this.client.readAll({
        fromPosition: END,
        direction: BACKWARDS,
        maxCount: 1,
        filter: this.ledgerFilter(),
      });
      for await (const resolved of reads) {
        if (resolved.event) return Number(resolved.event.position.commit);
      }
      return 0;
    });
  }

  waitForAppend(afterPosition: number, timeoutMs: number): Promise<void> {
    this.follow();
    return this.waiters.wait(afterPosition, timeoutMs);
  }

  async ping(): Promise<void> {
    await this.headPosition();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.waiters.close();
    await this.subscription?.unsubscribe().catch(() => undefined);
    await this.client.dispose().catch(() => undefined);
  }

  private assertOpen(): void {
    if (this.closed) throw unavailable(new Error('the event store is closed'));
  }

  private async guard<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw unavailable(error);
    }
  }

  private ledgerFilter() {
    return streamNameFilter({ regex: this.reserved.ledgerStreamsRegex });
  }

  /** One $all subscription from the end, waking waiters; dropped on error and made again on the next wait. */
  private follow(): void {
    if (this.subscription || this.closed) return;
    const subscription = this.client.subscribeToAll({ fromPosition: END, filter: this.ledgerFilter() });
    subscription.on('data', (resolved) => {
      if (resolved.event) this.waiters.notify(Number(resolved.event.position.commit));
    });
    subscription.on('error', () => {
      if (this.subscription === subscription) this.subscription = undefined;
    });
    this.subscription = subscription;
  }

  private appendRequests(
    request: AppendRequest,
    newClaims: readonly UniqueClaim[],
    recordedAt: string,
  ): AppendStreamRequest[] {
    return [
      {
        streamName: request.streamId,
        expectedState: request.expectedVersion === -1 ? NO_STREAM : BigInt(request.expectedVersion),
        events: request.events.map((event) =>
          jsonEvent({ id: event.eventId, type: event.type, data: bodyOf(event, recordedAt) }),
        ),
      },
      ...request.events.map((event): AppendStreamRequest => ({
        streamName: this.reserved.eventId(event.eventId),
        expectedState: NO_STREAM,
        events: [jsonEvent({ type: 'EventIdReserved', data: { streamId: request.streamId, version: event.version } })],
      })),
      ...newClaims.map((claim): AppendStreamRequest => ({
        streamName: this.reserved.claim(claim),
        expectedState: NO_STREAM,
        events: [
          jsonEvent({
            type: 'ClaimReserved',
            data: { streamId: request.streamId, kind: claim.kind, value: claim.value },
          }),
        ],
      })),
    ];
  }

  private async readStreamFrom(streamId: string, fromVersion: number, maxCount?: number): Promise<StoredEvent[]> {
    const events: StoredEvent[] = [];
    try {
      const reads = this.client.readStream(streamId, {
        fromRevision: BigInt(fromVersion),
        direction: FORWARDS,
        maxCount,
      });
      for await (const resolved of reads) {
        const event = resolved.event;
        if (!event || !event.isJson) continue;
        const position = event.position ? Number(event.position.commit) : -1;
        events.push(storedEventOfBody(streamId, event.type, position, event.data as KurrentEventBody));
      }
    } catch (error) {
      if (isErrorOfType(error, ErrorType.STREAM_NOT_FOUND)) return [];
      throw error;
    }
    return events;
  }

  /** The JSON data of a stream's first event, or undefined when the stream does not exist. */
  private async firstData<T>(streamName: string): Promise<T | undefined> {
    try {
      for await (const resolved of this.client.readStream(streamName, { fromRevision: START, maxCount: 1 })) {
        if (resolved.event?.isJson) return resolved.event.data as T;
      }
    } catch (error) {
      if (isErrorOfType(error, ErrorType.STREAM_NOT_FOUND)) return undefined;
      throw error;
    }
    return undefined;
  }

  private async lastVersion(streamId: string): Promise<number> {
    try {
      for await (const resolved of this.client.readStream(streamId, {
        fromRevision: END,
        direction: BACKWARDS,
        maxCount: 1,
      })) {
        if (resolved.event) return Number(resolved.event.revision);
      }
    } catch (error) {
      if (isErrorOfType(error, ErrorType.STREAM_NOT_FOUND)) return -1;
      throw error;
    }
    return -1;
  }

  private async claimHolder(claim: UniqueClaim): Promise<string | undefined> {
    const holder = await this.firstData<{ streamId: string }>(this.reserved.claim(claim));
    return holder?.streamId;
  }

  private async factsFor(request: AppendRequest): Promise<AppendFacts> {
    const existing = (await Promise.all(request.events.map((event) => this.findEvent(event.eventId)))).find(Boolean);
    const holders = await Promise.all(
      distinctClaims(request).map(async (claim) => ({ claim, holder: await this.claimHolder(claim) })),
    );
    const taken = holders.find(({ holder }) => holder !== undefined && holder !== request.streamId);
    return { existing, actualVersion: await this.lastVersion(request.streamId), takenClaim: taken?.claim };
  }

  /** The server names one failed check; read what is there to report the conflict in the port's order. */
  private async explainConflict(
    request: AppendRequest,
    error: WrongExpectedVersionError | AppendConsistencyViolationError,
  ) {
    try {
      const conflict = conflictOf(request, await this.factsFor(request));
      if (conflict) return conflict;
    } catch (readError) {
      return unavailable(readError);
    }
    const actual = 'actualState' in error ? error.actualState : error.violations[0]?.actualState;
    return new EventStoreError('wrong-expected-version', `stream ${request.streamId} moved during the append`, {
      expected: request.expectedVersion,
      actual: typeof actual === 'bigint' ? Number(actual) : -1,
    });
  }
}

/** By the client's `type` tag rather than instanceof, which fails across realms (jest sandboxes). */
function isErrorOfType(error: unknown, type: ErrorType): boolean {
  return typeof error === 'object' && error !== null && (error as { type?: unknown }).type === type;
}

function isConflict(error: unknown): error is WrongExpectedVersionError | AppendConsistencyViolationError {
  return typeof error === 'object' && error !== null && CONFLICT_TYPES.has(String((error as { type?: unknown }).type));
}
