import type { ServicePart } from '../compose';
import type { ReadinessAlarm } from '../http/app';
import type { EventStore, StoredEvent } from '../eventStore/port';
import type { AnchorStatus } from '../intake/eventView';
import { Anchorer, AnchorerLogger, AnchorerOptions, AnchorerStats, createAnchorer } from './anchorer';
import { refusalOf, type AnchorStore } from './anchorStore/port';
import type { LedgerBackend } from './port';
import { buildReceipt } from './receipts';
import { readinessLog } from '../logging';
import { metric, type MetricFamily } from '../metrics';

export interface AnchoringPartOptions {
  readonly store: EventStore;
  readonly anchorStore: AnchorStore;
  readonly ledger: LedgerBackend;
  readonly logger?: AnchorerLogger;
  /** Run the anchorer in this process (config.workers is in-process); otherwise only serve statuses and receipts. */
  readonly runAnchorer?: boolean;
  /** Batching and retry settings passed to the anchorer. */
  readonly anchorer?: Partial<Omit<AnchorerOptions, 'eventStore' | 'anchorStore' | 'ledger' | 'logger'>>;
  /** Readiness fails when the oldest unanchored event is older than this (default 5 minutes). */
  readonly maxReadyLagMs?: number;
}

export interface AnchoringPart extends ServicePart {
  readonly anchorer: Anchorer;
  /** Shared with the read side, which follows anchor receipts. */
  readonly anchorStore: AnchorStore;
  readonly ledger: LedgerBackend;
  /** The anchorer's lag, and its counters where it runs. */
  metrics(): Promise<readonly MetricFamily[]>;
}

/** The stable code of the readiness alarm of a stalled adoption (see StalledBatch). */
export const ANCHORING_STALLED = 'ANCHORING_STALLED';

/** The readiness alarm of the anchorer's stalled batches, and what the check's detail says of them. */
export interface StallAlarm {
  readonly alarm: ReadinessAlarm;
  readonly detail: string;
}

/** The anchorer's stall as readiness says it; none while no batch has stalled. */
export function stallAlarmOf(stats: AnchorerStats): StallAlarm | undefined {
  const { stalled, stalledBatches } = stats;
  if (!stalled) return undefined;
  const { batchId, agencyId, code, attempts, since } = stalled;
  return {
    alarm: { code: ANCHORING_STALLED, batchId, agencyId, ledgerCode: code, attempts, since, stalledBatches },
    detail: `anchoring stalled: the ledger has answered ${code} ${attempts} times since ${since} to batch ${batchId} of ${agencyId}, and its queries show none of its events to take over (${stalledBatches} batches stalled; still retrying)`,
  };
}

/**
 * Tells `report` of each change of the anchorer's stall (a new one, more attempts, its end), looking
 * every `intervalMs`, until the function returned is called: for an anchorer on a workers thread,
 * whose stats the API's thread cannot read.
 */
export function watchStalls(
  anchorer: Pick<Anchorer, 'stats'>,
  report: (stall: StallAlarm | undefined) => void,
  intervalMs = 1_000,
): () => void {
  let last = JSON.stringify(null);
  const look = (): void => {
    const stall = stallAlarmOf(anchorer.stats());
    const seen = JSON.stringify(stall ?? null);
    if (seen === last) return;
    last = seen;
    report(stall);
  };
  look();
  const timer = setInterval(look, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}

/** The anchorer with its ledger backend as a part of the service: anchor statuses, receipts, readiness, metrics. */
export function createAnchoringPart(options: AnchoringPartOptions): AnchoringPart {
  const { store, anchorStore, ledger } = options;
  const anchorer = createAnchorer({
    ...options.anchorer,
    eventStore: store,
    anchorStore,
    ledger,
    logger: options.logger,
  });
  const runsAnchorer = options.runAnchorer ?? true;
  if (runsAnchorer) anchorer.start();
  const maxReadyLagMs = options.maxReadyLagMs ?? 300_000;
  const checkLog = options.logger && readinessLog(options.logger);

  return {
    name: 'anchoring',
    anchorer,
    anchorStore,
    ledger,
    async anchorStatusOf(event: StoredEvent): Promise<AnchorStatus> {
      const found = await anchorStore.findEvent(event.eventId);
      const refusal = refusalOf(found?.batch);
      if (refusal) return { status: 'rejected', ...refusal };
      const commit = found?.batch.status === 'committed' ? found.batch.commit : undefined;
      if (!commit) return { status: 'pending' };
      return {
        status: 'anchored',
        backend: commit.backend,
        batchId: commit.batchId,
        transactionId: commit.transactionId,
        blockNumber: commit.blockNumber,
      };
    },
    receiptOf: (event: StoredEvent) => buildReceipt({ eventStore: store, anchorStore }, event.eventId),
    async readiness() {
      const backend = { backend: ledger.kind };
      const ledgerUp = await ledger.ping().then(
        () => {
          checkLog?.passed('ledger', backend);
          return true;
        },
        (error: unknown) => {
          // /readyz is public: the error's words (an address, a peer's name) go to the log only.
          checkLog?.failed('ledger', error, backend);
          return false;
        },
      );
      const [lag, counts] = await Promise.all([anchorer.lag(), anchorStore.counts()]);
      // A refused batch stays refused: its events are never anchored, which someone has to look into.
      const refused = counts.batches.rejected;
      const detail = `${ledger.kind} ledger; ${lag.unanchoredEvents} events unanchored, oldest ${Math.round(lag.oldestUnanchoredAgeMs / 1000)} s${refused > 0 ? `; ${refused} batches refused by the ledger (their receipts say why)` : ''}`;
      if (!ledgerUp) return { ok: false, essential: true, detail: `${ledger.kind} ledger unreachable` };
      const stall = stallAlarmOf(anchorer.stats());
      if (stall) return { ok: false, essential: false, detail: `${detail}; ${stall.detail}`, alarm: stall.alarm };
      return { ok: lag.oldestUnanchoredAgeMs <= maxReadyLagMs && refused === 0, essential: false, detail };
    },
    async metrics() {
      const [lag, counts] = await Promise.all([anchorer.lag(), anchorStore.counts()]);
      const backend = { backend: ledger.kind };
      const gauge = (name: string, help: string, value: number) => metric(name, 'gauge', help, value, backend);
      const counter = (name: string, help: string, value: number) => metric(name, 'counter', help, value, backend);
      const ofTheLog = [
        gauge(
          'certledger_anchor_batches_refused',
          'Batches the ledger refused for good (their receipts say why).',
          counts.batches.rejected,
        ),
        gauge('certledger_anchor_head_position', 'Position of the newest event of the log.', lag.headPosition),
        gauge(
          'certledger_anchor_checkpoint_position',
          'Position up to which the anchorer has batched the log.',
          lag.checkpoint,
        ),
        gauge(
          'certledger_anchor_anchored_through_position',
          'Position up to which every event is anchored or refused by the ledger.',
          lag.anchoredThrough,
        ),
        gauge('certledger_anchor_unanchored_events', 'Events stored but not anchored yet.', lag.unanchoredEvents),
        gauge(
          'certledger_anchor_oldest_unanchored_age_seconds',
          'Age of the oldest event not anchored yet.',
          lag.oldestUnanchoredAgeMs / 1000,
        ),
      ];
      // Where the anchorer runs on another thread, its counters are that thread's to tell: zeros from here would hide them.
      if (!runsAnchorer) return ofTheLog;
      const stats = anchorer.stats();
      return [
        ...ofTheLog,
        counter(
          'certledger_anchor_batches_committed_total',
          'Batches committed to the ledger since start.',
          stats.batchesCommitted,
        ),
        counter(
          'certledger_anchor_batches_replayed_total',
          'Batches found already on the ledger and adopted since start.',
          stats.batchesReplayed,
        ),
        counter(
          'certledger_anchor_batches_rejected_total',
          'Batches the ledger refused since start.',
          stats.batchesRejected,
        ),
        counter('certledger_anchor_events_anchored_total', 'Events anchored since start.', stats.eventsAnchored),
        gauge(
          'certledger_anchor_consecutive_failures',
          'Failed attempts in a row of the batch that has failed most (0 when none is failing).',
          stats.consecutiveFailures,
        ),
        gauge(
          'certledger_anchor_failing_batches',
          'Batches the ledger could not take yet, retried with backoff.',
          stats.failingBatches,
        ),
        gauge(
          'certledger_anchor_stalled_batches',
          'Batches the ledger keeps refusing as holding events its queries do not show (ANCHORING_STALLED).',
          stats.stalledBatches,
        ),
      ];
    },
    async close() {
      await anchorer.stop();
      await anchorStore.close();
      await ledger.close();
    },
  };
}
