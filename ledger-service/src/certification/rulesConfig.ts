import { DEFAULT_MAX_CLOCK_SKEW_SECONDS } from '@certledger/chaincode';
import { ROUNDING_POLICIES, type RoundingPolicy } from '../calculators/rounding';

/** The policy values of the rules (domain.md marks them configurable). */
export interface RulesConfig {
  /** R2: how long the management system must have run before the application. */
  readonly minSystemOperationMonths: number;
  /** R12: the longest suspension. */
  readonly maxSuspensionMonths: number;
  /** R9: how long after the last day of stage 2 a major nonconformity may be closed. */
  readonly majorClosureMonths: number;
  /** R10: the longest certificate validity from the decision date. */
  readonly certificateValidityYears: number;
  /** R16: how far in the future an event's occurredAt may be. */
  readonly clockSkewSeconds: number;
  /** R6: MD5 rounding to half days. */
  readonly auditTimeRounding: RoundingPolicy;
  /** R6: the most the MD5 table value may be reduced (fraction). */
  readonly maxAuditTimeReduction: number;
  /** R6: the least on-site share of a plan's audit days. */
  readonly minOnsiteShare: number;
  /** R6: whether remote and mixed audits (IAF MD4) are permitted, lifting the on-site share. */
  readonly remoteAuditPermitted: boolean;
  /** R11: surveillance audits conducted in a cycle before its recertification can be granted. */
  readonly minSurveillancesPerCycle: number;
  /**
   * R15: how long a holder's release lasts: the CB it names may take the certification over up to this
   * many days after the release's day, and after the day the ledger recorded the release.
   */
  readonly transferReleaseValidDays: number;
}

export const defaultRulesConfig: RulesConfig = Object.freeze({
  minSystemOperationMonths: 3,
  maxSuspensionMonths: 6,
  majorClosureMonths: 6,
  certificateValidityYears: 3,
  clockSkewSeconds: 300,
  auditTimeRounding: 'nearest',
  maxAuditTimeReduction: 0.3,
  minOnsiteShare: 0.8,
  remoteAuditPermitted: false,
  minSurveillancesPerCycle: 2,
  transferReleaseValidDays: 90,
});

export class RulesConfigError extends Error {
  readonly code = 'invalid-rules-config';
  constructor(message: string) {
    super(message);
    this.name = 'RulesConfigError';
  }
}

const NON_NEGATIVE_INTEGERS = [
  'minSystemOperationMonths',
  'maxSuspensionMonths',
  'majorClosureMonths',
  'certificateValidityYears',
  'minSurveillancesPerCycle',
  'transferReleaseValidDays',
] as const;

/** The defaults with `overrides` applied, checked and frozen. Throws RulesConfigError on a bad value. */
export function rulesConfig(overrides: Partial<RulesConfig> = {}): RulesConfig {
  const config: RulesConfig = { ...defaultRulesConfig, ...overrides };
  for (const key of NON_NEGATIVE_INTEGERS) {
    if (!Number.isInteger(config[key]) || config[key] < 0)
      throw new RulesConfigError(`${key} must be a whole number ≥ 0`);
  }
  if (!(config.clockSkewSeconds >= 0 && config.clockSkewSeconds <= DEFAULT_MAX_CLOCK_SKEW_SECONDS))
    throw new RulesConfigError(
      `clockSkewSeconds must be between 0 and ${DEFAULT_MAX_CLOCK_SKEW_SECONDS}, the ledger's: an event the ledger would refuse as dated ahead of it must not be taken in`,
    );
  if (!ROUNDING_POLICIES.includes(config.auditTimeRounding)) {
    throw new RulesConfigError(`auditTimeRounding must be one of ${ROUNDING_POLICIES.join(', ')}`);
  }
  for (const key of ['maxAuditTimeReduction', 'minOnsiteShare'] as const) {
    if (!(config[key] >= 0 && config[key] <= 1)) throw new RulesConfigError(`${key} must be between 0 and 1`);
  }
  if (typeof config.remoteAuditPermitted !== 'boolean')
    throw new RulesConfigError('remoteAuditPermitted must be a boolean');
  return Object.freeze(config);
}
