/**
 * Policy values of the supervision checks (domain.md marks them configurable); defaults below.
 * Those the ledger's rules also use (RuleLimits) come from the rules' settings, never set twice.
 */
export interface SupervisionConfig {
  /** W1 (R11): the longest gap from issue to the first surveillance, and between surveillances. */
  readonly surveillanceIntervalMonths: number;
  /** W1: a surveillance falling due this close to expiry is left to the recertification audit (and W3). */
  readonly recertificationWindowMonths: number;
  /** W2 (R12): the longest suspension. */
  readonly maxSuspensionMonths: number;
  /** W7: days after a failed spot check within which a special (short-notice) audit must start. */
  readonly spotCheckFollowUpDays: number;
  /** W9: how far a check-in may be from the audited site. */
  readonly checkInRadiusKm: number;
  /** W10: reports of results, certificates and status changes are due by this day of the following month. */
  readonly reportingDayOfMonth: number;
  /** W11: working days after a withdrawal trigger by which the certificate must be withdrawn. */
  readonly withdrawalWorkingDays: number;
  /** W5 (R6): the least on-site share of a plan's audit days; remote audits permitted lift it. */
  readonly minOnsiteShare: number;
  readonly remoteAuditPermitted: boolean;
  /** W6 (R2): how long the management system must have run before the application. */
  readonly minSystemOperationMonths: number;
  /** Dates (YYYY-MM-DD) that are not working days besides weekends (public holidays). */
  readonly holidays: readonly string[];
  /** Saturdays and Sundays (YYYY-MM-DD) that are working days: China's make-up days around holidays (调休). */
  readonly workingWeekends: readonly string[];
}

export const defaultSupervisionConfig: SupervisionConfig = Object.freeze({
  surveillanceIntervalMonths: 12,
  recertificationWindowMonths: 3,
  maxSuspensionMonths: 6,
  spotCheckFollowUpDays: 30,
  checkInRadiusKm: 5,
  reportingDayOfMonth: 10,
  withdrawalWorkingDays: 5,
  minOnsiteShare: 0.8,
  remoteAuditPermitted: false,
  minSystemOperationMonths: 3,
  holidays: Object.freeze([]) as readonly string[],
  workingWeekends: Object.freeze([]) as readonly string[],
});

export class SupervisionConfigError extends Error {
  readonly code = 'invalid-supervision-config';
  constructor(message: string) {
    super(message);
    this.name = 'SupervisionConfigError';
  }
}

/** The defaults with `overrides` applied, checked and frozen. */
export function supervisionConfig(overrides: Partial<SupervisionConfig> = {}): SupervisionConfig {
  const config = { ...defaultSupervisionConfig, ...overrides };
  for (const key of [
    'surveillanceIntervalMonths',
    'recertificationWindowMonths',
    'maxSuspensionMonths',
    'spotCheckFollowUpDays',
    'withdrawalWorkingDays',
    'minSystemOperationMonths',
  ] as const) {
    if (!Number.isInteger(config[key]) || config[key] < 0)
      throw new SupervisionConfigError(`${key} must be a whole number ≥ 0`);
  }
  if (!(config.checkInRadiusKm > 0)) throw new SupervisionConfigError('checkInRadiusKm must be > 0');
  if (!(config.reportingDayOfMonth >= 1 && config.reportingDayOfMonth <= 28))
    throw new SupervisionConfigError('reportingDayOfMonth must be 1..28');
  if (!(config.minOnsiteShare >= 0 && config.minOnsiteShare <= 1))
    throw new SupervisionConfigError('minOnsiteShare must be between 0 and 1');
  for (const key of ['holidays', 'workingWeekends'] as const) {
    const bad = config[key].find((date) => !isCalendarDate(date));
    if (bad !== undefined)
      throw new SupervisionConfigError(`${key}: ${JSON.stringify(bad)} is not a date (YYYY-MM-DD)`);
  }
  return Object.freeze({
    ...config,
    holidays: Object.freeze([...config.holidays]),
    workingWeekends: Object.freeze([...config.workingWeekends]),
  });
}

/** The limits the checks share with the ledger's rules (W2 ↔ R12, W5 ↔ R6, W6 ↔ R2). */
export type RuleLimits = Pick<
  SupervisionConfig,
  'maxSuspensionMonths' | 'minOnsiteShare' | 'remoteAuditPermitted' | 'minSystemOperationMonths'
>;

/** Variables that once set a rule's limit a second time; the rules' settings hold it now. */
const RETIRED_VARIABLES: Readonly<Record<string, keyof RuleLimits>> = {
  SUPERVISION_MAX_SUSPENSION_MONTHS: 'maxSuspensionMonths',
};

/** A comma-separated list of dates from the environment; undefined when unset. */
const dateList = (value: string | undefined): string[] | undefined =>
  value
    ?.split(',')
    .map((d) => d.trim())
    .filter(Boolean);

/** An impossible day rolls over (2025-02-30 reads as 2 March), an impossible month is no date at all (2025-13-01). */
const isCalendarDate = (value: string): boolean => {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(value);
};

/**
 * Supervision settings: the rules' limits as the ledger applies them, and the environment for the
 * checks' own values (SUPERVISION_CHECKIN_RADIUS_KM, SUPERVISION_HOLIDAYS=comma list, …).
 */
export function supervisionConfigFromEnv(
  env: NodeJS.ProcessEnv = process.env,
  ruleLimits: Partial<RuleLimits> = {},
): SupervisionConfig {
  for (const [name, limit] of Object.entries(RETIRED_VARIABLES)) {
    if (env[name] !== undefined)
      throw new SupervisionConfigError(
        `${name} is no longer read: set ${limit} in LEDGER_RULES_FILE, which the ledger's rules and the warnings share`,
      );
  }
  // Number('') is 0: an empty variable would set a limit of 0 instead of stopping the service.
  const number = (name: string): number | undefined => {
    const text = env[name];
    if (text === undefined) return undefined;
    const value = text.trim() === '' ? NaN : Number(text);
    if (Number.isNaN(value)) throw new SupervisionConfigError(`${name} must be a number; got "${text}"`);
    return value;
  };
  const overrides: Record<string, unknown> = {
    ...ruleLimits,
    surveillanceIntervalMonths: number('SUPERVISION_SURVEILLANCE_MONTHS'),
    spotCheckFollowUpDays: number('SUPERVISION_SPOT_CHECK_DAYS'),
    checkInRadiusKm: number('SUPERVISION_CHECKIN_RADIUS_KM'),
    reportingDayOfMonth: number('SUPERVISION_REPORTING_DAY'),
    withdrawalWorkingDays: number('SUPERVISION_WITHDRAWAL_WORKING_DAYS'),
    holidays: dateList(env.SUPERVISION_HOLIDAYS),
    workingWeekends: dateList(env.SUPERVISION_WORKING_WEEKENDS),
  };
  return supervisionConfig(
    Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined)) as Partial<SupervisionConfig>,
  );
}
