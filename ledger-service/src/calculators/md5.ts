import { roundToHalfDay, ROUNDING_POLICIES, type RoundingPolicy } from './rounding';

/**
 * IAF MD5 (2019) audit time for QMS, EMS and OH&S: the initial audit table (auditor-days for
 * stage 1 + stage 2 by effective personnel) and the adjustments around it (domain.md §3).
 */
export type Md5Scheme = 'QMS' | 'EMS' | 'OHSMS';
export type Md5Complexity = 'high' | 'medium' | 'low' | 'limited';
export type Md5Audit = 'initial' | 'surveillance' | 'recertification';

export const MD5_SCHEMES: readonly Md5Scheme[] = ['QMS', 'EMS', 'OHSMS'];
export const MD5_COMPLEXITIES: readonly Md5Complexity[] = ['high', 'medium', 'low', 'limited'];
export const MD5_AUDITS: readonly Md5Audit[] = ['initial', 'surveillance', 'recertification'];

/** The table's columns, in the order of the rows below. */
type Column =
  'QMS' | 'EMS-high' | 'EMS-medium' | 'EMS-low' | 'EMS-limited' | 'OHSMS-high' | 'OHSMS-medium' | 'OHSMS-low';
const COLUMNS: readonly Column[] = [
  'QMS',
  'EMS-high',
  'EMS-medium',
  'EMS-low',
  'EMS-limited',
  'OHSMS-high',
  'OHSMS-medium',
  'OHSMS-low',
];

/** [lowest personnel, highest personnel, days per column] */
const ROWS: ReadonlyArray<readonly [number, number, readonly number[]]> = [
  [1, 5, [1.5, 3, 2.5, 2.5, 2.5, 3, 2.5, 2.5]],
  [6, 10, [2, 3.5, 3, 3, 3, 3.5, 3, 3]],
  [11, 15, [2.5, 4.5, 3.5, 3, 3, 4.5, 3.5, 3]],
  [16, 25, [3, 5.5, 4.5, 3.5, 3, 5.5, 4.5, 3.5]],
  [26, 45, [4, 7, 5.5, 4, 3, 7, 5.5, 4]],
  [46, 65, [5, 8, 6, 4.5, 3.5, 8, 6, 4.5]],
  [66, 85, [6, 9, 7, 5, 3.5, 9, 7, 5]],
  [86, 125, [7, 11, 8, 5.5, 4, 11, 8, 5.5]],
  [126, 175, [8, 12, 9, 6, 4.5, 12, 9, 6]],
  [176, 275, [9, 13, 10, 7, 5, 13, 10, 7]],
  [276, 425, [10, 15, 11, 8, 5.5, 15, 11, 8]],
  [426, 625, [11, 16, 12, 9, 6, 16, 12, 9]],
  [626, 875, [12, 17, 13, 10, 6.5, 17, 13, 10]],
  [876, 1175, [13, 19, 15, 11, 7, 19, 15, 11]],
  [1176, 1550, [14, 20, 16, 12, 7.5, 20, 16, 12]],
  [1551, 2025, [15, 21, 17, 12, 8, 21, 17, 12]],
  [2026, 2675, [16, 23, 18, 13, 8.5, 23, 18, 13]],
  [2676, 3450, [17, 25, 19, 14, 9, 25, 19, 14]],
  [3451, 4350, [18, 27, 20, 15, 10, 27, 20, 15]],
  [4351, 5450, [19, 28, 21, 16, 11, 28, 21, 16]],
  [5451, 6800, [20, 30, 23, 17, 12, 30, 23, 17]],
  [6801, 8500, [21, 32, 25, 19, 13, 32, 25, 19]],
  [8501, 10700, [22, 34, 27, 20, 14, 34, 27, 20]],
];

/** The highest headcount the published table covers. */
export const MD5_TABLE_LIMIT = 10700;

/** Share of the initial audit time for each kind of audit. */
export const MD5_AUDIT_FACTORS: Readonly<Record<Md5Audit, number>> = {
  initial: 1,
  surveillance: 1 / 3,
  recertification: 2 / 3,
};

/** The most the table value may be reduced by all adjustments together. */
export const MD5_MAX_REDUCTION = 0.3;

export type Md5ErrorCode =
  | 'unknown-scheme'
  | 'unknown-complexity'
  | 'complexity-required'
  | 'ohsms-limited'
  | 'invalid-personnel'
  | 'unknown-audit'
  | 'invalid-reduction'
  | 'unknown-rounding';

export class Md5Error extends Error {
  constructor(
    readonly code: Md5ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'Md5Error';
  }
}

export interface Md5Input {
  readonly scheme: string;
  /** EMS: environmental complexity; OH&S: OH&S risk. Ignored for QMS. */
  readonly complexity?: string;
  /** Effective personnel (integer ≥ 1). */
  readonly effectivePersonnel: number;
  /** Default 'initial'. */
  readonly audit?: string;
  /** Reduction the CB justified, as a fraction of the table value (0.1 = 10%); capped at 30%. Default 0. */
  readonly reduction?: number;
  /** Default 'nearest'. */
  readonly rounding?: RoundingPolicy;
}

export interface Md5Row {
  readonly column: string;
  readonly minPersonnel: number;
  /** Upper bound of the band; for an extrapolated band, the band the progression yields. */
  readonly maxPersonnel: number;
  /** Initial audit (stage 1 + stage 2) auditor-days in the band. */
  readonly days: number;
}

export interface Md5Result {
  readonly input: {
    readonly scheme: Md5Scheme;
    readonly complexity?: Md5Complexity;
    readonly effectivePersonnel: number;
    readonly audit: Md5Audit;
    readonly reduction: number;
    readonly rounding: RoundingPolicy;
  };
  readonly row: Md5Row;
  /** True when the headcount is above the table and the row was extrapolated. */
  readonly extrapolated: boolean;
  readonly notes: readonly string[];
  /** The table's initial audit days (stage 1 + stage 2) for the row. */
  readonly initialDays: number;
  /** The share of the initial time this audit takes (1, 1/3, 2/3). */
  readonly auditFactor: number;
  /** The reduction applied (the requested one, capped at 30%). */
  readonly appliedReduction: number;
  /** Audit days for this audit after the applied reduction, rounded. */
  readonly days: number;
  /** The least this audit may be planned with: the table value less the maximum 30% reduction, rounded. */
  readonly minimumDays: number;
}

function columnOf(scheme: Md5Scheme, complexity: string | undefined): Column {
  if (scheme === 'QMS') return 'QMS';
  if (complexity === undefined || complexity === '') {
    throw new Md5Error(
      'complexity-required',
      `${scheme} audit time needs a complexity (high, medium, low${scheme === 'EMS' ? ', limited' : ''})`,
    );
  }
  if (!(MD5_COMPLEXITIES as readonly string[]).includes(complexity)) {
    throw new Md5Error('unknown-complexity', `unknown complexity ${JSON.stringify(complexity)}`);
  }
  if (scheme === 'OHSMS' && complexity === 'limited') {
    throw new Md5Error('ohsms-limited', 'IAF MD5 has no "limited" OH&S risk category');
  }
  return `${scheme}-${complexity}` as Column;
}

/** The table row for a column and headcount; above 10,700 the last band's width and increment continue. */
export function md5Row(column: string, effectivePersonnel: number): { row: Md5Row; extrapolated: boolean } {
  const index = COLUMNS.indexOf(column as Column);
  if (index < 0) throw new Md5Error('unknown-scheme', `unknown MD5 column ${JSON.stringify(column)}`);
  const found = ROWS.find(([low, high]) => effectivePersonnel >= low && effectivePersonnel <= high);
  if (found) {
    return {
      row: { column, minPersonnel: found[0], maxPersonnel: found[1], days: found[2][index]! },
      extrapolated: false,
    };
  }
  const last = ROWS[ROWS.length - 1]!;
  const previous = ROWS[ROWS.length - 2]!;
  const width = last[1] - last[0] + 1;
  const increment = last[2][index]! - previous[2][index]!;
  const steps = Math.ceil((effectivePersonnel - last[1]) / width);
  return {
    row: {
      column,
      minPersonnel: last[1] + (steps - 1) * width + 1,
      maxPersonnel: last[1] + steps * width,
      days: last[2][index]! + steps * increment,
    },
    extrapolated: true,
  };
}

/** Audit time for one audit by IAF MD5. Throws Md5Error on inputs the table cannot answer. */
export function md5AuditTime(input: Md5Input): Md5Result {
  const scheme = input.scheme as Md5Scheme;
  if (!MD5_SCHEMES.includes(scheme))
    throw new Md5Error('unknown-scheme', `unknown scheme ${JSON.stringify(input.scheme)}`);
  const personnel = input.effectivePersonnel;
  if (!Number.isSafeInteger(personnel) || personnel <= 0) {
    throw new Md5Error(
      'invalid-personnel',
      `effective personnel must be a whole number of at least 1, not ${String(personnel)}`,
    );
  }
  const audit = (input.audit ?? 'initial') as Md5Audit;
  if (!MD5_AUDITS.includes(audit)) throw new Md5Error('unknown-audit', `unknown audit ${JSON.stringify(input.audit)}`);
  const rounding = input.rounding ?? 'nearest';
  if (!ROUNDING_POLICIES.includes(rounding)) {
    throw new Md5Error('unknown-rounding', `unknown rounding policy ${JSON.stringify(rounding)}`);
  }
  const reduction = input.reduction ?? 0;
  if (!Number.isFinite(reduction) || reduction < 0 || reduction > 1) {
    throw new Md5Error('invalid-reduction', `reduction must be a fraction between 0 and 1, not ${String(reduction)}`);
  }
  const column = columnOf(scheme, input.complexity);
  const { row, extrapolated } = md5Row(column, personnel);
  const notes: string[] = [];
  if (extrapolated) {
    notes.push(
      `${personnel} effective personnel is above the MD5 table (${MD5_TABLE_LIMIT}); ` +
        `the progression was extrapolated to ${row.minPersonnel}–${row.maxPersonnel}: ${row.days} days`,
    );
  }
  const appliedReduction = Math.min(reduction, MD5_MAX_REDUCTION);
  if (reduction > MD5_MAX_REDUCTION) notes.push(`requested reduction ${reduction} capped at ${MD5_MAX_REDUCTION}`);
  const auditFactor = MD5_AUDIT_FACTORS[audit];
  const base = row.days * auditFactor;
  return {
    input: {
      scheme,
      ...(scheme === 'QMS' ? {} : { complexity: input.complexity as Md5Complexity }),
      effectivePersonnel: personnel,
      audit,
      reduction,
      rounding,
    },
    row,
    extrapolated,
    notes,
    initialDays: row.days,
    auditFactor,
    appliedReduction,
    days: Math.max(0.5, roundToHalfDay(base * (1 - appliedReduction), rounding)),
    minimumDays: Math.max(0.5, roundToHalfDay(base * (1 - MD5_MAX_REDUCTION), rounding)),
  };
}
