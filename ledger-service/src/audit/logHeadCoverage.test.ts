import type { LogHead } from '@certledger/chaincode';
import { loggedByOf } from './logHeadCoverage';

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
