import { rulesConfig } from './rulesConfig';
import { isPartyTo, type DecideResult } from './decide';
import { initialState } from './state';
import {
  ACCEPTED,
  APPLIED,
  AUDITOR,
  CB,
  CERTIFICATE_NO,
  CERTIFIED,
  CONTRACTED,
  DECISION_MAKER,
  EXPERT,
  GRANTED,
  LEADER,
  MINOR_RAISED,
  OTHER_CB,
  RECERT_NO,
  RECERT_REPORTED,
  RECERTIFIED,
  REPORTED,
  STAGE1_DONE,
  STAGE1_PLANNED,
  STAGE2_ASSIGNED,
  STAGE2_DONE,
  STAGE2_PLANNED,
  SURVEILLED_TWICE,
  applicationData,
  at,
  conducted,
  decided,
  eventIdsOf,
  given,
  plan,
  report,
  step,
  surveillance,
  team,
  when,
  type Step,
} from './testing/history';

function expectOk(result: DecideResult): Extract<DecideResult, { ok: true }> {
  if (!result.ok) throw new Error(`expected acceptance, got ${result.rule} ${result.code}: ${result.message}`);
  return result;
}

function expectRule(result: DecideResult, rule: string, code: string): void {
  expect(result).toMatchObject({ ok: false, rule, code });
  if (!result.ok) expect(result.message.length).toBeGreaterThan(10);
}

const issue = (extra: Record<string, unknown> = {}, occurredAt = at('2025-04-03')): Step =>
  step(
    'CertificateIssued',
    {
      certificateNo: CERTIFICATE_NO,
      issuedAt: '2025-04-03',
      validUntil: '2028-04-01',
      scope: '数控机床零部件',
      sectors: [17, 18],
      ...extra,
    },
    occurredAt,
  );
const major = (findingId: string, auditId = 'A-S2', occurredAt = at('2025-03-12', '19:30:00')): Step =>
  step(
    'FindingRaised',
    { auditId, findingId, grade: 'major', clause: '8.5.1', description: '未按作业指导书进行首件检验' },
    occurredAt,
  );
const closeMajor = (findingId: string, verifiedAt: string, occurredAt = at(verifiedAt)): Step =>
  step(
    'FindingClosed',
    {
      findingId,
      correction: '隔离并复检在制品',
      correctiveAction: '修订首件检验程序并培训',
      verifiedBy: '王立',
      verifiedAt,
    },
    occurredAt,
  );

describe('a whole certification history', () => {
  it('is accepted event by event, from application to recertification', () => {
    const state = given(RECERTIFIED);
    expect(state.version).toBe(RECERTIFIED.length - 1);
    expect(state.review?.requiredAuditDays).toBe(7);
    expect(state.cycle.number).toBe(2);
    expect(state.certificate).toMatchObject({
      certificateNo: CERTIFICATE_NO,
      status: 'valid',
      validUntil: '2031-03-09',
      edition: 2,
    });
  });
});

describe('sequence', () => {
  it('needs an application first', () => {
    expectRule(when(given([]), CONTRACTED[2]!), 'SEQ', 'no-application');
  });
  it('takes one application per certification', () => {
    expectRule(when(given(APPLIED), APPLIED[0]!), 'SEQ', 'application-exists');
  });
  it('leaves supervision events to their own streams', () => {
    expectRule(
      when(given(CERTIFIED), step('SpotCheckRecorded', {}, at('2025-05-01'))),
      'SEQ',
      'not-a-certification-event',
    );
  });
  it('signs a contract only on an accepted application', () => {
    expectRule(when(given(APPLIED), CONTRACTED[2]!), 'SEQ', 'application-not-accepted');
  });
  it('plans only audits that have a team', () => {
    expectRule(
      when(given(CONTRACTED), step('AuditPlanned', plan('A-X', '2025-02-10', '2025-02-11', 2), at('2025-01-22'))),
      'SEQ',
      'unknown-audit',
    );
  });
  it('conducts only planned audits, once', () => {
    const assigned = given([...CONTRACTED, step('AuditTeamAssigned', team('A-S1', 'stage1'), at('2025-01-20'))]);
    expectRule(when(assigned, STAGE1_DONE.at(-1)!), 'SEQ', 'audit-not-planned');
    expectRule(when(given(STAGE1_DONE), STAGE1_DONE.at(-1)!), 'SEQ', 'audit-already-conducted');
  });
  it('does not start initial audits on a certified client', () => {
    expectRule(
      when(given(CERTIFIED), step('AuditTeamAssigned', team('A-S9', 'stage1'), at('2025-05-01'))),
      'SEQ',
      'initial-audit-after-certification',
    );
  });
});

describe('R1 client identity', () => {
  it('accepts a valid unified social credit code', () => {
    expectOk(when(given([]), APPLIED[0]!));
  });
  it.each(['91320115MA1WB8TH1N', '91320115MA1WB8TH1', '91320115ma1wb8th1m', '91320115MA1WB8TI1M'])(
    'rejects %s',
    (creditCode) => {
      const data = applicationData();
      const client = { ...(data.client as Record<string, unknown>), creditCode };
      expectRule(
        when(given([]), step('ApplicationSubmitted', { ...data, client }, at('2025-01-06'))),
        'R1',
        'invalid-credit-code',
      );
    },
  );
  it('needs the client name', () => {
    const data = applicationData();
    const client = { ...(data.client as Record<string, unknown>), name: '  ' };
    expectRule(
      when(given([]), step('ApplicationSubmitted', { ...data, client }, at('2025-01-06'))),
      'R1',
      'client-name-missing',
    );
  });
});

describe('R2 management system preconditions', () => {
  const applyWith = (system: Record<string, unknown>, rules = rulesConfig()) =>
    when(given([]), step('ApplicationSubmitted', applicationData({ managementSystem: system }), at('2025-01-06')), {
      rules,
    });
  const records = { lastInternalAudit: '2024-12-01', lastManagementReview: '2024-12-20' };

  it('accepts a system that ran exactly three months', () => {
    expectOk(applyWith({ operatingSince: '2024-10-06', ...records }));
  });
  it('rejects a system that ran less than three months', () => {
    expectRule(applyWith({ operatingSince: '2024-10-07', ...records }), 'R2', 'system-operation-too-short');
  });
  it('takes the minimum from the rules config', () => {
    expectOk(applyWith({ operatingSince: '2024-11-20', ...records }, rulesConfig({ minSystemOperationMonths: 1 })));
  });
  it('needs an internal audit and a management review', () => {
    expectRule(
      applyWith({ operatingSince: '2024-06-01', lastManagementReview: '2024-12-20' }),
      'R2',
      'no-internal-audit',
    );
    expectRule(
      applyWith({ operatingSince: '2024-06-01', lastInternalAudit: '2024-12-01' }),
      'R2',
      'no-management-review',
    );
  });
  it('rejects records dated after the application or before the system ran', () => {
    expectRule(
      applyWith({ operatingSince: '2024-06-01', ...records, lastInternalAudit: '2025-01-07' }),
      'R2',
      'internal-audit-after-application',
    );
    expectRule(
      applyWith({ operatingSince: '2024-06-01', ...records, lastManagementReview: '2024-05-01' }),
      'R2',
      'management-review-before-operation',
    );
  });
});

describe('R3 review once, nothing after a rejection', () => {
  it('records the MD5 audit days on acceptance, replacing a submitted value', () => {
    const result = expectOk(
      when(
        given(APPLIED),
        step('ApplicationReviewed', { outcome: 'accepted', requiredAuditDays: 1 }, at('2025-01-10')),
      ),
    );
    expect(result.data).toEqual({ outcome: 'accepted', requiredAuditDays: 7 });
  });
  it('says when the audit days were extrapolated above the MD5 table, and only then', () => {
    const large = applicationData();
    const applied = [
      step(
        'ApplicationSubmitted',
        { ...large, client: { ...(large.client as object), employees: 20_000 } },
        at('2025-01-06'),
      ),
    ];
    const review = step(
      'ApplicationReviewed',
      { outcome: 'accepted', requiredAuditDaysExtrapolated: false },
      at('2025-01-10'),
    );
    expect(expectOk(when(given(applied), review)).data).toEqual({
      outcome: 'accepted',
      requiredAuditDays: 27,
      requiredAuditDaysExtrapolated: true,
    });
    const claimed = step(
      'ApplicationReviewed',
      { outcome: 'accepted', requiredAuditDaysExtrapolated: true },
      at('2025-01-10'),
    );
    expect(expectOk(when(given(APPLIED), claimed)).data).toEqual({ outcome: 'accepted', requiredAuditDays: 7 });
  });
  it('leaves audit days off a rejection', () => {
    const result = expectOk(
      when(
        given(APPLIED),
        step(
          'ApplicationReviewed',
          { outcome: 'rejected', reason: '范围不清', requiredAuditDays: 3 },
          at('2025-01-10'),
        ),
      ),
    );
    expect(result.data).toEqual({ outcome: 'rejected', reason: '范围不清' });
  });
  it('rejects a second review', () => {
    expectRule(
      when(given(ACCEPTED), step('ApplicationReviewed', { outcome: 'rejected' }, at('2025-01-11'))),
      'R3',
      'application-already-reviewed',
    );
  });
  it('rejects anything on a rejected application', () => {
    const rejected = given([
      ...APPLIED,
      step('ApplicationReviewed', { outcome: 'rejected', reason: '不在认可范围' }, at('2025-01-10')),
    ]);
    expectRule(when(rejected, CONTRACTED[2]!), 'R3', 'application-rejected');
    expectRule(
      when(rejected, step('ApplicationReviewed', { outcome: 'accepted' }, at('2025-01-12'))),
      'R3',
      'application-rejected',
    );
  });
});

describe('R4 audit team', () => {
  const assign = (members: unknown[], history: readonly Step[] = CONTRACTED, occurredAt = at('2025-01-20')) =>
    when(given(history), step('AuditTeamAssigned', { auditId: 'A-S1', kind: 'stage1', members }, occurredAt));

  it('accepts registered members covering every sector, experts without registration', () => {
    expectOk(assign([{ ...LEADER, sectors: [18] }, AUDITOR, EXPERT]));
  });
  it('needs a leader', () => {
    expectRule(assign([AUDITOR, { ...AUDITOR, auditorId: 'AUD-003', sectors: [17] }]), 'R4', 'no-team-leader');
  });
  it('needs a registration for every auditor', () => {
    expectRule(assign([LEADER, { ...AUDITOR, registrationNo: undefined }]), 'R4', 'registration-missing');
  });
  it('rejects a registration expired on the assignment date', () => {
    expectRule(assign([LEADER, { ...AUDITOR, registrationValidUntil: '2025-01-19' }]), 'R4', 'registration-expired');
  });
  it('rejects a plan that runs past a registration', () => {
    const state = given([
      ...CONTRACTED,
      step(
        'AuditTeamAssigned',
        team('A-S1', 'stage1', [LEADER, { ...AUDITOR, registrationValidUntil: '2025-02-10' }]),
        at('2025-01-20'),
      ),
    ]);
    expectRule(when(state, STAGE1_PLANNED.at(-1)!), 'R4', 'registration-expired');
  });
  it('rejects an audit conducted past a registration', () => {
    const history = [
      ...CONTRACTED,
      step(
        'AuditTeamAssigned',
        team('A-S1', 'stage1', [LEADER, { ...AUDITOR, registrationValidUntil: '2025-02-11' }]),
        at('2025-01-20'),
      ),
      step('AuditPlanned', plan('A-S1', '2025-02-10', '2025-02-11', 2), at('2025-01-22')),
    ];
    expectRule(
      when(
        given(history),
        step('AuditConducted', conducted('A-S1', '2025-02-11', '2025-02-12'), at('2025-02-12', '18:00:00')),
      ),
      'R4',
      'registration-expired',
    );
  });
  it('needs every sector of the scope covered, trainees not counting', () => {
    expectRule(assign([{ ...LEADER, sectors: [18] }, AUDITOR]), 'R4', 'sector-not-covered');
    expectRule(
      assign([
        { ...LEADER, sectors: [18] },
        { ...AUDITOR, auditorId: 'T-1', role: 'trainee', sectors: [17] },
      ]),
      'R4',
      'sector-not-covered',
    );
  });
  it('names each member once', () => {
    expectRule(assign([LEADER, LEADER]), 'R4', 'duplicate-team-member');
  });
});

describe('R5 stage 2 after stage 1', () => {
  it('rejects stage 2 conducted before stage 1 is', () => {
    const history = [
      ...STAGE1_PLANNED,
      step('AuditTeamAssigned', team('A-S2', 'stage2'), at('2025-01-23')),
      step('AuditPlanned', plan('A-S2', '2025-03-10', '2025-03-12', 5), at('2025-01-24')),
    ];
    expectRule(when(given(history), STAGE2_DONE.at(-1)!), 'R5', 'stage1-not-conducted');
  });
  it('rejects stage 2 dated before the end of stage 1', () => {
    expectRule(
      when(
        given(STAGE2_PLANNED),
        step('AuditConducted', conducted('A-S2', '2025-02-05', '2025-02-06'), at('2025-03-12')),
      ),
      'R5',
      'stage2-before-stage1',
    );
  });
  it('accepts stage 2 after stage 1', () => {
    expectOk(when(given(STAGE2_PLANNED), STAGE2_DONE.at(-1)!));
  });
});

describe('R6 audit time (IAF MD5)', () => {
  const planStage2 = (
    days: number,
    extra: Record<string, unknown> = {},
    history: readonly Step[] = STAGE2_ASSIGNED,
    rules = rulesConfig(),
  ) =>
    when(
      given(history, { rules }),
      step('AuditPlanned', plan('A-S2', '2025-03-10', '2025-03-12', days, extra), at('2025-02-21')),
      { rules },
    );

  it('counts stage 1 and stage 2 together against the table less 30%', () => {
    // QMS, 120 personnel: 7 days; 7 × 0.7 = 4.9 → 5. Stage 1 planned 2 days.
    expectOk(planStage2(3));
    expectRule(planStage2(2.5), 'R6', 'audit-time-below-md5');
  });
  it('checks a stage 1 re-planned after stage 2 against the total', () => {
    const history = [
      ...STAGE1_PLANNED, // stage 1: 2 days
      step('AuditTeamAssigned', team('A-S2', 'stage2'), at('2025-01-23')),
      step('AuditPlanned', plan('A-S2', '2025-03-10', '2025-03-12', 3), at('2025-01-24')),
    ];
    const replan = (days: number) =>
      when(given(history), step('AuditPlanned', plan('A-S1', '2025-02-10', '2025-02-11', days), at('2025-01-25')));
    expectRule(replan(1.5), 'R6', 'audit-time-below-md5'); // 1.5 + 3 < 5
    expectOk(replan(2));
  });
  it('follows the rounding policy', () => {
    // EMS high, 120 personnel: 11 days; × 0.7 = 7.7 → 7.5 (nearest) or 8 (up).
    const ems = (rounding: 'nearest' | 'up') => {
      const rules = rulesConfig({ auditTimeRounding: rounding });
      const history = [
        step(
          'ApplicationSubmitted',
          applicationData({ scheme: 'EMS', standard: 'ISO 14001:2015', complexity: 'high' }),
          at('2025-01-06'),
        ),
        ...STAGE2_ASSIGNED.slice(1),
      ];
      return planStage2(5.5, {}, history, rules);
    };
    expectOk(ems('nearest'));
    expectRule(ems('up'), 'R6', 'audit-time-below-md5');
  });
  it('needs 80% on site unless remote audits are permitted', () => {
    expectRule(planStage2(5, { mode: 'mixed', onsiteDays: 3 }), 'R6', 'onsite-share-too-low');
    expectOk(planStage2(5, { mode: 'mixed', onsiteDays: 3.6 }));
    expectOk(
      planStage2(5, { mode: 'mixed', onsiteDays: 3 }, STAGE2_ASSIGNED, rulesConfig({ remoteAuditPermitted: true })),
    );
    expectRule(planStage2(5, { mode: 'remote' }), 'R6', 'onsite-share-too-low');
  });
  it('rejects more on-site days than audit days', () => {
    expectRule(planStage2(5, { onsiteDays: 6 }), 'R6', 'onsite-exceeds-audit-days');
  });
  it('holds surveillance to a third of the table', () => {
    // 7 / 3 × 0.7 = 1.63 → 1.5
    const [assign, planned] = surveillance('A-SV1', '2026-03-09', '2026-03-10', 1);
    const state = given([...CERTIFIED, assign!]);
    expectRule(when(state, planned!), 'R6', 'audit-time-below-md5');
    expectOk(when(state, surveillance('A-SV1', '2026-03-09', '2026-03-10', 1.5)[1]!));
  });
  it('holds recertification to two thirds of the table', () => {
    // 7 × 2/3 × 0.7 = 3.27 → 3.5
    const state = given([...SURVEILLED_TWICE, RECERT_REPORTED[SURVEILLED_TWICE.length]!]);
    expectRule(
      when(state, step('AuditPlanned', plan('A-R1', '2028-02-14', '2028-02-16', 3), at('2028-01-06'))),
      'R6',
      'audit-time-below-md5',
    );
    expectOk(when(state, step('AuditPlanned', plan('A-R1', '2028-02-14', '2028-02-16', 3.5), at('2028-01-06'))));
  });
  it('refuses applications the table cannot answer', () => {
    const apply = (overrides: Record<string, unknown>) =>
      when(given([]), step('ApplicationSubmitted', applicationData(overrides), at('2025-01-06')));
    expectRule(apply({ scheme: 'EMS' }), 'R6', 'complexity-required');
    expectRule(apply({ scheme: 'OHSMS', complexity: 'limited' }), 'R6', 'ohsms-limited');
    expectOk(apply({ scheme: 'OHSMS', complexity: 'low' }));
  });
});

describe('R7 decision needs a report and closed nonconformities', () => {
  const grant = (history: readonly Step[], occurredAt = at('2025-04-02')) =>
    when(given(history), step('CertificationDecided', decided('A-S2'), occurredAt));
  const report2 = step('AuditReportSubmitted', report('A-S2'), at('2025-03-25'));
  const closeMinor = step('FindingClosed', { findingId: 'NC-1', correctiveAction: '建立校准台账' }, at('2025-03-20'));

  it('accepts a grant with every finding handled', () => {
    expectOk(grant(REPORTED));
  });
  it('needs a submitted report', () => {
    expectRule(grant([...MINOR_RAISED, closeMinor]), 'R7', 'no-audit-report');
  });
  it('is made on stage 2, not stage 1', () => {
    const history = [...STAGE1_DONE, step('AuditReportSubmitted', report('A-S1'), at('2025-02-12'))];
    expectRule(
      when(given(history), step('CertificationDecided', decided('A-S1'), at('2025-02-13'))),
      'R7',
      'decision-on-stage1',
    );
  });
  it('rejects a grant with an open major nonconformity, accepts a refusal', () => {
    const history = [...REPORTED.slice(0, -1), major('NC-2'), report2];
    expectRule(grant(history), 'R7', 'open-major-nonconformity');
    expectOk(when(given(history), step('CertificationDecided', decided('A-S2', 'refuse'), at('2025-04-02'))));
  });
  it('accepts a grant once the major nonconformity is verified closed', () => {
    expectOk(grant([...REPORTED.slice(0, -1), major('NC-2'), closeMajor('NC-2', '2025-03-24'), report2]));
  });
  it('closes a major nonconformity only with verified correction and corrective action', () => {
    const state = given([...MINOR_RAISED, major('NC-2')]);
    expectRule(
      when(
        state,
        step(
          'FindingClosed',
          { findingId: 'NC-2', correction: '隔离', correctiveAction: '修订程序' },
          at('2025-03-20'),
        ),
      ),
      'R7',
      'major-closure-unverified',
    );
  });
  it('needs an action plan for minor nonconformities', () => {
    expectRule(grant([...MINOR_RAISED, report2]), 'R7', 'minor-without-action-plan');
    expectRule(
      when(given(MINOR_RAISED), step('FindingClosed', { findingId: 'NC-1', correction: '补录' }, at('2025-03-20'))),
      'R7',
      'minor-without-action-plan',
    );
  });
  it('grants a recertification only when every major nonconformity of the cycle is closed', () => {
    const [assign, planned, held, reported] = surveillance('A-SV2', '2027-03-08', '2027-03-09');
    const recertification = RECERT_REPORTED.slice(SURVEILLED_TWICE.length);
    const withOpenMajor = [
      ...SURVEILLED_TWICE.slice(0, SURVEILLED_TWICE.length - 5),
      assign!,
      planned!,
      held!,
      major('NC-M', 'A-SV2', at('2027-03-09', '19:30:00')),
      reported!,
      ...recertification,
    ];
    const decide = (history: readonly Step[]) =>
      when(given(history), step('CertificationDecided', decided('A-R1'), at('2028-03-10')));
    expectRule(decide(withOpenMajor), 'R7', 'open-major-nonconformity');
    expectOk(decide([...withOpenMajor, closeMajor('NC-M', '2028-03-01')]));
  });
});

describe('R8 decision maker independence', () => {
  it('rejects a decision by a member of the audited team', () => {
    expectRule(
      when(
        given(REPORTED),
        step(
          'CertificationDecided',
          decided('A-S2', 'grant', { personId: AUDITOR.auditorId, name: AUDITOR.name }),
          at('2025-04-02'),
        ),
      ),
      'R8',
      'decision-by-team-member',
    );
  });
  it('counts the stage 1 team for the initial decision', () => {
    const history = REPORTED.map((s) =>
      s.type === 'AuditTeamAssigned' && s.data.auditId === 'A-S1'
        ? step(s.type, team('A-S1', 'stage1', [LEADER, AUDITOR, EXPERT]), s.occurredAt)
        : s,
    );
    expectRule(
      when(
        given(history),
        step(
          'CertificationDecided',
          decided('A-S2', 'grant', { personId: EXPERT.auditorId, name: EXPERT.name }),
          at('2025-04-02'),
        ),
      ),
      'R8',
      'decision-by-team-member',
    );
  });
  it('accepts an independent decision maker', () => {
    expectOk(
      when(given(REPORTED), step('CertificationDecided', decided('A-S2', 'grant', DECISION_MAKER), at('2025-04-02'))),
    );
  });
});

describe('R9 majors closed within six months of stage 2', () => {
  // Stage 2 ended 2025-03-12: majors must be verified closed by 2025-09-12.
  const withMajor = (verifiedAt: string) => [
    ...MINOR_RAISED,
    major('NC-2'),
    closeMajor('NC-2', verifiedAt),
    ...REPORTED.slice(-2),
  ];
  const grantOn = (history: readonly Step[], date: string, rules = rulesConfig()) =>
    when(given(history, { rules }), step('CertificationDecided', decided('A-S2'), at(date)), { rules });

  it('accepts a major closed within the limit', () => {
    expectOk(grantOn(withMajor('2025-09-12'), '2025-09-20'));
  });
  it('rejects a grant when a major closed after the limit', () => {
    expectRule(grantOn(withMajor('2025-09-13'), '2025-09-20'), 'R9', 'major-closed-too-late');
  });
  it('rejects a grant when a major is still open after the limit', () => {
    expectRule(
      grantOn([...REPORTED.slice(0, -1), major('NC-2'), REPORTED.at(-1)!], '2025-09-13'),
      'R9',
      'major-not-closed-in-time',
    );
  });
  it('takes the limit from the rules config', () => {
    expectOk(grantOn(withMajor('2025-10-01'), '2025-10-02', rulesConfig({ majorClosureMonths: 9 })));
  });
});

describe('R10 certificate issue', () => {
  it('claims the certificate number ledger-wide', () => {
    expect(expectOk(when(given(GRANTED), issue())).claims).toEqual([{ kind: 'certificateNo', value: CERTIFICATE_NO }]);
  });
  it('needs a grant', () => {
    expectRule(when(given(REPORTED), issue()), 'R10', 'issue-without-grant');
    const refused = given([...REPORTED, step('CertificationDecided', decided('A-S2', 'refuse'), at('2025-04-02'))]);
    expectRule(when(refused, issue()), 'R10', 'issue-without-grant');
    expectRule(when(given(CERTIFIED), issue({ certificateNo: 'X-2' }, at('2025-04-04'))), 'R10', 'issue-without-grant');
  });
  it('is valid three years from the decision at most', () => {
    expectOk(when(given(GRANTED), issue({ validUntil: '2028-04-02' })));
    expectRule(when(given(GRANTED), issue({ validUntil: '2028-04-03' })), 'R10', 'validity-too-long');
    expectOk(
      when(given(GRANTED), issue({ validUntil: '2029-04-02' }), {
        rules: rulesConfig({ certificateValidityYears: 4 }),
      }),
    );
  });
  it('is not issued before the decision or valid before its issue', () => {
    expectRule(when(given(GRANTED), issue({ issuedAt: '2025-04-01' })), 'R10', 'issued-before-decision');
    expectRule(when(given(GRANTED), issue({ validUntil: '2025-04-03' })), 'R10', 'validity-ends-before-issue');
  });
  it('keeps the number at recertification without a new claim, claims a new one', () => {
    const state = given(RECERTIFIED.slice(0, -1));
    expect(expectOk(when(state, RECERTIFIED.at(-1)!)).claims).toEqual([]);
    const renumbered = step(
      'CertificateIssued',
      { ...RECERTIFIED.at(-1)!.data, certificateNo: RECERT_NO },
      at('2028-03-15'),
    );
    expect(expectOk(when(state, renumbered)).claims).toEqual([{ kind: 'certificateNo', value: RECERT_NO }]);
  });
});

describe('R11 surveillance', () => {
  it('is not dated before the certificate it follows', () => {
    expectRule(
      when(given(CERTIFIED), step('AuditTeamAssigned', team('A-SV1', 'surveillance'), at('2025-04-02'))),
      'R16',
      'occurred-before-dependency',
    );
  });
  it('follows an issued certificate', () => {
    expectRule(
      when(given(GRANTED), step('AuditTeamAssigned', team('A-SV1', 'surveillance'), at('2025-04-03'))),
      'R11',
      'surveillance-without-certificate',
    );
    expectOk(when(given(CERTIFIED), step('AuditTeamAssigned', team('A-SV1', 'surveillance'), at('2026-03-01'))));
  });
  it('needs two surveillance audits in the cycle before recertification is granted', () => {
    const once = RECERT_REPORTED.filter((s) => s.data.auditId !== 'A-SV2');
    expectRule(
      when(given(once), step('CertificationDecided', decided('A-R1'), at('2028-03-10'))),
      'R11',
      'too-few-surveillance-audits',
    );
    const rules = rulesConfig({ minSurveillancesPerCycle: 1 });
    expectOk(when(given(once, { rules }), step('CertificationDecided', decided('A-R1'), at('2028-03-10')), { rules }));
  });
});

describe('R12 suspension', () => {
  const suspend = (until: string, occurredAt = at('2026-05-10')) =>
    step('CertificateSuspended', { reason: '未按期接受监督审核', until }, occurredAt);
  const restore = (occurredAt: string) => step('CertificateRestored', { reason: '监督审核通过' }, occurredAt);

  it('suspends a valid certificate for at most six months', () => {
    expectOk(when(given(CERTIFIED), suspend('2026-11-10')));
    expectRule(when(given(CERTIFIED), suspend('2026-11-11')), 'R12', 'suspension-too-long');
    expectOk(when(given(CERTIFIED), suspend('2027-02-10'), { rules: rulesConfig({ maxSuspensionMonths: 9 }) }));
    expectRule(when(given(CERTIFIED), suspend('2026-05-09')), 'R12', 'suspension-ends-in-past');
  });
  it('suspends only a valid certificate, restores only a suspended one', () => {
    const suspended = given([...CERTIFIED, suspend('2026-08-10')]);
    expectRule(when(suspended, suspend('2026-09-10', at('2026-05-11'))), 'R12', 'suspend-requires-valid');
    expectRule(when(given(CERTIFIED), restore(at('2026-05-11'))), 'R12', 'restore-requires-suspended');
    expectOk(when(suspended, restore(at('2026-07-01'))));
  });
  it('ends a suspension past its limit only by withdrawal', () => {
    const suspended = given([...CERTIFIED, suspend('2026-11-10')]);
    expectRule(when(suspended, restore(at('2026-11-11'))), 'R12', 'suspension-limit-passed');
    expectOk(when(suspended, step('CertificateWithdrawn', { reason: '暂停期满未恢复' }, at('2026-11-11'))));
  });
  it('does not end a suspension by cancelling: restore first, or withdraw', () => {
    const cancel = (occurredAt: string) => step('CertificateCancelled', { reason: '获证组织申请注销' }, occurredAt);
    const suspended = [...CERTIFIED, suspend('2026-08-10')];
    expectRule(when(given(suspended), cancel(at('2026-06-01'))), 'R12', 'cancel-while-suspended');
    expectOk(when(given([...suspended, restore(at('2026-07-01'))]), cancel(at('2026-07-02'))));
    expectOk(when(given(CERTIFIED), cancel(at('2026-06-01'))));
  });
  it('does not end a suspension by a recertification grant: restore first', () => {
    // The recertification audit was reported on 2028-02-20; the certificate is valid until 2028-04-01.
    const suspended = [...RECERT_REPORTED, suspend('2028-03-31', at('2028-02-25'))];
    const decision = (outcome = 'grant') => step('CertificationDecided', decided('A-R1', outcome), at('2028-03-10'));
    expectRule(when(given(suspended), decision()), 'R12', 'recertification-while-suspended');
    expectOk(when(given(suspended), decision('refuse')));
    expectOk(when(given([...suspended, restore(at('2028-03-05'))]), decision()));
  });
  it('does not end a suspension by issuing a certificate on an earlier grant: restore first', () => {
    const [grant, issued] = RECERTIFIED.slice(-2) as [Step, Step];
    const suspended = [...RECERT_REPORTED, grant, suspend('2028-03-31', at('2028-03-12'))];
    expectRule(when(given(suspended), issued), 'R12', 'issue-while-suspended');
    expectOk(when(given([...suspended, restore(at('2028-03-13'))]), issued));
  });
  it('lets audits go on during a suspension', () => {
    const suspended = given([...SURVEILLED_TWICE, suspend('2027-12-31', at('2027-12-01'))]);
    expectOk(when(suspended, RECERT_REPORTED[SURVEILLED_TWICE.length]!));
  });
});

describe('R13 terminal certificates', () => {
  const withdrawn = [...CERTIFIED, step('CertificateWithdrawn', { reason: '国抽不合格' }, at('2026-01-05'))];

  it('rejects further certificate events after withdrawal or cancellation', () => {
    expectRule(
      when(given(withdrawn), step('CertificateRestored', { reason: 'x' }, at('2026-01-06'))),
      'R13',
      'certificate-terminal',
    );
    expectRule(
      when(given(withdrawn), step('AuditTeamAssigned', team('A-SV1', 'surveillance'), at('2026-03-01'))),
      'R13',
      'certificate-terminal',
    );
    const cancelled = given([...CERTIFIED, step('CertificateCancelled', { reason: '企业注销' }, at('2026-01-05'))]);
    expectRule(
      when(cancelled, step('CertificateScopeChanged', { scope: '零部件', sectors: [17] }, at('2026-01-06'))),
      'R13',
      'certificate-terminal',
    );
  });
  it('still lets the CB report the withdrawal to CNCA', () => {
    const state = given(withdrawn);
    const withdrawalId = eventIdsOf(state).at(-1)!;
    const reported = {
      certificationId: 'C-1',
      kind: 'status_change',
      subjectEventId: withdrawalId,
      reportedAt: at('2026-01-06'),
    };
    expectOk(when(state, step('ReportedToCnca', reported, at('2026-01-06'))));
  });
  it('treats a certificate past its validity as expired', () => {
    expectRule(
      when(given(CERTIFIED), step('CertificateSuspended', { reason: 'x', until: '2028-05-01' }, at('2028-04-02'))),
      'R13',
      'certificate-expired',
    );
    const expired = given([...CERTIFIED, step('CertificateExpired', {}, at('2028-04-02'))]);
    expectRule(
      when(expired, step('CertificateWithdrawn', { reason: 'x' }, at('2028-04-03'))),
      'R13',
      'certificate-terminal',
    );
  });
  it('refuses withdrawal and cancellation of a certificate past its validity, with or without CertificateExpired', () => {
    const withdrawal = (on: string) => step('CertificateWithdrawn', { reason: '国抽不合格' }, at(on));
    const cancellation = (on: string) => step('CertificateCancelled', { reason: '企业注销' }, at(on));
    expectOk(when(given(CERTIFIED), withdrawal('2028-04-01')));
    expectOk(when(given(CERTIFIED), cancellation('2028-04-01')));
    expectRule(when(given(CERTIFIED), withdrawal('2028-06-01')), 'R13', 'certificate-expired');
    expectRule(when(given(CERTIFIED), cancellation('2028-06-01')), 'R13', 'certificate-expired');
  });
  it("counts days on China's calendar whatever offset the time is written in", () => {
    const suspension = (occurredAt: string) =>
      step('CertificateSuspended', { reason: 'x', until: '2028-05-01' }, occurredAt);
    // 16:30 UTC on the certificate's last day is 00:30 the next day in China.
    expectRule(when(given(CERTIFIED), suspension('2028-04-01T16:30:00Z')), 'R13', 'certificate-expired');
    expectRule(when(given(CERTIFIED), suspension('2028-04-02T00:30:00+08:00')), 'R13', 'certificate-expired');
    expectOk(when(given(CERTIFIED), suspension('2028-04-01T15:30:00Z')));
    expectOk(when(given(CERTIFIED), suspension('2028-04-01T23:30:00+08:00')));
  });
  it('refuses a special audit on a certificate past its validity, with or without CertificateExpired', () => {
    const special = (on: string) => step('AuditTeamAssigned', team('A-X1', 'special'), at(on));
    expectOk(when(given(CERTIFIED), special('2026-05-01')));
    expectRule(when(given(CERTIFIED), special('2028-04-02')), 'R13', 'certificate-expired');
  });
  it('does not expire a certificate before its validUntil', () => {
    expectRule(
      when(given(CERTIFIED), step('CertificateExpired', {}, at('2028-04-01'))),
      'R16',
      'expired-before-valid-until',
    );
  });
});

describe('R14 recertification before expiry, on site', () => {
  it('rejects a recertification audit started after expiry', () => {
    expectRule(
      when(given(SURVEILLED_TWICE), step('AuditTeamAssigned', team('A-R1', 'recertification'), at('2028-04-02'))),
      'R14',
      'recertification-after-expiry',
    );
  });
  it('rejects a remote recertification audit and one ending after expiry', () => {
    const state = given([...SURVEILLED_TWICE, RECERT_REPORTED[SURVEILLED_TWICE.length]!]);
    expectRule(
      when(
        state,
        step('AuditPlanned', plan('A-R1', '2028-02-14', '2028-02-16', 4.5, { mode: 'remote' }), at('2028-01-06')),
      ),
      'R14',
      'recertification-not-onsite',
    );
    expectRule(
      when(state, step('AuditPlanned', plan('A-R1', '2028-03-30', '2028-04-02', 4.5), at('2028-01-06'))),
      'R14',
      'recertification-after-expiry',
    );
  });
  it('keeps the on-site share for recertification even where remote audits are permitted', () => {
    // 4.5 days: at least 80% (3.6 days) on site, mixed or not.
    const rules = rulesConfig({ remoteAuditPermitted: true });
    const state = given([...SURVEILLED_TWICE, RECERT_REPORTED[SURVEILLED_TWICE.length]!], { rules });
    const planMixed = (onsiteDays: number) =>
      when(
        state,
        step(
          'AuditPlanned',
          plan('A-R1', '2028-02-14', '2028-02-16', 4.5, { mode: 'mixed', onsiteDays }),
          at('2028-01-06'),
        ),
        { rules },
      );
    expectRule(planMixed(0), 'R14', 'recertification-onsite-share-too-low');
    expectRule(planMixed(3.5), 'R14', 'recertification-onsite-share-too-low');
    expectOk(planMixed(3.6));
  });
  it('rejects a recertification decided after expiry', () => {
    expectRule(
      when(given(RECERT_REPORTED), step('CertificationDecided', decided('A-R1'), at('2028-04-02'))),
      'R14',
      'recertification-decided-after-expiry',
    );
    expectOk(when(given(RECERT_REPORTED), step('CertificationDecided', decided('A-R1'), at('2028-04-01'))));
  });
});

describe('R15 ownership and transfer', () => {
  const transfer = (agencyId = OTHER_CB, fromAgencyId = CB, occurredAt = at('2026-06-01')) =>
    step('CertificationTransferred', { fromAgencyId, reason: '客户变更认证机构' }, occurredAt, agencyId);
  const release = (toAgencyId = OTHER_CB, occurredAt = at('2026-05-25'), agencyId = CB) =>
    step('TransferReleased', { toAgencyId, reason: '客户申请转换认证机构' }, occurredAt, agencyId);
  const RELEASED = [...CERTIFIED, release()];
  const THIRD_CB = 'CNCA-R-2003-009';
  /** The certificate the accepting CB issues after the transfer, keeping the cycle's expiry. */
  const acceptingCbCertificate = {
    certificateNo: 'RF-2026-0042',
    issuedAt: '2026-06-10',
    validUntil: '2028-04-01',
    scope: '数控机床零部件',
    sectors: [17, 18],
  };
  const withdrawal = (agencyId = CB, occurredAt = at('2026-05-28')) =>
    step('TransferReleaseWithdrawn', { reason: '受让机构转换前评审未通过' }, occurredAt, agencyId);

  it('lets only the holding CB write', () => {
    expectRule(
      when(
        given(ACCEPTED),
        step('ContractSigned', { contractNo: 'X', signedAt: '2025-01-15' }, at('2025-01-15'), OTHER_CB),
      ),
      'R15',
      'not-holding-agency',
    );
  });
  it('moves the certification to the accepting CB once the holder has released it to that CB', () => {
    expectOk(when(given(RELEASED), transfer()));
    const moved = given([...RELEASED, transfer()]);
    expect(moved.holder).toBe(OTHER_CB);
    expectRule(
      when(moved, step('CertificateWithdrawn', { reason: 'x' }, at('2026-06-02'))),
      'R15',
      'not-holding-agency',
    );
    const issued = expectOk(when(moved, step('CertificateIssued', acceptingCbCertificate, at('2026-06-10'), OTHER_CB)));
    expect(issued.claims).toEqual([{ kind: 'certificateNo', value: 'RF-2026-0042' }]);
    expectRule(
      when(
        moved,
        step('CertificateIssued', { ...acceptingCbCertificate, validUntil: '2029-06-09' }, at('2026-06-10'), OTHER_CB),
      ),
      'R10',
      'validity-beyond-transferred-certificate',
    );
  });
  it('has the accepting CB issue a certificate of its own: a number the certification held before the transfer is refused (R10)', () => {
    const moved = given([...RELEASED, transfer()]);
    const reused = step(
      'CertificateIssued',
      { ...acceptingCbCertificate, certificateNo: CERTIFICATE_NO },
      at('2026-06-10'),
      OTHER_CB,
    );
    const refused = when(moved, reused);
    expectRule(refused, 'R10', 'transfer-needs-new-certificate');
    expect(!refused.ok && refused.message).toContain(CERTIFICATE_NO);
    expectOk(when(moved, step('CertificateIssued', acceptingCbCertificate, at('2026-06-10'), OTHER_CB)));
    // Nor at its recertification: the accepting CB keeps its own number, never the previous CB's.
    const byAcceptingCb = (steps: readonly Step[]) => steps.map((s) => ({ ...s, agencyId: OTHER_CB }));
    const recertified = given([
      ...CERTIFIED,
      ...surveillance('A-SV1', '2026-03-09', '2026-03-10'),
      release(),
      transfer(),
      step('CertificateIssued', acceptingCbCertificate, at('2026-06-10'), OTHER_CB),
      ...byAcceptingCb([
        ...surveillance('A-SV2', '2027-03-08', '2027-03-09'),
        ...RECERT_REPORTED.slice(SURVEILLED_TWICE.length),
      ]),
      step('CertificationDecided', decided('A-R1'), at('2028-03-10'), OTHER_CB),
    ]);
    const recertificate = { ...acceptingCbCertificate, issuedAt: '2028-03-15', validUntil: '2031-03-09' };
    const again = (certificateNo: string) =>
      when(recertified, step('CertificateIssued', { ...recertificate, certificateNo }, at('2028-03-15'), OTHER_CB));
    expectRule(again(CERTIFICATE_NO), 'R10', 'transfer-needs-new-certificate');
    expect(expectOk(again(acceptingCbCertificate.certificateNo)).claims).toEqual([]);
  });
  it("leaves the previous CB's certificate alone: the accepting CB decides only on a certificate it issued (R15)", () => {
    const moved = given([...RELEASED, transfer()]);
    const byAcceptingCb = (type: string, data: Record<string, unknown>, state = moved) =>
      when(state, step(type, data, at('2026-06-05'), OTHER_CB));
    const decisions: Array<[string, Record<string, unknown>]> = [
      ['CertificateSuspended', { reason: '未按期监督审核', until: '2026-09-01' }],
      ['CertificateWithdrawn', { reason: '伪造记录' }],
      ['CertificateCancelled', { reason: '客户申请注销' }],
      ['CertificateScopeChanged', { scope: '数控机床零部件的生产', sectors: [17] }],
    ];
    for (const [type, data] of decisions) {
      const refused = byAcceptingCb(type, data);
      expectRule(refused, 'R15', 'certificate-of-previous-cb');
      expect(!refused.ok && refused.message).toContain(CERTIFICATE_NO);
    }
    const own = given([
      ...RELEASED,
      transfer(),
      step('CertificateIssued', acceptingCbCertificate, at('2026-06-04'), OTHER_CB),
    ]);
    expectOk(byAcceptingCb('CertificateSuspended', decisions[0]![1], own));
  });
  it('does not transfer a suspended certificate', () => {
    const suspended = [
      ...CERTIFIED,
      step('CertificateSuspended', { reason: '监督审核逾期', until: '2026-08-01' }, at('2026-05-10')),
    ];
    expectRule(when(given(suspended), release()), 'R15', 'transfer-of-suspended-certificate');
    const suspendedAfterRelease = [
      ...RELEASED,
      step('CertificateSuspended', { reason: '监督审核逾期', until: '2026-08-01' }, at('2026-05-28')),
    ];
    expectRule(when(given(suspendedAfterRelease), transfer()), 'R15', 'transfer-of-suspended-certificate');
  });
  it('refuses a transfer the holder has not released to the accepting CB, without telling how the certification stands', () => {
    const refused = when(given(CERTIFIED), transfer());
    expectRule(refused, 'R15', 'transfer-not-released');
    expect(!refused.ok && refused.message).not.toContain(CB);
    expectRule(when(given([...CERTIFIED, release(THIRD_CB)]), transfer()), 'R15', 'transfer-not-released');
    // Nor how a certification it was not released to stands: withdrawn, or never accepted.
    const withdrawn = [...CERTIFIED, step('CertificateWithdrawn', { reason: '国抽不合格' }, at('2026-01-05'))];
    expectRule(when(given(withdrawn), transfer()), 'R15', 'transfer-not-released');
    const rejected = [...APPLIED, step('ApplicationReviewed', { outcome: 'rejected', reason: 'x' }, at('2025-01-10'))];
    expectRule(when(given(rejected), transfer()), 'R15', 'transfer-not-released');
    // A release names one CB; a later release replaces it.
    const redirected = [...RELEASED, release(THIRD_CB, at('2026-05-26'))];
    expectRule(when(given(redirected), transfer()), 'R15', 'transfer-not-released');
    expectOk(when(given(redirected), transfer(THIRD_CB)));
    // Taken up once: the release does not let the certification be taken again.
    const moved = [...RELEASED, transfer()];
    expectRule(when(given(moved), transfer(THIRD_CB, OTHER_CB, at('2026-06-02'))), 'R15', 'transfer-not-released');
    expectRule(when(given(RELEASED), transfer(OTHER_CB, CB, at('2026-05-24'))), 'R16', 'occurred-before-dependency');
  });
  it('is released only by the holder, to another CB, for a certified client', () => {
    expectRule(when(given(CERTIFIED), release(OTHER_CB, at('2026-05-25'), OTHER_CB)), 'R15', 'not-holding-agency');
    expectRule(when(given(CERTIFIED), release(CB)), 'R15', 'release-to-holder');
    expectRule(when(given(GRANTED), release(OTHER_CB, at('2025-04-05'))), 'R15', 'transfer-without-certificate');
    expectRule(when(given(CERTIFIED), release(OTHER_CB, at('2028-06-01'))), 'R13', 'certificate-expired');
  });
  it('is written by the accepting CB, from the holder, for a certified client', () => {
    expectRule(when(given(RELEASED), transfer(CB, CB)), 'R15', 'transfer-to-same-agency');
    expectRule(when(given(RELEASED), transfer(OTHER_CB, THIRD_CB)), 'R15', 'transfer-from-wrong-agency');
  });
  it('lets the holder withdraw its release, after which the CB it named is refused as if never released to', () => {
    expectOk(when(given(RELEASED), withdrawal()));
    const withdrawn = [...RELEASED, withdrawal()];
    const refused = when(given(withdrawn), transfer());
    expectRule(refused, 'R15', 'transfer-not-released');
    expect(refused).toEqual(when(given(CERTIFIED), transfer()));
    // The holder may release the certification again, to the same CB or another.
    expectOk(when(given([...withdrawn, release(OTHER_CB, at('2026-05-30'))]), transfer()));
    expectOk(when(given([...withdrawn, release(THIRD_CB, at('2026-05-30'))]), transfer(THIRD_CB)));
  });
  it('withdraws only a release that stands', () => {
    expectRule(when(given(CERTIFIED), withdrawal()), 'R15', 'no-transfer-release');
    const withdrawn = [...RELEASED, withdrawal()];
    expectRule(when(given(withdrawn), withdrawal(CB, at('2026-05-29'))), 'R15', 'no-transfer-release');
    // Taken up, the release is gone: the new holder has none to withdraw.
    expectRule(
      when(given([...RELEASED, transfer()]), withdrawal(OTHER_CB, at('2026-06-02'))),
      'R15',
      'no-transfer-release',
    );
    expectRule(when(given(RELEASED), withdrawal(CB, at('2026-05-24'))), 'R16', 'occurred-before-dependency');
    // A lapsed release may still be withdrawn: the holder need not count the days.
    expectOk(when(given(RELEASED), withdrawal(CB, at('2026-09-01'))));
  });
  it('is withdrawn only by the holder, and tells any other CB nothing of whether a release stands', () => {
    for (const stranger of [OTHER_CB, THIRD_CB]) {
      const refused = when(given(RELEASED), withdrawal(stranger));
      expectRule(refused, 'R15', 'not-holding-agency');
      expect(!refused.ok && refused.message).not.toContain(CB);
      expect(refused).toEqual(when(given(CERTIFIED), withdrawal(stranger)));
    }
  });
  it('counts as a party (isPartyTo) every CB decide lets past R15, and no other', () => {
    const histories = [APPLIED, CERTIFIED, RELEASED, [...RELEASED, transfer()]];
    const proposals = (agencyId: string) => [
      step('CertificateScopeChanged', { scope: '数控机床零部件的生产', sectors: [17] }, at('2026-06-05'), agencyId),
      withdrawal(agencyId, at('2026-06-05')),
      transfer(agencyId, CB, at('2026-06-05')),
    ];
    for (const [h, history] of histories.entries()) {
      const state = given(history);
      for (const agencyId of [CB, OTHER_CB, THIRD_CB]) {
        for (const proposal of proposals(agencyId)) {
          const result = when(state, proposal);
          const pastR15 = result.ok || !['not-holding-agency', 'transfer-not-released'].includes(result.code);
          expect({ h, agencyId, type: proposal.type, party: isPartyTo(state, agencyId, proposal.type) }).toEqual({
            h,
            agencyId,
            type: proposal.type,
            party: pastR15,
          });
        }
      }
    }
    expect(isPartyTo(initialState, OTHER_CB, 'ApplicationSubmitted')).toBe(true);
  });
  it('lets the CB released to take the certification over for the days a release lasts (China’s calendar), then tells it alone that the release lapsed', () => {
    // Released on 2026-05-25: the 90th day after it is 2026-08-23.
    expectOk(when(given(RELEASED), transfer(OTHER_CB, CB, at('2026-08-23', '23:59:59'))));
    expectOk(when(given(RELEASED), transfer(OTHER_CB, CB, '2026-08-23T15:59:59Z')));
    const lapsed = when(given(RELEASED), transfer(OTHER_CB, CB, at('2026-08-24', '00:00:00')));
    expectRule(lapsed, 'R15', 'transfer-not-released');
    expect(!lapsed.ok && lapsed.message).toContain('lapsed');
    expect(!lapsed.ok && lapsed.message).not.toContain(CB);
    expectRule(when(given(RELEASED), transfer(OTHER_CB, CB, '2026-08-23T16:00:00Z')), 'R15', 'transfer-not-released');
    // How long is a rules setting.
    const rules = rulesConfig({ transferReleaseValidDays: 7 });
    expectOk(when(given(RELEASED), transfer(OTHER_CB, CB, at('2026-06-01')), { rules }));
    expectRule(
      when(given(RELEASED), transfer(OTHER_CB, CB, at('2026-06-02')), { rules }),
      'R15',
      'transfer-not-released',
    );
    // Any other CB hears only that the certification was not released to it.
    const stranger = when(given(RELEASED), transfer(THIRD_CB, CB, at('2026-09-01')));
    expect(stranger).toEqual(when(given(CERTIFIED), transfer(THIRD_CB, CB, at('2026-09-01'))));
    // A new release opens a new window.
    expectOk(when(given([...RELEASED, release(OTHER_CB, at('2026-09-01'))]), transfer(OTHER_CB, CB, at('2026-09-02'))));
  });
  it('counts the days from when the ledger recorded the release too: a transfer dated inside the window is refused once they have passed', () => {
    // Released and recorded on 2026-05-25; the 90th day after it is 2026-08-23.
    const recorded = given(RELEASED, { now: new Date(at('2026-05-25', '12:00:00')) });
    const decidedOn = (date: string, time?: string) => ({ now: new Date(at(date, time)) });
    expectOk(when(recorded, transfer(), decidedOn('2026-08-23', '23:59:59')));
    const backdated = when(recorded, transfer(), decidedOn('2026-08-24', '00:00:00'));
    expectRule(backdated, 'R15', 'transfer-not-released');
    expect(!backdated.ok && backdated.message).toContain('lapsed');
    expect(!backdated.ok && backdated.message).not.toContain(CB);
    expectRule(when(recorded, transfer(), decidedOn('2028-06-01')), 'R15', 'transfer-not-released');
    // Any other CB hears only that the certification was not released to it.
    expect(when(recorded, transfer(THIRD_CB), decidedOn('2028-06-01'))).toEqual(
      when(given(CERTIFIED), transfer(THIRD_CB), decidedOn('2028-06-01')),
    );
  });
  it('takes a history imported years later whose release and transfer the ledger recorded within the window', () => {
    // The holder's history, release included, recorded on 2029-12-01; the transfer of 2026 recorded a month later.
    const imported = given(RELEASED, { now: new Date(at('2029-12-01')) });
    expectOk(when(imported, transfer(), { now: new Date(at('2029-12-31')) }));
    // Its own dates still count: a transfer dated after the window is refused, however soon it is recorded.
    expectRule(
      when(imported, transfer(OTHER_CB, CB, at('2026-08-24')), { now: new Date(at('2029-12-01')) }),
      'R15',
      'transfer-not-released',
    );
  });
});

describe('R16 event time', () => {
  const now = new Date('2025-01-06T02:00:00Z'); // 10:00 in Beijing

  it('accepts an event up to the clock skew in the future', () => {
    expectOk(when(given([]), step('ApplicationSubmitted', applicationData(), '2025-01-06T10:04:59+08:00'), { now }));
  });
  it('rejects an event further in the future', () => {
    expectRule(
      when(given([]), step('ApplicationSubmitted', applicationData(), '2025-01-06T10:05:01+08:00'), { now }),
      'R16',
      'occurred-in-future',
    );
    // A narrower skew, as configured: 2 minutes ahead is then too far.
    expectRule(
      when(given([]), step('ApplicationSubmitted', applicationData(), '2025-01-06T10:02:00+08:00'), {
        now,
        rules: rulesConfig({ clockSkewSeconds: 60 }),
      }),
      'R16',
      'occurred-in-future',
    );
  });
  it('rejects an occurredAt that is no date-time with offset', () => {
    expectRule(
      when(given([]), step('ApplicationSubmitted', applicationData(), '2025-01-06 10:00')),
      'R16',
      'invalid-occurred-at',
    );
  });
  it('rejects an event older than the event it depends on', () => {
    expectRule(
      when(given(APPLIED), step('ApplicationReviewed', { outcome: 'accepted' }, at('2025-01-05'))),
      'R16',
      'occurred-before-dependency',
    );
    expectRule(
      when(given(STAGE2_DONE), step('AuditReportSubmitted', report('A-S2'), at('2025-03-12', '17:00:00'))),
      'R16',
      'occurred-before-dependency',
    );
  });
  it('rejects audits that end before they start', () => {
    expectRule(
      when(
        given(STAGE1_PLANNED.slice(0, -1)),
        step('AuditPlanned', plan('A-S1', '2025-02-11', '2025-02-10', 2), at('2025-01-22')),
      ),
      'R16',
      'plan-ends-before-start',
    );
  });
  it('rejects an audit recorded before it started', () => {
    const record = (occurredAt: string) =>
      when(given(STAGE1_PLANNED), step('AuditConducted', conducted('A-S1', '2025-02-10', '2025-02-11'), occurredAt));
    expectRule(record(at('2025-02-09', '18:00:00')), 'R16', 'recorded-before-audit-start');
    expectOk(record(at('2025-02-10', '18:00:00')));
  });
  it('checks CNCA reports against the reported event', () => {
    const state = given(CERTIFIED);
    const issuedId = eventIdsOf(state).at(-1)!;
    const report = (reportedAt: string) => ({
      certificationId: 'C-1',
      kind: 'certificate',
      subjectEventId: issuedId,
      reportedAt,
    });
    expectOk(when(state, step('ReportedToCnca', report(at('2025-04-08')), at('2025-04-08'))));
    expectRule(
      when(state, step('ReportedToCnca', report(at('2025-04-01')), at('2025-04-08'))),
      'R16',
      'reported-before-subject',
    );
    expectRule(
      when(
        state,
        step(
          'ReportedToCnca',
          { ...report(at('2025-04-08')), subjectEventId: '6f1c2a5e-0000-4000-8000-000000000000' },
          at('2025-04-08'),
        ),
      ),
      'SEQ',
      'unknown-subject-event',
    );
  });
});
