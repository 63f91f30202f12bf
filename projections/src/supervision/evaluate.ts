import { chinaDayAt } from '../chinaCalendar';
import { compareInstants, earliestInstant, latestInstant } from '../instants';
import type { SupervisionConfig } from './config';
import { addDays, addMonths, addWorkingDays, dateOf, reportDeadline, type IsoDate } from './dates';
import {
  auditAgencyOf,
  currentCertificate,
  holderAt,
  statusAt,
  statusOf,
  type AuditFact,
  type CertificateFact,
  type CertificationFacts,
  type ReportableFact,
  type ReportFact,
  type StatusChange,
  type SupervisionFact,
  writerAt,
} from './facts';
import { haversineKm } from './geo';
import { ruleOf, type Warning } from './rules';

/** The least audit days IAF MD5 allows for a plan (table value less the 30% bound); injected by the service. */
export type MinimumAuditDays = (input: {
  scheme: string;
  complexity?: string;
  employees: number;
  audit: 'initial' | 'surveillance' | 'recertification';
}) => number | undefined;

export interface EvaluationInput {
  readonly certifications: readonly CertificationFacts[];
  readonly supervision: readonly SupervisionFact[];
  readonly now: Date;
  readonly config: SupervisionConfig;
  readonly minimumAuditDays?: MinimumAuditDays;
}

export interface AuditorAuditRow {
  readonly auditorId: string;
  readonly name: string;
  readonly role: string;
  readonly registrationNo?: string;
  readonly certificationId: string;
  readonly auditId: string;
  readonly kind: string;
  readonly agencyId: string;
  readonly regionCode: string;
  readonly clientName: string;
  readonly address: string;
  readonly lat?: number;
  readonly lon?: number;
  readonly mode?: string;
  readonly plannedStart?: string;
  readonly plannedEnd?: string;
  readonly start?: string;
  readonly end?: string;
}

export interface ReportingTally {
  readonly agencyId: string;
  readonly regionCode: string;
  due: number;
  onTime: number;
}

/** Reporting tallies by CB and region. */
type Tallies = Map<string, ReportingTally>;

/** The tally of a CB in a region, added to `tallies` when it has none yet. */
function tallyOf(tallies: Tallies, agencyId: string, regionCode: string): ReportingTally {
  const key = `${agencyId}|${regionCode}`;
  const tally = tallies.get(key) ?? { agencyId, regionCode, due: 0, onTime: 0 };
  tallies.set(key, tally);
  return tally;
}

export interface Evaluation {
  readonly warnings: Warning[];
  readonly auditorAudits: AuditorAuditRow[];
  readonly reporting: ReportingTally[];
}

/** Today's date where the ledger's regulators are (China Standard Time, UTC+8). */
export const todayOf = chinaDayAt;
const startOf = (date: IsoDate): string => `${date}T00:00:00+08:00`;

/**
 * What a warning is about: a certification, and the certificate when it concerns one; and the CB
 * answerable for it, which is never simply the certification's CB now (a transfer would move every
 * warning to the accepting CB): for a warning on an event, the CB that recorded that event; for a
 * deadline passed, the CB that held the certification when it passed (holderAt), which had to act;
 * for a report to CNCA, the CB that made it in time, else the CB that recorded the event reported,
 * unless a transfer the ledger held came before the report was due (reportingAgencyOf).
 */
interface Subject {
  readonly facts: CertificationFacts;
  readonly certificate?: CertificateFact;
  readonly agencyId: string;
}

/**
 * A deadline's warning is answered by the CB that held the certification when the deadline passed,
 * which had to act: after a transfer the accepting CB, even before it issues its own certificate.
 */
const heldWhenDue = (
  facts: CertificationFacts,
  hit: { readonly raisedAt: string },
  certificate?: CertificateFact,
): Subject => ({
  facts,
  ...(certificate ? { certificate } : {}),
  agencyId: holderAt(facts, hit.raisedAt),
});

function makeWarning(
  ruleId: string,
  key: string,
  subject: Subject,
  fields: {
    kind: string;
    message: string;
    evidence: readonly string[];
    raisedAt: string;
    clearedAt?: string | undefined;
    auditorId?: string;
  },
): Warning {
  const rule = ruleOf(ruleId);
  const { facts, certificate } = subject;
  return {
    id: `${ruleId}:${facts.certificationId}:${key}`,
    ruleId,
    ...(rule.rule ? { rule: rule.rule } : {}),
    kind: fields.kind,
    severity: rule.severity,
    agencyId: subject.agencyId,
    regionCode: facts.regionCode,
    certificationId: facts.certificationId,
    ...((certificate ?? currentCertificate(facts))
      ? { certificateNo: (certificate ?? currentCertificate(facts))!.certificateNo }
      : {}),
    ...(facts.client.creditCode ? { creditCode: facts.client.creditCode } : {}),
    ...(fields.auditorId ? { auditorId: fields.auditorId } : {}),
    message: fields.message,
    evidence: fields.evidence.filter(Boolean),
    raisedAt: fields.raisedAt,
    ...(fields.clearedAt ? { clearedAt: fields.clearedAt } : {}),
  };
}

/**
 * The spells after `due` in which the certificate showed valid: from `due` if it was valid then, and
 * from each restore; each until the next change away from valid. A suspension interrupts a spell,
 * an end (withdrawal, cancellation, expiry) leaves none after it.
 */
function validSpellsAfter(
  certificate: CertificateFact,
  due: IsoDate,
): Array<{ restore?: StatusChange; until?: IsoDate }> {
  const spells: Array<{ restore?: StatusChange; until?: IsoDate }> = [];
  let open: { restore?: StatusChange } | undefined = statusAt(certificate, due) === 'valid' ? {} : undefined;
  for (const change of certificate.history) {
    if (change.on <= due) continue;
    if (change.status === 'valid') {
      open ??= { restore: change };
      continue;
    }
    if (open) spells.push({ ...open, until: change.on });
    open = undefined;
    if (change.status !== 'suspended') return spells;
  }
  if (open) spells.push(open);
  return spells;
}

/** The first change away from `valid` after `date` (the CB acted), or undefined. */
function leftValidAfter(certificate: CertificateFact, date: IsoDate): IsoDate | undefined {
  return certificate.history.find((c) => c.on > date && c.status !== 'valid')?.on;
}

const minDate = (...dates: Array<IsoDate | undefined>): IsoDate | undefined =>
  dates.filter((d): d is IsoDate => d !== undefined).sort()[0];

/** A deadline check: raised the day after `due` unless `doneOn` is on or before it; cleared when done or acted on. */
function deadline(
  due: IsoDate,
  doneOn: IsoDate | undefined,
  today: IsoDate,
): { raisedAt: string; clearedAt?: string } | undefined {
  if (doneOn !== undefined && doneOn <= due) return undefined;
  if (doneOn === undefined && today <= due) return undefined;
  const raised = addDays(due, 1);
  if (doneOn !== undefined && doneOn <= today) return { raisedAt: startOf(raised), clearedAt: startOf(doneOn) };
  return { raisedAt: startOf(raised) };
}

/** Certificates by certification cycle: one issued on a transfer continues the cycle before it (IAF MD2). */
function cyclesOf(certificates: readonly CertificateFact[]): CertificateFact[][] {
  const cycles: CertificateFact[][] = [];
  for (const certificate of certificates) {
    const current = cycles.at(-1);
    if (certificate.transferEventId && current) current.push(certificate);
    else cycles.push([certificate]);
  }
  return cycles;
}

/** The certificate of a cycle in force on `date`: the last issued on or before it (else the first). */
const certificateOn = (cycle: readonly CertificateFact[], date: IsoDate): CertificateFact =>
  cycle.filter((c) => c.issuedAt <= date).at(-1) ?? cycle[0]!;

function checkSurveillance(facts: CertificationFacts, config: SupervisionConfig, today: IsoDate, out: Warning[]): void {
  cyclesOf(facts.certificates).forEach((cycle, i, cycles) => {
    const first = cycle[0]!;
    const last = cycle.at(-1)!;
    const next = cycles[i + 1]?.[0];
    const cycleEnd = next ? minDate(last.validUntil, next.issuedAt)! : last.validUntil;
    const surveillances = Object.values(facts.audits)
      .filter(
        (a) =>
          (a.kind === 'surveillance' || a.kind === 'recertification') &&
          a.conducted &&
          a.conducted.start >= first.issuedAt &&
          a.conducted.start <= cycleEnd,
      )
      .sort((a, b) => a.conducted!.start.localeCompare(b.conducted!.start));
    // The schedule runs from the cycle's first issue, across a transfer's new certificate.
    let due = addMonths(first.issuedAt, config.surveillanceIntervalMonths);
    let previous = first.eventId;
    // In the cycle's last months the recertification audit takes the place of a surveillance (W3 watches expiry).
    const lastDue = addMonths(cycleEnd, -config.recertificationWindowMonths);
    const judge = (doneOn: IsoDate | undefined, doneEvent: string | undefined) => {
      if (due > lastDue && doneOn === undefined) return;
      const certificate = certificateOn(cycle, due);
      for (const spell of validSpellsAfter(certificate, due)) {
        const { restore } = spell;
        // Restored with the surveillance still overdue: due again by the restore day.
        const hit = deadline(restore?.on ?? due, minDate(doneOn, spell.until), today);
        if (!hit) continue;
        const made = doneOn ? `made on ${doneOn}` : 'none recorded';
        const finding = restore
          ? `not made when the certificate was restored on ${restore.on}${doneOn ? `; ${made}` : ''}`
          : `${made} while the certificate showed valid`;
        out.push(
          makeWarning(
            'W1',
            `${certificate.certificateNo}:${due}${restore ? `:restored-${restore.on}` : ''}`,
            heldWhenDue(facts, hit, certificate),
            {
              kind: 'surveillance-overdue',
              message: `certificate ${certificate.certificateNo}: surveillance due by ${due}, ${finding}`,
              evidence: [previous, restore?.eventId ?? '', doneEvent ?? '', certificate.transferEventId ?? ''],
              ...hit,
            },
          ),
        );
      }
    };
    for (const s of surveillances) {
      judge(s.conducted!.start, s.conducted!.eventId);
      due = addMonths(s.conducted!.start, config.surveillanceIntervalMonths);
      previous = s.conducted!.eventId;
    }
    judge(undefined, undefined);
  });
}

function checkSuspensions(facts: CertificationFacts, config: SupervisionConfig, today: IsoDate, out: Warning[]): void {
  for (const certificate of facts.certificates) {
    certificate.history.forEach((change, k) => {
      if (change.status !== 'suspended') return;
      const limit = addMonths(change.on, config.maxSuspensionMonths);
      const end = certificate.history[k + 1];
      const hit = deadline(limit, end?.on, today);
      if (!hit) return;
      out.push(
        makeWarning('W2', `${certificate.certificateNo}:${change.on}`, heldWhenDue(facts, hit, certificate), {
          kind: 'suspension-past-limit',
          message: `certificate ${certificate.certificateNo} suspended on ${change.on}; the ${config.maxSuspensionMonths}-month limit passed on ${limit}${end ? `; it ended (${end.status}) on ${end.on}` : ' and it is neither restored nor withdrawn'}`,
          evidence: [change.eventId, end?.eventId ?? ''],
          ...hit,
        }),
      );
    });
  }
}

function checkExpiry(facts: CertificationFacts, today: IsoDate, out: Warning[]): void {
  facts.certificates.forEach((certificate, i) => {
    const next = facts.certificates[i + 1];
    if (next && next.issuedAt <= certificate.validUntil) return;
    if (statusAt(certificate, certificate.validUntil) !== 'valid') return;
    const changed = certificate.history.find((c) => c.on > certificate.validUntil)?.on;
    // The CB records the expiry the day after validUntil; only then is a still-valid status late.
    const hit = deadline(addDays(certificate.validUntil, 1), minDate(changed, next?.issuedAt), today);
    if (!hit) return;
    out.push(
      makeWarning('W3', `${certificate.certificateNo}:expiry`, heldWhenDue(facts, hit, certificate), {
        kind: 'valid-after-expiry',
        message: `certificate ${certificate.certificateNo} expired on ${certificate.validUntil} without a recertification and still showed valid`,
        evidence: [certificate.eventId],
        ...hit,
      }),
    );
  });
  for (const audit of Object.values(facts.audits)) {
    if (audit.kind !== 'recertification' || !audit.plan) continue;
    if (audit.plan.mode === 'remote') {
      out.push(
        makeWarning(
          'W3',
          `${audit.auditId}:remote`,
          { facts, agencyId: audit.plan.agencyId },
          {
            kind: 'recertification-remote',
            message: `recertification audit ${audit.auditId} planned remote`,
            evidence: [audit.plan.eventId],
            raisedAt: audit.plan.at,
          },
        ),
      );
    }
    const certificate = facts.certificates.filter((c) => c.issuedAt <= audit.plan!.start).at(-1);
    if (audit.conducted && certificate && audit.conducted.end > certificate.validUntil) {
      out.push(
        makeWarning(
          'W3',
          `${audit.auditId}:late`,
          { facts, certificate, agencyId: audit.conducted.agencyId },
          {
            kind: 'recertification-after-expiry',
            message: `recertification audit ${audit.auditId} ended ${audit.conducted.end}, after the certificate expired (${certificate.validUntil})`,
            evidence: [audit.conducted.eventId],
            raisedAt: audit.conducted.at,
          },
        ),
      );
    }
  }
}

const coveredAudits = (facts: CertificationFacts, audit: AuditFact): AuditFact[] =>
  audit.kind === 'stage2' ? [audit, ...Object.values(facts.audits).filter((a) => a.kind === 'stage1')] : [audit];

function checkDecisions(facts: CertificationFacts, out: Warning[]): void {
  for (const audit of Object.values(facts.audits)) {
    const decision = audit.decision;
    if (!decision) continue;
    const teamAudit = coveredAudits(facts, audit).find((a) => a.team.some((m) => m.auditorId === decision.makerId));
    if (teamAudit) {
      out.push(
        makeWarning(
          'W4',
          `${audit.auditId}:team-member`,
          { facts, agencyId: decision.agencyId },
          {
            kind: 'decision-by-team-member',
            message: `decision on audit ${audit.auditId} made by ${decision.makerId}, a member of the team of audit ${teamAudit.auditId} (R8)`,
            evidence: [decision.eventId, teamAudit.assignments.at(-1)?.eventId ?? ''],
            raisedAt: decision.at,
          },
        ),
      );
    }
    if (decision.decision === 'grant' && decision.openMajors.length > 0) {
      out.push(
        makeWarning(
          'W4',
          `${audit.auditId}:open-major`,
          { facts, agencyId: decision.agencyId },
          {
            kind: 'grant-with-open-major',
            message: `grant on audit ${audit.auditId} with major nonconformity ${decision.openMajors.join(', ')} not verified closed (R7, R9)`,
            evidence: [decision.eventId, ...decision.openMajors.map((id) => facts.findings[id]?.eventId ?? '')],
            raisedAt: decision.at,
          },
        ),
      );
    }
  }
}

const MD5_AUDIT: Readonly<Record<string, 'initial' | 'surveillance' | 'recertification' | undefined>> = {
  stage2: 'initial',
  surveillance: 'surveillance',
  recertification: 'recertification',
};

function checkAuditTime(
  facts: CertificationFacts,
  config: SupervisionConfig,
  minimum: MinimumAuditDays | undefined,
  out: Warning[],
): void {
  for (const audit of Object.values(facts.audits)) {
    const plan = audit.plan;
    const md5Audit = MD5_AUDIT[audit.kind];
    if (!plan || !md5Audit) continue;
    const stage1 =
      audit.kind === 'stage2'
        ? Object.values(facts.audits).find((a) => a.kind === 'stage1' && a.plan)?.plan
        : undefined;
    const total = plan.auditDays + (stage1?.auditDays ?? 0);
    const onsite = plan.onsiteDays + (stage1?.onsiteDays ?? 0);
    const least = minimum?.({
      scheme: facts.scheme,
      ...(facts.complexity ? { complexity: facts.complexity } : {}),
      employees: facts.client.employees,
      audit: md5Audit,
    });
    if (least !== undefined && total < least) {
      out.push(
        makeWarning(
          'W5',
          `${audit.auditId}:md5`,
          { facts, agencyId: plan.agencyId },
          {
            kind: 'audit-time-below-md5',
            message: `audit ${audit.auditId} planned ${total} auditor-days; IAF MD5 less 30% is ${least}`,
            evidence: [plan.eventId],
            raisedAt: plan.at,
          },
        ),
      );
    }
    const remoteOk = config.remoteAuditPermitted && plan.mode !== 'onsite';
    if (!remoteOk && onsite < config.minOnsiteShare * total - 1e-9) {
      out.push(
        makeWarning(
          'W5',
          `${audit.auditId}:onsite`,
          { facts, agencyId: plan.agencyId },
          {
            kind: 'onsite-share-low',
            message: `audit ${audit.auditId} has ${onsite} of ${total} days on site (under ${config.minOnsiteShare * 100}%)`,
            evidence: [plan.eventId],
            raisedAt: plan.at,
          },
        ),
      );
    }
  }
}

function checkApplication(facts: CertificationFacts, config: SupervisionConfig, out: Warning[]): void {
  const application = facts.application;
  if (!application || facts.review?.outcome !== 'accepted') return;
  const submitted = dateOf(application.at);
  const problems: string[] = [];
  if (
    !application.operatingSince ||
    application.operatingSince > addMonths(submitted, -config.minSystemOperationMonths)
  ) {
    problems.push(
      `system operating since ${application.operatingSince ?? 'unknown'}, under ${config.minSystemOperationMonths} months before ${submitted}`,
    );
  }
  if (!application.lastInternalAudit) problems.push('no internal audit recorded');
  if (!application.lastManagementReview) problems.push('no management review recorded');
  if (problems.length === 0) return;
  out.push(
    makeWarning(
      'W6',
      `${facts.certificationId}:precondition`,
      { facts, agencyId: facts.review.agencyId },
      {
        kind: 'accepted-despite-precondition',
        message: `application accepted although: ${problems.join('; ')}`,
        evidence: [application.eventId, facts.review.eventId],
        raisedAt: facts.review.at,
      },
    ),
  );
}

const CORE_ROLES = new Set(['leader', 'auditor']);

function checkTeam(facts: CertificationFacts, out: Warning[]): void {
  for (const audit of Object.values(facts.audits)) {
    const assigned = audit.assignments.at(-1)!;
    // The audit as last recorded (conducted, else planned): the end a registration must reach.
    const recorded = audit.conducted ?? audit.plan;
    for (const member of audit.team) {
      if (member.role === 'expert' || !recorded) continue;
      if (member.registrationValidUntil && member.registrationValidUntil < recorded.end) {
        out.push(
          makeWarning(
            'W8',
            `${audit.auditId}:${member.auditorId}:registration`,
            { facts, agencyId: recorded.agencyId },
            {
              kind: 'registration-expired',
              auditorId: member.auditorId,
              message: `auditor ${member.auditorId}'s registration ran until ${member.registrationValidUntil}, before audit ${audit.auditId} ended (${recorded.end})`,
              evidence: [assigned.eventId, recorded.eventId],
              raisedAt: recorded.at,
            },
          ),
        );
      }
    }
    const scope = assigned.sectors;
    const byCore = new Set(audit.team.filter((m) => CORE_ROLES.has(m.role)).flatMap((m) => m.sectors));
    const byAnyone = new Set(audit.team.filter((m) => m.role !== 'trainee').flatMap((m) => m.sectors));
    const uncovered = scope.filter((s) => !byCore.has(s));
    if (uncovered.length > 0) {
      const expertOnly = uncovered.every((s) => byAnyone.has(s));
      out.push(
        makeWarning(
          'W8',
          `${audit.auditId}:sectors`,
          { facts, agencyId: assigned.agencyId },
          {
            kind: expertOnly ? 'sector-covered-by-expert-only' : 'sector-not-covered',
            message: `audit ${audit.auditId}: sector(s) ${uncovered.join(', ')} of the scope ${expertOnly ? 'covered only by a technical expert' : 'not covered by the team'}`,
            evidence: [assigned.eventId, assigned.scopeEventId],
            raisedAt: assigned.at,
          },
        ),
      );
    }
    if (audit.plan) {
      const planReports = facts.reports.filter(
        (r) => r.kind === 'audit_plan' && r.subjectEventId === audit.plan!.eventId,
      );
      const firstReport = earliestInstant(planReports.map((r) => r.reportedAt));
      if (firstReport) {
        const changed = audit.assignments.find(
          (a) =>
            compareInstants(a.at, firstReport) > 0 &&
            !planReports.some((r) => compareInstants(r.reportedAt, a.at) >= 0),
        );
        if (changed) {
          out.push(
            makeWarning(
              'W8',
              `${audit.auditId}:team-changed`,
              { facts, agencyId: changed.agencyId },
              {
                kind: 'team-changed-after-report',
                message: `audit ${audit.auditId}: team changed on ${changed.at} after the plan was reported (${firstReport}) and not reported again`,
                evidence: [changed.eventId, audit.plan.eventId],
                raisedAt: changed.at,
              },
            ),
          );
        }
      }
    }
  }
}

interface Slot {
  readonly facts: CertificationFacts;
  readonly audit: AuditFact;
  readonly start: IsoDate;
  readonly end: IsoDate;
}

/** The other audits an overlap warning names in its evidence; the message gives how many there are. */
const OVERLAP_EVIDENCE = 5;
/** How far back a slot looks for audits that started before it and were still running. */
const OVERLAP_LOOKBACK = 200;

/** How many of the sorted dates are at most (or, strict, below) `date`. */
function countAtMost(sorted: readonly IsoDate[], date: IsoDate, strict = false): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    const before = strict ? sorted[middle]! < date : sorted[middle]! <= date;
    if (before) low = middle + 1;
    else high = middle;
  }
  return low;
}

/**
 * W8, one auditor on audits at once: one warning per audit and auditor, with how many other audits
 * overlap it and up to OVERLAP_EVIDENCE of them. A warning per overlapping pair grew with the square
 * of an auditor's audits (a bulk import of one CB's history raised millions). Counting takes two
 * binary searches per audit: the audits that started by its end, less those that ended before it.
 */
function checkOverlaps(certifications: readonly CertificationFacts[], out: Warning[]): void {
  const byAuditor = new Map<string, Slot[]>();
  for (const facts of certifications) {
    for (const audit of Object.values(facts.audits)) {
      if (!audit.conducted) continue;
      for (const member of audit.team) {
        const slots = byAuditor.get(member.auditorId) ?? [];
        slots.push({ facts, audit, start: audit.conducted.start, end: audit.conducted.end });
        byAuditor.set(member.auditorId, slots);
      }
    }
  }
  for (const [auditorId, slots] of byAuditor) {
    if (slots.length < 2) continue;
    slots.sort((a, b) => a.start.localeCompare(b.start));
    const starts = slots.map((slot) => slot.start);
    const ends = slots.map((slot) => slot.end).sort();
    slots.forEach((self, index) => {
      const others = countAtMost(starts, self.end) - countAtMost(ends, self.start, true) - 1;
      if (others <= 0) return;
      const partners: Slot[] = [];
      for (
        let j = index + 1;
        j < slots.length && slots[j]!.start <= self.end && partners.length < OVERLAP_EVIDENCE;
        j += 1
      )
        partners.push(slots[j]!);
      for (let j = index - 1; j >= 0 && index - j <= OVERLAP_LOOKBACK && partners.length < OVERLAP_EVIDENCE; j -= 1)
        if (slots[j]!.end >= self.start) partners.push(slots[j]!);
      const conducted = self.audit.conducted!;
      // Raised when both were on record: self's record, or the earliest partner's if it came later.
      const known = earliestInstant(partners.map((slot) => slot.audit.conducted!.at)) ?? conducted.at;
      out.push(
        makeWarning(
          'W8',
          `${self.audit.auditId}:${auditorId}:overlap`,
          { facts: self.facts, agencyId: conducted.agencyId },
          {
            kind: 'auditor-overlap',
            auditorId,
            // The other audits may be other regions' (and other clients'): they are named only by their
            // AuditConducted events in the evidence, which GET /v1/events/{id} answers within their region.
            message: `auditor ${auditorId} on audit ${self.audit.auditId} (${self.start}–${self.end}) and at the same time on ${others === 1 ? 'another audit' : `${others} other audits`} (${partners.map((slot) => `${slot.start}–${slot.end}`).join(', ')}${others > partners.length ? ', …' : ''})`,
            evidence: [conducted.eventId, ...partners.map((slot) => slot.audit.conducted!.eventId)],
            raisedAt: latestInstant([conducted.at, known])!,
          },
        ),
      );
    });
  }
}

/** Whether the day is one of the audit's, start to end (China calendar). */
const withinDays = (day: IsoDate, audit: { readonly start: IsoDate; readonly end: IsoDate }): boolean =>
  day >= audit.start && day <= audit.end;

function checkCheckIns(facts: CertificationFacts, config: SupervisionConfig, out: Warning[]): void {
  const places = [facts.client, ...facts.client.sites].filter(
    (p): p is typeof p & { lat: number; lon: number } => p.lat !== undefined && p.lon !== undefined,
  );
  for (const audit of Object.values(facts.audits)) {
    const conducted = audit.conducted;
    if (!conducted || !audit.plan || audit.plan.mode === 'remote') continue;
    for (const member of audit.team) {
      const own = conducted.checkIns.filter((c) => c.auditorId === member.auditorId);
      /** A W9 warning on this member of this audit; `finding` keys it among the member's. */
      const flag = (finding: string, kind: string, message: string): void => {
        const key = `${audit.auditId}:${member.auditorId}:${finding}`;
        const fields = { auditorId: member.auditorId, evidence: [conducted.eventId], raisedAt: conducted.at };
        out.push(makeWarning('W9', key, { facts, agencyId: conducted.agencyId }, { ...fields, kind, message }));
      };
      if (own.length === 0) {
        flag(
          'absent',
          'member-missing',
          `audit ${audit.auditId}: ${member.role} ${member.auditorId} never checked in or out`,
        );
        continue;
      }
      const missing = ['in', 'out'].filter((kind) => !own.some((c) => c.kind === kind));
      if (missing.length > 0)
        flag(
          'missing',
          'missing-check-in-out',
          `audit ${audit.auditId}: ${member.auditorId} has no check-${missing.join(' or check-')}`,
        );
      const outside = own.filter((c) => !withinDays(dateOf(c.at), conducted));
      if (outside.length > 0)
        flag(
          'dates',
          'check-in-outside-audit-dates',
          `audit ${audit.auditId} (${conducted.start}–${conducted.end}): ${member.auditorId} checked ${outside.map((c) => `${c.kind} at ${c.at}`).join(', ')}, outside the audit's days (China time)`,
        );
      if (places.length === 0) continue;
      const far = own
        .filter((c) => c.lat !== undefined && c.lon !== undefined)
        .map((c) => ({ c, km: Math.min(...places.map((p) => haversineKm(p, { lat: c.lat!, lon: c.lon! }))) }))
        .filter(({ km }) => km > config.checkInRadiusKm);
      if (far.length > 0) {
        const worst = Math.max(...far.map((f) => f.km));
        flag(
          'location',
          'location-deviation',
          `audit ${audit.auditId}: ${member.auditorId} checked ${far.map((f) => f.c.kind).join('/')} ${worst.toFixed(1)} km from the audited site (limit ${config.checkInRadiusKm} km)`,
        );
      }
    }
  }
}

const REPORT_KIND: Readonly<Record<string, string>> = {
  AuditPlanned: 'audit_plan',
  AuditConducted: 'audit_result',
  CertificateIssued: 'certificate',
  CertificateScopeChanged: 'certificate',
  CertificateSuspended: 'status_change',
  CertificateRestored: 'status_change',
  CertificateWithdrawn: 'status_change',
  CertificateCancelled: 'status_change',
  CertificateExpired: 'status_change',
};

/**
 * A report that says it was made in time but reached the ledger after the due date, while the ledger
 * held its subject before that date: the reportedAt is the CB's word, and it would clear a warning
 * that stood open. A history imported after the fact (subject and report recorded late together) is
 * judged by its reportedAt.
 */
function recordedAfterDue(subject: ReportableFact, report: ReportFact, reportedOn: IsoDate, due: IsoDate): boolean {
  if (reportedOn > due) return false;
  // Compared as instants: this runs for every report on every evaluation.
  const dueEnded = Date.parse(`${due}T00:00:00+08:00`) + 86_400_000;
  return Date.parse(report.recordedAt) >= dueEnded && Date.parse(subject.recordedAt) < dueEnded;
}

/**
 * The CB answerable for a report of `subject` to CNCA not made in time: the CB that recorded it,
 * which reports its own plans, results, certificates and status changes, so that a transfer leaves
 * its late reports with it; unless a transfer took the certification from it by `dueEnded`. Then the
 * CB that could record the report by then answers, as for a deadline's warning: R15 lets no other CB
 * record it, and one recorded after the due date is late whatever its reportedAt (recordedAfterDue).
 * So a transfer counts from when the ledger recorded it, if that is after its date; for a subject the
 * ledger did not hold by the due date (a history imported later), by its date, as the report is.
 */
function reportingAgencyOf(facts: CertificationFacts, subject: ReportableFact, dueEnded: string): string {
  const holderOn = compareInstants(subject.recordedAt, dueEnded) < 0 ? writerAt : holderAt;
  const holder = holderOn(facts, dueEnded);
  return holder === holderOn(facts, subject.occurredAt) ? subject.agencyId : holder;
}

function checkReporting(
  facts: CertificationFacts,
  config: SupervisionConfig,
  today: IsoDate,
  out: Warning[],
  tallies: Tallies,
): void {
  for (const subject of facts.reportables) {
    const kind = REPORT_KIND[subject.type];
    if (!kind) continue;
    const due =
      subject.type === 'AuditPlanned'
        ? subject.auditStart!
        : reportDeadline(dateOf(subject.occurredAt), config.reportingDayOfMonth);
    const report = facts.reports
      .filter((r) => r.subjectEventId === subject.eventId)
      .sort((a, b) => compareInstants(a.reportedAt, b.reportedAt))[0];
    const reportedOn = report ? dateOf(report.reportedAt) : undefined;
    if (reportedOn === undefined && today <= due) continue;
    const recordedLate =
      report && recordedAfterDue(subject, report, reportedOn!, due) ? dateOf(report.recordedAt) : undefined;
    const hit = deadline(due, recordedLate ?? reportedOn, today);
    // Without a hit the report was made in time, by the CB that recorded it.
    const agencyId = hit ? reportingAgencyOf(facts, subject, hit.raisedAt) : report!.agencyId;
    const tally = tallyOf(tallies, agencyId, facts.regionCode);
    tally.due += 1;
    if (!hit) {
      tally.onTime += 1;
      continue;
    }
    out.push(
      makeWarning(
        'W10',
        `${subject.eventId}`,
        { facts, agencyId },
        {
          kind: recordedLate ? 'report-recorded-after-due' : report ? 'reported-late' : 'not-reported',
          message: `${kind.replace('_', ' ')} (${subject.type}${subject.auditId ? ` ${subject.auditId}` : ''}) due to CNCA by ${due}${report ? `, reported ${reportedOn}` : ', not reported'}${recordedLate ? `, which the CB recorded only on ${recordedLate}` : ''}`,
          evidence: [subject.eventId, report?.eventId ?? ''],
          ...hit,
        },
      ),
    );
  }
}

function checkTransfers(facts: CertificationFacts, out: Warning[]): void {
  for (const transfer of facts.transfers) {
    if (transfer.statusThen !== 'suspended') continue;
    out.push(
      makeWarning(
        'W12',
        `${transfer.eventId}`,
        { facts, agencyId: transfer.toAgencyId },
        {
          kind: 'transfer-of-suspended',
          message: `certification transferred from ${transfer.fromAgencyId} to ${transfer.toAgencyId} while its certificate was suspended (R15)`,
          evidence: [transfer.eventId],
          raisedAt: transfer.at,
        },
      ),
    );
  }
}

/**
 * Whether a regulator's record may act on the certification: its client lies in the region the
 * record was filed under (the writer's; an admin's, '', covers all). A record about another
 * region's client, which the ledger took before it checked, raises nothing there.
 */
const filedOver = (record: SupervisionFact, facts: CertificationFacts): boolean =>
  facts.regionCode.startsWith(record.regionCode);

function checkSpotChecks(
  byCredit: Map<string, CertificationFacts[]>,
  supervision: readonly SupervisionFact[],
  config: SupervisionConfig,
  today: IsoDate,
  out: Warning[],
): void {
  for (const check of supervision) {
    if (check.type !== 'SpotCheckRecorded' || check.data.result !== 'fail') continue;
    const checkedAt = String(check.data.checkedAt ?? dateOf(check.occurredAt));
    const due = addDays(checkedAt, config.spotCheckFollowUpDays);
    for (const facts of byCredit.get(String(check.data.creditCode ?? '')) ?? []) {
      if (!filedOver(check, facts)) continue;
      const certificate = facts.certificates.filter((c) => c.issuedAt <= checkedAt).at(-1);
      if (!certificate || statusAt(certificate, checkedAt) !== 'valid') continue;
      if (check.data.certificateNo && check.data.certificateNo !== certificate.certificateNo) continue;
      // Only an audit made counts: one planned and never conducted does not follow the check up.
      const specials = Object.values(facts.audits)
        .flatMap((a) => (a.kind === 'special' && a.conducted ? [a.conducted] : []))
        .map((c) => ({ on: c.start, eventId: c.eventId }))
        .filter((s) => s.on >= checkedAt)
        .sort((a, b) => a.on.localeCompare(b.on));
      const acted = minDate(specials[0]?.on, leftValidAfter(certificate, checkedAt));
      const hit = deadline(due, acted, today);
      if (!hit) continue;
      out.push(
        makeWarning('W7', `${check.eventId}:${facts.certificationId}`, heldWhenDue(facts, hit, certificate), {
          kind: 'spot-check-without-follow-up',
          message: `national spot check of ${facts.client.name} failed on ${checkedAt}; no short-notice audit by ${due}${specials[0] ? ` (first on ${specials[0].on})` : ''}`,
          evidence: [check.eventId, specials[0]?.eventId ?? ''],
          ...hit,
        }),
      );
    }
  }
}

/** W11 (§7.11): only a withdrawal acts on a withdrawal trigger. */
const WITHDRAWN: ReadonlySet<string> = new Set(['withdrawn']);
const OTHER_ENDS: ReadonlySet<string> = new Set(['cancelled', 'expired']);

/** The first status change on or after `date` to one of `statuses`. */
const changeAfter = (certificate: CertificateFact, date: IsoDate, statuses: ReadonlySet<string>) =>
  certificate.history.find((c) => c.on >= date && statuses.has(c.status));

/** The earliest such change among the certificates. */
const firstChangeAfter = (certificates: readonly CertificateFact[], date: IsoDate, statuses: ReadonlySet<string>) =>
  certificates
    .map((certificate) => changeAfter(certificate, date, statuses))
    .filter((change) => change !== undefined)
    .sort((a, b) => (a.on < b.on ? -1 : a.on > b.on ? 1 : 0))[0];

/** A certificate and those its certification issued after it. */
const certificatesFrom = (facts: CertificationFacts, certificate: CertificateFact): CertificateFact[] => {
  const index = facts.certificates.indexOf(certificate);
  return index < 0 ? [certificate] : facts.certificates.slice(index);
};

function checkWithdrawalTriggers(
  byCertificate: Map<string, { facts: CertificationFacts; certificate: CertificateFact }>,
  supervision: readonly SupervisionFact[],
  config: SupervisionConfig,
  today: IsoDate,
  out: Warning[],
): void {
  for (const trigger of supervision) {
    if (trigger.type !== 'WithdrawalTriggerRecorded') continue;
    const found = byCertificate.get(String(trigger.data.certificateNo ?? ''));
    if (!found || !filedOver(trigger, found.facts)) continue;
    const recordedOn = String(trigger.data.recordedOn ?? dateOf(trigger.occurredAt));
    const due = addWorkingDays(recordedOn, config.withdrawalWorkingDays, config.holidays, config.workingWeekends);
    // The certificate named, or one its certification issued after it (a transfer's, a new version),
    // which is the one to withdraw once it is in force.
    const inForce = certificatesFrom(found.facts, found.certificate);
    const withdrawn = firstChangeAfter(inForce, recordedOn, WITHDRAWN);
    const hit = deadline(due, withdrawn?.on, today);
    if (!hit) continue;
    // A cancellation or expiry instead is not the withdrawal §7.11 asks for: the warning stays open.
    const ended = withdrawn ?? firstChangeAfter(inForce, recordedOn, OTHER_ENDS);
    out.push(
      makeWarning('W11', `${trigger.eventId}`, heldWhenDue(found.facts, hit, found.certificate), {
        kind: 'withdrawal-overdue',
        message: `withdrawal trigger on ${found.certificate.certificateNo} recorded ${recordedOn} ("${String(trigger.data.trigger ?? '')}"); not withdrawn by ${due}${ended ? ` (${ended.status} on ${ended.on})` : ''}`,
        evidence: [trigger.eventId, ended?.eventId ?? ''],
        ...hit,
      }),
    );
  }
}

const ACTIVE_CONFLICT = new Set(['suspended', 'withdrawn']);

/** Where two certificates' scopes overlap: the IAF sectors they have in common. */
const sharedSectors = (a: CertificateFact, b: CertificateFact): number[] =>
  a.sectors.filter((sector) => b.sectors.includes(sector));

/**
 * W13 compares the CBs that gave each certificate the status it shows: the issuer, or the CB that
 * suspended, withdrew or restored it. Neither the certification's CB now (an accepting CB does not
 * make the previous CB's suspension its own) nor the issuer alone: the ledger now refuses an
 * accepting CB's suspension of the previous CB's certificate (R15 certificate-of-previous-cb), but
 * in a history recorded before that rule, such as an imported one, that CB suspended the client.
 */
function checkConflicts(byCredit: Map<string, CertificationFacts[]>, today: IsoDate, out: Warning[]): void {
  for (const group of byCredit.values()) {
    if (group.length < 2) continue;
    const current = group.flatMap((facts) => {
      const certificate = currentCertificate(facts);
      return certificate ? [{ facts, certificate, status: statusOf(certificate) }] : [];
    });
    for (const a of current) {
      if (a.status.status !== 'valid' || a.certificate.validUntil < today) continue;
      for (const b of current) {
        if (b.status.agencyId === a.status.agencyId || b.facts.scheme !== a.facts.scheme) continue;
        if (!ACTIVE_CONFLICT.has(b.status.status) || b.certificate.validUntil < today) continue;
        const shared = sharedSectors(a.certificate, b.certificate);
        if (shared.length === 0) continue;
        out.push(
          makeWarning(
            'W13',
            `${a.certificate.certificateNo}:${b.certificate.certificateNo}`,
            { facts: a.facts, certificate: a.certificate, agencyId: a.status.agencyId },
            {
              kind: 'conflicting-status',
              message: `${a.facts.client.name} (${a.facts.scheme}, sector ${shared.join(', ')}) is valid at ${a.status.agencyId} (${a.certificate.certificateNo}) and ${b.status.status} at ${b.status.agencyId} (${b.certificate.certificateNo})`,
              evidence: [
                ...new Set([
                  a.certificate.eventId,
                  a.certificate.scopeEventId,
                  b.status.eventId,
                  b.certificate.scopeEventId,
                ]),
              ],
              raisedAt: startOf([a.certificate.issuedAt, b.status.on].sort()[1]!),
            },
          ),
        );
      }
    }
  }
}

function auditorRows(facts: CertificationFacts): AuditorAuditRow[] {
  return Object.values(facts.audits).flatMap((audit) =>
    audit.team.map((m) => ({
      auditorId: m.auditorId,
      name: m.name,
      role: m.role,
      ...(m.registrationNo ? { registrationNo: m.registrationNo } : {}),
      certificationId: facts.certificationId,
      auditId: audit.auditId,
      kind: audit.kind,
      agencyId: auditAgencyOf(audit),
      regionCode: facts.regionCode,
      clientName: facts.client.name,
      address: facts.client.address,
      ...(facts.client.lat !== undefined ? { lat: facts.client.lat, lon: facts.client.lon! } : {}),
      ...(audit.plan ? { mode: audit.plan.mode, plannedStart: audit.plan.start, plannedEnd: audit.plan.end } : {}),
      ...(audit.conducted ? { start: audit.conducted.start, end: audit.conducted.end } : {}),
    })),
  );
}

/** What the evaluation needs besides the facts. */
export interface EvaluationContext {
  readonly config: SupervisionConfig;
  /** The day the checks are evaluated on, in China (todayOf). */
  readonly today: IsoDate;
  readonly minimumAuditDays?: MinimumAuditDays;
}

/**
 * What one certification's facts give by themselves on a day: its own warnings, its auditor rows
 * and its share of the reporting tallies of the CBs that recorded its events. The same facts on the
 * same day give the same outcome, which is what lets the service keep it between evaluations
 * (evaluationMemory.ts).
 */
export interface CertificationOutcome {
  readonly warnings: readonly Warning[];
  readonly auditorAudits: readonly AuditorAuditRow[];
  readonly reporting: readonly ReportingTally[];
}

/** The checks of one certification on its own. Pure. */
export function evaluateCertification(facts: CertificationFacts, context: EvaluationContext): CertificationOutcome {
  const { config, today } = context;
  const warnings: Warning[] = [];
  const tallies: Tallies = new Map();
  checkSurveillance(facts, config, today, warnings);
  checkSuspensions(facts, config, today, warnings);
  checkExpiry(facts, today, warnings);
  checkDecisions(facts, warnings);
  checkAuditTime(facts, config, context.minimumAuditDays, warnings);
  checkApplication(facts, config, warnings);
  checkTeam(facts, warnings);
  checkCheckIns(facts, config, warnings);
  checkReporting(facts, config, today, warnings, tallies);
  checkTransfers(facts, warnings);
  return { warnings, auditorAudits: auditorRows(facts), reporting: [...tallies.values()] };
}

/**
 * The whole evaluation from each certification's outcome (`outcomes[i]` is that of
 * `certifications[i]`) and the checks across certifications: one auditor on two audits at once,
 * regulators' spot checks and withdrawal triggers, one company's certificates in conflict. Pure.
 */
export function evaluateAcross(
  certifications: readonly CertificationFacts[],
  outcomes: readonly CertificationOutcome[],
  supervision: readonly SupervisionFact[],
  context: EvaluationContext,
): Evaluation {
  const { config, today } = context;
  const warnings: Warning[] = [];
  const tallies: Tallies = new Map();
  const byCredit = new Map<string, CertificationFacts[]>();
  const byCertificate = new Map<string, { facts: CertificationFacts; certificate: CertificateFact }>();
  const auditorAudits: AuditorAuditRow[] = [];
  certifications.forEach((facts, i) => {
    const outcome = outcomes[i]!;
    if (facts.client.creditCode) {
      const group = byCredit.get(facts.client.creditCode);
      if (group) group.push(facts);
      else byCredit.set(facts.client.creditCode, [facts]);
    }
    for (const certificate of facts.certificates) byCertificate.set(certificate.certificateNo, { facts, certificate });
    for (const share of outcome.reporting) {
      const tally = tallyOf(tallies, share.agencyId, share.regionCode);
      tally.due += share.due;
      tally.onTime += share.onTime;
    }
    for (const warning of outcome.warnings) warnings.push(warning);
    for (const row of outcome.auditorAudits) auditorAudits.push(row);
  });
  checkOverlaps(certifications, warnings);
  checkSpotChecks(byCredit, supervision, config, today, warnings);
  checkWithdrawalTriggers(byCertificate, supervision, config, today, warnings);
  checkConflicts(byCredit, today, warnings);
  return { warnings, auditorAudits, reporting: [...tallies.values()] };
}

/** Every warning the facts support as of `now`, with the auditor rows and reporting tallies. Pure. */
export function evaluate(input: EvaluationInput): Evaluation {
  const context: EvaluationContext = {
    config: input.config,
    today: todayOf(input.now),
    ...(input.minimumAuditDays ? { minimumAuditDays: input.minimumAuditDays } : {}),
  };
  const outcomes = input.certifications.map((facts) => evaluateCertification(facts, context));
  return evaluateAcross(input.certifications, outcomes, input.supervision, context);
}
