import { refusalOf, type AnchorStore } from '../anchoring/anchorStore/port';
import type { LedgerBackend } from '../anchoring/port';
import type { EventStore, StoredEvent } from '../eventStore/port';
import { reconcileStream, type RefusedBatch } from './classify';
import { factsOf } from './audit';
import { sha256Hex } from '../events/canonical';
import { ledgerViewOfBackend, type AuditLedgerView } from './ledgerView';
import { RecordedTimes } from './recordedTimes';
import type { Discrepancy, EventFacts } from './types';

export interface StreamIntegrity {
  /** True when every stored event hashes, chains and agrees with what the ledger anchored. */
  readonly ok: boolean;
  readonly streamId: string;
  readonly checkedAt: string;
  readonly events: number;
  readonly anchoredEvents: number;
  readonly discrepancies: readonly Discrepancy[];
}

export interface StreamIntegrityOptions {
  readonly store: EventStore;
  readonly streamId: string;
  /** The stream's events, when the caller has read them already. */
  readonly stored?: readonly StoredEvent[];
  /** The ledger backend (or an audit view of it). */
  readonly ledger: LedgerBackend | AuditLedgerView;
  /** The anchor store, to tell an event whose batch the ledger refused from one still waiting for its anchor. */
  readonly anchorStore?: Pick<AnchorStore, 'findEvent'>;
  /** Unanchored events older than this count as never anchored (default 15 minutes). */
  readonly graceMs?: number;
  readonly now?: () => Date;
}

function isView(ledger: LedgerBackend | AuditLedgerView): ledger is AuditLedgerView {
  return typeof (ledger as AuditLedgerView).digests === 'function';
}

/**
 * The audit of one stream, for pages that must not call a certificate valid when its history no
 * longer checks: recomputes each event's hash from its stored bytes, checks the chain, compares
 * every event and the stream head with the ledger, names events whose batch the ledger refused
 * (with the anchor store), and checks the recorded times.
 */
export async function checkStreamIntegrity(options: StreamIntegrityOptions): Promise<StreamIntegrity> {
  const { store, streamId } = options;
  const view = isView(options.ledger)
    ? options.ledger
    : ledgerViewOfBackend({ backend: options.ledger, concurrency: 8 });
  const now = (options.now ?? (() => new Date()))();
  const stored = options.stored ?? (await store.readStream(streamId));
  const facts: EventFacts[] = stored.map((event) => factsOf(event, sha256Hex(event.canonical)));
  const [anchored, heads] = await Promise.all([view.digests(stored), view.heads([streamId])]);
  const head = heads.get(streamId);
  // Only the events the ledger lacks are looked up: normally none, or the last few not yet anchored.
  const refused = new Map<string, RefusedBatch>();
  if (options.anchorStore)
    for (const event of stored.filter((e) => !anchored.has(e.eventId))) {
      const refusal = refusalOf((await options.anchorStore.findEvent(event.eventId))?.batch);
      if (refusal) refused.set(event.eventId, refusal);
    }
  const verdict = reconcileStream({
    streamId,
    stored: facts,
    anchored,
    ledgerOnly: [],
    ...(head ? { ledgerHead: head } : {}),
    // Without the anchor store every stored event counts as planned: only the ledger decides.
    planned: new Set(stored.map((event) => event.eventId)),
    checkpoint: 0,
    graceCutoff: new Date(now.getTime() - (options.graceMs ?? 15 * 60_000)).toISOString(),
    refused,
  });
  // The grace period runs from recorded_at, which the operator can edit: a time after now, or
  // before an earlier event's (the log is recorded in time order, so each stream is too), is a finding.
  const times = new RecordedTimes(now);
  const timeFindings = [...stored].sort((a, b) => a.position - b.position).flatMap((event) => times.next(event) ?? []);
  const discrepancies = [...verdict.discrepancies, ...timeFindings];
  return {
    ok: discrepancies.length === 0,
    streamId,
    checkedAt: now.toISOString(),
    events: stored.length,
    anchoredEvents: anchored.size,
    discrepancies,
  };
}
