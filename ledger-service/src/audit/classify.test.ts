import { createHash } from 'node:crypto';
import {
  classifyLedgerOnly,
  classifyUnanchored,
  intrinsicCheck,
  outOfOrder,
  reconcileStream,
  samePermutation,
  type StreamEvidence,
} from './classify';
import type { EventFacts, LedgerDigest } from './types';

const ZERO = '0'.repeat(64);
const h = (text: string): string => createHash('sha256').update(text).digest('hex');
const STREAM = 'certification-C1';

/** A clean stream of n events: version i at position 10 + i, each chained to the previous. */
function chain(n: number): EventFacts[] {
  const events: EventFacts[] = [];
  let prev = ZERO;
  for (let version = 0; version < n; version++) {
    const hash = h(`e${version}`);
    events.push({
      position: 10 + version,
      eventId: `e${version}`,
      streamId: STREAM,
      certificationId: 'C1',
      type: 'ContractSigned',
      version,
      agencyId: 'CB',
      regionCode: '320106',
      recordedAt: '2026-01-01T00:00:00.000Z',
      hash,
      prevHash: prev,
      computedHash: hash,
      header: {
        eventId: `e${version}`,
        certificationId: 'C1',
        type: 'ContractSigned',
        version,
        agencyId: 'CB',
        occurredAt: '',
        prevHash: prev,
        hasData: true,
      },
    });
    prev = hash;
  }
  return events;
}

const digestOf = (e: EventFacts): LedgerDigest => ({
  eventId: e.eventId,
  streamId: e.streamId,
  version: e.header!.version,
  hash: e.hash,
  prevHash: e.header!.prevHash,
});

function evidence(
  stored: EventFacts[],
  anchoredFrom: EventFacts[] = stored,
  extra: Partial<StreamEvidence> = {},
): StreamEvidence {
  const last = anchoredFrom[anchoredFrom.length - 1];
  return {
    streamId: STREAM,
    stored,
    anchored: new Map(
      anchoredFrom.filter((a) => stored.some((s) => s.eventId === a.eventId)).map((e) => [e.eventId, digestOf(e)]),
    ),
    ledgerOnly: anchoredFrom.filter((a) => !stored.some((s) => s.eventId === a.eventId)).map(digestOf),
    ...(last ? { ledgerHead: { streamId: STREAM, version: last.version, hash: last.hash } } : {}),
    planned: new Set(stored.map((e) => e.eventId)),
    checkpoint: 100,
    graceCutoff: '2026-01-01T00:00:00.000Z',
    ...extra,
  };
}

const kinds = (e: StreamEvidence): string[] =>
  reconcileStream(e).discrepancies.map((d) => `${d.kind}:${d.reason}:${d.eventId ?? d.version}`);

describe('classification of one stream', () => {
  it('finds nothing in a clean, anchored stream', () => {
    expect(reconcileStream(evidence(chain(5)))).toEqual({ discrepancies: [], pending: 0 });
  });

  it('modified: bytes that no longer hash to the stored hash', () => {
    const events = chain(5);
    const tampered = events.map((e) => (e.version === 2 ? { ...e, computedHash: h('edited') } : e));
    expect(kinds(evidence(tampered, events))).toEqual(['modified:bytes-hash-mismatch:e2']);
  });

  it('modified: bytes and hash rewritten together, against the anchored digest; the next event’s broken link is not reported again', () => {
    const events = chain(5);
    const tampered = events.map((e) => (e.version === 2 ? { ...e, hash: h('edited'), computedHash: h('edited') } : e));
    expect(kinds(evidence(tampered, events))).toEqual(['modified:hash-differs-from-anchored-digest:e2']);
  });

  it('deleted: a version gap the ledger names', () => {
    const events = chain(5);
    expect(
      kinds(
        evidence(
          events.filter((e) => e.version !== 3),
          events,
        ),
      ),
    ).toEqual(['deleted:version-gap:e3']);
  });

  it('deleted: a tail the ledger head proves, even without the digest', () => {
    const events = chain(5);
    const e = evidence(events.slice(0, 3), events, { ledgerOnly: [] });
    expect(kinds(e)).toEqual(['deleted:ledger-head-beyond-store:3', 'deleted:ledger-head-beyond-store:4']);
  });

  it('anchored-but-missing-from-store: the store has no trace of the stream', () => {
    const events = chain(2);
    expect(kinds(evidence([], events))).toEqual([
      'anchored-but-missing-from-store:stream-missing-from-store:e0',
      'anchored-but-missing-from-store:stream-missing-from-store:e1',
    ]);
  });

  it('reordered: two events at each other’s log positions', () => {
    const events = chain(5);
    const swapped = events.map((e) =>
      e.version === 1 ? { ...e, position: 13 } : e.version === 3 ? { ...e, position: 11 } : e,
    );
    expect(kinds(evidence(swapped, events))).toEqual([
      'reordered:log-order-differs:e1',
      'reordered:log-order-differs:e3',
    ]);
  });

  it('reordered: two events carrying each other’s version columns', () => {
    const events = chain(4);
    const swapped = events.map((e) =>
      e.version === 1 ? { ...e, version: 2 } : e.version === 2 ? { ...e, version: 1 } : e,
    );
    expect(kinds(evidence(swapped, events))).toEqual([
      'reordered:versions-swapped:e2',
      'reordered:versions-swapped:e1',
    ]);
  });

  it('inserted: an unanchored event among anchored ones; the re-chained events after it are listed, not reported', () => {
    const events = chain(4);
    const forged = { ...chain(3)[2]!, eventId: 'forged', hash: h('forged'), computedHash: h('forged'), position: 50 };
    forged.header = { ...forged.header!, eventId: 'forged' };
    const renumbered = events.slice(2).map((e) => {
      const hash = h(`re-${e.eventId}`);
      return {
        ...e,
        version: e.version + 1,
        hash,
        computedHash: hash,
        header: { ...e.header!, version: e.version + 1 },
      };
    });
    const verdict = reconcileStream(
      evidence([...events.slice(0, 2), forged, ...renumbered], events, { planned: new Set() }),
    );
    expect(verdict.discrepancies).toHaveLength(1);
    expect(verdict.discrepancies[0]).toMatchObject({
      kind: 'inserted',
      reason: 'unanchored-among-anchored',
      eventId: 'forged',
      version: 2,
    });
    expect(verdict.discrepancies[0]!.affected!.map((a) => [a.eventId, a.storedVersion, a.anchoredVersion])).toEqual([
      ['e2', 3, 2],
      ['e3', 4, 3],
    ]);
  });

  it('never-anchored past the grace period, pending within it', () => {
    const events = chain(4);
    const old = evidence(events, events.slice(0, 3), { graceCutoff: '2026-06-01T00:00:00.000Z' });
    expect(kinds(old)).toEqual(['never-anchored:unanchored-past-grace-period:e3']);
    const fresh = evidence(events, events.slice(0, 3), { graceCutoff: '2025-06-01T00:00:00.000Z' });
    expect(reconcileStream(fresh)).toEqual({ discrepancies: [], pending: 1 });
  });
});

describe('the small rules', () => {
  const [a, b, c] = chain(3) as [EventFacts, EventFacts, EventFacts];

  it('intrinsicCheck names the columns that disagree with the bytes', () => {
    expect(intrinsicCheck({ ...a, type: 'CertificateIssued', version: 4 })).toEqual({
      undecodable: false,
      bytesHashMismatch: false,
      columnMismatches: ['type', 'version'],
    });
    const { header: _ignored, ...noHeader } = a;
    expect(intrinsicCheck(noHeader).undecodable).toBe(true);
  });

  it("intrinsicCheck takes the stream from the hashed type: a certification's event in a supervision stream, or a supervision event in a certification stream, is in the wrong one", () => {
    expect(intrinsicCheck({ ...a, streamId: 'supervision-C1' }).columnMismatches).toEqual(['streamId']);
    const complaint = { ...a, type: 'ComplaintRecorded', header: { ...a.header!, type: 'ComplaintRecorded' } };
    expect(intrinsicCheck({ ...complaint, streamId: 'supervision-C1' }).columnMismatches).toEqual([]);
    expect(intrinsicCheck(complaint).columnMismatches).toEqual(['streamId']);
  });

  it('classifyUnanchored names a row in another stream than its bytes, with the stream they name and the one it is in', () => {
    const moved = { ...a, streamId: 'supervision-C1' };
    const context = { highestAnchoredVersion: -1, planned: true, checkpoint: 20, graceCutoff: '2000-01-01' };
    expect(classifyUnanchored(moved, context, intrinsicCheck(moved))).toMatchObject({
      kind: 'modified',
      reason: 'stream-differs-from-bytes',
      streamId: 'supervision-C1',
      expected: STREAM,
      actual: 'supervision-C1',
    });
  });

  it('classifyUnanchored: skipped by the anchorer when behind its checkpoint and in no batch', () => {
    const context = { highestAnchoredVersion: -1, planned: false, checkpoint: 20, graceCutoff: '2000-01-01' };
    expect(classifyUnanchored(a, context, intrinsicCheck(a))).toMatchObject({
      kind: 'inserted',
      reason: 'skipped-by-anchorer',
    });
    expect(classifyUnanchored(a, { ...context, planned: true }, intrinsicCheck(a))).toBe('pending');
  });

  it('classifyLedgerOnly tells a gap, a truncated tail and a replaced event apart', () => {
    const digest = { eventId: 'x', streamId: STREAM, version: 1, hash: h('x') };
    expect(classifyLedgerOnly(digest, new Set([0, 2]), 2).reason).toBe('version-gap');
    expect(classifyLedgerOnly({ ...digest, version: 3 }, new Set([0, 1, 2]), 2).reason).toBe('tail-truncated');
    expect(classifyLedgerOnly(digest, new Set([0, 1, 2]), 2).reason).toBe('replaced-by-another-event');
    expect(classifyLedgerOnly(digest, new Set(), -1).kind).toBe('anchored-but-missing-from-store');
  });

  it('outOfOrder returns exactly the moved events; samePermutation compares multisets', () => {
    expect(outOfOrder([a, { ...b, position: 99 }, { ...c, position: 11 }]).map((e) => e.eventId)).toEqual(['e2', 'e1']);
    expect(outOfOrder([a, b, c])).toEqual([]);
    expect(samePermutation([1, 2], [2, 1])).toBe(true);
    expect(samePermutation([1, 2], [2, 2])).toBe(false);
  });
});
