export { supervisionModel } from './model';
export {
  createSupervision,
  enterpriseOwnProfile,
  type EnterpriseOwnProfile,
  type Supervision,
  type SupervisionOptions,
  type Scope,
  type WarningFilter,
  type TickResult,
  type AuditorSummary,
  type AuditorDetail,
  type EvaluationRow,
  type EnterpriseProfile,
  type EvaluationFilter,
  type EvaluationCursor,
  type NamedSubject,
  parseEvaluationCursor,
} from './service';
export {
  evaluate,
  todayOf,
  type MinimumAuditDays,
  type AuditorAuditRow,
  type Evaluation,
  type EvaluationInput,
} from './evaluate';
export { WARNING_RULES, ruleOf, type Warning, type WarningRule, type Severity } from './rules';
export { gradeAgency, GRADING_POLICY, type AgencyGrade, type GradePoint, type Grade } from './grading';
export {
  supervisionConfig,
  supervisionConfigFromEnv,
  defaultSupervisionConfig,
  SupervisionConfigError,
  type RuleLimits,
  type SupervisionConfig,
} from './config';
export { haversineKm } from './geo';
export { addWorkingDays, addMonths, addDays, reportDeadline } from './dates';
export type { CertificationFacts, SupervisionFact } from './facts';
