import { chinaDateOf } from '../chinaCalendar';
import type { Severity, Warning } from './rules';

/**
 * Agency grading, A–D. Every CB starts at 100 points; each deduction below is listed with its
 * reason and evidence, so a grade can be argued with line by line.
 *
 * - open warning: high 2, medium 1, low 0.5 points, ×1.5 when open more than 90 days and ×1.25
 *   when open more than 30 days (a problem left standing weighs more);
 * - warning cleared within the last 365 days: a quarter of its open weight (it happened);
 * - warning points are per 100 certifications of the CB in the jurisdiction (a CB with 600
 *   certifications pays a sixth per warning of what a CB with 100 pays), so size is not a sin;
 * - reporting to CNCA: 20 × the share of reports late or missing;
 * - evaluations: 10 × (5 − mean score) / 4 over the auditor ratings of the CB's audits (at least 5 ratings).
 * Deductions stop at 100. A ≥ 90, B ≥ 75, C ≥ 60, D below.
 */
export const GRADING_POLICY = Object.freeze({
  openWeight: Object.freeze({ high: 2, medium: 1, low: 0.5 }) as Readonly<Record<Severity, number>>,
  ageFactors: Object.freeze([
    { overDays: 90, factor: 1.5 },
    { overDays: 30, factor: 1.25 },
  ]),
  perCertifications: 100,
  clearedShare: 0.25,
  clearedWindowDays: 365,
  reportingWeight: 20,
  evaluationWeight: 10,
  minRatings: 5,
  bands: Object.freeze([
    { grade: 'A', min: 90 },
    { grade: 'B', min: 75 },
    { grade: 'C', min: 60 },
    { grade: 'D', min: -Infinity },
  ]),
});

export type Grade = 'A' | 'B' | 'C' | 'D';

export interface GradePoint {
  readonly points: number;
  readonly reason: string;
  readonly evidence: readonly string[];
}

export interface AgencyGrade {
  readonly agencyId: string;
  readonly score: number;
  readonly grade: Grade;
  readonly certifications: number;
  readonly openWarnings: number;
  readonly clearedWarnings: number;
  readonly reporting: { readonly due: number; readonly onTime: number };
  readonly ratings: { readonly count: number; readonly mean: number | null };
  /** Every deduction, largest first. */
  readonly deductions: readonly GradePoint[];
}

export interface GradingInput {
  readonly agencyId: string;
  readonly warnings: readonly Warning[];
  /** The CB's certifications in the jurisdiction (warning points are per 100 of them). */
  readonly certifications: number;
  readonly reporting: { readonly due: number; readonly onTime: number };
  /** The auditor ratings of the CB's audits in the jurisdiction: how many, and their scores added up. */
  readonly ratings: { readonly count: number; readonly total: number };
  readonly now: Date;
}

const round = (value: number): number => Math.round(value * 100) / 100;
const ageDays = (from: string, now: Date): number =>
  Math.max(0, Math.floor((now.getTime() - new Date(from).getTime()) / 86_400_000));

export function gradeAgency(input: GradingInput): AgencyGrade {
  const policy = GRADING_POLICY;
  const deductions: GradePoint[] = [];
  let open = 0;
  let cleared = 0;
  const scale = policy.perCertifications / Math.max(policy.perCertifications, input.certifications);
  const per = scale < 1 ? `, per ${policy.perCertifications} of ${input.certifications} certifications` : '';
  for (const warning of input.warnings) {
    const weight = policy.openWeight[warning.severity];
    if (!warning.clearedAt) {
      open += 1;
      const age = ageDays(warning.raisedAt, input.now);
      const factor = policy.ageFactors.find((a) => age > a.overDays)?.factor ?? 1;
      deductions.push({
        points: round(weight * factor * scale),
        reason: `${warning.ruleId} ${warning.kind} (${warning.severity} ${weight}, open ${age} days${factor > 1 ? `, ×${factor} for age` : ''}${per}): ${warning.message}`,
        evidence: [warning.id, ...warning.evidence],
      });
    } else if (ageDays(warning.clearedAt, input.now) <= policy.clearedWindowDays) {
      cleared += 1;
      deductions.push({
        points: round(weight * policy.clearedShare * scale),
        reason: `${warning.ruleId} ${warning.kind} (${warning.severity} ${weight} × ${policy.clearedShare}, cleared ${chinaDateOf(warning.clearedAt)}${per}): ${warning.message}`,
        evidence: [warning.id, ...warning.evidence],
      });
    }
  }
  const { due, onTime } = input.reporting;
  if (due > 0 && onTime < due) {
    deductions.push({
      points: round((policy.reportingWeight * (due - onTime)) / due),
      reason: `reporting to CNCA: ${due - onTime} of ${due} reports late or missing`,
      evidence: [],
    });
  }
  const { count } = input.ratings;
  const mean = count > 0 ? input.ratings.total / count : null;
  if (mean !== null && count >= policy.minRatings && mean < 5) {
    deductions.push({
      points: round((policy.evaluationWeight * (5 - mean)) / 4),
      reason: `evaluations: mean auditor rating ${mean.toFixed(2)} of 5 over ${count} ratings`,
      evidence: [],
    });
  }
  deductions.sort((a, b) => b.points - a.points);
  const total = Math.min(
    100,
    deductions.reduce((sum, d) => sum + d.points, 0),
  );
  const score = round(100 - total);
  const grade = policy.bands.find((b) => score >= b.min)!.grade as Grade;
  return {
    agencyId: input.agencyId,
    certifications: input.certifications,
    score,
    grade,
    openWarnings: open,
    clearedWarnings: cleared,
    reporting: { due, onTime },
    ratings: { count, mean: mean === null ? null : round(mean) },
    deductions,
  };
}
