import type { Warning } from '@certledger/projections';
import { byUrgency } from './page';

describe('the warnings page order', () => {
  const warning = (id: string, severity: Warning['severity'], raisedAt: string): Warning => ({
    id,
    ruleId: 'W9',
    kind: 'k',
    severity,
    agencyId: 'CNCA-R-2002-001',
    regionCode: '320106',
    message: 'm',
    evidence: [],
    raisedAt,
  });

  it('puts the most severe first, then the most recently raised as an instant, whatever its offset', () => {
    // 20:00Z on 1 March is 04:00 on 2 March in China, after 02:00 on 2 March in China.
    const warnings = [
      warning('china-02h', 'low', '2025-03-02T02:00:00+08:00'),
      warning('utc-20h', 'low', '2025-03-01T20:00:00Z'),
      warning('high', 'high', '2025-01-01T00:00:00+08:00'),
    ];
    expect(byUrgency(warnings).map((w) => w.id)).toEqual(['high', 'utc-20h', 'china-02h']);
  });
});
