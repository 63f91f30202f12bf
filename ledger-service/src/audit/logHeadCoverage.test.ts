import type { LogHead } from '@certledger/chaincode';
import { loggedByOf, logHeadFindings } from './logHeadCoverage';

const head = (treeSize: number, timestamp: string): LogHead => ({
  treeSize,
  rootHash: 'a'.repeat(64),
  lastPosition: treeSize,
  timestamp,
  keyId: 'b'.repeat(64),
  publicKey: '',
  signature: '',
});

describe('loggedByOf: how old the signed log heads prove an event to be', () => {
  const loggedBy = loggedByOf([head(70, '2026-05-01T10:30:00.000Z'), head(10, '2026-05-01T10:00:00.000Z')]);

  it("answers the earliest covering head's time plus the ledger's clock skew, and nothing beyond the newest head", () => {
    expect(loggedBy(1)).toBe('2026-05-01T10:05:00.000Z');
    expect(loggedBy(10)).toBe('2026-05-01T10:05:00.000Z');
    expect(loggedBy(11)).toBe('2026-05-01T10:35:00.000Z');
    expect(loggedBy(70)).toBe('2026-05-01T10:35:00.000Z');
    expect(loggedBy(71)).toBeUndefined();
    expect(loggedByOf([])(1)).toBeUndefined();
  });
});

describe('logHeadFindings: the heads must keep up with the log', () => {
  const auditTime = new Date('2026-05-01T12:00:00.000Z');
  const maxAgeMs = 18 * 60_000;
  const heads = [head(56, '2026-05-01T11:00:00.000Z')];
  const reasons = (coverage: Partial<Parameters<typeof logHeadFindings>[0]>): string[] =>
    logHeadFindings({ auditTime, maxAgeMs, heads, logSize: 56, ...coverage }).map((d) => d.reason);

  it('passes a recent head, and an old one over a ledger that anchored nothing since (a quiet log)', () => {
    expect(reasons({ heads: [head(56, '2026-05-01T11:50:00.000Z')] })).toEqual([]);
    expect(reasons({ lastAnchoredAt: '2026-05-01T10:59:59.000Z' })).toEqual([]);
    expect(reasons({ lastAnchoredAt: null })).toEqual([]);
  });

  it("takes a quiet log's head signed again as the newest, in whatever order the ledger lists the heads", () => {
    const signedAgain = [head(56, '2026-05-01T11:00:00.000Z'), head(56, '2026-05-01T11:55:00.000Z')];
    expect(reasons({ heads: signedAgain })).toEqual([]);
    expect(reasons({ heads: [...signedAgain].reverse() })).toEqual([]);
  });

  it('reports an old head when the ledger anchored well after it, or cannot say (Fabric)', () => {
    expect(reasons({ lastAnchoredAt: '2026-05-01T11:30:00.000Z' })).toEqual(['log-head-stale']);
    const [fabric] = logHeadFindings({ auditTime, maxAgeMs, heads, logSize: 56 });
    expect(fabric).toMatchObject({ kind: 'log-head-missing-or-stale', reason: 'log-head-stale' });
    expect(fabric!.detail).toContain('a stale head means it stopped signing heads');
  });

  it('reports anchored events beyond the newest head, no head at all, and heads that could not be read', () => {
    const beyond = { position: 57, anchoredAt: '2026-05-01T11:01:00.000Z', batchId: 'b1' };
    expect(reasons({ firstAnchoredBeyond: beyond, lastAnchoredAt: null })).toEqual(['anchored-beyond-log-head']);
    expect(reasons({ heads: [], firstAnchoredBeyond: beyond })).toEqual(['no-log-head']);
    expect(reasons({ heads: [], lastAnchoredAt: '2026-05-01T11:01:00.000Z' })).toEqual(['no-log-head']);
    expect(reasons({ heads: [], firstAnchoredBeyond: { ...beyond, anchoredAt: '2026-05-01T11:59:00.000Z' } })).toEqual(
      [],
    );
    expect(reasons({ heads: [], logSize: 0 })).toEqual([]);
    expect(reasons({ unreadable: 'GetLogHeads failed' })).toEqual(['log-heads-unreadable']);
  });
});
