/** The early-warning checks: W1..W13 are the items of domain.md §7, in its order. */
export type Severity = 'high' | 'medium' | 'low';

export interface WarningRule {
  readonly id: string;
  /** The ledger rule the check mirrors, when there is one. */
  readonly rule?: string;
  readonly title: string;
  readonly severity: Severity;
  /** Raised by the clock (a deadline passing), not only by an event. */
  readonly timeBased: boolean;
  /** The findings the check raises (a warning's `kind`). */
  readonly kinds: readonly string[];
}

export const WARNING_RULES: readonly WarningRule[] = [
  {
    id: 'W1',
    rule: 'R11',
    title: 'Surveillance overdue while the certificate shows valid',
    severity: 'high',
    timeBased: true,
    kinds: ['surveillance-overdue'],
  },
  {
    id: 'W2',
    rule: 'R12',
    title: 'Suspension past its limit, neither restored nor withdrawn',
    severity: 'high',
    timeBased: true,
    kinds: ['suspension-past-limit'],
  },
  {
    id: 'W3',
    rule: 'R14',
    title: 'Certificate continued past expiry without recertification, or recertification not on site',
    severity: 'high',
    timeBased: true,
    kinds: ['valid-after-expiry', 'recertification-remote', 'recertification-after-expiry'],
  },
  {
    id: 'W4',
    rule: 'R8',
    title: 'Decision by an audit team member, or grant with an open major nonconformity (R7, R9)',
    severity: 'high',
    timeBased: false,
    kinds: ['decision-by-team-member', 'grant-with-open-major'],
  },
  {
    id: 'W5',
    rule: 'R6',
    title: 'Audit time under IAF MD5 less 30%, or on-site time under 80%',
    severity: 'medium',
    timeBased: false,
    kinds: ['audit-time-below-md5', 'onsite-share-low'],
  },
  {
    id: 'W6',
    rule: 'R2',
    title: 'Application accepted despite a failed precondition',
    severity: 'medium',
    timeBased: false,
    kinds: ['accepted-despite-precondition'],
  },
  {
    id: 'W7',
    title: 'Failed spot check with no short-notice audit within 30 days',
    severity: 'high',
    timeBased: true,
    kinds: ['spot-check-without-follow-up'],
  },
  {
    id: 'W8',
    rule: 'R4',
    title:
      'Auditor: registration expired, sector not covered, two audits at once, team changed after the reported plan',
    severity: 'medium',
    timeBased: false,
    kinds: [
      'registration-expired',
      'sector-not-covered',
      'sector-covered-by-expert-only',
      'auditor-overlap',
      'team-changed-after-report',
    ],
  },
  {
    id: 'W9',
    title:
      'Check-in anomaly: missing check-in or check-out, member missing, a check-in outside the audit days, location too far from the site',
    severity: 'low',
    timeBased: false,
    kinds: ['member-missing', 'missing-check-in-out', 'check-in-outside-audit-dates', 'location-deviation'],
  },
  {
    id: 'W10',
    title: 'Reporting to CNCA late or missing',
    severity: 'low',
    timeBased: true,
    kinds: ['reported-late', 'not-reported', 'report-recorded-after-due'],
  },
  {
    id: 'W11',
    title: 'Withdrawal trigger recorded and no withdrawal within 5 working days',
    severity: 'high',
    timeBased: true,
    kinds: ['withdrawal-overdue'],
  },
  {
    id: 'W12',
    rule: 'R15',
    title: 'Transfer of a suspended certificate',
    severity: 'high',
    timeBased: false,
    kinds: ['transfer-of-suspended'],
  },
  {
    id: 'W13',
    title: 'The same client with conflicting statuses at two CBs for the same scheme and scope',
    severity: 'medium',
    timeBased: false,
    kinds: ['conflicting-status'],
  },
];

export const ruleOf = (id: string): WarningRule => WARNING_RULES.find((r) => r.id === id)!;

/** One warning: what, about whom, on which evidence, and when it was raised and cleared. */
export interface Warning {
  /** Stable: the rule id and the subject, so re-evaluation updates rather than duplicates. */
  readonly id: string;
  readonly ruleId: string;
  readonly rule?: string;
  /** The specific finding within the rule (e.g. W8 `auditor-overlap`). */
  readonly kind: string;
  readonly severity: Severity;
  readonly agencyId: string;
  readonly regionCode: string;
  readonly certificationId?: string;
  readonly certificateNo?: string;
  readonly creditCode?: string;
  readonly auditorId?: string;
  readonly message: string;
  readonly evidence: readonly string[];
  /** ISO 8601: when the condition became true (the event, or the day after the deadline). */
  readonly raisedAt: string;
  /** ISO 8601, absent while the warning is open. */
  readonly clearedAt?: string;
}
