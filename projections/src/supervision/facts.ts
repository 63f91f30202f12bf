import { isAtOrBefore } from '../instants';
import type { CertificateStatus, LogEvent } from '../types';
import { dateOf, type IsoDate } from './dates';

/** What supervision keeps about one certification: a fold of its stream, stored as JSON. */
export interface TeamMemberFact {
  readonly auditorId: string;
  readonly name: string;
  readonly role: string;
  readonly registrationNo?: string;
  readonly registrationValidUntil?: string;
  readonly sectors: readonly number[];
}

export interface CheckInFact {
  readonly auditorId: string;
  readonly kind: string;
  readonly at: string;
  readonly lat?: number;
  readonly lon?: number;
}

export interface AuditFact {
  auditId: string;
  kind: string;
  team: TeamMemberFact[];
  /**
   * Every assignment of this audit: when, which event and CB, the team it named, and the scope's sectors
   * then (the current certificate's, else the application's: what R4 checks) with the event that set them.
   */
  assignments: Array<{
    eventId: string;
    at: string;
    agencyId: string;
    auditorIds: string[];
    sectors: number[];
    scopeEventId: string;
  }>;
  plan?: {
    eventId: string;
    at: string;
    agencyId: string;
    mode: string;
    start: IsoDate;
    end: IsoDate;
    auditDays: number;
    onsiteDays: number;
  };
  conducted?: { eventId: string; at: string; agencyId: string; start: IsoDate; end: IsoDate; checkIns: CheckInFact[] };
  report?: { eventId: string; at: string };
  decision?: {
    eventId: string;
    at: string;
    agencyId: string;
    decision: string;
    makerId: string;
    makerName: string;
    openMajors: string[];
  };
}

export interface FindingFact {
  auditId: string;
  grade: string;
  eventId: string;
  raisedAt: string;
  closed?: { eventId: string; at: string; verified: boolean };
}

export interface StatusChange {
  readonly status: CertificateStatus;
  readonly on: IsoDate;
  readonly eventId: string;
  /** The CB that recorded it: the issuer for `valid` at issue, the holder of the certification for the rest. */
  readonly agencyId: string;
  readonly until?: IsoDate;
}

export interface CertificateFact {
  certificateNo: string;
  /** The CB that issued it (of its CertificateIssued): a transfer leaves it that CB's (IAF MD2). */
  agencyId: string;
  issuedAt: IsoDate;
  validUntil: IsoDate;
  eventId: string;
  /** The current scope and sectors: from the issue, then from each CertificateScopeChanged. */
  scope: string;
  sectors: number[];
  /** The event that set `scope` and `sectors` (the issue or the latest scope change). */
  scopeEventId: string;
  /** Set on the certificate the accepting CB issued after this transfer: it keeps the cycle before it (IAF MD2). */
  transferEventId?: string;
  /** Status changes from issue on, oldest first (the first is `valid` at issue). */
  history: StatusChange[];
}

export interface ReportFact {
  readonly eventId: string;
  readonly kind: string;
  readonly subjectEventId: string;
  readonly reportedAt: string;
  /** When the ledger recorded the report: a reportedAt the CB gives cannot move it. */
  readonly recordedAt: string;
  /** The CB that recorded the report, which the tally credits with it when made in time. */
  readonly agencyId: string;
}

/** Events a report can be about (plans, results, certificates, status changes). */
export interface ReportableFact {
  readonly eventId: string;
  readonly type: string;
  /** The CB that recorded it, which reports it to CNCA. */
  readonly agencyId: string;
  readonly occurredAt: string;
  /** When the ledger recorded it. */
  readonly recordedAt: string;
  readonly auditId?: string;
  /** The audit's planned start, for plan reports (due before the audit). */
  readonly auditStart?: IsoDate;
}

export interface CertificationFacts {
  certificationId: string;
  /** The CB that holds the certification now (R15): the accepting CB of its last transfer. */
  agencyId: string;
  regionCode: string;
  client: {
    name: string;
    creditCode: string;
    address: string;
    employees: number;
    lat?: number;
    lon?: number;
    sites: Array<{ name: string; lat?: number; lon?: number }>;
  };
  scheme: string;
  standard: string;
  /** As applied for; a certificate's current scope and sectors are on the certificate. */
  scope: string;
  sectors: number[];
  complexity?: string;
  application?: {
    eventId: string;
    at: string;
    operatingSince?: string;
    lastInternalAudit?: string;
    lastManagementReview?: string;
  };
  review?: { eventId: string; at: string; agencyId: string; outcome: string };
  audits: Record<string, AuditFact>;
  findings: Record<string, FindingFact>;
  certificates: CertificateFact[];
  transfers: Array<{
    eventId: string;
    at: string;
    /** When the ledger recorded it: until then only the previous CB could write the certification (R15). */
    recordedAt: string;
    fromAgencyId: string;
    toAgencyId: string;
    statusThen?: string;
  }>;
  reports: ReportFact[];
  reportables: ReportableFact[];
  /** Agencies that wrote this certification, for "conflicting statuses at two CBs". */
  lastPosition: number;
}

const text = (v: unknown): string => (typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v));
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const obj = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' ? (v as Record<string, unknown>) : {});
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** What a report to CNCA can be about: the event, its time, and when the ledger recorded it. */
const reportableOf = (
  event: LogEvent,
  at: string,
  audit?: Pick<ReportableFact, 'auditId' | 'auditStart'>,
): ReportableFact => ({
  eventId: event.eventId,
  type: event.type,
  agencyId: event.agencyId,
  occurredAt: at,
  recordedAt: event.recordedAt,
  ...audit,
});

export function emptyFacts(event: LogEvent): CertificationFacts {
  return {
    certificationId: event.certificationId,
    agencyId: event.agencyId,
    regionCode: event.regionCode,
    client: { name: '', creditCode: '', address: '', employees: 0, sites: [] },
    scheme: '',
    standard: '',
    scope: '',
    sectors: [],
    audits: {},
    findings: {},
    certificates: [],
    transfers: [],
    reports: [],
    reportables: [],
    lastPosition: 0,
  };
}

export const currentCertificate = (facts: CertificationFacts): CertificateFact | undefined => facts.certificates.at(-1);
export const statusOf = (certificate: CertificateFact): StatusChange => certificate.history.at(-1)!;

/**
 * The CB that held the certification at `instant` (R15): the accepting CB of the last transfer by
 * then, which takes over the certificate's obligations (IAF MD2) though the certificate in force
 * may still be the previous CB's; before any, the CB the first transfer took it from.
 */
export const holderAt = (facts: CertificationFacts, instant: string): string =>
  holderBy(facts, (transfer) => isAtOrBefore(transfer.at, instant));

/**
 * The CB that could write the certification at `instant`: as holderAt, but a transfer counts only
 * once the ledger has recorded it too, since until then R15 lets only the previous CB record events
 * (an accepting CB may date its transfer days before it records it).
 */
export const writerAt = (facts: CertificationFacts, instant: string): string =>
  holderBy(facts, (transfer) => isAtOrBefore(transfer.at, instant) && isAtOrBefore(transfer.recordedAt, instant));

function holderBy(facts: CertificationFacts, tookOver: (transfer: CertificationFacts['transfers'][number]) => boolean) {
  let holder = facts.transfers[0]?.fromAgencyId || facts.agencyId;
  for (const transfer of facts.transfers) if (tookOver(transfer)) holder = transfer.toAgencyId;
  return holder;
}

/** The CB that ran an audit: the one that conducted it, else planned it, else assigned its team last. */
export const auditAgencyOf = (audit: AuditFact): string =>
  audit.conducted?.agencyId ?? audit.plan?.agencyId ?? audit.assignments.at(-1)!.agencyId;

/** A certificate number as its latest issue, and the number its certification issued after it, which replaced it. */
export interface LatestIssue {
  readonly certificate: CertificateFact;
  readonly supersededBy?: string;
}

/**
 * Each certificate number once, as its latest issue: a number its certification issued again
 * (recertification) is that issue from then on, as the public answer gives it. An issue followed
 * by another (a transfer's, a new number) is superseded by it, as the public answer's `supersededBy`.
 */
export function latestIssues(certificates: readonly CertificateFact[]): LatestIssue[] {
  const byNumber = new Map<string, LatestIssue>();
  certificates.forEach((certificate, i) => {
    const next = certificates[i + 1];
    byNumber.set(certificate.certificateNo, { certificate, ...(next ? { supersededBy: next.certificateNo } : {}) });
  });
  return [...byNumber.values()];
}

/** The scope sectors an audit team must cover now (R4): the current certificate's, else the application's. */
function scopeNow(facts: CertificationFacts): { sectors: number[]; eventId: string } {
  const certificate = currentCertificate(facts);
  return certificate
    ? { sectors: [...certificate.sectors], eventId: certificate.scopeEventId }
    : { sectors: [...facts.sectors], eventId: facts.application?.eventId ?? '' };
}

/** The transfer still waiting for the accepting CB's certificate, if any. */
function pendingTransfer(facts: CertificationFacts): CertificationFacts['transfers'][number] | undefined {
  const transfer = facts.transfers.at(-1);
  if (!transfer || facts.certificates.length === 0) return undefined;
  return facts.certificates.some((c) => c.transferEventId === transfer.eventId) ? undefined : transfer;
}

/** The status the certificate showed at the end of `date`. */
export function statusAt(certificate: CertificateFact, date: IsoDate): string | undefined {
  let status: string | undefined;
  for (const change of certificate.history) if (change.on <= date) status = change.status;
  return status;
}

const STATUS_OF: Readonly<Record<string, CertificateStatus | undefined>> = {
  CertificateSuspended: 'suspended',
  CertificateRestored: 'valid',
  CertificateWithdrawn: 'withdrawn',
  CertificateCancelled: 'cancelled',
  CertificateExpired: 'expired',
};

function member(value: unknown): TeamMemberFact {
  const m = obj(value);
  return {
    auditorId: text(m.auditorId),
    name: text(m.name),
    role: text(m.role),
    ...(m.registrationNo ? { registrationNo: text(m.registrationNo) } : {}),
    ...(m.registrationValidUntil ? { registrationValidUntil: text(m.registrationValidUntil) } : {}),
    sectors: list(m.sectors).map(Number),
  };
}

/** Folds one certification event into the facts (mutates and returns them). */
export function foldCertificationEvent(facts: CertificationFacts, event: LogEvent): CertificationFacts {
  const data = event.data;
  const at = event.occurredAt;
  facts.lastPosition = event.position;
  switch (event.type) {
    case 'ApplicationSubmitted': {
      const client = obj(data.client);
      const ms = obj(data.managementSystem);
      facts.agencyId = event.agencyId;
      facts.regionCode = text(client.regionCode) || event.regionCode;
      facts.client = {
        name: text(client.name),
        creditCode: text(client.creditCode),
        address: text(client.address),
        employees: num(client.employees) ?? 0,
        ...(num(client.lat) !== undefined && num(client.lon) !== undefined
          ? { lat: num(client.lat)!, lon: num(client.lon)! }
          : {}),
        sites: list(client.sites).map((s) => {
          const site = obj(s);
          return {
            name: text(site.name),
            ...(num(site.lat) !== undefined && num(site.lon) !== undefined
              ? { lat: num(site.lat)!, lon: num(site.lon)! }
              : {}),
          };
        }),
      };
      facts.scheme = text(data.scheme);
      facts.standard = text(data.standard);
      facts.scope = text(data.scope);
      facts.sectors = list(data.sectors).map(Number);
      if (data.complexity) facts.complexity = text(data.complexity);
      facts.application = {
        eventId: event.eventId,
        at,
        ...(ms.operatingSince ? { operatingSince: text(ms.operatingSince) } : {}),
        ...(ms.lastInternalAudit ? { lastInternalAudit: text(ms.lastInternalAudit) } : {}),
        ...(ms.lastManagementReview ? { lastManagementReview: text(ms.lastManagementReview) } : {}),
      };
      return facts;
    }
    case 'ApplicationReviewed':
      facts.review = { eventId: event.eventId, at, agencyId: event.agencyId, outcome: text(data.outcome) };
      return facts;
    case 'AuditTeamAssigned': {
      const auditId = text(data.auditId);
      const team = list(data.members).map(member);
      const existing = facts.audits[auditId];
      const scope = scopeNow(facts);
      const assignment = {
        eventId: event.eventId,
        at,
        agencyId: event.agencyId,
        auditorIds: team.map((m) => m.auditorId),
        sectors: scope.sectors,
        scopeEventId: scope.eventId,
      };
      if (existing) {
        existing.team = team;
        existing.assignments.push(assignment);
      } else {
        facts.audits[auditId] = { auditId, kind: text(data.kind), team, assignments: [assignment] };
      }
      return facts;
    }
    case 'AuditPlanned': {
      const audit = facts.audits[text(data.auditId)];
      if (!audit) return facts;
      audit.plan = {
        eventId: event.eventId,
        at,
        agencyId: event.agencyId,
        mode: text(data.mode),
        start: text(data.start),
        end: text(data.end),
        auditDays: num(data.auditDays) ?? 0,
        onsiteDays: num(data.onsiteDays) ?? (text(data.mode) === 'onsite' ? (num(data.auditDays) ?? 0) : 0),
      };
      facts.reportables.push(reportableOf(event, at, { auditId: audit.auditId, auditStart: text(data.start) }));
      return facts;
    }
    case 'AuditConducted': {
      const audit = facts.audits[text(data.auditId)];
      if (!audit) return facts;
      audit.conducted = {
        eventId: event.eventId,
        at,
        agencyId: event.agencyId,
        start: text(data.start),
        end: text(data.end),
        checkIns: list(data.checkIns).map((c) => {
          const ci = obj(c);
          return {
            auditorId: text(ci.auditorId),
            kind: text(ci.kind),
            at: text(ci.at),
            ...(num(ci.lat) !== undefined && num(ci.lon) !== undefined ? { lat: num(ci.lat)!, lon: num(ci.lon)! } : {}),
          };
        }),
      };
      facts.reportables.push(reportableOf(event, at, { auditId: audit.auditId }));
      return facts;
    }
    case 'FindingRaised':
      facts.findings[text(data.findingId)] = {
        auditId: text(data.auditId),
        grade: text(data.grade),
        eventId: event.eventId,
        raisedAt: at,
      };
      return facts;
    case 'FindingClosed': {
      const finding = facts.findings[text(data.findingId)];
      if (finding) {
        const verified =
          finding.grade === 'major'
            ? Boolean(data.correction && data.correctiveAction && data.verifiedAt)
            : Boolean(data.correctiveAction);
        finding.closed = { eventId: event.eventId, at, verified };
      }
      return facts;
    }
    case 'AuditReportSubmitted': {
      const audit = facts.audits[text(data.auditId)];
      if (audit) audit.report = { eventId: event.eventId, at };
      return facts;
    }
    case 'CertificationDecided': {
      const audit = facts.audits[text(data.auditId)];
      if (!audit) return facts;
      const covered = new Set([
        audit.auditId,
        ...(audit.kind === 'stage2'
          ? Object.values(facts.audits)
              .filter((a) => a.kind === 'stage1')
              .map((a) => a.auditId)
          : []),
      ]);
      const openMajors = Object.entries(facts.findings)
        .filter(
          ([, f]) =>
            covered.has(f.auditId) && f.grade === 'major' && !(f.closed?.verified && isAtOrBefore(f.closed.at, at)),
        )
        .map(([id]) => id);
      const maker = obj(data.decisionMaker);
      audit.decision = {
        eventId: event.eventId,
        at,
        agencyId: event.agencyId,
        decision: text(data.decision),
        makerId: text(maker.personId),
        makerName: text(maker.name),
        openMajors,
      };
      return facts;
    }
    case 'CertificateIssued': {
      const transfer = pendingTransfer(facts);
      facts.certificates.push({
        certificateNo: text(data.certificateNo),
        agencyId: event.agencyId,
        issuedAt: text(data.issuedAt),
        validUntil: text(data.validUntil),
        eventId: event.eventId,
        scope: text(data.scope),
        sectors: list(data.sectors).map(Number),
        scopeEventId: event.eventId,
        ...(transfer ? { transferEventId: transfer.eventId } : {}),
        history: [
          { status: 'valid', on: text(data.issuedAt) || dateOf(at), eventId: event.eventId, agencyId: event.agencyId },
        ],
      });
      facts.reportables.push(reportableOf(event, at));
      return facts;
    }
    case 'CertificateScopeChanged': {
      const certificate = currentCertificate(facts);
      if (!certificate) return facts;
      certificate.scope = text(data.scope);
      certificate.sectors = list(data.sectors).map(Number);
      certificate.scopeEventId = event.eventId;
      // A new version of the certificate (domain.md §1), reported to CNCA as certificates are.
      facts.reportables.push(reportableOf(event, at));
      return facts;
    }
    case 'CertificationTransferred': {
      const certificate = currentCertificate(facts);
      facts.transfers.push({
        eventId: event.eventId,
        at,
        recordedAt: event.recordedAt,
        fromAgencyId: text(data.fromAgencyId),
        toAgencyId: event.agencyId,
        ...(certificate ? { statusThen: statusAt(certificate, dateOf(at)) ?? statusOf(certificate).status } : {}),
      });
      facts.agencyId = event.agencyId;
      return facts;
    }
    case 'ReportedToCnca':
      facts.reports.push({
        eventId: event.eventId,
        kind: text(data.kind),
        subjectEventId: text(data.subjectEventId),
        reportedAt: text(data.reportedAt),
        recordedAt: event.recordedAt,
        agencyId: event.agencyId,
      });
      return facts;
    default: {
      const status = STATUS_OF[event.type];
      const certificate = currentCertificate(facts);
      if (!status || !certificate) return facts;
      certificate.history.push({
        status,
        on: dateOf(at),
        eventId: event.eventId,
        agencyId: event.agencyId,
        ...(status === 'suspended' && data.until ? { until: text(data.until) } : {}),
      });
      facts.reportables.push(reportableOf(event, at));
      return facts;
    }
  }
}

/** A supervision event (spot check, complaint, evaluation, withdrawal trigger) as supervision keeps it. */
export interface SupervisionFact {
  readonly eventId: string;
  readonly type: string;
  readonly occurredAt: string;
  readonly regionCode: string;
  readonly data: Readonly<Record<string, unknown>>;
}
