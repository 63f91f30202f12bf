import type { LogHead } from '@certledger/chaincode';
import type { EventStore, StoredEvent } from '../eventStore/port';
import { sha256 } from '../events/sha256';
import type { AnchorMembership } from './anchorMembership';
import { describe, reconcileStream, type RefusedBatch } from './classify';
import { hashedRegionOf, regionFiledPerEvent } from '../events/filedRegion';
import { headerMatches, readEnvelopeHeader, type EnvelopeHeader } from '../events/envelopeHeader';
import { streamIdFor } from '../events/schema';
import type { AuditLedgerView, DigestRef } from './ledgerView';
import { createHasher } from './hasherClient';
import type { LogHeadCheck } from './logHeadCheck';
import { loggedByOf, logHeadFindings, otherKeyFindings } from './logHeadCoverage';
import { RecordedTimes } from './recordedTimes';
import {
  DISCREPANCY_KINDS,
  type AuditWarning,
  type Discrepancy,
  type DiscrepancyKind,
  type EventFacts,
  type LedgerDigest,
} from './types';
import { auditWarnings } from './warnings';

export interface AuditFilter {
  readonly agencyId?: string;
  /** A GB/T 2260 prefix: 2, 4 or 6 digits. */
  readonly regionCode?: string;
  readonly certificationId?: string;
}

export interface AuditLogger {
  info(object: object, message?: string): void;
  warn(object: object, message?: string): void;
  debug(object: object, message?: string): void;
}

export interface AuditOptions {
  readonly store: EventStore;
  readonly ledger: AuditLedgerView;
  readonly membership: AnchorMembership;
  readonly filter?: AuditFilter;
  /** Unanchored events older than this are reported as never-anchored (default 15 minutes). */
  readonly graceMs?: number;
  /**
   * How old the newest signed log head may be, and how long an anchored event may wait for a head
   * to cover it (default: 3 head intervals of 60 s, plus graceMs). The CLI derives it from
   * LEDGER_LOG_HEAD_SECONDS and --log-head-intervals.
   */
  readonly logHeadMaxAgeMs?: number;
  /**
   * The id of the key the service signs log heads with (SHA-256 of its SPKI DER, hex). Heads signed
   * by another key are findings, and vouch for nothing. Without it the first head's key is taken for
   * the log's, as the ledger does: whoever committed the first head.
   */
  readonly logKeyId?: string;
  /**
   * Why the caller could not read the log's key where it looked for it (a key file it may not read),
   * when it gives no logKeyId for that reason: the report's warnings say the heads' key went unchecked.
   */
  readonly logKeyUnreadable?: string;
  readonly now?: () => Date;
  /** Events read per page of the global log (default 5000). */
  readonly pageSize?: number;
  readonly onProgress?: (done: number, total: number) => void;
  readonly logger?: AuditLogger;
  /** Hash in a worker thread beside the reading (default: when the compiled worker is there). */
  readonly parallel?: boolean;
}

export type { LogHeadCheck };

export interface AuditReport {
  /** No discrepancy; the warnings do not change it. */
  readonly ok: boolean;
  /** Checks the audit did not make, or made only in part (none: every check was made). */
  readonly warnings: readonly AuditWarning[];
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly durationMs: number;
  readonly backend: 'embedded' | 'fabric';
  readonly filter: AuditFilter;
  readonly graceMs: number;
  readonly logHeadMaxAgeMs: number;
  readonly counts: {
    readonly eventsInLog: number;
    readonly eventsAudited: number;
    readonly streamsAudited: number;
    readonly streamsReconciled: number;
    readonly anchoredEvents: number;
    readonly pendingEvents: number;
    readonly batchesChecked: number;
  };
  readonly byKind: Readonly<Record<DiscrepancyKind, number>>;
  readonly discrepancies: readonly Discrepancy[];
  readonly log: {
    readonly treeSize: number;
    readonly rootHash: string;
    readonly heads: readonly LogHeadCheck[];
    /** Why the ledger's log heads could not be read, when they could not (`heads` is then empty). */
    readonly headsUnreadable?: string;
    /** The key id the heads were checked against (none: neither given nor any head on the ledger). */
    readonly keyId?: string;
    /** Whether that key id was given (logKeyId) or taken from the first head on the ledger. */
    readonly keyIdGiven: boolean;
  };
}

const ZERO_HASH = '0'.repeat(64);

interface StreamState {
  lastVersion: number;
  lastHash: string;
  sawUnanchored: boolean;
  /**
   * The region region_code must hold, as hashed: the client's in a certification's first event, or
   * the filing of the supervision event just read (undefined: nothing to check against).
   */
  region?: string;
}

export function inScope(
  filter: AuditFilter,
  event: Pick<StoredEvent, 'agencyId' | 'regionCode' | 'certificationId'>,
): boolean {
  if (filter.agencyId !== undefined && event.agencyId !== filter.agencyId) return false;
  if (filter.certificationId !== undefined && event.certificationId !== filter.certificationId) return false;
  if (filter.regionCode !== undefined && !event.regionCode.startsWith(filter.regionCode)) return false;
  return true;
}

function headerOf(bytes: Uint8Array): EnvelopeHeader | undefined {
  try {
    return readEnvelopeHeader(bytes);
  } catch {
    return undefined;
  }
}

/** What the classification needs to know of a stored event, with the hash recomputed from its bytes. */
export function factsOf(event: StoredEvent, computed: Buffer | string): EventFacts {
  const header = headerOf(event.canonical);
  // Read as an event of the stream its bytes name: a row moved to another stream is reported as moved, not misfiled too.
  const hashedRegionCode =
    header && hashedRegionOf(streamIdFor(header.type, header.certificationId), header.version, event.canonical);
  return {
    position: event.position,
    eventId: event.eventId,
    streamId: event.streamId,
    certificationId: event.certificationId,
    type: event.type,
    version: event.version,
    agencyId: event.agencyId,
    regionCode: event.regionCode,
    recordedAt: event.recordedAt,
    occurredAt: event.occurredAt,
    ...(hashedRegionCode !== undefined ? { hashedRegionCode } : {}),
    hash: event.hash,
    prevHash: event.prevHash,
    computedHash: typeof computed === 'string' ? computed : computed.toString('hex'),
    ...(header ? { header } : {}),
  };
}

/**
 * The fast path's form of intrinsicCheck: true when the envelope in the bytes agrees with every column,
 * the stream included (headerMatches has checked the type and certification columns against the bytes).
 */
function headerAgrees(event: StoredEvent): boolean {
  return headerMatches(event.canonical, event) && event.streamId === streamIdFor(event.type, event.certificationId);
}

/** The stream an event's bytes name, when it is not the one the event is stored in. */
function streamNamedElsewhere(event: StoredEvent): string | undefined {
  const header = headerOf(event.canonical);
  const named = header && streamIdFor(header.type, header.certificationId);
  return named === event.streamId ? undefined : named;
}

/**
 * Replays the whole global log against the ledger: recomputes every hash from the stored bytes,
 * checks each stream's chain, each batch root and each signed log head, and reconciles every
 * stream that shows any anomaly to name its discrepancies.
 */
export async function runAudit(options: AuditOptions): Promise<AuditReport> {
  const { store, ledger, membership } = options;
  const filter = options.filter ?? {};
  const noFilter =
    filter.agencyId === undefined && filter.certificationId === undefined && filter.regionCode === undefined;
  const now = options.now ?? (() => new Date());
  const graceMs = options.graceMs ?? 15 * 60_000;
  const pageSize = options.pageSize ?? 5000;
  const startedAt = now();
  const graceCutoff = new Date(startedAt.getTime() - graceMs).toISOString();
  const logHeadMaxAgeMs = options.logHeadMaxAgeMs ?? 3 * 60_000 + graceMs;
  const total = await store.headPosition();
  // Heads that cannot be read are a finding, not "no heads": without them nothing shows a removed tail.
  let headsUnreadable: string | undefined;
  const ledgerHeads = await ledger.logHeads().catch((error: unknown): LogHead[] => {
    headsUnreadable = error instanceof Error ? error.message : String(error);
    options.logger?.warn({ err: error }, 'the log heads on the ledger could not be read');
    return [];
  });
  const logKeyId = options.logKeyId ?? ledgerHeads[0]?.keyId;
  // Only the log's own heads vouch for it; the others are findings.
  const logsHeads = ledgerHeads.filter((head) => head.keyId === logKeyId);
  /** By when a head had the event at a position in the log: its age, whatever recorded_at says. */
  const loggedBy = loggedByOf(logsHeads);
  const newestHeadEnd = logsHeads.reduce((end, head) => Math.max(end, head.lastPosition ?? head.treeSize), 0);
  const hasher = createHasher(options.parallel === undefined ? {} : { parallel: options.parallel });
  const streams = new Map<string, StreamState>();
  const suspicious = new Set<string>();
  /** Events stored in another stream than their bytes name, by the stream named: as the ledger knows them. */
  const movedFrom = new Map<string, DigestRef[]>();
  /** Per batch ordinal (any status): events read; per committed one, how many of them are in scope. */
  const batchRead = new Int32Array(membership.batches.length);
  const batchScoped = new Int32Array(membership.batches.length);
  /** Committed batches with events beyond the newest head, with the first such position. */
  const beyondHead = new Map<number, number>();
  const recordedTimes = new RecordedTimes(startedAt, store.recordedAtFollowsLog ?? true);
  const timeFindings: Discrepancy[] = [];
  let eventsAudited = 0;
  let anchoredEvents = 0;
  let membersSeen = 0;
  let member = 0;

  try {
    let after = 0;
    for (;;) {
      const page = await store.readAll(after, pageSize);
      if (page.length === 0) break;
      const n = page.length;
      const batch = new Int32Array(n);
      const leaf = new Int32Array(n);
      const offsets = new Int32Array(n + 1);
      const positions = new Float64Array(n);
      const hashes = Buffer.alloc(32 * n);
      let size = 0;
      for (let i = 0; i < n; i++) {
        const event = page[i]!;
        offsets[i] = size;
        size += event.canonical.byteLength;
        positions[i] = event.position;
        hashes.write(event.hash, i * 32, 32, 'hex');
        // The anchor store's members, walked beside the log by position.
        while (member < membership.positions.length && membership.positions[member]! < event.position) member++;
        if (member < membership.positions.length && membership.positions[member] === event.position) {
          membersSeen++;
          const ordinal = membership.batchOf[member]!;
          batchRead[ordinal]!++;
          const status = membership.batches[ordinal]!.status;
          // -2: planned, not yet answered; -3: refused by the ledger.
          batch[i] = status === 'committed' ? ordinal : status === 'rejected' ? -3 : -2;
          leaf[i] = membership.leafOf[member]!;
          if (status === 'committed' && event.position > newestHeadEnd && !beyondHead.has(ordinal))
            beyondHead.set(ordinal, event.position);
        } else {
          batch[i] = -1;
          leaf[i] = 0;
        }
      }
      offsets[n] = size;
      const bytes = new Uint8Array(size);
      for (let i = 0; i < n; i++) bytes.set(page[i]!.canonical, offsets[i]!);
      // Events outside committed batches are compared with the ledger one by one (normally just the unanchored tail).
      const direct = await ledger.digests(page.filter((e, i) => batch[i]! < 0 && inScope(filter, e)));
      for (let i = 0; i < n; i++) {
        const event = page[i]!;
        const ordinal = batch[i]!;
        // recorded_at along the whole log (its order does not depend on the scope), reported in scope.
        const timeFinding = recordedTimes.next(event);
        if (!inScope(filter, event)) continue;
        if (timeFinding) timeFindings.push(timeFinding);
        eventsAudited++;
        let state = streams.get(event.streamId);
        if (!state) {
          state = { lastVersion: -1, lastHash: ZERO_HASH, sawUnanchored: false };
          streams.set(event.streamId, state);
        }
        // The bytes-vs-hash check runs in the hasher; the chain is followed through the hash columns.
        // region_code, which no hash covers, must be the region the stream's first event names (a
        // certification's client) or the event itself names (a supervision event's filing).
        if (event.version === 0 || regionFiledPerEvent(event.streamId))
          state.region = hashedRegionOf(event.streamId, event.version, event.canonical);
        const agrees = headerAgrees(event);
        const named = agrees ? undefined : streamNamedElsewhere(event);
        if (named !== undefined) {
          const refs = movedFrom.get(named) ?? [];
          refs.push({ eventId: event.eventId, streamId: named });
          movedFrom.set(named, refs);
        }
        let ok =
          agrees &&
          event.version === state.lastVersion + 1 &&
          event.prevHash === state.lastHash &&
          (state.region === undefined || event.regionCode === state.region);
        if (ordinal >= 0) {
          batchScoped[ordinal]!++;
          if (state.sawUnanchored) ok = false;
        } else {
          const digest = direct.get(event.eventId);
          if (digest) {
            if (
              digest.hash !== event.hash ||
              digest.version !== event.version ||
              digest.streamId !== event.streamId ||
              state.sawUnanchored
            )
              ok = false;
            else anchoredEvents++;
          } else {
            state.sawUnanchored = true;
            if (
              (event.position <= membership.checkpoint && ordinal === -1) ||
              ordinal === -3 ||
              event.recordedAt < graceCutoff ||
              (loggedBy(event.position) ?? graceCutoff) < graceCutoff
            )
              ok = false;
          }
        }
        state.lastVersion = event.version;
        state.lastHash = event.hash;
        if (!ok) suspicious.add(event.streamId);
      }
      for (let i = 0; i < n; i++) if (batch[i]! < 0) batch[i] = -1;
      await hasher.submit({ bytes, offsets, hashes, positions, batch, leaf });
      after = page[n - 1]!.position;
      options.onProgress?.(after, total);
    }
    const hashed = await hasher.finish(ledgerHeads, logKeyId);
    options.logger?.debug(
      { events: hashed.treeSize, streams: streams.size, suspicious: suspicious.size, parallel: hasher.parallel },
      'log read and hashed',
    );

    // Bytes that do not hash to their stored hash.
    for (const mismatch of hashed.mismatches) {
      const [event] = await store.readAll(mismatch.position - 1, 1);
      if (event && event.position === mismatch.position && inScope(filter, event)) suspicious.add(event.streamId);
    }

    // Batch roots recomputed from the store's bytes: a matching root vouches for every event in the batch.
    const rootMismatches: Array<{ batchId: string; expected?: string; actual: string; eventIds: string[] }> = [];
    const touched = hashed.batchRoots.filter((b) => batchScoped[b.batch]! > 0);
    // Committed batches of which the store holds fewer events than the anchor store recorded.
    const short = membership.batches.flatMap((info, ordinal) =>
      info.status === 'committed' && batchRead[ordinal]! < info.size ? [ordinal] : [],
    );
    const onLedger = await ledger.batches(
      [...new Set([...touched.map((b) => b.batch), ...beyondHead.keys(), ...short])].map(
        (ordinal) => membership.batches[ordinal]!.batchId,
      ),
    );
    // Batches the store lacks events of, by the anchor store's count or the ledger's: their events
    // may be gone with their anchor-store rows, which only the ledger's record of the batch then shows.
    const incomplete = new Map<string, { readonly size: number; readonly read: number }>();
    for (const ordinal of [...short, ...touched.map((b) => b.batch)]) {
      const info = membership.batches[ordinal]!;
      const size = Math.max(info.size, onLedger.get(info.batchId)?.size ?? 0);
      if (batchRead[ordinal]! < size) incomplete.set(info.batchId, { size, read: batchRead[ordinal]! });
    }
    const failed = new Set<number>();
    for (const computed of touched) {
      const info = membership.batches[computed.batch]!;
      const anchored = onLedger.get(info.batchId);
      if (anchored && computed.leaves === info.size && anchored.size === info.size && anchored.root === computed.root) {
        anchoredEvents += batchScoped[computed.batch]!;
      } else failed.add(computed.batch);
    }
    if (failed.size > 0) {
      const members = new Map<number, string[]>();
      for (const [eventId, ordinal] of await membership.eventIds()) {
        if (failed.has(ordinal)) members.set(ordinal, [...(members.get(ordinal) ?? []), eventId]);
      }
      for (const ordinal of failed) {
        const info = membership.batches[ordinal]!;
        const computed = touched.find((b) => b.batch === ordinal)!;
        const eventIds = members.get(ordinal) ?? [];
        // An incomplete batch is explained by its missing events; a complete one with another root is a finding of its own.
        if (computed.leaves === info.size && !incomplete.has(info.batchId))
          rootMismatches.push({
            batchId: info.batchId,
            ...(onLedger.get(info.batchId) ? { expected: onLedger.get(info.batchId)!.root } : {}),
            actual: computed.root,
            eventIds,
          });
        // Event by event: which of the batch's events still match their own digest on the ledger?
        const events: StoredEvent[] = [];
        for (const eventId of eventIds) {
          const event = await store.findEvent(eventId);
          if (event && inScope(filter, event)) events.push(event);
        }
        const digests = await ledger.digests(events);
        for (const event of events) {
          const digest = digests.get(event.eventId);
          if (
            digest &&
            digest.hash === sha256(event.canonical).toString('hex') &&
            digest.hash === event.hash &&
            digest.version === event.version
          )
            anchoredEvents++;
          else suspicious.add(event.streamId);
        }
      }
    }

    // Stream heads on the ledger beyond (or off) the store's, and of the streams events were moved out of.
    const heads = await ledger.heads([...new Set([...streams.keys(), ...movedFrom.keys()])]);
    for (const [streamId, head] of heads) {
      const state = streams.get(streamId) ?? { lastVersion: -1, lastHash: ZERO_HASH };
      if (head.version > state.lastVersion || (head.version === state.lastVersion && head.hash !== state.lastHash))
        suspicious.add(streamId);
    }

    // Digests the ledger holds that the store lacks. Counting first: the ids of the store are read again only when needed.
    const ledgerOnly = new Map<string, LedgerDigest[]>();
    const ledgerCount = ledger.eventCount ? await ledger.eventCount() : undefined;
    const countsAgree =
      noFilter &&
      incomplete.size === 0 &&
      membersSeen === membership.positions.length &&
      (ledgerCount === undefined || ledgerCount === anchoredEvents);
    if (!countsAgree) {
      const storeIds = await readStoreIds(store, pageSize);
      const addLedgerOnly = (digest: LedgerDigest): void => {
        if (storeIds.has(digest.eventId)) return;
        if (filter.agencyId !== undefined && digest.agencyId !== undefined && digest.agencyId !== filter.agencyId)
          return;
        if (filter.certificationId !== undefined && !digest.streamId.endsWith(`-${filter.certificationId}`)) return;
        if (filter.regionCode !== undefined && !streams.has(digest.streamId)) return;
        const list = ledgerOnly.get(digest.streamId) ?? [];
        if (!list.some((d) => d.eventId === digest.eventId)) list.push(digest);
        ledgerOnly.set(digest.streamId, list);
        suspicious.add(digest.streamId);
      };
      // Events the anchorer planned that the store lacks: the ledger finds them through their batches.
      const unplacedBatches = new Set<string>(incomplete.keys());
      for (const [eventId, ordinal] of await membership.eventIds())
        if (!storeIds.has(eventId)) unplacedBatches.add(membership.batches[ordinal]!.batchId);
      for (const digest of await ledger.batchDigests([...unplacedBatches])) addLedgerOnly(digest);
      if (ledger.digestsNotIn)
        for (const digest of await ledger.digestsNotIn((id) => storeIds.has(id))) addLedgerOnly(digest);
    }

    // Reconcile every stream that showed an anomaly, and name what is wrong.
    const discrepancies: Discrepancy[] = [];
    let unanchoredFound = 0;
    const memberIds = suspicious.size > 0 ? await membership.eventIds() : new Map<string, number>();
    for (const streamId of suspicious) {
      const stored = (await store.readStream(streamId)).filter((event) => inScope(filter, event));
      const facts = stored.map((event) => factsOf(event, sha256(event.canonical)));
      const [anchored, streamHeads, moved] = await Promise.all([
        ledger.digests(stored),
        heads.has(streamId) ? Promise.resolve(heads) : ledger.heads([streamId]),
        ledger.digests(movedFrom.get(streamId) ?? []),
      ]);
      const verdict = reconcileStream({
        streamId,
        stored: facts,
        anchored,
        // Digests of events the store holds in another stream are, for this one, events it lacks.
        ledgerOnly: [...(ledgerOnly.get(streamId) ?? []), ...moved.values()],
        ...(streamHeads.get(streamId) ? { ledgerHead: streamHeads.get(streamId)! } : {}),
        planned: new Set(stored.map((e) => e.eventId).filter((id) => memberIds.has(id))),
        checkpoint: membership.checkpoint,
        graceCutoff,
        refused: refusedOf(stored, memberIds, membership),
        loggedBy,
      });
      discrepancies.push(...verdict.discrepancies);
      unanchoredFound += stored.filter((e) => !anchored.has(e.eventId)).length - verdict.pending;
    }

    // A batch root that differs although none of its events was found changed: the ledger disagrees with itself.
    const flagged = new Set(discrepancies.flatMap((d) => [d.eventId, ...(d.affected ?? []).map((a) => a.eventId)]));
    for (const mismatch of rootMismatches) {
      if (mismatch.eventIds.some((id) => flagged.has(id)) || mismatch.eventIds.length === 0) continue;
      discrepancies.push({
        kind: 'modified',
        reason: 'batch-root-mismatch',
        streamId: '',
        batchId: mismatch.batchId,
        ...(mismatch.expected ? { expected: mismatch.expected } : {}),
        actual: mismatch.actual,
        detail: describe('batch-root-mismatch'),
      });
    }

    if (noFilter) {
      // Refused batches none of whose events the store still holds: the anchor store's record is all that is left.
      membership.batches.forEach((info, ordinal) => {
        if (info.status !== 'rejected' || batchRead[ordinal]! > 0) return;
        discrepancies.push({
          kind: 'rejected-by-ledger',
          reason: 'refused-batch-missing-from-store',
          streamId: '',
          batchId: info.batchId,
          expected: `${info.size} events`,
          ...(info.rejectionCode ? { actual: info.rejectionCode } : {}),
          detail: `the ledger refused this batch of ${info.size} events (actual: its code), and the store no longer holds any of them`,
        });
      });
      // Incomplete batches whose missing events the ledger could not name one by one: the batch says how many.
      const named = new Map<string, number>();
      for (const digests of ledgerOnly.values())
        for (const digest of digests)
          if (digest.batchId) named.set(digest.batchId, (named.get(digest.batchId) ?? 0) + 1);
      for (const [batchId, { size, read }] of incomplete) {
        if (read + (named.get(batchId) ?? 0) >= size) continue;
        discrepancies.push({
          kind: 'deleted',
          reason: 'batch-events-missing',
          streamId: '',
          batchId,
          expected: `${size} events`,
          actual: `${read + (named.get(batchId) ?? 0)} events`,
          detail: `the ledger anchored ${size} events in this batch; the store holds ${read} of them, and the ledger names ${named.get(batchId) ?? 0} of the others`,
        });
      }
    }
    discrepancies.push(...timeFindings);

    // Signed log heads must exist, be readable and keep up with the log (whatever the filters).
    let firstAnchoredBeyond: { position: number; anchoredAt: string; batchId: string } | undefined;
    for (const [ordinal, position] of beyondHead) {
      const info = membership.batches[ordinal]!;
      const anchoredAt = onLedger.get(info.batchId)?.timestamp;
      if (anchoredAt && (!firstAnchoredBeyond || anchoredAt < firstAnchoredBeyond.anchoredAt))
        firstAnchoredBeyond = { position, anchoredAt, batchId: info.batchId };
    }
    const lastAnchoredAt = ledger.lastAnchoredAt ? await ledger.lastAnchoredAt().catch(() => undefined) : undefined;
    if (logKeyId !== undefined) discrepancies.push(...otherKeyFindings(ledgerHeads, logKeyId));
    discrepancies.push(
      ...logHeadFindings({
        auditTime: startedAt,
        maxAgeMs: logHeadMaxAgeMs,
        ...(headsUnreadable !== undefined ? { unreadable: headsUnreadable } : {}),
        heads: logsHeads,
        logSize: hashed.treeSize,
        ...(firstAnchoredBeyond ? { firstAnchoredBeyond } : {}),
        ...(lastAnchoredAt !== undefined ? { lastAnchoredAt } : {}),
      }),
    );

    const byKind = Object.fromEntries(
      DISCREPANCY_KINDS.map((kind) => [kind, discrepancies.filter((d) => d.kind === kind).length]),
    ) as Record<DiscrepancyKind, number>;
    const finishedAt = now();
    const report: AuditReport = {
      ok: discrepancies.length === 0 && hashed.heads.every((head) => head.consistent),
      warnings: auditWarnings({
        filter,
        logKeyIdGiven: options.logKeyId !== undefined,
        ...(options.logKeyUnreadable !== undefined ? { logKeyUnreadable: options.logKeyUnreadable } : {}),
        ...(ledgerHeads[0] ? { firstHeadKeyId: ledgerHeads[0].keyId } : {}),
        recordedAtFollowsLog: store.recordedAtFollowsLog ?? true,
      }),
      startedAt: startedAt.toISOString(),
      finishedAt: finishedAt.toISOString(),
      durationMs: finishedAt.getTime() - startedAt.getTime(),
      backend: ledger.kind,
      filter,
      graceMs,
      logHeadMaxAgeMs,
      counts: {
        eventsInLog: hashed.treeSize,
        eventsAudited,
        streamsAudited: streams.size,
        streamsReconciled: suspicious.size,
        anchoredEvents,
        pendingEvents: Math.max(0, eventsAudited - anchoredEvents - unanchoredFound),
        batchesChecked: touched.length,
      },
      byKind,
      discrepancies,
      log: {
        treeSize: hashed.treeSize,
        rootHash: hashed.rootHash,
        heads: hashed.heads,
        ...(headsUnreadable !== undefined ? { headsUnreadable } : {}),
        ...(logKeyId !== undefined ? { keyId: logKeyId } : {}),
        keyIdGiven: options.logKeyId !== undefined,
      },
    };
    options.logger?.info(
      { ok: report.ok, byKind, events: eventsAudited, durationMs: report.durationMs },
      'audit finished',
    );
    return report;
  } finally {
    await hasher.close();
  }
}

/** The stored events whose batch the ledger refused, with the batch and the refusal's code. */
function refusedOf(
  stored: readonly StoredEvent[],
  memberIds: ReadonlyMap<string, number>,
  membership: AnchorMembership,
): Map<string, RefusedBatch> {
  const refused = new Map<string, RefusedBatch>();
  for (const event of stored) {
    const ordinal = memberIds.get(event.eventId);
    const info = ordinal === undefined ? undefined : membership.batches[ordinal];
    if (info?.status === 'rejected')
      refused.set(event.eventId, {
        batchId: info.batchId,
        ...(info.rejectionCode ? { code: info.rejectionCode } : {}),
      });
  }
  return refused;
}

async function readStoreIds(store: EventStore, pageSize: number): Promise<Set<string>> {
  const ids = new Set<string>();
  let after = 0;
  for (;;) {
    const page = await store.readAll(after, pageSize);
    if (page.length === 0) return ids;
    for (const event of page) ids.add(event.eventId);
    after = page[page.length - 1]!.position;
  }
}
