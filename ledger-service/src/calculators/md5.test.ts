import { md5AuditTime, md5Row, Md5Error, MD5_TABLE_LIMIT } from './md5';
import { roundToHalfDay } from './rounding';

/** The table as domain.md §3 prints it, transcribed independently of md5.ts. */
const DOMAIN_TABLE = `
| 1–5 | 1.5 | 3 | 2.5 | 2.5 | 2.5 | 3 | 2.5 | 2.5 |
| 6–10 | 2 | 3.5 | 3 | 3 | 3 | 3.5 | 3 | 3 |
| 11–15 | 2.5 | 4.5 | 3.5 | 3 | 3 | 4.5 | 3.5 | 3 |
| 16–25 | 3 | 5.5 | 4.5 | 3.5 | 3 | 5.5 | 4.5 | 3.5 |
| 26–45 | 4 | 7 | 5.5 | 4 | 3 | 7 | 5.5 | 4 |
| 46–65 | 5 | 8 | 6 | 4.5 | 3.5 | 8 | 6 | 4.5 |
| 66–85 | 6 | 9 | 7 | 5 | 3.5 | 9 | 7 | 5 |
| 86–125 | 7 | 11 | 8 | 5.5 | 4 | 11 | 8 | 5.5 |
| 126–175 | 8 | 12 | 9 | 6 | 4.5 | 12 | 9 | 6 |
| 176–275 | 9 | 13 | 10 | 7 | 5 | 13 | 10 | 7 |
| 276–425 | 10 | 15 | 11 | 8 | 5.5 | 15 | 11 | 8 |
| 426–625 | 11 | 16 | 12 | 9 | 6 | 16 | 12 | 9 |
| 626–875 | 12 | 17 | 13 | 10 | 6.5 | 17 | 13 | 10 |
| 876–1175 | 13 | 19 | 15 | 11 | 7 | 19 | 15 | 11 |
| 1176–1550 | 14 | 20 | 16 | 12 | 7.5 | 20 | 16 | 12 |
| 1551–2025 | 15 | 21 | 17 | 12 | 8 | 21 | 17 | 12 |
| 2026–2675 | 16 | 23 | 18 | 13 | 8.5 | 23 | 18 | 13 |
| 2676–3450 | 17 | 25 | 19 | 14 | 9 | 25 | 19 | 14 |
| 3451–4350 | 18 | 27 | 20 | 15 | 10 | 27 | 20 | 15 |
| 4351–5450 | 19 | 28 | 21 | 16 | 11 | 28 | 21 | 16 |
| 5451–6800 | 20 | 30 | 23 | 17 | 12 | 30 | 23 | 17 |
| 6801–8500 | 21 | 32 | 25 | 19 | 13 | 32 | 25 | 19 |
| 8501–10700 | 22 | 34 | 27 | 20 | 14 | 34 | 27 | 20 |`;

const COLUMNS: ReadonlyArray<readonly [string, string | undefined]> = [
  ['QMS', undefined],
  ['EMS', 'high'],
  ['EMS', 'medium'],
  ['EMS', 'low'],
  ['EMS', 'limited'],
  ['OHSMS', 'high'],
  ['OHSMS', 'medium'],
  ['OHSMS', 'low'],
];

const rows = DOMAIN_TABLE.trim()
  .split('\n')
  .map((line) =>
    line
      .split('|')
      .map((cell) => cell.trim())
      .filter(Boolean),
  )
  .map(([band, ...days]) => {
    const [low, high] = band!.split('–').map(Number);
    return { low: low!, high: high!, days: days.map(Number) };
  });

describe('IAF MD5 initial audit table', () => {
  it.each(
    rows.flatMap((row) =>
      COLUMNS.map(([scheme, complexity], i) => ({ ...row, scheme, complexity, expected: row.days[i]! })),
    ),
  )(
    '$scheme $complexity $low–$high: $expected days at both band edges',
    ({ low, high, scheme, complexity, expected }) => {
      for (const personnel of [low, high]) {
        const result = md5AuditTime({ scheme, complexity, effectivePersonnel: personnel });
        expect(result.initialDays).toBe(expected);
        expect(result.days).toBe(expected);
        expect(result.row).toMatchObject({ minPersonnel: low, maxPersonnel: high, days: expected });
        expect(result.extrapolated).toBe(false);
      }
    },
  );

  it('echoes the inputs', () => {
    const result = md5AuditTime({
      scheme: 'EMS',
      complexity: 'medium',
      effectivePersonnel: 120,
      audit: 'surveillance',
      rounding: 'up',
    });
    expect(result.input).toEqual({
      scheme: 'EMS',
      complexity: 'medium',
      effectivePersonnel: 120,
      audit: 'surveillance',
      reduction: 0,
      rounding: 'up',
    });
    expect(result.row).toEqual({ column: 'EMS-medium', minPersonnel: 86, maxPersonnel: 125, days: 8 });
  });

  it('leaves complexity out of a QMS result', () => {
    expect(md5AuditTime({ scheme: 'QMS', complexity: 'high', effectivePersonnel: 3 }).input.complexity).toBeUndefined();
  });
});

describe('above the table', () => {
  it('extrapolates the last band and says so', () => {
    const result = md5AuditTime({ scheme: 'QMS', effectivePersonnel: MD5_TABLE_LIMIT + 1 });
    expect(result.extrapolated).toBe(true);
    expect(result.row).toMatchObject({ minPersonnel: 10701, maxPersonnel: 12900, days: 23 });
    expect(result.notes.join(' ')).toMatch(/extrapolated/);
  });

  it('keeps growing band by band', () => {
    expect(md5Row('QMS', 12901).row.days).toBe(24);
    expect(md5Row('EMS-high', 12900).row.days).toBe(36);
    expect(md5Row('EMS-limited', 15100).row.days).toBe(16);
    expect(md5Row('OHSMS-low', 20000).row).toMatchObject({ minPersonnel: 19501, maxPersonnel: 21700, days: 25 });
  });
});

describe('other audits, reductions and rounding', () => {
  it('surveillance is a third of the initial time, rounded to the nearest half day', () => {
    // QMS 26–45: 4 days → 1.33 → 1.5
    expect(md5AuditTime({ scheme: 'QMS', effectivePersonnel: 30, audit: 'surveillance' }).days).toBe(1.5);
    // QMS 126–175: 8 days → 2.67 → 2.5
    expect(md5AuditTime({ scheme: 'QMS', effectivePersonnel: 150, audit: 'surveillance' }).days).toBe(2.5);
  });

  it('recertification is two thirds of the initial time', () => {
    expect(md5AuditTime({ scheme: 'QMS', effectivePersonnel: 150, audit: 'recertification' }).days).toBe(5.5);
    expect(
      md5AuditTime({ scheme: 'EMS', complexity: 'high', effectivePersonnel: 9000, audit: 'recertification' }).days,
    ).toBe(22.5);
  });

  it('the up policy rounds every fraction up', () => {
    expect(md5AuditTime({ scheme: 'QMS', effectivePersonnel: 150, audit: 'surveillance', rounding: 'up' }).days).toBe(
      3,
    );
    expect(
      md5AuditTime({ scheme: 'QMS', effectivePersonnel: 150, audit: 'recertification', rounding: 'up' }).days,
    ).toBe(5.5);
  });

  it('the minimum is the table value less 30%', () => {
    const result = md5AuditTime({ scheme: 'QMS', effectivePersonnel: 100 });
    expect(result.initialDays).toBe(7);
    expect(result.minimumDays).toBe(5); // 4.9 → 5
    expect(md5AuditTime({ scheme: 'QMS', effectivePersonnel: 100, rounding: 'up' }).minimumDays).toBe(5);
    expect(md5AuditTime({ scheme: 'QMS', effectivePersonnel: 3 }).minimumDays).toBe(1); // 1.05 → 1
    expect(md5AuditTime({ scheme: 'QMS', effectivePersonnel: 3, rounding: 'up' }).minimumDays).toBe(1.5);
  });

  it('applies a justified reduction and caps it at 30%', () => {
    const reduced = md5AuditTime({ scheme: 'EMS', complexity: 'high', effectivePersonnel: 100, reduction: 0.1 });
    expect(reduced.days).toBe(10); // 11 × 0.9 = 9.9
    const capped = md5AuditTime({ scheme: 'EMS', complexity: 'high', effectivePersonnel: 100, reduction: 0.5 });
    expect(capped.appliedReduction).toBe(0.3);
    expect(capped.days).toBe(capped.minimumDays);
    expect(capped.notes.join(' ')).toMatch(/capped/);
  });

  it('never goes below half a day', () => {
    expect(md5AuditTime({ scheme: 'QMS', effectivePersonnel: 1, audit: 'surveillance' }).minimumDays).toBe(0.5);
  });

  it('rounds half days exactly', () => {
    expect(roundToHalfDay(2.25, 'nearest')).toBe(2.5);
    expect(roundToHalfDay(2.24, 'nearest')).toBe(2);
    expect(roundToHalfDay(2.01, 'up')).toBe(2.5);
    expect(roundToHalfDay(2, 'up')).toBe(2);
    expect(roundToHalfDay((3 * 2) / 3, 'up')).toBe(2);
  });
});

describe('impossible inputs', () => {
  const codeOf = (fn: () => unknown): string | undefined => {
    try {
      fn();
      return undefined;
    } catch (error) {
      expect(error).toBeInstanceOf(Md5Error);
      return (error as Md5Error).code;
    }
  };

  it.each([
    [{ scheme: 'ISMS', effectivePersonnel: 10 }, 'unknown-scheme'],
    [{ scheme: 'QMS', effectivePersonnel: 0 }, 'invalid-personnel'],
    [{ scheme: 'QMS', effectivePersonnel: -4 }, 'invalid-personnel'],
    [{ scheme: 'QMS', effectivePersonnel: 2.5 }, 'invalid-personnel'],
    [{ scheme: 'QMS', effectivePersonnel: 2 ** 53 + 2 }, 'invalid-personnel'],
    [{ scheme: 'OHSMS', complexity: 'limited', effectivePersonnel: 10 }, 'ohsms-limited'],
    [{ scheme: 'EMS', effectivePersonnel: 10 }, 'complexity-required'],
    [{ scheme: 'EMS', complexity: 'extreme', effectivePersonnel: 10 }, 'unknown-complexity'],
    [{ scheme: 'QMS', effectivePersonnel: 10, audit: 'stage3' }, 'unknown-audit'],
    [{ scheme: 'QMS', effectivePersonnel: 10, reduction: -0.1 }, 'invalid-reduction'],
    [{ scheme: 'QMS', effectivePersonnel: 10, rounding: 'down' as never }, 'unknown-rounding'],
  ])('%j → %s', (input, code) => {
    expect(codeOf(() => md5AuditTime(input))).toBe(code);
  });
});
