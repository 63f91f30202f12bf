export {
  decide,
  isPartyTo,
  type Accepted,
  type Claim,
  type DecideResult,
  type DecisionContext,
  type ProposedEvent,
  type Rejected,
  type RuleId,
} from './decide';
export {
  evolve,
  foldEvents,
  initialState,
  onsiteDaysOf,
  TERMINAL_STATUSES,
  type ApplicationState,
  type AuditState,
  type CertificateState,
  type CertificateStatus,
  type CertificationEvent,
  type CertificationState,
  type DecisionRecord,
  type FindingState,
  type FoldedEvent,
  foldedEvent,
} from './state';
export { RULE_TITLES } from './ruleCatalog';
export { defaultRulesConfig, rulesConfig, RulesConfigError, type RulesConfig } from './rulesConfig';
export { creditCodeCheckChar, creditCodeProblem, isValidCreditCode, CREDIT_CODE_ALPHABET } from './creditCode';
export type * from './payloads';
