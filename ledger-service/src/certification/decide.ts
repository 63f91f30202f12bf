import { md5AuditTime, Md5Error, type Md5Audit } from '../calculators/md5';
import type { UniqueClaim } from '../eventStore/port';
import { isDateTime } from '../events/validate';
import { CERTIFICATION_EVENT_TYPES } from '../events/schema';
import { creditCodeProblem } from './creditCode';
import { addDays, addMonths, dateOf, dayAt, timeOf, type IsoDate } from './dates';
import type {
  ApplicationSubmittedData,
  ApplicationReviewedData,
  AuditConductedData,
  AuditKind,
  AuditPlannedData,
  CertificationPayloads,
  TeamMemberPayload,
} from './payloads';
import type { RuleId } from './ruleCatalog';
import type { RulesConfig } from './rulesConfig';
import {
  foldedEvent,
  onsiteDaysOf,
  TERMINAL_STATUSES,
  type AuditState,
  type CertificateState,
  type CertificationState,
} from './state';

export type { RuleId };

/** An event a CB wants to append to a certification's stream (agencyId from its principal). */
export interface ProposedEvent {
  readonly type: string;
  readonly data: Record<string, unknown>;
  readonly occurredAt: string;
  readonly agencyId: string;
  readonly eventId: string;
}

export interface DecisionContext {
  readonly now: Date;
  readonly rules: RulesConfig;
}

export type Claim = UniqueClaim;

export interface Accepted {
  readonly ok: true;
  /** The payload to store: the proposed one, amended where the ledger computes a field (requiredAuditDays). */
  readonly data: Record<string, unknown>;
  /** Values to reserve ledger-wide with the append (R10: certificate numbers). */
  readonly claims: readonly Claim[];
}

export interface Rejected {
  readonly ok: false;
  readonly rule: RuleId;
  /** Stable kebab-case code of the violation. */
  readonly code: string;
  readonly message: string;
}

export type DecideResult = Accepted | Rejected;

class Violation {
  constructor(
    readonly rule: RuleId,
    readonly code: string,
    readonly message: string,
  ) {}
}

function reject(rule: RuleId, code: string, message: string): never {
  throw new Violation(rule, code, message);
}

/** What every check reads: the state, the proposal, the rules, and the proposal's date. */
interface Input<T extends keyof CertificationPayloads> {
  readonly state: CertificationState;
  readonly event: ProposedEvent;
  readonly data: CertificationPayloads[T];
  readonly rules: RulesConfig;
  /** Calendar date of occurredAt, in its own offset. */
  readonly on: IsoDate;
}

type Outcome = { readonly data?: Record<string, unknown>; readonly claims?: readonly Claim[] } | void;
type Check<T extends keyof CertificationPayloads> = (input: Input<T>) => Outcome;

// ---------------------------------------------------------------------------------------------
// Shared checks
// ---------------------------------------------------------------------------------------------

/** R16: an event is not older than the event it depends on. */
function notBefore(event: ProposedEvent, dependency: string | undefined, what: string): void {
  if (dependency !== undefined && timeOf(event.occurredAt) < timeOf(dependency)) {
    reject(
      'R16',
      'occurred-before-dependency',
      `occurredAt ${event.occurredAt} is before the ${what} (${dependency}) it depends on`,
    );
  }
}

function auditOf(state: CertificationState, auditId: string): AuditState {
  return state.audits[auditId] ?? reject('SEQ', 'unknown-audit', `no audit ${auditId} has been assigned a team`);
}

function certificateOf(state: CertificationState, type: string): CertificateState {
  return state.certificate ?? reject('SEQ', 'no-certificate', `${type} needs an issued certificate`);
}

/**
 * R15 (IAF MD2): the certificate a CB decides on is one it issued. Between a transfer and the
 * accepting CB's own certificate, the certificate in force is the previous CB's, which keeps it.
 */
function ownCertificateOf(state: CertificationState, type: string): CertificateState {
  const certificate = certificateOf(state, type);
  const transfer = state.transfer;
  if (transfer?.awaitingCertificate) {
    reject(
      'R15',
      'certificate-of-previous-cb',
      `certificate ${certificate.certificateNo} was issued by ${transfer.fromAgencyId}, which keeps it; issue your own certificate after the transfer before ${type}`,
    );
  }
  return certificate;
}

/** R13 by the calendar: a certificate past its validUntil is expired even before CertificateExpired is recorded. */
function notPastValidity(certificate: CertificateState, on: IsoDate, type: string): void {
  if (on > certificate.validUntil) {
    reject(
      'R13',
      'certificate-expired',
      `certificate ${certificate.certificateNo} expired on ${certificate.validUntil}; ${type} is not possible`,
    );
  }
}

/** R15 (IAF MD2): what a release and a transfer both need: a certified client, not suspended, in validity. */
function checkTransferable(state: CertificationState, event: ProposedEvent, on: IsoDate): void {
  const certificate =
    state.certificate ??
    reject('R15', 'transfer-without-certificate', 'only a certified client can be transferred (IAF MD2)');
  if (certificate.status === 'suspended')
    reject('R15', 'transfer-of-suspended-certificate', 'a suspended certificate cannot be transferred');
  if (state.transfer?.awaitingCertificate)
    reject('SEQ', 'transfer-in-progress', 'the previous transfer awaits its certificate');
  notPastValidity(certificate, on, 'a transfer');
  notBefore(event, certificate.changedAt, 'last certificate change');
}

/** R12: a suspension ends by restore or by withdrawal, so nothing else may end it. */
function notSuspended(state: CertificationState, code: string, remedy: string): void {
  const certificate = state.certificate;
  if (certificate?.status === 'suspended') {
    reject(
      'R12',
      code,
      `certificate ${certificate.certificateNo} is suspended, and a suspension ends only by restore or withdrawal: ${remedy}`,
    );
  }
}

const isBlank = (value: string | undefined): boolean => value === undefined || value.trim() === '';

/** Members whose registration R4 checks: everyone but technical experts. */
const registered = (team: readonly TeamMemberPayload[]): TeamMemberPayload[] => team.filter((m) => m.role !== 'expert');

/** R4: every registered member's registration is valid through `date`. */
function registrationsValidThrough(team: readonly TeamMemberPayload[], date: IsoDate, what: string): void {
  for (const member of registered(team)) {
    if (member.registrationValidUntil !== undefined && member.registrationValidUntil < date) {
      reject(
        'R4',
        'registration-expired',
        `auditor ${member.auditorId}'s registration is valid until ${member.registrationValidUntil}, before ${what} ${date}`,
      );
    }
  }
}

const MD5_AUDIT_OF: Partial<Record<AuditKind, Md5Audit>> = {
  stage1: 'initial',
  stage2: 'initial',
  surveillance: 'surveillance',
  recertification: 'recertification',
};

/** R6: MD5 audit days for the application's scheme and headcount, reduced by at most the allowed share. */
function md5For(state: CertificationState, rules: RulesConfig, audit: Md5Audit, reduction: number) {
  const application = state.application!;
  try {
    return md5AuditTime({
      scheme: application.scheme,
      complexity: application.complexity,
      effectivePersonnel: application.client.employees,
      audit,
      reduction,
      rounding: rules.auditTimeRounding,
    });
  } catch (error) {
    if (error instanceof Md5Error) reject('R6', error.code, error.message);
    throw error;
  }
}

/** The last audit of a kind that was planned (or conducted): the stage 1 that stage 2 builds on, and back. */
function latestAudit(
  state: CertificationState,
  kind: AuditKind,
  having: 'plan' | 'conducted',
  except?: string,
): AuditState | undefined {
  const audits = Object.values(state.audits).filter(
    (a) => a.kind === kind && a[having] !== undefined && a.auditId !== except,
  );
  return audits.sort((a, b) => timeOf(a[having]!.at) - timeOf(b[having]!.at)).at(-1);
}

/** The audits a decision on `audit` covers: stage 2 covers the stage 1 audits of the same initial certification. */
function auditsDecidedWith(state: CertificationState, audit: AuditState): AuditState[] {
  if (audit.kind !== 'stage2') return [audit];
  return [audit, ...Object.values(state.audits).filter((a) => a.kind === 'stage1')];
}

// ---------------------------------------------------------------------------------------------
// One check per event type
// ---------------------------------------------------------------------------------------------

const checks: { readonly [T in keyof CertificationPayloads]: Check<T> } = {
  ApplicationSubmitted: ({ data, rules, on }) => {
    checkClientIdentity(data);
    checkManagementSystem(data, rules, on);
    // R6 needs an answerable MD5 column (EMS/OH&S complexity, no OH&S "limited").
    try {
      md5AuditTime({ scheme: data.scheme, complexity: data.complexity, effectivePersonnel: data.client.employees });
    } catch (error) {
      if (error instanceof Md5Error) reject('R6', error.code, error.message);
      throw error;
    }
  },

  ApplicationReviewed: ({ state, event, data, rules }) => {
    if (state.review)
      reject('R3', 'application-already-reviewed', `the application was already ${state.review.outcome}`);
    notBefore(event, state.application!.submittedAt, 'application');
    const {
      requiredAuditDays: _days,
      requiredAuditDaysExtrapolated: _extrapolated,
      ...rest
    } = data as ApplicationReviewedData;
    if (data.outcome !== 'accepted') return { data: rest };
    const { days, extrapolated } = md5For(state, rules, 'initial', 0);
    // Only an extrapolation is said, so that every other review's bytes stay as they were.
    return {
      data: { ...rest, requiredAuditDays: days, ...(extrapolated ? { requiredAuditDaysExtrapolated: true } : {}) },
    };
  },

  ContractSigned: ({ state, event }) => {
    notBefore(event, state.review?.at, 'application review');
  },

  AuditTeamAssigned: ({ state, event, data, on }) => {
    const existing = state.audits[data.auditId];
    if (existing) {
      if (existing.kind !== data.kind) {
        reject('SEQ', 'audit-kind-changed', `audit ${data.auditId} is a ${existing.kind} audit, not ${data.kind}`);
      }
      if (existing.conducted) reject('SEQ', 'audit-already-conducted', `audit ${data.auditId} was already conducted`);
      notBefore(event, existing.assignedAt, 'earlier team assignment');
    }
    checkAuditKindAllowed(state, data.kind, on);
    if (data.kind === 'stage1' || data.kind === 'stage2') notBefore(event, state.contract?.at, 'contract');
    else notBefore(event, state.certificate?.issuedEventAt, 'certificate issue');
    checkTeam(state, data.members ?? [], on, existing?.plan?.end);
  },

  AuditPlanned: ({ state, event, data, rules }) => {
    const audit = auditOf(state, data.auditId);
    if (audit.conducted) reject('SEQ', 'audit-already-conducted', `audit ${data.auditId} was already conducted`);
    notBefore(event, audit.assignedAt, 'team assignment');
    if (data.end < data.start)
      reject('R16', 'plan-ends-before-start', `the plan ends (${data.end}) before it starts (${data.start})`);
    registrationsValidThrough(audit.team, data.end, 'the planned audit end');
    if (audit.kind === 'recertification') checkRecertificationPlan(state, data, rules);
    checkAuditTime(state, audit, data, rules);
  },

  AuditConducted: ({ state, event, data, on }) => {
    const audit = auditOf(state, data.auditId);
    if (!audit.plan) reject('SEQ', 'audit-not-planned', `audit ${data.auditId} has no plan`);
    if (audit.conducted) reject('SEQ', 'audit-already-conducted', `audit ${data.auditId} was already conducted`);
    notBefore(event, audit.plan.at, 'audit plan');
    if (data.end < data.start)
      reject('R16', 'audit-ends-before-start', `the audit ends (${data.end}) before it starts (${data.start})`);
    if (on < data.start) {
      reject(
        'R16',
        'recorded-before-audit-start',
        `occurredAt ${event.occurredAt} is before the audit it reports started (${data.start})`,
      );
    }
    if (audit.kind === 'stage2') checkStage1Conducted(state, data);
    if (audit.kind === 'recertification' && state.certificate && data.end > state.certificate.validUntil) {
      reject(
        'R14',
        'recertification-after-expiry',
        `the recertification audit ends after the certificate expires (${state.certificate.validUntil})`,
      );
    }
    registrationsValidThrough(audit.team, data.end, 'the audit end');
  },

  FindingRaised: ({ state, event, data }) => {
    const audit = auditOf(state, data.auditId);
    if (!audit.conducted) reject('SEQ', 'audit-not-conducted', `audit ${data.auditId} has not been conducted`);
    if (audit.decision) reject('SEQ', 'audit-already-decided', `audit ${data.auditId} was already decided`);
    if (state.findings[data.findingId]) reject('SEQ', 'finding-exists', `finding ${data.findingId} was already raised`);
    notBefore(event, audit.conducted.at, 'audit');
  },

  FindingClosed: ({ state, event, data }) => {
    const finding =
      state.findings[data.findingId] ?? reject('SEQ', 'unknown-finding', `no finding ${data.findingId} was raised`);
    if (finding.closed) reject('SEQ', 'finding-already-closed', `finding ${data.findingId} is already closed`);
    notBefore(event, finding.raisedAt, 'finding');
    if (finding.grade === 'major') {
      const missing = (['correction', 'correctiveAction', 'verifiedBy', 'verifiedAt'] as const).filter((k) =>
        isBlank(data[k]),
      );
      if (missing.length > 0) {
        reject(
          'R7',
          'major-closure-unverified',
          `a major nonconformity closes only with correction and corrective action verified; missing ${missing.join(', ')}`,
        );
      }
    } else if (isBlank(data.correctiveAction)) {
      reject(
        'R7',
        'minor-without-action-plan',
        `a minor nonconformity needs an accepted corrective action plan (correctiveAction)`,
      );
    }
    if (data.verifiedAt !== undefined && data.verifiedAt < dateOf(finding.raisedAt)) {
      reject('R16', 'verified-before-raised', `verifiedAt ${data.verifiedAt} is before the finding was raised`);
    }
  },

  AuditReportSubmitted: ({ state, event, data }) => {
    const audit = auditOf(state, data.auditId);
    if (!audit.conducted) reject('SEQ', 'audit-not-conducted', `audit ${data.auditId} has not been conducted`);
    if (audit.decision) reject('SEQ', 'audit-already-decided', `audit ${data.auditId} was already decided`);
    notBefore(event, audit.conducted.at, 'audit');
  },

  CertificationDecided: (input) => checkDecision(input),

  CertificateIssued: (input) => checkIssue(input),

  CertificateSuspended: ({ state, event, data, rules, on }) => {
    const certificate = ownCertificateOf(state, 'CertificateSuspended');
    if (certificate.status !== 'valid')
      reject('R12', 'suspend-requires-valid', `only a valid certificate can be suspended; it is ${certificate.status}`);
    notPastValidity(certificate, on, 'suspension');
    notBefore(event, certificate.changedAt, 'last certificate change');
    if (data.until < on)
      reject('R12', 'suspension-ends-in-past', `the suspension ends (${data.until}) before it starts (${on})`);
    const limit = addMonths(on, rules.maxSuspensionMonths);
    if (data.until > limit) {
      reject(
        'R12',
        'suspension-too-long',
        `a suspension lasts at most ${rules.maxSuspensionMonths} months (until ${limit})`,
      );
    }
  },

  CertificateRestored: ({ state, event, rules, on }) => {
    const certificate = ownCertificateOf(state, 'CertificateRestored');
    if (certificate.status !== 'suspended' || !certificate.suspension) {
      reject(
        'R12',
        'restore-requires-suspended',
        `only a suspended certificate can be restored; it is ${certificate.status}`,
      );
    }
    notBefore(event, certificate.suspension.at, 'suspension');
    const limit = addMonths(certificate.suspension.since, rules.maxSuspensionMonths);
    if (on > limit) {
      reject(
        'R12',
        'suspension-limit-passed',
        `the suspension passed its ${rules.maxSuspensionMonths}-month limit on ${limit}; it ends by withdrawal`,
      );
    }
    notPastValidity(certificate, on, 'restoring');
  },

  CertificateWithdrawn: ({ state, event, on }) => {
    const certificate = ownCertificateOf(state, 'CertificateWithdrawn');
    notBefore(event, certificate.changedAt, 'last certificate change');
    notPastValidity(certificate, on, 'withdrawal');
  },

  CertificateCancelled: ({ state, event, on }) => {
    notSuspended(state, 'cancel-while-suspended', 'restore it before cancelling, or withdraw it');
    const certificate = ownCertificateOf(state, 'CertificateCancelled');
    notBefore(event, certificate.changedAt, 'last certificate change');
    notPastValidity(certificate, on, 'cancellation');
  },

  CertificateExpired: ({ state, event, on }) => {
    const certificate = certificateOf(state, 'CertificateExpired');
    notBefore(event, certificate.changedAt, 'last certificate change');
    if (on <= certificate.validUntil) {
      reject(
        'R16',
        'expired-before-valid-until',
        `the certificate is valid until ${certificate.validUntil}; it cannot expire on ${on}`,
      );
    }
  },

  CertificateScopeChanged: ({ state, event, on }) => {
    const certificate = ownCertificateOf(state, 'CertificateScopeChanged');
    if (certificate.status !== 'valid')
      reject(
        'SEQ',
        'scope-change-requires-valid',
        `the scope changes only while the certificate is valid; it is ${certificate.status}`,
      );
    notPastValidity(certificate, on, 'a scope change');
    notBefore(event, certificate.changedAt, 'last certificate change');
  },

  CertificationTransferred: ({ state, event, data, on }) => {
    const holder = state.holder!;
    if (event.agencyId === holder)
      reject('R15', 'transfer-to-same-agency', `${holder} already holds this certification`);
    notBefore(event, state.release!.at, 'release');
    if (data.fromAgencyId !== holder) {
      reject('R15', 'transfer-from-wrong-agency', `the certification is held by ${holder}, not ${data.fromAgencyId}`);
    }
    checkTransferable(state, event, on);
  },

  TransferReleased: ({ state, event, data, on }) => {
    if (data.toAgencyId === state.holder)
      reject('R15', 'release-to-holder', `${data.toAgencyId} already holds this certification`);
    checkTransferable(state, event, on);
  },

  TransferReleaseWithdrawn: ({ state, event }) => {
    const release =
      state.release ??
      reject(
        'R15',
        'no-transfer-release',
        'this certification has no release to another CB (TransferReleased) to withdraw',
      );
    notBefore(event, release.at, 'release');
  },

  ReportedToCnca: ({ state, event, data }) => {
    const subject =
      foldedEvent(state, data.subjectEventId) ??
      reject('SEQ', 'unknown-subject-event', `event ${data.subjectEventId} is not in this certification`);
    notBefore(event, subject.occurredAt, 'reported event');
    if (timeOf(data.reportedAt) < timeOf(subject.occurredAt)) {
      reject(
        'R16',
        'reported-before-subject',
        `reportedAt ${data.reportedAt} is before the reported event (${subject.occurredAt})`,
      );
    }
  },
};

// ---------------------------------------------------------------------------------------------
// Rules that need more than a few lines
// ---------------------------------------------------------------------------------------------

/** R1: the client's legal identity. */
function checkClientIdentity(data: ApplicationSubmittedData): void {
  if (isBlank(data.client?.name)) reject('R1', 'client-name-missing', "the application needs the client's legal name");
  const problem = creditCodeProblem(data.client?.creditCode ?? '');
  if (problem) {
    reject('R1', 'invalid-credit-code', `client.creditCode is not a valid unified social credit code (${problem})`);
  }
}

/** R2: the management system ran long enough, with an internal audit and a management review. */
function checkManagementSystem(data: ApplicationSubmittedData, rules: RulesConfig, on: IsoDate): void {
  const system = data.managementSystem;
  const latestStart = addMonths(on, -rules.minSystemOperationMonths);
  if (system.operatingSince > latestStart) {
    reject(
      'R2',
      'system-operation-too-short',
      `the management system must have run ${rules.minSystemOperationMonths} months before the application (since ${latestStart} at the latest), not since ${system.operatingSince}`,
    );
  }
  const records = [
    ['lastInternalAudit', 'internal-audit', 'an internal audit'],
    ['lastManagementReview', 'management-review', 'a management review'],
  ] as const;
  for (const [key, code, what] of records) {
    const date = system[key];
    if (isBlank(date)) reject('R2', `no-${code}`, `the application must record ${what} (managementSystem.${key})`);
    if (date! > on)
      reject('R2', `${code}-after-application`, `managementSystem.${key} ${date} is after the application date ${on}`);
    if (date! < system.operatingSince) {
      reject(
        'R2',
        `${code}-before-operation`,
        `managementSystem.${key} ${date} is before the system started operating (${system.operatingSince})`,
      );
    }
  }
}

/** Which audits a certification in this state can have. */
function checkAuditKindAllowed(state: CertificationState, kind: AuditKind, on: IsoDate): void {
  const certificate = state.certificate;
  switch (kind) {
    case 'stage1':
    case 'stage2':
      if (!state.contract) reject('SEQ', 'no-contract', `a ${kind} audit needs a signed contract`);
      if (certificate || state.cycle.number > 0) {
        reject(
          'SEQ',
          'initial-audit-after-certification',
          `a ${kind} audit belongs to the initial certification; the client is certified`,
        );
      }
      return;
    case 'surveillance':
      if (!certificate)
        reject('R11', 'surveillance-without-certificate', 'surveillance audits follow an issued certificate');
      notPastValidity(certificate, on, 'a surveillance audit');
      return;
    case 'recertification':
      if (!certificate)
        reject('SEQ', 'recertification-without-certificate', 'a recertification needs a certificate to renew');
      if (on > certificate.validUntil) {
        reject(
          'R14',
          'recertification-after-expiry',
          `the certificate expired on ${certificate.validUntil}; this is an initial certification now`,
        );
      }
      return;
    case 'special':
      if (!certificate)
        reject('SEQ', 'special-audit-without-certificate', 'special audits are made on an issued certificate');
      notPastValidity(certificate, on, 'a special audit');
      return;
  }
}

/** R4: a leader, registrations, and the client's sectors covered. */
function checkTeam(
  state: CertificationState,
  members: readonly TeamMemberPayload[],
  on: IsoDate,
  plannedEnd: IsoDate | undefined,
): void {
  if (!members.some((m) => m.role === 'leader')) reject('R4', 'no-team-leader', 'the audit team needs a leader');
  const ids = new Set<string>();
  for (const member of members) {
    if (ids.has(member.auditorId)) reject('R4', 'duplicate-team-member', `auditor ${member.auditorId} is named twice`);
    ids.add(member.auditorId);
  }
  for (const member of registered(members)) {
    if (isBlank(member.registrationNo) || isBlank(member.registrationValidUntil)) {
      reject(
        'R4',
        'registration-missing',
        `auditor ${member.auditorId} (${member.role}) needs a registration number and its validity`,
      );
    }
  }
  registrationsValidThrough(members, plannedEnd ?? on, plannedEnd ? 'the planned audit end' : 'the assignment date');
  const scope = state.certificate?.sectors ?? state.application!.sectors;
  const covered = new Set(members.filter((m) => m.role !== 'trainee').flatMap((m) => m.sectors ?? []));
  const missing = scope.filter((sector) => !covered.has(sector));
  if (missing.length > 0) {
    reject('R4', 'sector-not-covered', `no team member covers sector(s) ${missing.join(', ')} of the client's scope`);
  }
}

/**
 * R14: a recertification audit is on site and ends before the certificate expires. On site means
 * the on-site share R6 asks of any audit that is not a permitted remote one: a recertification
 * never is, whether or not remote audits are permitted.
 */
function checkRecertificationPlan(state: CertificationState, data: AuditPlannedData, rules: RulesConfig): void {
  if (data.mode === 'remote') reject('R14', 'recertification-not-onsite', 'a recertification audit is made on site');
  const onsite = onsiteDaysOf(data);
  if (onsite < rules.minOnsiteShare * data.auditDays - 1e-9) {
    reject(
      'R14',
      'recertification-onsite-share-too-low',
      `a recertification audit is made on site: ${onsite} of ${data.auditDays} days on site; at least ${rules.minOnsiteShare * 100}% must be, even where remote audits are permitted`,
    );
  }
  const certificate = state.certificate;
  if (certificate && data.end > certificate.validUntil) {
    reject(
      'R14',
      'recertification-after-expiry',
      `the recertification audit must end before the certificate expires (${certificate.validUntil})`,
    );
  }
}

/** R6: planned time against IAF MD5, and the on-site share. */
function checkAuditTime(
  state: CertificationState,
  audit: AuditState,
  data: AuditPlannedData,
  rules: RulesConfig,
): void {
  const onsite = onsiteDaysOf(data);
  if (onsite > data.auditDays) {
    reject('R6', 'onsite-exceeds-audit-days', `onsiteDays ${onsite} is more than auditDays ${data.auditDays}`);
  }
  // Stage 1 and stage 2 together make the initial audit: whichever is planned second is checked with the other.
  const initial = audit.kind === 'stage1' || audit.kind === 'stage2';
  const other = initial
    ? latestAudit(state, audit.kind === 'stage1' ? 'stage2' : 'stage1', 'plan', audit.auditId)?.plan
    : undefined;
  if (audit.kind === 'stage1' && !other) return;
  const totalDays = data.auditDays + (other?.auditDays ?? 0);
  const totalOnsite = onsite + (other?.onsiteDays ?? 0);
  const what = initial ? 'stage 1 + stage 2' : `the ${audit.kind} audit`;
  const md5Audit = MD5_AUDIT_OF[audit.kind];
  if (md5Audit) {
    const md5 = md5For(state, rules, md5Audit, rules.maxAuditTimeReduction);
    if (totalDays < md5.days) {
      reject(
        'R6',
        'audit-time-below-md5',
        `${what} planned ${totalDays} auditor-days; IAF MD5 requires ${md5.days} (${md5.row.days} × ${md5.auditFactor.toFixed(2)} less ${md5.appliedReduction * 100}% at most, ${md5.row.column}, ${md5.row.minPersonnel}–${md5.row.maxPersonnel} personnel)`,
      );
    }
  }
  const remotePermitted = rules.remoteAuditPermitted && data.mode !== 'onsite';
  if (!remotePermitted && totalOnsite < rules.minOnsiteShare * totalDays - 1e-9) {
    reject(
      'R6',
      'onsite-share-too-low',
      `${what} has ${totalOnsite} of ${totalDays} days on site; at least ${rules.minOnsiteShare * 100}% must be${rules.remoteAuditPermitted ? '' : ' (remote audits are not permitted)'}`,
    );
  }
}

/** R5: stage 2 follows a conducted stage 1. */
function checkStage1Conducted(state: CertificationState, data: AuditConductedData): void {
  const stage1 = latestAudit(state, 'stage1', 'conducted');
  if (!stage1) reject('R5', 'stage1-not-conducted', 'stage 2 cannot be conducted before stage 1 is conducted');
  if (data.start < stage1.conducted!.end) {
    reject(
      'R5',
      'stage2-before-stage1',
      `stage 2 starts (${data.start}) before stage 1 ended (${stage1.conducted!.end})`,
    );
  }
}

/** R7, R8, R9, R11, R12, R14: a certification decision. */
function checkDecision({ state, event, data, rules, on }: Input<'CertificationDecided'>): Outcome {
  const audit = auditOf(state, data.auditId);
  if (audit.decision) reject('SEQ', 'audit-already-decided', `audit ${data.auditId} was already decided`);
  if (audit.kind === 'stage1')
    reject('R7', 'decision-on-stage1', 'the certification decision is made on the stage 2 audit');
  if (!audit.report) reject('R7', 'no-audit-report', `audit ${data.auditId} has no submitted report`);
  notBefore(event, audit.report.at, 'audit report');
  const covered = auditsDecidedWith(state, audit);
  const maker = data.decisionMaker.personId;
  const teamAudit = covered.find((a) => a.team.some((member) => member.auditorId === maker));
  if (teamAudit) {
    reject('R8', 'decision-by-team-member', `decision maker ${maker} was on the team of audit ${teamAudit.auditId}`);
  }
  if (audit.kind === 'recertification' && state.certificate && on > state.certificate.validUntil) {
    reject(
      'R14',
      'recertification-decided-after-expiry',
      `the certificate expired on ${state.certificate.validUntil}; this is an initial certification now`,
    );
  }
  if (data.decision !== 'grant') return;
  if (audit.kind === 'recertification')
    notSuspended(state, 'recertification-while-suspended', 'restore it before granting recertification');
  checkFindingsForGrant(state, audit, covered, rules, on);
  if (audit.kind === 'recertification') checkCycleMajorsClosed(state, audit);
  if (audit.kind === 'recertification') {
    const surveillances = Object.values(state.audits).filter(
      (a) => a.kind === 'surveillance' && a.cycle === audit.cycle && a.conducted !== undefined,
    ).length;
    if (surveillances < rules.minSurveillancesPerCycle) {
      reject(
        'R11',
        'too-few-surveillance-audits',
        `the cycle had ${surveillances} surveillance audit(s); at least ${rules.minSurveillancesPerCycle} are needed`,
      );
    }
  }
}

/** R7, R9: majors closed (in time after stage 2), minors with an accepted action plan. */
function checkFindingsForGrant(
  state: CertificationState,
  audit: AuditState,
  covered: readonly AuditState[],
  rules: RulesConfig,
  on: IsoDate,
): void {
  const limit =
    audit.kind === 'stage2' && audit.conducted ? addMonths(audit.conducted.end, rules.majorClosureMonths) : undefined;
  for (const findingId of covered.flatMap((a) => a.findingIds)) {
    const finding = state.findings[findingId]!;
    if (finding.grade === 'major') {
      if (!finding.closed) {
        if (limit && on > limit) {
          reject(
            'R9',
            'major-not-closed-in-time',
            `major nonconformity ${findingId} was not closed within ${rules.majorClosureMonths} months of stage 2 (${limit}); a new stage 2 is needed`,
          );
        }
        reject('R7', 'open-major-nonconformity', `major nonconformity ${findingId} is not verified closed`);
      }
      if (limit && finding.closed.verifiedAt !== undefined && finding.closed.verifiedAt > limit) {
        reject(
          'R9',
          'major-closed-too-late',
          `major nonconformity ${findingId} was verified on ${finding.closed.verifiedAt}, after ${limit}; a new stage 2 is needed`,
        );
      }
    } else if (!finding.closed) {
      reject('R7', 'minor-without-action-plan', `minor nonconformity ${findingId} has no accepted action plan`);
    }
  }
}

/** R7 on recertification: a major nonconformity raised at any audit of the ending cycle is closed. */
function checkCycleMajorsClosed(state: CertificationState, audit: AuditState): void {
  for (const other of Object.values(state.audits)) {
    if (other.cycle !== audit.cycle || other === audit) continue;
    for (const findingId of other.findingIds) {
      const finding = state.findings[findingId]!;
      if (finding.grade === 'major' && !finding.closed) {
        reject(
          'R7',
          'open-major-nonconformity',
          `major nonconformity ${findingId} of ${other.kind} audit ${other.auditId} is not verified closed`,
        );
      }
    }
  }
}

/**
 * R10 (and R15 after a transfer): a certificate follows a grant, within the validity limit; after a
 * transfer, under a number of the accepting CB's own.
 */
function checkIssue({ state, event, data, rules }: Input<'CertificateIssued'>): Outcome {
  // R12: a new certificate is valid, so issuing it over a suspended one would end the suspension.
  notSuspended(state, 'issue-while-suspended', 'restore it before issuing a new certificate');
  if (data.validUntil <= data.issuedAt) {
    reject('R10', 'validity-ends-before-issue', `validUntil ${data.validUntil} is not after issuedAt ${data.issuedAt}`);
  }
  const grant = state.pendingGrant;
  const transfer = state.transfer?.awaitingCertificate ? state.transfer : undefined;
  if (grant) {
    notBefore(event, grant.at, 'grant decision');
    const decidedOn = dateOf(grant.at);
    if (data.issuedAt < decidedOn)
      reject('R10', 'issued-before-decision', `issuedAt ${data.issuedAt} is before the decision (${decidedOn})`);
    const limit = addMonths(decidedOn, rules.certificateValidityYears * 12);
    if (data.validUntil > limit) {
      reject(
        'R10',
        'validity-too-long',
        `a certificate is valid at most ${rules.certificateValidityYears} years from the decision (until ${limit})`,
      );
    }
  } else if (transfer && state.certificate) {
    notBefore(event, transfer.at, 'transfer');
    if (data.validUntil > state.certificate.validUntil) {
      reject(
        'R10',
        'validity-beyond-transferred-certificate',
        `a transferred certificate keeps the cycle's expiry (${state.certificate.validUntil})`,
      );
    }
  } else {
    reject(
      'R10',
      'issue-without-grant',
      'a certificate is issued only after a grant decision on stage 2 or recertification',
    );
  }
  if (state.certificateNosBeforeTransfer.includes(data.certificateNo)) {
    reject(
      'R10',
      'transfer-needs-new-certificate',
      `certificate ${data.certificateNo} was issued before the certification was transferred: the accepting CB issues a certificate of its own, with a new number (IAF MD2)`,
    );
  }
  const claims: Claim[] = state.certificateNos.includes(data.certificateNo)
    ? []
    : [{ kind: 'certificateNo', value: data.certificateNo }];
  return { claims };
}

// ---------------------------------------------------------------------------------------------
// The decision
// ---------------------------------------------------------------------------------------------

const CERTIFICATION_TYPES: ReadonlySet<string> = new Set(CERTIFICATION_EVENT_TYPES);

/**
 * R15 (IAF MD2): another CB takes a certification over only on the holder's release to it, neither
 * withdrawn nor lapsed. Asked before anything else: how the certification stands is not for a CB it
 * was not released to. Only the CB it was released to hears that the release lapsed.
 *
 * A release lapses transferReleaseValidDays after its day, judged twice: by the transfer's
 * occurredAt, and by today (`now`) against the day the ledger recorded the release. The submitting
 * CB chooses occurredAt; it cannot choose when the release was recorded, so a transfer dated inside
 * the window years later is refused all the same, while a history imported in one go (release and
 * transfer recorded within the window, whatever their dates) is taken.
 */
function checkReleasedTo(state: CertificationState, event: ProposedEvent, rules: RulesConfig, now: Date): void {
  const release = state.release;
  if (release?.toAgencyId !== event.agencyId) {
    reject(
      'R15',
      'transfer-not-released',
      `the holding CB has not released this certification to ${event.agencyId} (TransferReleased)`,
    );
  }
  const lapsedBy = (since: string, day: IsoDate): boolean =>
    day > addDays(dateOf(since), rules.transferReleaseValidDays);
  if (lapsedBy(release.at, dateOf(event.occurredAt)) || lapsedBy(release.recordedAt, dayAt(now))) {
    reject(
      'R15',
      'transfer-not-released',
      `the release of this certification to ${event.agencyId} lapsed after ${rules.transferReleaseValidDays} days; the holding CB may release it again`,
    );
  }
}

/**
 * R15: whether `agencyId` takes part in the certification for an event of `type`, so may hear how
 * its stream stands (its version): anyone before the stream has an event, then its holder, and for
 * CertificationTransferred the CB it is released to. decide refuses everyone else under R15.
 */
export function isPartyTo(state: CertificationState, agencyId: string, type: string): boolean {
  return (
    state.holder === undefined ||
    state.holder === agencyId ||
    (type === 'CertificationTransferred' && state.release?.toAgencyId === agencyId)
  );
}

/** Checks that apply to every event before its own: time, stream, ownership, application and certificate status. */
function checkCommon(state: CertificationState, event: ProposedEvent, rules: RulesConfig, now: Date): void {
  if (!isDateTime(event.occurredAt)) {
    reject(
      'R16',
      'invalid-occurred-at',
      `occurredAt ${JSON.stringify(event.occurredAt)} is not an ISO 8601 date-time with offset`,
    );
  }
  if (timeOf(event.occurredAt) > now.getTime() + rules.clockSkewSeconds * 1000) {
    reject('R16', 'occurred-in-future', `occurredAt ${event.occurredAt} is in the future (now ${now.toISOString()})`);
  }
  if (event.type === 'ApplicationSubmitted') {
    if (state.version >= 0)
      reject(
        'SEQ',
        'application-exists',
        'this certification already has an application; a new certification needs a new certificationId',
      );
    return;
  }
  if (!state.application) reject('SEQ', 'no-application', `${event.type} needs an application first`);
  if (event.type === 'CertificationTransferred') {
    if (event.agencyId !== state.holder) checkReleasedTo(state, event, rules, now);
  } else if (event.agencyId !== state.holder) {
    reject('R15', 'not-holding-agency', `${event.agencyId} does not hold this certification and cannot write to it`);
  }
  if (event.type === 'ReportedToCnca') return;
  if (state.application.status === 'rejected')
    reject('R3', 'application-rejected', 'nothing happens on a rejected application');
  if (event.type === 'ApplicationReviewed') return;
  if (state.application.status !== 'accepted')
    reject('SEQ', 'application-not-accepted', `${event.type} needs an accepted application`);
  const certificate = state.certificate;
  if (certificate && TERMINAL_STATUSES.includes(certificate.status)) {
    reject(
      'R13',
      'certificate-terminal',
      `certificate ${certificate.certificateNo} is ${certificate.status}; a new certification needs a new certificationId`,
    );
  }
}

/**
 * Decides whether `proposed` may be appended to the certification whose state is `state`: accepted
 * (with the payload to store and the claims to reserve) or rejected with the violated rule.
 * Pure: reads only its arguments.
 */
export function decide(state: CertificationState, proposed: ProposedEvent, context: DecisionContext): DecideResult {
  if (!CERTIFICATION_TYPES.has(proposed.type)) {
    return {
      ok: false,
      rule: 'SEQ',
      code: 'not-a-certification-event',
      message: `${proposed.type} is not written to certification streams`,
    };
  }
  try {
    checkCommon(state, proposed, context.rules, context.now);
    const check = checks[proposed.type as keyof CertificationPayloads] as Check<keyof CertificationPayloads>;
    const outcome = check({
      state,
      event: proposed,
      data: proposed.data as never,
      rules: context.rules,
      on: dateOf(proposed.occurredAt),
    });
    return { ok: true, data: outcome?.data ?? proposed.data, claims: outcome?.claims ?? [] };
  } catch (error) {
    if (error instanceof Violation) return { ok: false, rule: error.rule, code: error.code, message: error.message };
    throw error;
  }
}
