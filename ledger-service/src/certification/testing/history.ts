import { decide, type DecideResult } from '../decide';
import { defaultRulesConfig, type RulesConfig } from '../rulesConfig';
import { evolve, initialState, type CertificationState } from '../state';
import type { TeamMemberPayload } from '../payloads';

/**
 * A realistic certification history for given/when/then tests: a Nanjing machinery maker
 * (QMS, 120 employees, sectors 17 and 18) certified by a Jiangsu CB in 2025, surveilled in 2026
 * and 2027, recertified in 2028.
 */
export const CB = 'CNCA-R-2002-001';
export const OTHER_CB = 'CNCA-R-2016-042';
export const CREDIT_CODE = '91320115MA1WB8TH1M';
export const CERTIFICATE_NO = '00125Q31234R0M';
export const RECERT_NO = '00128Q30555R1M';
export const DECISION_MAKER = { personId: 'P-0090', name: '周敏' };
/** Late enough that no event of the history is in the future. */
export const NOW = new Date('2030-01-01T00:00:00Z');

export interface Step {
  readonly type: string;
  readonly data: Record<string, unknown>;
  readonly occurredAt: string;
  readonly agencyId?: string;
}

export const step = (type: string, data: Record<string, unknown>, occurredAt: string, agencyId?: string): Step => ({
  type,
  data,
  occurredAt,
  ...(agencyId ? { agencyId } : {}),
});

/** Beijing time. */
export const at = (date: string, time = '10:00:00'): string => `${date}T${time}+08:00`;

export const LEADER: TeamMemberPayload = {
  auditorId: 'AUD-001',
  name: '王立',
  role: 'leader',
  registrationNo: 'CCAA-2019-QMS-0101',
  registrationValidUntil: '2029-06-30',
  sectors: [17, 18],
};
export const AUDITOR: TeamMemberPayload = {
  auditorId: 'AUD-002',
  name: '李娜',
  role: 'auditor',
  registrationNo: 'CCAA-2021-QMS-0456',
  registrationValidUntil: '2029-06-30',
  sectors: [18],
};
export const EXPERT: TeamMemberPayload = { auditorId: 'EXP-007', name: '陈工', role: 'expert', sectors: [17] };

export function applicationData(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    client: {
      name: '南京精工机械有限公司',
      creditCode: CREDIT_CODE,
      regionCode: '320115',
      address: '南京市江宁区天元东路 88 号',
      employees: 120,
    },
    scheme: 'QMS',
    standard: 'ISO 9001:2015',
    scope: '数控机床零部件的设计和生产',
    sectors: [17, 18],
    managementSystem: {
      operatingSince: '2024-06-01',
      lastInternalAudit: '2024-11-15',
      lastManagementReview: '2024-12-10',
    },
    ...overrides,
  };
}

export const team = (auditId: string, kind: string, members: readonly TeamMemberPayload[] = [LEADER, AUDITOR]) => ({
  auditId,
  kind,
  members,
});

export const plan = (
  auditId: string,
  start: string,
  end: string,
  auditDays: number,
  extra: Record<string, unknown> = {},
) => ({
  auditId,
  mode: 'onsite',
  start,
  end,
  auditDays,
  ...extra,
});

export const conducted = (auditId: string, start: string, end: string) => ({ auditId, start, end });
export const report = (auditId: string) => ({
  auditId,
  reportSha256: 'ab'.repeat(32),
  recommendation: 'recommend certification',
});
export const decided = (auditId: string, decision = 'grant', decisionMaker = DECISION_MAKER) => ({
  auditId,
  decision,
  decisionMaker,
});

export const APPLIED: readonly Step[] = [step('ApplicationSubmitted', applicationData(), at('2025-01-06'))];
export const ACCEPTED: readonly Step[] = [
  ...APPLIED,
  step('ApplicationReviewed', { outcome: 'accepted' }, at('2025-01-10')),
];
export const CONTRACTED: readonly Step[] = [
  ...ACCEPTED,
  step('ContractSigned', { contractNo: 'HT-2025-0007', signedAt: '2025-01-15' }, at('2025-01-15')),
];
export const STAGE1_PLANNED: readonly Step[] = [
  ...CONTRACTED,
  step('AuditTeamAssigned', team('A-S1', 'stage1'), at('2025-01-20')),
  step('AuditPlanned', plan('A-S1', '2025-02-10', '2025-02-11', 2), at('2025-01-22')),
];
export const STAGE1_DONE: readonly Step[] = [
  ...STAGE1_PLANNED,
  step('AuditConducted', conducted('A-S1', '2025-02-10', '2025-02-11'), at('2025-02-11', '18:00:00')),
];
export const STAGE2_ASSIGNED: readonly Step[] = [
  ...STAGE1_DONE,
  step('AuditTeamAssigned', team('A-S2', 'stage2'), at('2025-02-20')),
];
export const STAGE2_PLANNED: readonly Step[] = [
  ...STAGE2_ASSIGNED,
  step('AuditPlanned', plan('A-S2', '2025-03-10', '2025-03-12', 5), at('2025-02-21')),
];
export const STAGE2_DONE: readonly Step[] = [
  ...STAGE2_PLANNED,
  step('AuditConducted', conducted('A-S2', '2025-03-10', '2025-03-12'), at('2025-03-12', '18:00:00')),
];
export const MINOR_RAISED: readonly Step[] = [
  ...STAGE2_DONE,
  step(
    'FindingRaised',
    { auditId: 'A-S2', findingId: 'NC-1', grade: 'minor', clause: '7.1.5', description: '量具校准记录不全' },
    at('2025-03-12', '19:00:00'),
  ),
];
export const REPORTED: readonly Step[] = [
  ...MINOR_RAISED,
  step('FindingClosed', { findingId: 'NC-1', correctiveAction: '建立校准台账并复核全部量具' }, at('2025-03-20')),
  step('AuditReportSubmitted', report('A-S2'), at('2025-03-25')),
];
export const GRANTED: readonly Step[] = [...REPORTED, step('CertificationDecided', decided('A-S2'), at('2025-04-02'))];
export const CERTIFIED: readonly Step[] = [
  ...GRANTED,
  step(
    'CertificateIssued',
    {
      certificateNo: CERTIFICATE_NO,
      issuedAt: '2025-04-03',
      validUntil: '2028-04-01',
      scope: '数控机床零部件的设计和生产',
      sectors: [17, 18],
    },
    at('2025-04-03'),
  ),
];

/** A surveillance audit, start to decision (QMS 86–125: 7 / 3 → at least 1.5 days). */
export function surveillance(auditId: string, start: string, end: string, days = 2.5): Step[] {
  return [
    step('AuditTeamAssigned', team(auditId, 'surveillance'), at(start.replace(/-\d\d$/, '-01'))),
    step('AuditPlanned', plan(auditId, start, end, days), at(start.replace(/-\d\d$/, '-02'))),
    step('AuditConducted', conducted(auditId, start, end), at(end, '18:00:00')),
    step('AuditReportSubmitted', report(auditId), at(end, '20:00:00')),
    step('CertificationDecided', decided(auditId), at(end, '21:00:00')),
  ];
}

export const SURVEILLED_TWICE: readonly Step[] = [
  ...CERTIFIED,
  ...surveillance('A-SV1', '2026-03-09', '2026-03-10'),
  ...surveillance('A-SV2', '2027-03-08', '2027-03-09'),
];
export const RECERT_REPORTED: readonly Step[] = [
  ...SURVEILLED_TWICE,
  step('AuditTeamAssigned', team('A-R1', 'recertification'), at('2028-01-05')),
  step('AuditPlanned', plan('A-R1', '2028-02-14', '2028-02-16', 4.5), at('2028-01-06')),
  step('AuditConducted', conducted('A-R1', '2028-02-14', '2028-02-16'), at('2028-02-16', '18:00:00')),
  step('AuditReportSubmitted', report('A-R1'), at('2028-02-20')),
];
export const RECERTIFIED: readonly Step[] = [
  ...RECERT_REPORTED,
  step('CertificationDecided', decided('A-R1'), at('2028-03-10')),
  step(
    'CertificateIssued',
    {
      certificateNo: CERTIFICATE_NO,
      issuedAt: '2028-03-15',
      validUntil: '2031-03-09',
      scope: '数控机床零部件的设计和生产',
      sectors: [17, 18],
    },
    at('2028-03-15'),
  ),
];

let counter = 0;
const eventIdFor = (): string => `00000000-0000-4000-8000-${String((counter += 1)).padStart(12, '0')}`;

export interface Options {
  readonly now?: Date;
  readonly rules?: RulesConfig;
}

/**
 * Applies steps through decide and evolve, each recorded at the decision's now (as the intake does);
 * a step the rules refuse fails the test that built the history.
 */
export function given(steps: readonly Step[], options: Options = {}): CertificationState {
  let state = initialState;
  for (const s of steps) {
    const eventId = eventIdFor();
    const result = decideStep(state, s, options, eventId);
    if (!result.ok)
      throw new Error(
        `history step ${s.type} at ${s.occurredAt} was refused: ${result.rule} ${result.code}: ${result.message}`,
      );
    state = evolve(state, {
      type: s.type,
      data: result.data,
      occurredAt: s.occurredAt,
      recordedAt: (options.now ?? NOW).toISOString(),
      agencyId: s.agencyId ?? CB,
      eventId,
      version: state.version + 1,
    });
  }
  return state;
}

function decideStep(state: CertificationState, s: Step, options: Options, eventId: string): DecideResult {
  return decide(
    state,
    { type: s.type, data: s.data, occurredAt: s.occurredAt, agencyId: s.agencyId ?? CB, eventId },
    { now: options.now ?? NOW, rules: options.rules ?? defaultRulesConfig },
  );
}

/** Decides one proposed step on a state. */
export function when(state: CertificationState, s: Step, options: Options = {}): DecideResult {
  return decideStep(state, s, options, eventIdFor());
}

/** The id of the event at `index` in a state built by given(): events are numbered in the order given. */
export function eventIdsOf(state: CertificationState): string[] {
  const ids: string[] = [];
  for (let event = state.lastEvent; event; event = event.previous) ids.unshift(event.eventId);
  return ids;
}
