import { randomUUID } from 'node:crypto';
import { creditCodeCheckChar } from '../certification/creditCode';
import type { CertificationEventType } from '../events/schema';

/** An event as a CB would POST it to /v1/certifications/{certificationId}/events. */
export interface ScenarioEvent {
  readonly certificationId: string;
  readonly eventId: string;
  readonly type: CertificationEventType;
  readonly occurredAt: string;
  readonly data: Record<string, unknown>;
}

export interface ScenarioOptions {
  readonly certificationId: string;
  /** Day the application is submitted (YYYY-MM-DD); every later step follows from it. */
  readonly appliedOn: string;
  readonly certificateNo?: string;
  readonly clientName?: string;
  readonly creditCode?: string;
  readonly regionCode?: string;
  readonly employees?: number;
  readonly sectors?: readonly number[];
}

/** A well-formed unified social credit code for a 17-character body (GB 32100-2015 check character). */
export function withCheckCharacter(body: string): string {
  return body + creditCodeCheckChar(body)!;
}

/** A deterministic credit code for the n-th demo enterprise of a city. */
export function demoCreditCode(regionCode: string, n: number): string {
  return withCheckCharacter(`91${regionCode}${String(n % 1e8).padStart(8, '0')}M`);
}

export function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

export function addYears(date: string, years: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCFullYear(d.getUTCFullYear() + years);
  return d.toISOString().slice(0, 10);
}

const at = (date: string, hour = 10): string => `${date}T${String(hour).padStart(2, '0')}:00:00+08:00`;

/**
 * A complete, rule-abiding initial certification: application to certificate issue (14 events).
 * QMS, 50 employees by default: IAF MD5 gives 5 auditor-days, so stage 1 (1 day) and stage 2
 * (3 days) together stay above the 30% reduction bound.
 */
export function initialCertification(options: ScenarioOptions): ScenarioEvent[] {
  const { certificationId, appliedOn } = options;
  const regionCode = options.regionCode ?? '320106';
  const sectors = [...(options.sectors ?? [19])];
  const day = (offset: number): string => addDays(appliedOn, offset);
  const leader = {
    auditorId: 'AUD-0001',
    name: '王审核',
    role: 'leader',
    registrationNo: 'CCAA-2019-QMS-0001',
    registrationValidUntil: addYears(appliedOn, 3),
    sectors,
  };
  const member = {
    ...leader,
    auditorId: 'AUD-0002',
    name: '李审核',
    role: 'auditor',
    registrationNo: 'CCAA-2020-QMS-0002',
  };
  const event = (type: CertificationEventType, offset: number, data: Record<string, unknown>): ScenarioEvent => ({
    certificationId,
    eventId: randomUUID(),
    type,
    occurredAt: at(day(offset)),
    data,
  });
  const checkIns = (date: string) =>
    [leader, member].flatMap((person) => [
      { auditorId: person.auditorId, kind: 'in', at: at(date, 8), lat: 32.0603, lon: 118.7969 },
      { auditorId: person.auditorId, kind: 'out', at: at(date, 17), lat: 32.0605, lon: 118.797 },
    ]);
  const decidedOn = day(45);
  return [
    event('ApplicationSubmitted', 0, {
      client: {
        name: options.clientName ?? '南京示例电子有限公司',
        creditCode: options.creditCode ?? withCheckCharacter('91320106MA1Q3R5T8'),
        regionCode,
        address: '江苏省南京市鼓楼区示例路1号',
        employees: options.employees ?? 50,
        sites: [],
      },
      scheme: 'QMS',
      standard: 'ISO 9001:2015',
      scope: '电子元器件的设计和生产',
      sectors,
      managementSystem: {
        operatingSince: addDays(appliedOn, -365),
        lastInternalAudit: addDays(appliedOn, -60),
        lastManagementReview: addDays(appliedOn, -30),
      },
    }),
    event('ApplicationReviewed', 3, { outcome: 'accepted', reason: '申请资料齐全' }),
    event('ContractSigned', 5, { contractNo: `HT-${certificationId}`, signedAt: day(5) }),
    event('AuditTeamAssigned', 7, { auditId: 'A1', kind: 'stage1', members: [leader, member] }),
    event('AuditPlanned', 8, {
      auditId: 'A1',
      mode: 'onsite',
      start: day(14),
      end: day(14),
      auditDays: 1,
      onsiteDays: 1,
    }),
    event('AuditConducted', 14, {
      auditId: 'A1',
      start: day(14),
      end: day(14),
      checkIns: checkIns(day(14)),
      evidence: [],
    }),
    event('AuditTeamAssigned', 20, { auditId: 'A2', kind: 'stage2', members: [leader, member] }),
    event('AuditPlanned', 21, {
      auditId: 'A2',
      mode: 'onsite',
      start: day(30),
      end: day(32),
      auditDays: 3,
      onsiteDays: 3,
    }),
    event('AuditConducted', 32, {
      auditId: 'A2',
      start: day(30),
      end: day(32),
      checkIns: checkIns(day(30)),
      evidence: [{ name: 'opening-meeting.jpg', sha256: 'a'.repeat(64), mediaType: 'image/jpeg', size: 183422 }],
    }),
    event('FindingRaised', 32, {
      auditId: 'A2',
      findingId: 'F1',
      grade: 'minor',
      clause: '7.5.3',
      description: '部分受控文件未标识版本',
    }),
    event('FindingClosed', 40, {
      findingId: 'F1',
      correction: '已补充版本标识',
      correctiveAction: '修订文件控制程序',
      verifiedBy: '王审核',
      verifiedAt: day(40),
    }),
    event('AuditReportSubmitted', 41, { auditId: 'A2', reportSha256: 'b'.repeat(64), recommendation: '推荐认证注册' }),
    event('CertificationDecided', 45, {
      auditId: 'A2',
      decision: 'grant',
      decisionMaker: { personId: 'DM-0009', name: '赵决定' },
    }),
    event('CertificateIssued', 46, {
      certificateNo:
        options.certificateNo ??
        `00126Q${certificationId
          .replace(/[^0-9]/g, '')
          .padStart(5, '0')
          .slice(-5)}R0M`,
      issuedAt: day(46),
      validUntil: addDays(addYears(decidedOn, 3), -1),
      scope: '电子元器件的设计和生产',
      sectors,
    }),
  ];
}

/** Events of the certification `initial` opened, at 10:00 in China on the day given. */
const laterEvents =
  (initial: readonly ScenarioEvent[]) =>
  (type: CertificationEventType, day: string, data: Record<string, unknown>): ScenarioEvent => ({
    certificationId: initial[0]!.certificationId,
    eventId: randomUUID(),
    type,
    occurredAt: at(day),
    data,
  });

/**
 * The cycle after an initial certification (its events as `initialCertification` made them): two
 * surveillance audits, a recertification audit before expiry, its grant, and the certificate issued
 * again under `certificateNo` (the same number, or a new one). Every audit by the initial team, its
 * registrations extended.
 */
export function recertification(initial: readonly ScenarioEvent[], certificateNo: string): ScenarioEvent[] {
  const event = laterEvents(initial);
  const issued = initial.find((e) => e.type === 'CertificateIssued')!.data as { issuedAt: string; validUntil: string };
  const assigned = initial.find((e) => e.type === 'AuditTeamAssigned')!.data.members as ReadonlyArray<object>;
  const team = assigned.map((member) => ({ ...member, registrationValidUntil: addYears(issued.validUntil, 1) }));
  const audit = (auditId: string, kind: string, start: string, days: number): ScenarioEvent[] => {
    const end = addDays(start, days - 1);
    return [
      event('AuditTeamAssigned', addDays(start, -20), { auditId, kind, members: team }),
      event('AuditPlanned', addDays(start, -19), {
        auditId,
        mode: 'onsite',
        start,
        end,
        auditDays: days,
        onsiteDays: days,
      }),
      event('AuditConducted', end, { auditId, start, end, checkIns: [], evidence: [] }),
    ];
  };
  const decidedOn = addDays(issued.validUntil, -35);
  const issuedOn = addDays(issued.validUntil, -30);
  return [
    ...audit('S1', 'surveillance', addDays(issued.issuedAt, 300), 2),
    ...audit('S2', 'surveillance', addDays(issued.issuedAt, 650), 2),
    ...audit('R1', 'recertification', addDays(issued.validUntil, -60), 4),
    event('AuditReportSubmitted', addDays(issued.validUntil, -50), {
      auditId: 'R1',
      reportSha256: 'c'.repeat(64),
      recommendation: '推荐再认证',
    }),
    event('CertificationDecided', decidedOn, {
      auditId: 'R1',
      decision: 'grant',
      decisionMaker: { personId: 'DM-0009', name: '赵决定' },
    }),
    event('CertificateIssued', issuedOn, {
      certificateNo,
      issuedAt: issuedOn,
      validUntil: addDays(addYears(decidedOn, 3), -1),
      scope: '电子元器件的设计和生产',
      sectors: [19],
    }),
  ];
}

/**
 * A transfer of an issued certification (its events as `initialCertification` made them) to another
 * CB (IAF MD2), from `releasedOn`: the holding CB's release, then the accepting CB's acceptance a
 * week later and its own certificate `certificateNo` two days after, keeping the cycle's expiry.
 * Each CB posts its own part.
 */
export function transfer(
  initial: readonly ScenarioEvent[],
  options: { fromAgencyId: string; toAgencyId: string; releasedOn: string; certificateNo: string },
): { released: ScenarioEvent[]; accepted: ScenarioEvent[] } {
  const event = laterEvents(initial);
  const issued = initial.find((e) => e.type === 'CertificateIssued')!.data;
  const issuedOn = addDays(options.releasedOn, 9);
  return {
    released: [
      event('TransferReleased', options.releasedOn, { toAgencyId: options.toAgencyId, reason: '客户申请转换认证机构' }),
    ],
    accepted: [
      event('CertificationTransferred', addDays(options.releasedOn, 7), { fromAgencyId: options.fromAgencyId }),
      event('CertificateIssued', issuedOn, {
        certificateNo: options.certificateNo,
        issuedAt: issuedOn,
        validUntil: issued.validUntil,
        scope: issued.scope,
        sectors: issued.sectors,
      }),
    ],
  };
}
