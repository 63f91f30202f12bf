import {
  batchIdOf,
  batchRootOf,
  chaincodeErrorCodeOf,
  DEFAULT_MAX_CLOCK_SKEW_SECONDS,
  SUPERVISION_STREAM_PREFIX,
} from '@certledger/chaincode';
import type { EventStore, StoredEvent } from '../eventStore/port';
import { EnvelopeFormatError, readOccurredAt } from '../events/envelopeHeader';
import type { AdoptedBatch, AnchorPlan, AnchorStore, PlannedBatch } from './anchorStore/port';
import { certificateFromStream, certificateNoIn, CertificateLookup, STATUS_AFTER } from './certificates';
import { AnchorBatch, AnchorCommit, AnchoredEventDigest, LedgerBackend, LedgerError, LedgerEventRecord } from './port';

export interface AnchorerLogger {
  info(object: object, message?: string): void;
  warn(object: object, message?: string): void;
  error(object: object, message?: string): void;
  debug(object: object, message?: string): void;
}

export interface AnchorerOptions {
  readonly eventStore: EventStore;
  readonly anchorStore: AnchorStore;
  readonly ledger: LedgerBackend;
  readonly logger?: AnchorerLogger;
  /** Most events in one batch (default 1000: two endorsements, a block and two commits are paid per batch). */
  readonly maxBatchEvents?: number;
  /** How long the oldest unplanned event may wait for its batch to fill (default 200 ms). */
  readonly maxBatchDelayMs?: number;
  /** Most events planned in one round (default 10 × maxBatchEvents); a round's batches are submitted concurrently. */
  readonly maxRoundEvents?: number;
  /** How long to wait for an append when the log is drained (default 500 ms; also bounds stop()). */
  readonly idleWaitMs?: number;
  /** Backoff of a batch the ledger could not take: doubles from retryInitialMs (100) up to retryMaxMs (10 s). */
  readonly retryInitialMs?: number;
  readonly retryMaxMs?: number;
  /** No new round is planned while this many events wait in stored batches (default 20 × maxBatchEvents). */
  readonly maxPendingEvents?: number;
  readonly now?: () => number;
}

export interface AnchorLag {
  readonly headPosition: number;
  /** Every event up to here is in a stored batch. */
  readonly checkpoint: number;
  /** Every event up to here is anchored (or refused by the ledger). */
  readonly anchoredThrough: number;
  /** Events not yet anchored: head − anchoredThrough, counting only what is still unanchored. */
  readonly unanchoredEvents: number;
  /** Age of the oldest unanchored event, 0 when none. */
  readonly oldestUnanchoredAgeMs: number;
}

export interface AnchorerStats {
  readonly running: boolean;
  readonly batchesCommitted: number;
  readonly batchesReplayed: number;
  readonly batchesRejected: number;
  readonly eventsAnchored: number;
  /** Batches the ledger could not take yet (backend down, no identity for the agency), retried with backoff. */
  readonly failingBatches: number;
  /** Failed attempts in a row of the batch that has failed most (0 when none is failing). */
  readonly consecutiveFailures: number;
  readonly lastError?: string;
  readonly lastCommitAt?: string;
  /** Batches whose adoption has stalled (see StalledBatch). */
  readonly stalledBatches: number;
  /** The batch stalled longest, while one is. */
  readonly stalled?: StalledBatch;
}

/**
 * A batch the ledger refuses as holding its events already (CL_EVENT_ALREADY_ANCHORED) at least
 * STALLED_ADOPTION_ATTEMPTS times while its queries show none of them to take over: a peer that
 * does not catch up, or digests that differ from the ones the ledger holds. It is retried all the
 * same; the stall ends when the batch is anchored, taken over or refused.
 */
export interface StalledBatch {
  readonly batchId: string;
  readonly agencyId: string;
  /** The ledger's answer to each of those attempts. */
  readonly code: string;
  /** Attempts answered so since the batch was last settled; other failures in between neither count nor reset them. */
  readonly attempts: number;
  /** When the first of them was answered. */
  readonly since: string;
}

export interface Anchorer {
  /** Starts following the log in the background. */
  start(): void;
  /** Stops after the step in progress; resolves when the loop has ended. */
  stop(): Promise<void>;
  /** Anchors everything appended so far (plans and submits until the checkpoint reaches the head). */
  drain(): Promise<void>;
  lag(): Promise<AnchorLag>;
  stats(): AnchorerStats;
}

const silent: AnchorerLogger = {
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  debug: () => undefined,
};

/**
 * The date the event's hash covers, not the row's occurred_at copy, which the hash does not protect:
 * the ledger's own record of the event must say what the hash vouches for. Bytes that are no
 * envelope carry no date: the ledger is sent none and refuses the event (CL_BAD_REQUEST).
 */
function hashedOccurredAt(event: StoredEvent): string {
  try {
    return readOccurredAt(event.canonical);
  } catch (error) {
    if (error instanceof EnvelopeFormatError) return '';
    throw error;
  }
}

/** Events of one writer go in batches of their own; supervision streams are signed by regulator identities. */
function writerKey(event: StoredEvent): string {
  return `${event.agencyId}\u0000${event.streamId.startsWith(SUPERVISION_STREAM_PREFIX) ? 'regulator' : 'agency'}`;
}

export function createAnchorer(options: AnchorerOptions): Anchorer {
  return new LogAnchorer(options);
}

class LogAnchorer implements Anchorer {
  private readonly maxBatchEvents: number;
  private readonly maxBatchDelayMs: number;
  private readonly maxRoundEvents: number;
  private readonly idleWaitMs: number;
  private readonly logger: AnchorerLogger;
  private readonly now: () => number;
  private readonly certificateLookup: CertificateLookup;
  private loop: Promise<void> | undefined;
  private stopping = false;
  private wake: (() => void) | undefined;
  private firstSeen: { position: number; at: number } | undefined;
  private counters = {
    batchesCommitted: 0,
    batchesReplayed: 0,
    batchesRejected: 0,
    eventsAnchored: 0,
  };
  /** Batches whose last submission failed for a reason worth retrying: attempts so far and when to try again. */
  private readonly retries = new Map<string, Retry>();
  /** Streams with a refused event (from the store at first use): none of their later events can be anchored. */
  private refused: Set<string> | undefined;
  private storeBackoffMs: number;
  private lastError: string | undefined;
  private lastCommitAt: string | undefined;

  constructor(private readonly options: AnchorerOptions) {
    this.maxBatchEvents = options.maxBatchEvents ?? 1000;
    this.maxBatchDelayMs = options.maxBatchDelayMs ?? 200;
    this.maxRoundEvents = options.maxRoundEvents ?? this.maxBatchEvents * 10;
    this.idleWaitMs = options.idleWaitMs ?? 500;
    this.logger = options.logger ?? silent;
    this.now = options.now ?? Date.now;
    this.certificateLookup = certificateFromStream(options.eventStore);
    this.storeBackoffMs = options.retryInitialMs ?? 100;
  }

  start(): void {
    if (this.loop) return;
    this.stopping = false;
    this.logger.info({ backend: this.options.ledger.kind, maxBatchEvents: this.maxBatchEvents }, 'anchorer started');
    this.loop = this.run().finally(() => {
      this.loop = undefined;
    });
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.loop;
  }

  async drain(): Promise<void> {
    for (;;) {
      const { failures } = await this.submitPending(true);
      if (failures.length > 0) throw failures[0];
      const head = await this.options.eventStore.headPosition();
      if ((await this.options.anchorStore.checkpoint()) >= head) return;
      await this.planRound(true);
    }
  }

  stats(): AnchorerStats {
    return {
      running: this.loop !== undefined,
      ...this.counters,
      failingBatches: this.retries.size,
      consecutiveFailures: Math.max(0, ...[...this.retries.values()].map((r) => r.attempts)),
      ...(this.lastError !== undefined ? { lastError: this.lastError } : {}),
      ...(this.lastCommitAt !== undefined ? { lastCommitAt: this.lastCommitAt } : {}),
      ...stallsOf(this.retries),
    };
  }

  async lag(): Promise<AnchorLag> {
    const { eventStore, anchorStore } = this.options;
    const [headPosition, checkpoint, pending] = await Promise.all([
      eventStore.headPosition(),
      anchorStore.checkpoint(),
      anchorStore.pendingSummary(),
    ]);
    const anchoredThrough =
      pending.firstPosition !== undefined ? Math.min(checkpoint, pending.firstPosition - 1) : checkpoint;
    let oldest = pending.oldestRecordedAt !== undefined ? Date.parse(pending.oldestRecordedAt) : undefined;
    if (oldest === undefined && headPosition > checkpoint) {
      const [next] = await eventStore.readAll(checkpoint, 1);
      if (next) oldest = Date.parse(next.recordedAt);
    }
    return {
      headPosition,
      checkpoint,
      anchoredThrough,
      unanchoredEvents: Math.max(0, headPosition - checkpoint) + pending.events,
      oldestUnanchoredAgeMs: oldest === undefined ? 0 : Math.max(0, this.now() - oldest),
    };
  }

  /**
   * One step after another: submit the stored batches that are due, plan the next round, and wait for
   * appends (or the next retry) when there is nothing to do. A batch the ledger cannot take is retried
   * on its own backoff without holding up the other writers; a failing store backs off the whole loop.
   */
  private async run(): Promise<void> {
    while (!this.stopping) {
      try {
        const { nextRetryAt } = await this.submitPending(false);
        if (this.stopping) break;
        const planned = await this.planRound(false);
        this.storeBackoffMs = this.options.retryInitialMs ?? 100;
        if (!planned && !this.stopping) await this.idle(nextRetryAt);
      } catch (error) {
        this.lastError = (error as Error).message;
        this.logger.warn({ err: error, retryInMs: this.storeBackoffMs }, 'anchoring failed; retrying');
        await this.sleep(this.storeBackoffMs);
        this.storeBackoffMs = Math.min(this.storeBackoffMs * 2, this.options.retryMaxMs ?? 10_000);
      }
    }
  }

  private async idle(nextRetryAt: number | undefined): Promise<void> {
    const checkpoint = await this.options.anchorStore.checkpoint();
    const timeout =
      nextRetryAt === undefined ? this.idleWaitMs : Math.max(1, Math.min(this.idleWaitMs, nextRetryAt - this.now()));
    await Promise.race([
      this.options.eventStore.waitForAppend(checkpoint, timeout),
      new Promise<void>((resolve) => (this.wake = resolve)),
    ]);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  /**
   * Reads the log after the checkpoint, waits (at most maxBatchDelayMs from the oldest event) for a batch
   * to fill, groups the events into batches and stores them with the new checkpoint in one step.
   * Returns false when there was nothing to plan.
   */
  private async planRound(immediately: boolean): Promise<boolean> {
    const { eventStore, anchorStore } = this.options;
    if (
      !immediately &&
      (await anchorStore.pendingSummary()).events >= (this.options.maxPendingEvents ?? this.maxBatchEvents * 20)
    ) {
      return false;
    }
    const checkpoint = await anchorStore.checkpoint();
    // While a batch fills, only the first waiting event and the log's head are read, not every
    // waiting event again at each append.
    const [first] = await eventStore.readAll(checkpoint, 1);
    if (!first) return false;
    if (!immediately) {
      if (this.firstSeen?.position !== first.position) this.firstSeen = { position: first.position, at: this.now() };
      const since = Math.min(this.firstSeen.at, Date.parse(first.recordedAt) || this.firstSeen.at);
      const remaining = this.maxBatchDelayMs - (this.now() - since);
      const head = await eventStore.headPosition();
      if (head - checkpoint < this.maxBatchEvents && remaining > 0) {
        await eventStore.waitForAppend(head, remaining);
        return true;
      }
    }
    const events = cutAtOwnershipChange(await eventStore.readAll(checkpoint, this.maxRoundEvents));
    const plan = await this.plan(events);
    await anchorStore.savePlan(plan);
    this.firstSeen = undefined;
    this.logger.debug(
      { batches: plan.batches.length, events: events.length, checkpoint: plan.checkpoint },
      'planned anchor batches',
    );
    return true;
  }

  private async plan(events: readonly StoredEvent[]): Promise<AnchorPlan> {
    const learnt = new Map<string, string>();
    const groups = new Map<string, StoredEvent[]>();
    const digests = new Map<string, AnchoredEventDigest>();
    for (const event of events) {
      digests.set(event.eventId, await this.digestOf(event, learnt));
      const key = writerKey(event);
      const group = groups.get(key) ?? [];
      group.push(event);
      groups.set(key, group);
    }
    const batches: PlannedBatch[] = [];
    for (const group of groups.values()) {
      for (let from = 0; from < group.length; from += this.maxBatchEvents) {
        const slice = group.slice(from, from + this.maxBatchEvents);
        batches.push(
          plannedBatch(
            slice,
            slice.map((event) => digests.get(event.eventId)!),
          ),
        );
      }
    }
    batches.sort((a, b) => a.positions[0]! - b.positions[0]!);
    return { batches, checkpoint: events[events.length - 1]!.position, streamCertificates: learnt };
  }

  private async digestOf(event: StoredEvent, learnt: Map<string, string>): Promise<AnchoredEventDigest> {
    const base: AnchoredEventDigest = {
      eventId: event.eventId,
      streamId: event.streamId,
      version: event.version,
      type: event.type,
      hash: event.hash,
      prevHash: event.prevHash,
      occurredAt: hashedOccurredAt(event),
    };
    const status = STATUS_AFTER[event.type];
    if (!status) return base;
    let certificateNo: string | undefined;
    if (event.type === 'CertificateIssued') {
      certificateNo = certificateNoIn(event);
      if (certificateNo) learnt.set(event.streamId, certificateNo);
    } else {
      certificateNo =
        learnt.get(event.streamId) ??
        (await this.options.anchorStore.certificateOfStream(event.streamId)) ??
        (await this.certificateLookup(event.streamId, event.version));
    }
    return certificateNo ? { ...base, certificateNo, certificateStatus: status } : base;
  }

  /**
   * Submits the stored batches not yet committed, each after the earlier batches that share a stream with
   * it. A batch waiting for its retry time (unless `all`) or behind a failed one is left for later.
   */
  private async submitPending(all: boolean): Promise<{ failures: unknown[]; nextRetryAt?: number }> {
    const pending = await this.options.anchorStore.pendingBatches();
    const lastOfStream = new Map<string, Promise<boolean>>();
    const runs: Array<Promise<boolean>> = [];
    const now = this.now();
    for (const stored of pending) {
      const streams = [...new Set(stored.batch.events.map((event) => event.streamId))];
      const before = streams.map((streamId) => lastOfStream.get(streamId)).filter((p) => p !== undefined);
      const due = all || (this.retries.get(stored.batch.batchId)?.retryAt ?? 0) <= now;
      const run = Promise.all(before).then((done) => (due && done.every(Boolean) ? this.submit(stored) : false));
      for (const streamId of streams) lastOfStream.set(streamId, run);
      runs.push(run);
    }
    const results = await Promise.allSettled(runs);
    const storeFailure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (storeFailure) throw storeFailure.reason;
    // The batches failing now, those a split put in place of a pending one included.
    const failing = [...this.retries.values()];
    // Batches held back behind a failing one keep an old retry time: only future ones say when to wake.
    const upcoming = failing.map((r) => r.retryAt).filter((at) => at > this.now());
    const nextRetryAt = upcoming.length > 0 ? Math.min(...upcoming) : undefined;
    return { failures: failing.map((r) => r.error), ...(nextRetryAt !== undefined ? { nextRetryAt } : {}) };
  }

  /**
   * A batch that takes a stream over from another writer (a CertificationTransferred the intake
   * accepted under R15, after the holder's own TransferReleased to that writer) first has the ledger
   * record the holder's consent, signed by the holder's own identity: the chaincode lets no other
   * writer onto a stream without it. A retry after a crash finds the stream already moved, or the
   * consent already given, and gives it again.
   */
  private async authorizeTransfers(batch: AnchorBatch): Promise<void> {
    const transfers = batch.events.filter((event) => event.type === 'CertificationTransferred');
    for (const transfer of transfers) {
      const head = await this.options.ledger.getStreamHead(transfer.streamId);
      if (!head || head.agencyId === batch.agencyId || head.version !== transfer.version - 1) continue;
      await this.options.ledger.authorizeTransfer(transfer.streamId, head.agencyId, batch.agencyId);
    }
  }

  /**
   * True when the batch is settled (committed or refused for good); false when it must be retried.
   * The ledger takes or refuses a batch whole, so a refused batch of several streams is split in two
   * and each half submitted, until the refusal is narrowed to the streams it concerns; the events of
   * those streams that follow are refused without asking the ledger, which would find them out of
   * sequence. Neither holds up the other streams batched with them.
   */
  private async submit(planned: PlannedBatch): Promise<boolean> {
    if (this.stopping) return false;
    const { ledger, anchorStore } = this.options;
    const refused = await this.refusedStreams();
    // Refusals are rare: with none, no batch is scanned for them.
    const behindRefusal = refused.size > 0 ? partOf(planned, (streamId) => refused.has(streamId)) : undefined;
    if (behindRefusal) return this.refuseBehindRefusal(planned, behindRefusal);
    const batchId = planned.batch.batchId;
    let commit;
    try {
      await this.authorizeTransfers(planned.batch);
      commit = await ledger.anchor(planned.batch);
    } catch (error) {
      const refusal = refusalCodeOf(error);
      const code = refusal === 'CL_OCCURRED_IN_FUTURE' && !datedBeyondIntake(planned, this.now()) ? undefined : refusal;
      // The ledger holds these very events (same ids, digests and versions): never a refusal. Until the
      // peer queried shows them, the batch is retried with the usual backoff, however long that takes.
      if (code === EVENT_ALREADY_ANCHORED)
        return (await this.adoptAnchored(planned)) ?? this.retryUnadopted(planned, error);
      const attempts = (this.retries.get(batchId)?.attempts ?? 0) + 1;
      if (code !== undefined && !(MAYBE_LAGGING_PEER.has(code) && attempts < MAX_ATTEMPTS_BEHIND_LAGGING_PEER)) {
        this.settled(batchId);
        const halves = BATCH_WIDE_REFUSALS.has(code) ? undefined : halvesOf(planned);
        if (!halves) {
          await this.refuse(planned, code, (error as Error).message);
          return true;
        }
        await anchorStore.replaceBatch(batchId, halves);
        this.logger.warn(
          { batchId, agencyId: planned.batch.agencyId, code, halves: halves.map((half) => half.batch.batchId) },
          'the ledger refused a batch of several streams; submitting each half of it',
        );
        // One after the other, in log order: which of two streams gets a contested certificate
        // number is then the log's order, not the orderer's.
        let settled = true;
        for (const half of halves) settled = (await this.submit(half)) && settled;
        return settled;
      }
      return this.retryLater(planned, error);
    }
    await anchorStore.recordCommit(commit, new Date(this.now()).toISOString());
    this.settled(batchId);
    this.counted(planned.batch.events.length, commit);
    return true;
  }

  /** Events anchored, and the batch that holds them when it was recorded committed just now. */
  private counted(events: number, commit: AnchorCommit | undefined): void {
    if (commit) {
      this.counters.batchesCommitted++;
      if (commit.replayed) this.counters.batchesReplayed++;
    }
    this.counters.eventsAnchored += events;
    this.lastCommitAt = new Date(this.now()).toISOString();
  }

  /** False, with the batch due again after its backoff. */
  private retryLater(
    planned: PlannedBatch,
    error: unknown,
    message = 'the ledger could not take a batch; retrying',
    unadopted = this.retries.get(planned.batch.batchId)?.unadopted,
  ): false {
    const batchId = planned.batch.batchId;
    const attempts = (this.retries.get(batchId)?.attempts ?? 0) + 1;
    const delay = Math.min(
      (this.options.retryInitialMs ?? 100) * 2 ** (attempts - 1),
      this.options.retryMaxMs ?? 10_000,
    );
    this.retries.set(batchId, { attempts, retryAt: this.now() + delay, error, ...(unadopted ? { unadopted } : {}) });
    this.lastError = (error as Error).message;
    this.logger.warn({ err: error, batchId, agencyId: planned.batch.agencyId, attempts, retryInMs: delay }, message);
    return false;
  }

  /**
   * False, with the batch due again after its backoff: the ledger holds events of it that its
   * queries do not show (yet). Said once as an error when it has gone on long enough to be a stall.
   */
  private retryUnadopted(planned: PlannedBatch, error: unknown): false {
    const { batchId, agencyId } = planned.batch;
    const previous = this.retries.get(batchId)?.unadopted;
    const unadopted = { agencyId, attempts: (previous?.attempts ?? 0) + 1, since: previous?.since ?? this.now() };
    this.retryLater(
      planned,
      error,
      'the ledger holds events of a batch that its query does not show yet; retrying',
      unadopted,
    );
    if (unadopted.attempts === STALLED_ADOPTION_ATTEMPTS)
      this.logger.error(
        { err: error, ...stalledBatch(batchId, unadopted) },
        'anchoring stalled: the ledger keeps saying it holds events of a batch that its queries do not show; still retrying',
      );
    return false;
  }

  /** The batch is settled (committed, taken over, refused or replaced): no retry, no stall. */
  private settled(batchId: string): void {
    const unadopted = this.retries.get(batchId)?.unadopted;
    this.retries.delete(batchId);
    if (unadopted && unadopted.attempts >= STALLED_ADOPTION_ATTEMPTS)
      this.logger.info(stalledBatch(batchId, unadopted), 'a stalled anchor batch is settled');
  }

  /**
   * A batch refused because the ledger holds events of it already, the same digests at the same
   * stream versions (CL_EVENT_ALREADY_ANCHORED): the anchor store is behind the ledger (restored
   * from a backup taken while the anchorer ran, or the event store was restored and CBs submitted
   * again the events it lost), and those events were planned again, in other batches. They are
   * anchored: the anchor store takes over the ledger's batches that hold them, with the commit the
   * ledger records for each (a replay: its original transaction), and the rest of the batch is
   * submitted. Undefined when the ledger shows none of them (a peer behind the one that refused).
   */
  private async adoptAnchored(planned: PlannedBatch): Promise<boolean | undefined> {
    let adoption: { adopted: AdoptedBatch[]; rest: PlannedBatch | undefined } | undefined;
    try {
      adoption = await this.adoptionOf(planned);
    } catch (error) {
      // Records that disagree may disagree on every attempt: that is a stall as much as events not shown.
      if (error instanceof AdoptionMismatch) return this.retryUnadopted(planned, error);
      return this.retryLater(planned, error);
    }
    if (!adoption) return undefined;
    const { adopted, rest } = adoption;
    const recorded = new Set(await this.options.anchorStore.adoptAnchored(planned.batch.batchId, adopted, rest));
    this.settled(planned.batch.batchId);
    // Every anchor is a new row (the planned batch's own were removed); a ledger batch the store held
    // committed already was counted when it was recorded.
    for (const batch of adopted)
      this.counted(batch.anchors.length, recorded.has(batch.planned.batch.batchId) ? batch.commit : undefined);
    this.logger.info(
      {
        batchId: planned.batch.batchId,
        agencyId: planned.batch.agencyId,
        events: adopted.reduce((n, batch) => n + batch.anchors.length, 0),
        ledgerBatches: adopted.map((batch) => batch.planned.batch.batchId),
        rest: rest?.batch.batchId,
      },
      "events planned again are on the ledger already: took over the ledger's batches that hold them",
    );
    return rest ? this.submit(rest) : true;
  }

  /** The ledger's batches holding events of the planned batch, and the batch's other events. */
  private async adoptionOf(
    planned: PlannedBatch,
  ): Promise<{ adopted: AdoptedBatch[]; rest: PlannedBatch | undefined } | undefined> {
    const events = planned.batch.events;
    const onLedger = new Map<string, LedgerEventRecord>();
    for (const streamId of new Set(events.map((event) => event.streamId))) {
      const anchored = new Map((await this.options.ledger.getStreamEvents(streamId)).map((r) => [r.version, r]));
      for (const event of events) {
        const record = event.streamId === streamId ? anchored.get(event.version) : undefined;
        if (record?.eventId === event.eventId && record.hash === event.hash) onLedger.set(event.eventId, record);
      }
    }
    if (onLedger.size === 0) return undefined;
    const positionOf = new Map(events.map((event, leaf) => [event.eventId, planned.positions[leaf]!]));
    const adopted: AdoptedBatch[] = [];
    for (const batchId of new Set([...onLedger.values()].map((record) => record.batchId))) {
      const ledgerBatch = await this.ledgerBatch(batchId, planned.oldestRecordedAt);
      const anchors = ledgerBatch.batch.events.flatMap((event, leafIndex) =>
        onLedger.has(event.eventId)
          ? [{ eventId: event.eventId, batchId, leafIndex, position: positionOf.get(event.eventId)! }]
          : [],
      );
      adopted.push({ planned: ledgerBatch, commit: await this.commitOfLedgerBatch(ledgerBatch.batch), anchors });
    }
    const rest = events.flatMap((event, leaf) => (onLedger.has(event.eventId) ? [] : [leaf]));
    return { adopted, rest: partAt(planned, rest) };
  }

  /** A batch as the ledger anchored it: every digest in leaf order, at the log positions of its events (0 where the log lacks one). */
  private async ledgerBatch(batchId: string, oldestRecordedAt: string): Promise<PlannedBatch> {
    const records = await this.options.ledger.getBatchEvents(batchId);
    const { batch } = batchOfDigests(records[0]?.agencyId ?? '', records.map(digestOfRecord), [], oldestRecordedAt);
    if (records.length === 0 || batch.batchId !== batchId)
      throw new AdoptionMismatch(`the ledger's events of batch ${batchId} do not make up that batch`);
    const stored = await this.options.eventStore.findEvents(records.map((record) => record.eventId));
    const positionOf = new Map(stored.map((event) => [event.eventId, event.position]));
    return { batch, positions: records.map((record) => positionOf.get(record.eventId) ?? 0), oldestRecordedAt };
  }

  /**
   * The ledger's commit of a batch it holds, asked for, not submitted again (on Fabric a submission
   * is a whole endorse, order and commit round for an answer a query gives).
   */
  private async commitOfLedgerBatch(batch: AnchorBatch): Promise<AnchorCommit> {
    const found = await this.options.ledger.committedBatch(batch.batchId);
    if (!found) throw new AdoptionMismatch(`the ledger does not show the commit of batch ${batch.batchId}`);
    if (found.record.root !== batch.root)
      throw new AdoptionMismatch(`the ledger's record of batch ${batch.batchId} names another root`);
    // A receipt names the block: a peer that joined the channel after it cannot tell it.
    if (found.blockNotServed)
      throw new AdoptionMismatch(
        `the peer asked cannot serve the block of batch ${batch.batchId}'s transaction ${found.record.transactionId}: ${found.blockNotServed.reason}`,
      );
    return found.commit;
  }

  private async refusedStreams(): Promise<Set<string>> {
    this.refused ??= await this.options.anchorStore.refusedStreams();
    return this.refused;
  }

  private async refuse(planned: PlannedBatch, code: string, message: string): Promise<void> {
    await this.options.anchorStore.recordRejection(planned.batch.batchId, code, message);
    this.settled(planned.batch.batchId);
    for (const event of planned.batch.events) this.refused?.add(event.streamId);
    this.counters.batchesRejected++;
    this.logger.error(
      { batchId: planned.batch.batchId, agencyId: planned.batch.agencyId, code },
      'the ledger refused an anchor batch',
    );
  }

  /** Refuses the part of a batch on streams with a refused event, and submits the rest. */
  private async refuseBehindRefusal(planned: PlannedBatch, behind: PlannedBatch): Promise<boolean> {
    const message = `${FOLLOWS_REFUSED_EVENT}: an earlier event of the stream was refused by the ledger`;
    const rest = partOf(planned, (streamId) => !this.refused!.has(streamId));
    if (!rest) {
      await this.refuse(planned, FOLLOWS_REFUSED_EVENT, message);
      return true;
    }
    await this.options.anchorStore.replaceBatch(planned.batch.batchId, [behind, rest]);
    this.settled(planned.batch.batchId);
    await this.refuse(behind, FOLLOWS_REFUSED_EVENT, message);
    return this.submit(rest);
  }
}

/** The code of events refused because an earlier event of their stream was: the ledger's head stays before it. */
export const FOLLOWS_REFUSED_EVENT = 'FOLLOWS_REFUSED_EVENT';

/** The ledger's refusal of an event it holds already: the same id and digest at the same stream version. */
const EVENT_ALREADY_ANCHORED = 'CL_EVENT_ALREADY_ANCHORED';

/**
 * How many times the ledger may say it holds events of a batch that its queries do not show before
 * the anchorer calls it a stall. A peer behind the one that refused shows them within seconds; with
 * the default backoff (100 ms doubling to 10 s) 20 attempts take about two and a half minutes, the
 * grace a lagging peer gets for a version gap too, and the alarm comes before the lag alone (5
 * minutes) makes readiness degraded, naming the cause.
 */
export const STALLED_ADOPTION_ATTEMPTS = 20;

/** The ledger's own records of a batch to take over do not agree with each other (a peer behind another, or worse). */
class AdoptionMismatch extends LedgerError {
  constructor(message: string) {
    super('unavailable', message);
    this.name = 'AdoptionMismatch';
  }
}

/** A batch's retry state: attempts so far, when to try again, and the ledger's CL_EVENT_ALREADY_ANCHORED answers with nothing to adopt. */
interface Retry {
  readonly attempts: number;
  readonly retryAt: number;
  readonly error: unknown;
  readonly unadopted?: Unadopted;
}

/** CL_EVENT_ALREADY_ANCHORED answers with nothing to take over, since the batch was last settled. */
interface Unadopted {
  readonly agencyId: string;
  readonly attempts: number;
  readonly since: number;
}

function stalledBatch(batchId: string, unadopted: Unadopted): StalledBatch {
  const { agencyId, attempts, since } = unadopted;
  return { batchId, agencyId, code: EVENT_ALREADY_ANCHORED, attempts, since: new Date(since).toISOString() };
}

/** How many batches have stalled, and the one stalled longest. */
function stallsOf(retries: ReadonlyMap<string, Retry>): Pick<AnchorerStats, 'stalledBatches' | 'stalled'> {
  const stalls = [...retries]
    .flatMap(([batchId, { unadopted }]) =>
      unadopted && unadopted.attempts >= STALLED_ADOPTION_ATTEMPTS ? [stalledBatch(batchId, unadopted)] : [],
    )
    .sort((a, b) => (a.since < b.since ? -1 : a.since > b.since ? 1 : 0));
  return { stalledBatches: stalls.length, ...(stalls[0] ? { stalled: stalls[0] } : {}) };
}

/** An event's digest as the ledger anchored it, as the anchorer sent it. */
function digestOfRecord(record: LedgerEventRecord): AnchoredEventDigest {
  const { eventId, streamId, version, type, hash, prevHash, occurredAt, certificateNo } = record;
  const certificateStatus = STATUS_AFTER[type];
  return {
    eventId,
    streamId,
    version,
    type,
    hash,
    prevHash,
    occurredAt,
    ...(certificateNo !== undefined && certificateStatus ? { certificateNo, certificateStatus } : {}),
  };
}

/** Refusals of the submitter or the batch as a whole, which every part of the batch would get too. */
const BATCH_WIDE_REFUSALS: ReadonlySet<string> = new Set([
  'CL_FORBIDDEN_MSP',
  'CL_FORBIDDEN_ROLE',
  'CL_FORBIDDEN_AGENCY',
  'CL_BATCH_ID_MISMATCH',
  'CL_ROOT_MISMATCH',
]);

/**
 * Refusals that a peer behind the others gives too: the batch before it, committed on the gateway's
 * peer, is not yet on the other org's (or that peer is catching up after being down), so its
 * endorsement still sees the older stream head. Retried with the usual backoff (about two minutes
 * with the defaults) before they count as the ledger's answer.
 */
const MAYBE_LAGGING_PEER: ReadonlySet<string> = new Set(['CL_VERSION_GAP']);
const MAX_ATTEMPTS_BEHIND_LAGGING_PEER = 20;

/**
 * Whether an event of the batch is dated further ahead of this service's clock than the intake
 * (R16) ever takes in. Refused as dated ahead (CL_OCCURRED_IN_FUTURE), such a batch is refused for
 * good; any other is only ahead of the peers' clocks, which is theirs or ours to mend: retried.
 */
function datedBeyondIntake(planned: PlannedBatch, now: number): boolean {
  const latest = now + DEFAULT_MAX_CLOCK_SKEW_SECONDS * 1000;
  return planned.batch.events.some((event) => Date.parse(event.occurredAt) > latest);
}

/** A refusal of the moment, not of the batch: a clock (the service's or a peer's) off the others. */
const CLOCK_REFUSALS: ReadonlySet<string> = new Set(['CL_TX_TIME_SKEW']);

/** The chaincode's code when the ledger refused the batch for good; undefined for errors worth retrying. */
function refusalCodeOf(error: unknown): string | undefined {
  const code =
    error instanceof LedgerError
      ? error.code === 'rejected'
        ? (error.chaincodeCode ?? 'rejected')
        : undefined
      : chaincodeErrorCodeOf(error instanceof Error ? error.message : String(error));
  return code !== undefined && CLOCK_REFUSALS.has(code) ? undefined : code;
}

/**
 * A round stops before the first event of a stream already written in the round by another writer (a
 * transfer), so that within a round each stream belongs to one writer's batches.
 */
export function cutAtOwnershipChange(events: readonly StoredEvent[]): StoredEvent[] {
  const writerOf = new Map<string, string>();
  for (const [index, event] of events.entries()) {
    const key = writerKey(event);
    const seen = writerOf.get(event.streamId);
    if (seen !== undefined && seen !== key) return events.slice(0, index);
    writerOf.set(event.streamId, key);
  }
  return [...events];
}

export function plannedBatch(events: readonly StoredEvent[], digests: readonly AnchoredEventDigest[]): PlannedBatch {
  const oldestRecordedAt = events.reduce(
    (oldest, event) => (event.recordedAt < oldest ? event.recordedAt : oldest),
    events[0]!.recordedAt,
  );
  return batchOfDigests(
    events[0]!.agencyId,
    digests,
    events.map((event) => event.position),
    oldestRecordedAt,
  );
}

function batchOfDigests(
  agencyId: string,
  digests: readonly AnchoredEventDigest[],
  positions: readonly number[],
  oldestRecordedAt: string,
): PlannedBatch {
  const hashes = digests.map((digest) => digest.hash);
  const batch: AnchorBatch = { batchId: batchIdOf(hashes), agencyId, root: batchRootOf(hashes), events: digests };
  return { batch, positions, oldestRecordedAt };
}

/**
 * The events of a planned batch on the streams `keep` selects, as a batch of their own (its own id
 * and root; its oldestRecordedAt the whole batch's), or undefined when there are none.
 */
export function partOf(planned: PlannedBatch, keep: (streamId: string) => boolean): PlannedBatch | undefined {
  return partAt(
    planned,
    planned.batch.events.flatMap((event, leaf) => (keep(event.streamId) ? [leaf] : [])),
  );
}

/** The events of a planned batch at these leaves, as a batch of their own, or undefined when there are none. */
function partAt(planned: PlannedBatch, leaves: readonly number[]): PlannedBatch | undefined {
  if (leaves.length === 0) return undefined;
  return batchOfDigests(
    planned.batch.agencyId,
    leaves.map((leaf) => planned.batch.events[leaf]!),
    leaves.map((leaf) => planned.positions[leaf]!),
    planned.oldestRecordedAt,
  );
}

/** A batch of several streams in two parts, each with about half of its streams; undefined for one stream. */
export function halvesOf(planned: PlannedBatch): [PlannedBatch, PlannedBatch] | undefined {
  const streams = [...new Set(planned.batch.events.map((event) => event.streamId))];
  if (streams.length < 2) return undefined;
  const first = new Set(streams.slice(0, Math.ceil(streams.length / 2)));
  return [partOf(planned, (streamId) => first.has(streamId))!, partOf(planned, (streamId) => !first.has(streamId))!];
}
