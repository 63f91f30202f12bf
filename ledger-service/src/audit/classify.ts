import { streamIdFor } from '../events/schema';
import { alteredColumns } from './servedColumns';
import type { AffectedEvent, Discrepancy, EventFacts, LedgerDigest, LedgerHead } from './types';

/** Where an event's own evidence disagrees with itself: bytes vs hash column, envelope vs row columns. */
export interface IntrinsicCheck {
  readonly undecodable: boolean;
  readonly bytesHashMismatch: boolean;
  /** Names of the columns whose value differs from the envelope in the bytes. */
  readonly columnMismatches: readonly string[];
}

export function intrinsicCheck(facts: EventFacts): IntrinsicCheck {
  const header = facts.header;
  const bytesHashMismatch = facts.computedHash !== facts.hash;
  if (!header) return { undecodable: true, bytesHashMismatch, columnMismatches: [] };
  const mismatches: string[] = [];
  if (header.eventId !== facts.eventId) mismatches.push('eventId');
  if (header.certificationId !== facts.certificationId) mismatches.push('certificationId');
  if (facts.streamId !== streamIdFor(header.type, header.certificationId)) mismatches.push('streamId');
  if (header.type !== facts.type) mismatches.push('type');
  if (header.version !== facts.version) mismatches.push('version');
  if (header.agencyId !== facts.agencyId) mismatches.push('agencyId');
  if (header.prevHash !== facts.prevHash) mismatches.push('prevHash');
  return { undecodable: false, bytesHashMismatch, columnMismatches: mismatches };
}

export function isIntact(check: IntrinsicCheck): boolean {
  return !check.undecodable && !check.bytesHashMismatch && check.columnMismatches.length === 0;
}

/** Everything known about one stream: the store's events, the ledger's digests and head, the anchorer's plan. */
export interface StreamEvidence {
  readonly streamId: string;
  /** The stream's events as the store holds them, any order. */
  readonly stored: readonly EventFacts[];
  /** Ledger digests by eventId, for the stored events the ledger holds. */
  readonly anchored: ReadonlyMap<string, LedgerDigest>;
  /** Ledger digests of this stream whose eventId the store lacks. */
  readonly ledgerOnly: readonly LedgerDigest[];
  readonly ledgerHead?: LedgerHead;
  /** Event ids the anchor store has put in a batch (planned, committed or rejected). */
  readonly planned: ReadonlySet<string>;
  /** The anchorer's checkpoint: every event up to this position was read by it. */
  readonly checkpoint: number;
  /** Unanchored events recorded before this instant (ISO 8601) are overdue. */
  readonly graceCutoff: string;
  /** Stored events whose batch the ledger refused, by eventId, with the anchor store's record of the refusal. */
  readonly refused?: ReadonlyMap<string, RefusedBatch>;
  /** By when a signed log head says the event at a position was in the log (ISO 8601), if one covers it. */
  readonly loggedBy?: (position: number) => string | undefined;
}

export interface RefusedBatch {
  readonly batchId: string;
  /** The ledger's code (CL_…, or FOLLOWS_REFUSED_EVENT for events behind a refused one). */
  readonly code?: string;
}

export interface StreamVerdict {
  readonly discrepancies: Discrepancy[];
  /** Unanchored events still inside the grace period. */
  readonly pending: number;
}

const byPosition = (a: EventFacts, b: EventFacts): number => a.position - b.position;
const byVersion = (a: EventFacts, b: EventFacts): number => a.version - b.version || a.position - b.position;

function where(event: EventFacts): Pick<Discrepancy, 'streamId' | 'eventId' | 'version' | 'position'> {
  return { streamId: event.streamId, eventId: event.eventId, version: event.version, position: event.position };
}

/** True when the two lists hold the same numbers, in any order. */
export function samePermutation(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  const x = [...a].sort((p, q) => p - q);
  const y = [...b].sort((p, q) => p - q);
  return x.every((value, i) => value === y[i]);
}

/**
 * Events whose place in the log contradicts their versions: ranked by position and by version, the
 * events whose two ranks differ (a swap of two events moves exactly those two).
 */
export function outOfOrder(events: readonly EventFacts[]): EventFacts[] {
  const inLog = [...events].sort(byPosition);
  const inStream = [...events].sort(byVersion);
  return inLog.filter((event, rank) => inStream[rank] !== event);
}

/**
 * A row whose columns disagree with the envelope in its bytes. A row moved to another stream than
 * the one its hashed type and certification name is told apart (expected: that stream, actual: the
 * row's): the service, the read models and the ledger file events by their stream.
 */
function columnsFinding(event: EventFacts, check: IntrinsicCheck): Omit<Discrepancy, 'detail'> {
  if (event.header && check.columnMismatches.includes('streamId'))
    return {
      kind: 'modified',
      reason: 'stream-differs-from-bytes',
      ...where(event),
      expected: streamIdFor(event.header.type, event.header.certificationId),
      actual: event.streamId,
    };
  return {
    kind: 'modified',
    reason: 'columns-differ-from-bytes',
    ...where(event),
    ...(check.columnMismatches.length > 0 ? { actual: check.columnMismatches.join(',') } : {}),
  };
}

/** An unanchored stored event: inserted behind the ledger's back, overdue, or still pending. */
export function classifyUnanchored(
  event: EventFacts,
  context: {
    readonly highestAnchoredVersion: number;
    readonly planned: boolean;
    readonly checkpoint: number;
    readonly graceCutoff: string;
    /** The batch the ledger refused with this event in it. */
    readonly refused?: RefusedBatch;
    /** By when a signed log head had it in the log: evidence of its age the operator cannot edit, unlike recordedAt. */
    readonly loggedBy?: string;
  },
  intrinsic: IntrinsicCheck,
): Omit<Discrepancy, 'detail'> | 'pending' {
  if (event.version <= context.highestAnchoredVersion) {
    return { kind: 'inserted', reason: 'unanchored-among-anchored', ...where(event) };
  }
  if (event.position <= context.checkpoint && !context.planned) {
    return { kind: 'inserted', reason: 'skipped-by-anchorer', ...where(event) };
  }
  if (!isIntact(intrinsic))
    return intrinsic.bytesHashMismatch
      ? { kind: 'modified', reason: 'bytes-hash-mismatch', ...where(event) }
      : columnsFinding(event, intrinsic);
  if (context.refused)
    return {
      kind: 'rejected-by-ledger',
      reason: 'refused-by-ledger',
      ...where(event),
      batchId: context.refused.batchId,
      ...(context.refused.code ? { actual: context.refused.code } : {}),
    };
  if (event.recordedAt < context.graceCutoff)
    return { kind: 'never-anchored', reason: 'unanchored-past-grace-period', ...where(event) };
  if (context.loggedBy !== undefined && context.loggedBy < context.graceCutoff)
    return {
      kind: 'never-anchored',
      reason: 'unanchored-long-after-log-head',
      ...where(event),
      expected: context.loggedBy,
    };
  return 'pending';
}

/** A ledger digest the store lacks: a hole in a stream the store still has, or a stream it has lost entirely. */
export function classifyLedgerOnly(
  digest: LedgerDigest,
  storedVersions: ReadonlySet<number>,
  highestStoredVersion: number,
): Omit<Discrepancy, 'detail'> {
  const base = {
    streamId: digest.streamId,
    eventId: digest.eventId,
    version: digest.version,
    expected: digest.hash,
    ...(digest.batchId ? { batchId: digest.batchId } : {}),
  };
  if (storedVersions.size === 0)
    return { kind: 'anchored-but-missing-from-store', reason: 'stream-missing-from-store', ...base };
  if (digest.version > highestStoredVersion) return { kind: 'deleted', reason: 'tail-truncated', ...base };
  if (!storedVersions.has(digest.version)) return { kind: 'deleted', reason: 'version-gap', ...base };
  return { kind: 'deleted', reason: 'replaced-by-another-event', ...base };
}

const DETAIL: Record<string, string> = {
  'bytes-hash-mismatch': 'the stored bytes no longer hash to the stored hash',
  'hash-differs-from-anchored-digest':
    'the stored event (bytes and hash rewritten together) differs from the digest anchored on the ledger',
  'columns-differ-from-bytes': "the row's columns disagree with the envelope inside its canonical bytes",
  'stream-differs-from-bytes':
    'the row sits in another stream (actual) than the one its hashed type and certification name (expected), so the service, the read models and the ledger file it elsewhere',
  undecodable: 'the stored bytes are not a canonical event envelope',
  renumbered: 'the event carries another version than the one anchored',
  'chain-broken': 'prevHash does not point to the previous event of the stream',
  'unanchored-among-anchored': 'the ledger never anchored this event, yet it sits among anchored events of its stream',
  'skipped-by-anchorer': 'the event appeared at a log position the anchorer had already passed',
  'unanchored-past-grace-period': 'the event is still not anchored after the grace period',
  'unanchored-long-after-log-head':
    'a signed log head on the ledger had the event in the log longer ago than the grace period (expected: by then), and it is still not anchored, whatever its recorded time says',
  'refused-by-ledger':
    'the ledger refused the batch holding this event (actual: its code), so the event is not anchored and never will be as it stands',
  'stream-missing-from-store': 'the ledger holds this event of a stream the store no longer has',
  'tail-truncated': 'the ledger holds this event after the last one the store has',
  'version-gap': "the store's stream skips this version",
  'replaced-by-another-event': 'another event now occupies this version in the store',
  'ledger-head-beyond-store': "the ledger's head of the stream is beyond the store's last event",
  'versions-swapped': "events carry each other's versions",
  'log-order-differs': "the event's place in the global log contradicts its version",
  'batch-root-mismatch': 'the Merkle root recomputed from the store differs from the root anchored for the batch',
  'occurred-at-differs-from-bytes':
    "the occurred_at column, which read models date the event by, differs from the occurredAt the event's hash covers",
  'region-differs-from-first-event':
    "the region_code column, which decides the regulators who see the certification, differs from the client region in the stream's first event",
  'region-differs-from-filing':
    "the region_code column, which decides the regulators who see the supervision case, differs from the region the event's hash covers (its writer's; empty for an admin, every region)",
};

export function describe(reason: string): string {
  return DETAIL[reason] ?? reason;
}

function withDetail(partial: Omit<Discrepancy, 'detail'>): Discrepancy {
  return { ...partial, detail: describe(partial.reason) };
}

/**
 * Reconciles one stream of the store with what the ledger holds and names every discrepancy by its
 * root cause; events that differ only because they were re-chained or renumbered after a root cause
 * are listed under it as `affected`.
 */
export function reconcileStream(evidence: StreamEvidence): StreamVerdict {
  const { stored, anchored, ledgerHead } = evidence;
  const checks = new Map(stored.map((event) => [event, intrinsicCheck(event)] as const));
  const roots: Discrepancy[] = [];
  const explained = new Set<EventFacts>();
  let pending = 0;

  // Stored events the ledger never anchored.
  const highestAnchoredVersion = Math.max(
    ledgerHead?.version ?? -1,
    ...stored.filter((event) => anchored.has(event.eventId)).map((event) => event.version),
  );
  for (const event of stored.filter((e) => !anchored.has(e.eventId))) {
    const verdict = classifyUnanchored(
      event,
      {
        highestAnchoredVersion,
        planned: evidence.planned.has(event.eventId),
        checkpoint: evidence.checkpoint,
        graceCutoff: evidence.graceCutoff,
        refused: evidence.refused?.get(event.eventId),
        loggedBy: evidence.loggedBy?.(event.position),
      },
      checks.get(event)!,
    );
    if (verdict === 'pending') pending++;
    else roots.push(withDetail(verdict));
    explained.add(event);
  }

  // Ledger digests the store lacks, and versions the ledger's head says exist.
  const storedVersions = new Set(stored.map((event) => event.version));
  const highestStoredVersion = Math.max(-1, ...storedVersions);
  for (const digest of evidence.ledgerOnly)
    roots.push(withDetail(classifyLedgerOnly(digest, storedVersions, highestStoredVersion)));
  const known = new Set([...storedVersions, ...evidence.ledgerOnly.map((d) => d.version)]);
  if (ledgerHead) {
    for (let version = highestStoredVersion + 1; version <= ledgerHead.version; version++) {
      if (known.has(version)) continue;
      roots.push(
        withDetail({
          kind: stored.length === 0 ? 'anchored-but-missing-from-store' : 'deleted',
          reason: 'ledger-head-beyond-store',
          streamId: evidence.streamId,
          version,
          ...(version === ledgerHead.version ? { expected: ledgerHead.hash } : {}),
        }),
      );
      known.add(version);
    }
  }
  for (let version = 0; version < highestStoredVersion; version++) {
    if (!known.has(version))
      roots.push(withDetail({ kind: 'deleted', reason: 'version-gap', streamId: evidence.streamId, version }));
  }

  // Anchored events: content first, then order.
  const anchoredStored = stored.filter((event) => anchored.has(event.eventId));
  const swapped = anchoredStored.filter((event) => {
    const check = checks.get(event)!;
    return !check.bytesHashMismatch && check.columnMismatches.length === 1 && check.columnMismatches[0] === 'version';
  });
  const swapIsPermutation =
    swapped.length >= 2 &&
    samePermutation(
      swapped.map((e) => e.version),
      swapped.map((e) => e.header!.version),
    );
  const shifted: EventFacts[] = [];
  for (const event of anchoredStored) {
    const digest = anchored.get(event.eventId)!;
    const check = checks.get(event)!;
    if (swapIsPermutation && swapped.includes(event)) {
      roots.push(
        withDetail({
          kind: 'reordered',
          reason: 'versions-swapped',
          ...where(event),
          expected: String(event.header!.version),
          actual: String(event.version),
        }),
      );
      explained.add(event);
    } else if (check.undecodable) {
      roots.push(
        withDetail({
          kind: 'modified',
          reason: 'undecodable',
          ...where(event),
          expected: digest.hash,
          actual: event.computedHash,
        }),
      );
      explained.add(event);
    } else if (check.bytesHashMismatch) {
      roots.push(
        withDetail({
          kind: 'modified',
          reason: 'bytes-hash-mismatch',
          ...where(event),
          expected: event.hash,
          actual: event.computedHash,
          ...(digest.batchId ? { batchId: digest.batchId } : {}),
        }),
      );
      explained.add(event);
    } else if (event.hash !== digest.hash) {
      const rechained =
        event.header!.version !== digest.version ||
        (digest.prevHash !== undefined && event.header!.prevHash !== digest.prevHash);
      if (rechained) shifted.push(event);
      else {
        roots.push(
          withDetail({
            kind: 'modified',
            reason: 'hash-differs-from-anchored-digest',
            ...where(event),
            expected: digest.hash,
            actual: event.hash,
            ...(digest.batchId ? { batchId: digest.batchId } : {}),
          }),
        );
        explained.add(event);
      }
    } else if (check.columnMismatches.length > 0) {
      roots.push(withDetail(columnsFinding(event, check)));
      explained.add(event);
    }
  }

  // Re-chained or renumbered events: consequences of an earlier root cause in the stream, or modifications themselves.
  const affectedBy = new Map<Discrepancy, AffectedEvent[]>();
  for (const event of shifted.sort(byVersion)) {
    const digest = anchored.get(event.eventId)!;
    const cause = roots
      .filter((root) => root.version !== undefined && root.version <= Math.max(event.version, digest.version))
      .sort((a, b) => a.version! - b.version!)
      .pop();
    if (cause && cause.kind !== 'reordered') {
      const list = affectedBy.get(cause) ?? [];
      list.push({
        eventId: event.eventId,
        position: event.position,
        storedVersion: event.version,
        anchoredVersion: digest.version,
      });
      affectedBy.set(cause, list);
    } else {
      roots.push(
        withDetail({
          kind: 'modified',
          reason: event.version !== digest.version ? 'renumbered' : 'hash-differs-from-anchored-digest',
          ...where(event),
          expected: digest.hash,
          actual: event.hash,
        }),
      );
    }
    explained.add(event);
  }

  // Intact anchored events whose log order contradicts their versions.
  const intact = anchoredStored.filter((event) => !explained.has(event));
  for (const event of outOfOrder(intact)) {
    roots.push(withDetail({ kind: 'reordered', reason: 'log-order-differs', ...where(event) }));
    explained.add(event);
  }

  // Chain breaks nothing above explains.
  const inVersionOrder = [...stored].sort(byVersion);
  const flaggedVersions = new Set(roots.map((root) => root.version));
  for (let i = 0; i < inVersionOrder.length; i++) {
    const event = inVersionOrder[i]!;
    if (explained.has(event) || !event.header) continue;
    const previous = inVersionOrder[i - 1];
    const expectedPrev = previous && previous.version === event.version - 1 ? previous.computedHash : undefined;
    if (event.version === 0 && event.header.prevHash === '0'.repeat(64)) continue;
    if (expectedPrev === undefined || expectedPrev === event.header.prevHash) continue;
    if (previous && (explained.has(previous) || flaggedVersions.has(previous.version))) continue;
    roots.push(
      withDetail({
        kind: 'modified',
        reason: 'chain-broken',
        ...where(event),
        expected: expectedPrev,
        actual: event.header.prevHash,
      }),
    );
  }

  // Served columns the hash does not cover, last: no re-chained event is ever put down to them.
  roots.push(...alteredColumns(stored).map(withDetail));

  const discrepancies = roots
    .map((root) => (affectedBy.has(root) ? { ...root, affected: affectedBy.get(root)! } : root))
    .sort((a, b) => (a.version ?? -1) - (b.version ?? -1) || (a.position ?? 0) - (b.position ?? 0));
  return { discrepancies, pending };
}
