import crypto from 'node:crypto';
import { verifyConsistency, verifyLogHeadSignature, type LogHead } from '@certledger/chaincode';
import type { EventStore, StoredEvent } from '../eventStore/port';
import type { AnchorMembership } from './anchorMembership';
import { describe, reconcileStream } from './classify';
import { readEnvelopeHeader, type EnvelopeHeader } from './envelopeHeader';
import type { AuditLedgerView } from './ledgerView';
import { LogTree, rootOfLeafHashes } from './logTree';
import { DISCREPANCY_KINDS, type Discrepancy, type DiscrepancyKind, type EventFacts, type LedgerDigest } from './types';

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
  readonly now?: () => Date;
  /** Events read per page of the global log (default 5000). */
  readonly pageSize?: number;
  readonly onProgress?: (done: number, total: number) => void;
  readonly logger?: AuditLogger;
}

export interface LogHeadCheck {
  readonly treeSize: number;
  readonly rootHash: string;
  readonly timestamp: string;
  readonly consistent: boolean;
  /** Why not, when inconsistent: `signature`, `key-changed`, `log-shorter-than-head`, `root-differs`. */
  readonly reason?: string;
  readonly recomputedRoot?: string;
}

export interface AuditReport {
  readonly ok: boolean;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly durationMs: number;
  readonly backend: 'embedded' | 'fabric';
  readonly filter: AuditFilter;
  readonly graceMs: number;
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
  };
}

const ZERO_HASH = '0'.repeat(64);
const oneShot = (crypto as unknown as { hash?: (alg: string, data: Uint8Array, enc: 'buffer') => Buffer }).hash;
const sha256 = oneShot ? (data: Uint8Array): Buffer => oneShot('sha256', data, 'buffer') : (data: Uint8Array): Buffer => crypto.createHash('sha256').update(data).digest();

interface PendingEvent {
  readonly eventId: string;
  readonly streamId: string;
  readonly hash: string;
  readonly version: number;
  readonly scoped: boolean;
}

interface OpenBatch {
  readonly size: number;
  readonly leaves: Buffer[];
  filled: number;
  readonly events: PendingEvent[];
}

interface StreamState {
  lastVersion: number;
  lastHash: string;
  sawUnanchored: boolean;
}

export function inScope(filter: AuditFilter, event: Pick<StoredEvent, 'agencyId' | 'regionCode' | 'certificationId'>): boolean {
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

function factsOf(event: StoredEvent, computed: Buffer | string): EventFacts {
  const header = headerOf(event.canonical);
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
    hash: event.hash,
    prevHash: event.prevHash,
    computedHash: typeof computed === 'string' ? computed : computed.toString('hex'),
    ...(header ? { header } : {}),
  };
}

/** The fast path's form of intrinsicCheck: true when the envelope in the bytes agrees with every column. */
function headerAgrees(event: StoredEvent): boolean {
  const header = headerOf(event.canonical);
  return (
    header !== undefined &&
    header.eventId === event.eventId &&
    header.version === event.version &&
    header.prevHash === event.prevHash &&
    header.type === event.type &&
    header.certificationId === event.certificationId &&
    header.agencyId === event.agencyId &&
    (event.streamId === `certification-${header.certificationId}` || event.streamId === `supervision-${header.certificationId}`)
  );
}

/** Checks every head the ledger holds against the log as recomputed from the store. */
export function checkLogHeads(heads: readonly LogHead[], tree: LogTree): LogHeadCheck[] {
  const keyId = heads[0]?.keyId;
  const current = tree.root();
  return heads.map((head) => {
    const base = { treeSize: head.treeSize, rootHash: head.rootHash, timestamp: head.timestamp };
    if (!verifyLogHeadSignature(head)) return { ...base, consistent: false, reason: 'signature' };
    if (head.keyId !== keyId) return { ...base, consistent: false, reason: 'key-changed' };
    if (head.treeSize > tree.size) return { ...base, consistent: false, reason: 'log-shorter-than-head' };
    const recomputedRoot = tree.root(head.treeSize);
    const proof = tree.consistencyProof(head.treeSize);
    const consistent = recomputedRoot === head.rootHash && verifyConsistency(head.treeSize, tree.size, head.rootHash, current, proof);
    return consistent ? { ...base, consistent } : { ...base, consistent, reason: 'root-differs', recomputedRoot };
  });
}

/**
 * Replays the whole global log against the ledger: recomputes every hash from the stored bytes,
 * checks each stream's chain, each batch root and each signed log head, and reconciles every
 * stream that shows any anomaly to name its discrepancies.
 */
export async function runAudit(options: AuditOptions): Promise<AuditReport> {
  const { store, ledger, membership } = options;
  const filter = options.filter ?? {};
  const now = options.now ?? (() => new Date());
  const graceMs = options.graceMs ?? 15 * 60_000;
  const pageSize = options.pageSize ?? 5000;
  const startedAt = now();
  const graceCutoff = new Date(startedAt.getTime() - graceMs).toISOString();
  const total = await store.headPosition();
  const tree = new LogTree();
  const storeIds = new Set<string>();
  const streams = new Map<string, StreamState>();
  const suspicious = new Set<string>();
  const open = new Map<string, OpenBatch>();
  const rootMismatches: Array<{ batchId: string; expected?: string; actual: string; eventIds: string[] }> = [];
  let eventsAudited = 0;
  let anchoredEvents = 0;
  let batchesChecked = 0;

  /** Per-event comparison with the ledger, for events no verified batch root vouches for. */
  const settle = async (events: readonly PendingEvent[]): Promise<void> => {
    const scoped = events.filter((event) => event.scoped);
    const digests = await ledger.digests(scoped.map((event) => event.eventId));
    for (const event of scoped) {
      const digest = digests.get(event.eventId);
      if (digest && digest.hash === event.hash && digest.version === event.version && digest.streamId === event.streamId) anchoredEvents++;
      else suspicious.add(event.streamId);
    }
  };
  /** A batch whose leaves are all read: its root recomputed from the store must be the ledger's. */
  const closeBatch = async (batchId: string, batch: OpenBatch): Promise<void> => {
    open.delete(batchId);
    const scoped = batch.events.filter((event) => event.scoped).length;
    if (scoped > 0) batchesChecked++;
    const onLedger = (await ledger.batches([batchId])).get(batchId);
    const root = rootOfLeafHashes(batch.leaves);
    if (onLedger && onLedger.size === batch.size && onLedger.root === root) {
      anchoredEvents += scoped;
      return;
    }
    if (scoped > 0) rootMismatches.push({ batchId, ...(onLedger ? { expected: onLedger.root } : {}), actual: root, eventIds: batch.events.map((e) => e.eventId) });
    await settle(batch.events);
  };

  let after = 0;
  for (;;) {
    const page = await store.readAll(after, pageSize);
    if (page.length === 0) break;
    // Events outside committed batches are compared with the ledger one by one (normally just the unanchored tail).
    const members = page.map((event) => {
      const member = membership.events.get(event.eventId);
      return member && membership.batches.get(member.batchId)?.status === 'committed' ? member : undefined;
    });
    const direct = await ledger.digests(page.filter((e, i) => members[i] === undefined && inScope(filter, e)).map((e) => e.eventId));
    for (const [index, event] of page.entries()) {
      const computed = sha256(event.canonical);
      const leaf = tree.append(computed);
      storeIds.add(event.eventId);
      const scoped = inScope(filter, event);
      const computedHex = computed.toString('hex');
      const member = members[index];
      const batchId = member?.batchId;
      if (scoped) {
        eventsAudited++;
        let state = streams.get(event.streamId);
        if (!state) {
          state = { lastVersion: -1, lastHash: ZERO_HASH, sawUnanchored: false };
          streams.set(event.streamId, state);
        }
        let ok = computedHex === event.hash && event.version === state.lastVersion + 1 && event.prevHash === state.lastHash && headerAgrees(event);
        if (batchId !== undefined) {
          if (state.sawUnanchored) ok = false;
        } else {
          const digest = direct.get(event.eventId);
          if (digest) {
            if (digest.hash !== computedHex || digest.version !== event.version || digest.streamId !== event.streamId || state.sawUnanchored) ok = false;
            else anchoredEvents++;
          } else {
            state.sawUnanchored = true;
            if ((event.position <= membership.checkpoint && !membership.events.has(event.eventId)) || event.recordedAt < graceCutoff) ok = false;
          }
        }
        state.lastVersion = event.version;
        state.lastHash = computedHex;
        if (!ok) suspicious.add(event.streamId);
      }
      if (member !== undefined && batchId !== undefined) {
        let batch = open.get(batchId);
        if (!batch) {
          batch = { size: membership.batches.get(batchId)!.size, leaves: [], filled: 0, events: [] };
          open.set(batchId, batch);
        }
        if (batch.leaves[member.leafIndex] === undefined) batch.filled++;
        batch.leaves[member.leafIndex] = leaf;
        batch.events.push({ eventId: event.eventId, streamId: event.streamId, hash: computedHex, version: event.version, scoped });
        if (batch.filled === batch.size) await closeBatch(batchId, batch);
      }
    }
    after = page[page.length - 1]!.position;
    options.onProgress?.(after, total);
  }
  // Batches the store cannot complete (events deleted, or outside the log): event by event.
  for (const [batchId, batch] of open) {
    open.delete(batchId);
    await settle(batch.events);
  }
  options.logger?.debug({ events: tree.size, streams: streams.size, suspicious: suspicious.size }, 'log read and hashed');

  // Stream heads on the ledger beyond (or off) the store's.
  const heads = await ledger.heads([...streams.keys()]);
  for (const [streamId, head] of heads) {
    const state = streams.get(streamId)!;
    if (head.version > state.lastVersion || (head.version === state.lastVersion && head.hash !== state.lastHash)) suspicious.add(streamId);
  }

  // Digests the ledger holds that the store lacks.
  const ledgerOnly = new Map<string, LedgerDigest[]>();
  const addLedgerOnly = (digest: LedgerDigest): void => {
    if (storeIds.has(digest.eventId)) return;
    if (filter.agencyId !== undefined && digest.agencyId !== undefined && digest.agencyId !== filter.agencyId) return;
    if (filter.certificationId !== undefined && !digest.streamId.endsWith(`-${filter.certificationId}`)) return;
    if (filter.regionCode !== undefined && !streams.has(digest.streamId)) return;
    const list = ledgerOnly.get(digest.streamId) ?? [];
    if (!list.some((d) => d.eventId === digest.eventId)) list.push(digest);
    ledgerOnly.set(digest.streamId, list);
    suspicious.add(digest.streamId);
  };
  const unplaced = [...membership.events.keys()].filter((id) => !storeIds.has(id));
  for (const digest of (await ledger.digests(unplaced)).values()) addLedgerOnly(digest);
  if (ledger.digestsNotIn && ledger.eventCount) {
    const noFilter = filter.agencyId === undefined && filter.certificationId === undefined && filter.regionCode === undefined;
    if (!noFilter || (await ledger.eventCount()) !== anchoredEvents) {
      for (const digest of await ledger.digestsNotIn((id) => storeIds.has(id))) addLedgerOnly(digest);
    }
  }

  // Reconcile every stream that showed an anomaly.
  const discrepancies: Discrepancy[] = [];
  let pendingEvents = 0;
  const reconciled = new Set<string>();
  for (const streamId of suspicious) {
    const stored = (await store.readStream(streamId)).filter((event) => inScope(filter, event));
    const facts = stored.map((event) => factsOf(event, sha256(event.canonical)));
    const [anchored, streamHeads] = await Promise.all([ledger.digests(stored.map((e) => e.eventId)), heads.has(streamId) ? Promise.resolve(heads) : ledger.heads([streamId])]);
    const verdict = reconcileStream({
      streamId,
      stored: facts,
      anchored,
      ledgerOnly: ledgerOnly.get(streamId) ?? [],
      ...(streamHeads.get(streamId) ? { ledgerHead: streamHeads.get(streamId)! } : {}),
      planned: new Set(stored.map((e) => e.eventId).filter((id) => membership.events.has(id))),
      checkpoint: membership.checkpoint,
      graceCutoff,
    });
    discrepancies.push(...verdict.discrepancies);
    reconciled.add(streamId);
  }
  // Pending events of clean streams: unanchored, inside the grace period.
  pendingEvents = eventsAudited - anchoredEvents - discrepancies.filter((d) => d.kind === 'never-anchored' || d.kind === 'inserted').length;

  // A batch root that differs although none of its events was found changed: the ledger disagrees with itself.
  const flagged = new Set(discrepancies.flatMap((d) => [d.eventId, ...(d.affected ?? []).map((a) => a.eventId)]));
  for (const mismatch of rootMismatches) {
    if (mismatch.eventIds.some((id) => flagged.has(id))) continue;
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

  const logHeads = checkLogHeads(await ledger.logHeads(), tree);
  const byKind = Object.fromEntries(DISCREPANCY_KINDS.map((kind) => [kind, discrepancies.filter((d) => d.kind === kind).length])) as Record<DiscrepancyKind, number>;
  const finishedAt = now();
  const report: AuditReport = {
    ok: discrepancies.length === 0 && logHeads.every((head) => head.consistent),
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    durationMs: finishedAt.getTime() - startedAt.getTime(),
    backend: ledger.kind,
    filter,
    graceMs,
    counts: {
      eventsInLog: tree.size,
      eventsAudited,
      streamsAudited: streams.size,
      streamsReconciled: reconciled.size,
      anchoredEvents,
      pendingEvents: Math.max(0, pendingEvents),
      batchesChecked,
    },
    byKind,
    discrepancies,
    log: { treeSize: tree.size, rootHash: tree.root(), heads: logHeads },
  };
  options.logger?.info({ ok: report.ok, byKind, events: eventsAudited, durationMs: report.durationMs }, 'audit finished');
  return report;
}
