import { randomUUID } from 'node:crypto';
import { chinaTime, streamBuilder, teamMember, type StreamBuilder } from '../fixtures';
import type { LogEvent } from '../types';
import { supervisionConfig } from './config';
import { evaluate } from './evaluate';
import { WARNING_RULES } from './rules';
import { emptyFacts, foldCertificationEvent, type CertificationFacts, type SupervisionFact } from './facts';

/** Pure checks: events folded into facts, then evaluate() on a given day (China time). */
const CB = 'CNCA-R-2002-001';
const OTHER_CB = 'CNCA-R-2010-015';
const at = chinaTime;
const member = (auditorId: string, sectors = [18]) => teamMember(auditorId, { sectors });

type Draft = Omit<LogEvent, 'position'>;

function fold(events: readonly Draft[]): CertificationFacts {
  return events.reduce(
    (facts, event, i) => foldCertificationEvent(facts, { ...event, position: i + 1 }),
    emptyFacts({ ...events[0]!, position: 0 }),
  );
}

function warningsOf(facts: CertificationFacts, today: string, supervision: SupervisionFact[] = []) {
  const { warnings } = evaluate({
    certifications: [facts],
    supervision,
    now: new Date(`${today}T04:00:00Z`),
    config: supervisionConfig(),
  });
  // Every kind raised is one /v1/warnings/rules lists under its rule.
  for (const w of warnings) expect(WARNING_RULES.find((r) => r.id === w.ruleId)!.kinds).toContain(w.kind);
  return warnings;
}

/** Application (sectors [18]), stage 2 by a sector-18 team, grant and certificate `certNo` (of `scope`). */
function certified(
  b: StreamBuilder,
  issued: string,
  validUntil: string,
  certNo = 'CERT-1',
  scope = { scope: 'Valves', sectors: [18] },
): Draft[] {
  return [
    b.event(
      'ApplicationSubmitted',
      {
        client: { name: 'Client', creditCode: '91320100MA1AAAAAA1', regionCode: '320106', address: 'Gulou 1' },
        scheme: 'QMS',
        standard: 'ISO 9001:2015',
        scope: 'Valves',
        sectors: [18],
      },
      at('2024-08-01'),
    ),
    b.event('ApplicationReviewed', { outcome: 'accepted' }, at('2024-08-02')),
    b.event('AuditTeamAssigned', { auditId: 's2', kind: 'stage2', members: [member('au-1')] }, at('2024-08-10')),
    b.event(
      'AuditConducted',
      { auditId: 's2', start: '2024-09-01', end: '2024-09-02', checkIns: [] },
      at('2024-09-02'),
    ),
    b.event(
      'CertificationDecided',
      { auditId: 's2', decision: 'grant', decisionMaker: { personId: 'dm-1', name: 'D' } },
      at('2024-10-20'),
    ),
    b.event('CertificateIssued', { certificateNo: certNo, issuedAt: issued, validUntil, ...scope }, at(issued)),
  ];
}

const surveillance = (b: StreamBuilder, auditId: string, start: string, team = [member('au-1')]): Draft[] => [
  b.event('AuditTeamAssigned', { auditId, kind: 'surveillance', members: team }, at(start, '08:00:00')),
  b.event('AuditConducted', { auditId, start, end: start, checkIns: [] }, at(start, '18:00:00')),
];

const builder = () => streamBuilder({ certificationId: 'c1', agencyId: CB, regionCode: '320106' });

describe('W1 across a transfer (IAF MD2: the transferred certificate keeps the cycle)', () => {
  function stream(transfer: boolean, accepting: Draft[] = []) {
    const b = builder();
    const events = [...certified(b, '2024-11-01', '2027-10-31'), ...surveillance(b, 'v1', '2025-10-01')];
    if (transfer) {
      const moved = {
        ...b.event('CertificationTransferred', { fromAgencyId: CB }, at('2026-09-01')),
        agencyId: OTHER_CB,
      };
      const issued = {
        ...b.event(
          'CertificateIssued',
          { certificateNo: 'CERT-2', issuedAt: '2026-09-05', validUntil: '2027-10-31', scope: 'Valves', sectors: [18] },
          at('2026-09-05'),
        ),
        agencyId: OTHER_CB,
      };
      events.push(moved, issued, ...accepting.map((e) => ({ ...e, agencyId: OTHER_CB })));
    }
    return { b, events };
  }
  const w1 = (facts: CertificationFacts, today: string) =>
    warningsOf(facts, today)
      .filter((w) => w.ruleId === 'W1')
      .map((w) => `${w.certificateNo} ${w.raisedAt}${w.clearedAt ? ` cleared ${w.clearedAt}` : ''}`);

  it('without a transfer, the surveillance due 2026-10-01 is overdue on 2027-08-01', () => {
    expect(w1(fold(stream(false).events), '2027-08-01')).toEqual(['CERT-1 2026-10-02T00:00:00+08:00']);
  });

  it('the accepting CB’s certificate does not restart the clock: the same due date is overdue', () => {
    const { events } = stream(true);
    const facts = fold(events);
    expect(facts.certificates.map((c) => c.transferEventId)).toEqual([undefined, events.at(-2)!.eventId]);
    expect(w1(facts, '2027-08-01')).toEqual(['CERT-2 2026-10-02T00:00:00+08:00']);
    const [warning] = warningsOf(facts, '2027-08-01').filter((w) => w.ruleId === 'W1');
    expect(warning!.agencyId).toBe(OTHER_CB);
    expect(warning!.evidence).toContain(events.at(-2)!.eventId);
  });

  it('a surveillance the previous CB missed on its own certificate stays that CB’s warning', () => {
    const facts = fold(stream(true).events.filter((e) => e.data.auditId !== 'v1'));
    expect(facts.certificates.map((c) => [c.certificateNo, c.agencyId])).toEqual([
      ['CERT-1', CB],
      ['CERT-2', OTHER_CB],
    ]);
    const [warning, ...rest] = warningsOf(facts, '2026-10-01').filter((w) => w.ruleId === 'W1');
    expect(rest).toEqual([]);
    expect(warning).toMatchObject({ certificateNo: 'CERT-1', agencyId: CB, raisedAt: '2025-11-02T00:00:00+08:00' });
  });

  it('a surveillance by the accepting CB by the due date keeps it clear, a late one clears it', () => {
    const b = builder();
    expect(w1(fold(stream(true, surveillance(b, 'v2', '2026-09-20')).events), '2027-08-01')).toEqual([]);
    expect(w1(fold(stream(true, surveillance(b, 'v3', '2026-11-15')).events), '2027-08-01')).toEqual([
      'CERT-2 2026-10-02T00:00:00+08:00 cleared 2026-11-15T00:00:00+08:00',
    ]);
  });

  it('a recertification certificate (no transfer) still starts a new cycle', () => {
    const b = builder();
    const events = [
      ...certified(b, '2024-11-01', '2027-10-31'),
      ...surveillance(b, 'v1', '2025-10-01'),
      ...surveillance(b, 'v2', '2026-09-20'),
      b.event(
        'CertificateIssued',
        { certificateNo: 'CERT-2', issuedAt: '2027-10-01', validUntil: '2030-09-30', scope: 'Valves', sectors: [18] },
        at('2027-10-01'),
      ),
    ];
    const facts = fold(events);
    expect(facts.certificates.map((c) => c.transferEventId)).toEqual([undefined, undefined]);
    expect(w1(facts, '2028-09-30')).toEqual([]);
    expect(w1(facts, '2028-10-03')).toEqual(['CERT-2 2028-10-02T00:00:00+08:00']);
  });
});

describe('W1 around a suspension: a suspended certificate does not show valid, a restored one does again', () => {
  const w1 = (facts: CertificationFacts, today: string) =>
    warningsOf(facts, today)
      .filter((w) => w.ruleId === 'W1')
      .map((w) => `${w.raisedAt}${w.clearedAt ? ` cleared ${w.clearedAt}` : ''}`);
  /** Issued 2024-11-01: the first surveillance is due by 2025-11-01. */
  const history = (...later: Array<(b: StreamBuilder) => Draft[]>) => {
    const b = builder();
    return fold([...certified(b, '2024-11-01', '2027-10-31'), ...later.flatMap((step) => step(b))]);
  };
  const status = (type: string, on: string) => (b: StreamBuilder) => [b.event(type, { reason: 'r' }, at(on))];
  const surveyed = (on: string) => (b: StreamBuilder) => surveillance(b, 'v1', on);

  it('while suspended over the due date, nothing is raised (W2 watches the suspension)', () => {
    expect(w1(history(status('CertificateSuspended', '2025-10-15')), '2025-12-01')).toEqual([]);
  });

  it('restored with the surveillance still not made, W1 is raised the day after the restore', () => {
    const facts = history(status('CertificateSuspended', '2025-10-15'), status('CertificateRestored', '2025-12-01'));
    expect(w1(facts, '2025-12-01')).toEqual([]);
    expect(w1(facts, '2027-03-01')).toEqual(['2025-12-02T00:00:00+08:00']);
    const [warning] = warningsOf(facts, '2027-03-01').filter((w) => w.ruleId === 'W1');
    expect(warning!.message).toBe(
      'certificate CERT-1: surveillance due by 2025-11-01, not made when the certificate was restored on 2025-12-01',
    );
    expect(warning!.evidence).toContain(facts.certificates[0]!.history.at(-1)!.eventId);
  });

  it('a suspension after the due date clears W1 while it lasts; the restore opens it again', () => {
    const facts = history(
      status('CertificateSuspended', '2025-11-20'),
      status('CertificateRestored', '2026-01-10'),
      surveyed('2026-02-15'),
    );
    expect(w1(facts, '2026-03-01')).toEqual([
      '2025-11-02T00:00:00+08:00 cleared 2025-11-20T00:00:00+08:00',
      '2026-01-11T00:00:00+08:00 cleared 2026-02-15T00:00:00+08:00',
    ]);
  });

  it('a surveillance made during the suspension leaves nothing to raise on the restore', () => {
    const facts = history(
      status('CertificateSuspended', '2025-10-15'),
      surveyed('2025-11-20'),
      status('CertificateRestored', '2025-12-01'),
    );
    expect(w1(facts, '2026-03-01')).toEqual([]);
  });

  it.each(['CertificateWithdrawn', 'CertificateExpired'])('a suspension ending in %s ends W1 for good', (type) => {
    expect(w1(history(status('CertificateSuspended', '2025-10-15'), status(type, '2026-01-10')), '2027-03-01')).toEqual(
      [],
    );
  });
});

describe('W7: only a special audit made within 30 days of a failed spot check follows it up', () => {
  const spotCheck: SupervisionFact = {
    eventId: randomUUID(),
    type: 'SpotCheckRecorded',
    occurredAt: at('2025-04-02'),
    regionCode: '32',
    data: { creditCode: '91320100MA1AAAAAA1', result: 'fail', checkedAt: '2025-04-01' },
  };
  const special = (b: StreamBuilder, start: string, conducted: boolean): Draft[] => [
    b.event('AuditTeamAssigned', { auditId: 'sp1', kind: 'special', members: [member('au-1')] }, at('2025-04-05')),
    b.event(
      'AuditPlanned',
      { auditId: 'sp1', mode: 'onsite', start, end: start, auditDays: 1, onsiteDays: 1 },
      at('2025-04-06'),
    ),
    ...(conducted
      ? [b.event('AuditConducted', { auditId: 'sp1', start, end: start, checkIns: [] }, at(start, '18:00:00'))]
      : []),
  ];
  const w7 = (start: string, conducted: boolean) => {
    const b = builder();
    const facts = fold([...certified(b, '2024-11-01', '2027-10-31'), ...special(b, start, conducted)]);
    return warningsOf(facts, '2025-06-01', [spotCheck])
      .filter((w) => w.ruleId === 'W7')
      .map((w) => `${w.raisedAt}${w.clearedAt ? ` cleared ${w.clearedAt}` : ''}`);
  };

  it('a special audit conducted within 30 days raises nothing', () => {
    expect(w7('2025-04-20', true)).toEqual([]);
  });

  it('a special audit only planned within 30 days, never conducted, leaves W7 open', () => {
    expect(w7('2025-04-20', false)).toEqual(['2025-05-02T00:00:00+08:00']);
  });

  it('a special audit conducted after 30 days clears W7 when it starts', () => {
    expect(w7('2025-05-10', true)).toEqual(['2025-05-02T00:00:00+08:00 cleared 2025-05-10T00:00:00+08:00']);
  });
});

describe('W13: conflicting statuses at two CBs for the same scheme and an overlapping scope', () => {
  const VALVES = { scope: 'Valves', sectors: [18] };
  /** QMS valid at CB (valves) and withdrawn at OTHER_CB (`scope`), the same client. */
  const w13 = (scope: { scope: string; sectors: number[] }) => {
    const valid = fold(certified(builder(), '2024-11-01', '2027-10-31', 'CERT-A', VALVES));
    const other = streamBuilder({ certificationId: 'c2', agencyId: OTHER_CB, regionCode: '320106' });
    const withdrawn = fold([
      ...certified(other, '2024-12-01', '2027-11-30', 'CERT-B', scope),
      other.event('CertificateWithdrawn', { reason: 'fraud' }, at('2025-03-01')),
    ]);
    return evaluate({
      certifications: [valid, withdrawn],
      supervision: [],
      now: new Date('2025-06-01T04:00:00Z'),
      config: supervisionConfig(),
    }).warnings.filter((w) => w.ruleId === 'W13');
  };

  it('a withdrawn certificate for another scope (software, sector 33) is no conflict', () => {
    expect(w13({ scope: 'Software', sectors: [33] })).toEqual([]);
  });

  it('scopes sharing a sector conflict, and the message names the sector', () => {
    const [warning, ...rest] = w13({ scope: 'Valves and software', sectors: [18, 33] });
    expect(rest).toEqual([]);
    expect(warning).toMatchObject({ certificateNo: 'CERT-A', raisedAt: '2025-03-01T00:00:00+08:00' });
    expect(warning!.message).toBe(
      `Client (QMS, sector 18) is valid at ${CB} (CERT-A) and withdrawn at ${OTHER_CB} (CERT-B)`,
    );
  });
});

describe('W13 across a transfer: the CBs that gave the certificates their statuses', () => {
  /** Certification c1 (CERT-A, issued by CB) transferred to OTHER_CB on 2025-02-01, which has not issued its own yet. */
  const transferred = (...later: Array<(b: StreamBuilder) => Draft[]>) => {
    const b = builder();
    return fold([
      ...certified(b, '2024-11-01', '2027-10-31', 'CERT-A'),
      ...[
        b.event('CertificationTransferred', { fromAgencyId: CB }, at('2025-02-01')),
        ...later.flatMap((step) => step(b)),
      ].map((e) => ({ ...e, agencyId: OTHER_CB })),
    ]);
  };
  /** The same client's other QMS certification c2 (CERT-B) at `agencyId`, valid or withdrawn on 2025-03-01. */
  const other = (agencyId: string, withdrawn: boolean) => {
    const b = streamBuilder({ certificationId: 'c2', agencyId, regionCode: '320106' });
    return fold([
      ...certified(b, '2024-12-01', '2027-11-30', 'CERT-B'),
      ...(withdrawn ? [b.event('CertificateWithdrawn', { reason: 'fraud' }, at('2025-03-01'))] : []),
    ]);
  };
  const w13 = (certifications: CertificationFacts[]) =>
    evaluate({ certifications, supervision: [], now: new Date('2025-06-01T04:00:00Z'), config: supervisionConfig() })
      .warnings.filter((w) => w.ruleId === 'W13')
      .map((w) => [w.agencyId, w.message]);

  it('a certificate the previous CB issued shows valid at that CB while the accepting CB withdraws the client elsewhere', () => {
    expect(w13([transferred(), other(OTHER_CB, true)])).toEqual([
      [CB, `Client (QMS, sector 18) is valid at ${CB} (CERT-A) and withdrawn at ${OTHER_CB} (CERT-B)`],
    ]);
  });

  it('the accepting CB that suspends the previous CB’s certificate is the one that suspended the client', () => {
    const suspended = (b: StreamBuilder) => [b.event('CertificateSuspended', { reason: 'r' }, at('2025-03-01'))];
    expect(w13([transferred(suspended), other(CB, false)])).toEqual([
      [CB, `Client (QMS, sector 18) is valid at ${CB} (CERT-B) and suspended at ${OTHER_CB} (CERT-A)`],
    ]);
    expect(w13([transferred(suspended), other(OTHER_CB, false)])).toEqual([]);
  });
});

describe('W11 (§7.11): only a withdrawal acts on a withdrawal trigger', () => {
  const trigger: SupervisionFact = {
    eventId: randomUUID(),
    type: 'WithdrawalTriggerRecorded',
    occurredAt: at('2025-03-06'),
    regionCode: '32',
    data: { certificateNo: 'CERT-1', trigger: 'fraud', recordedOn: '2025-03-06' },
  };
  const w11 = (type: string) => {
    const b = builder();
    const facts = fold([...certified(b, '2024-11-01', '2027-10-31'), b.event(type, { reason: 'r' }, at('2025-03-10'))]);
    return warningsOf(facts, '2025-03-20', [trigger]).filter((w) => w.ruleId === 'W11');
  };

  it('a withdrawal within 5 working days raises nothing', () => {
    expect(w11('CertificateWithdrawn')).toEqual([]);
  });

  it('after a transfer, the withdrawal of the certificate in force (the accepting CB’s) answers a trigger on the previous one', () => {
    const b = builder();
    const byAcceptingCb = <E extends { agencyId: string }>(event: E): E => ({ ...event, agencyId: OTHER_CB });
    const history = [
      ...certified(b, '2024-11-01', '2027-10-31'),
      byAcceptingCb(b.event('CertificationTransferred', { fromAgencyId: CB }, at('2025-03-07'))),
      byAcceptingCb(
        b.event(
          'CertificateIssued',
          { certificateNo: 'CERT-2', issuedAt: '2025-03-07', validUntil: '2027-10-31', scope: 'Valves', sectors: [18] },
          at('2025-03-07'),
        ),
      ),
    ];
    const w11Of = (events: typeof history) =>
      warningsOf(fold(events), '2025-03-20', [trigger]).filter((w) => w.ruleId === 'W11');
    expect(w11Of(history).map((w) => w.kind)).toEqual(['withdrawal-overdue']);
    const withdrawn = byAcceptingCb(b.event('CertificateWithdrawn', { reason: 'fraud' }, at('2025-03-10')));
    expect(w11Of([...history, withdrawn])).toEqual([]);
  });

  it.each(['CertificateCancelled', 'CertificateExpired'])('%s instead of a withdrawal leaves W11 open', (type) => {
    const [warning, ...rest] = w11(type);
    expect(rest).toEqual([]);
    expect(warning).toMatchObject({ kind: 'withdrawal-overdue', raisedAt: '2025-03-14T00:00:00+08:00' });
    expect(warning!.clearedAt).toBeUndefined();
    expect(warning!.message).toMatch(/not withdrawn by 2025-03-13 \((cancelled|expired) on 2025-03-10\)/);
  });
});

describe('after a transfer, a deadline’s warning counts against the CB that held the certification when it passed', () => {
  /** CERT-1 issued by CB on 2024-11-01 (valid until 2027-10-31), `before` recorded by CB, then transferred to OTHER_CB on `on`, which has not issued its own certificate. */
  const transferredOn = (on: string, before: Array<(b: StreamBuilder) => Draft[]> = []) => {
    const b = builder();
    return fold([
      ...certified(b, '2024-11-01', '2027-10-31'),
      ...before.flatMap((step) => step(b)),
      { ...b.event('CertificationTransferred', { fromAgencyId: CB }, at(on)), agencyId: OTHER_CB },
    ]);
  };
  const regulators = (type: string, data: Record<string, unknown>, on: string): SupervisionFact => ({
    eventId: randomUUID(),
    type,
    occurredAt: at(on),
    regionCode: '32',
    data,
  });
  /** Each deadline check: what it needs, and a day after its deadline passed. */
  const deadlines: Readonly<
    Record<string, { before?: Array<(b: StreamBuilder) => Draft[]>; supervision?: SupervisionFact[]; today: string }>
  > = {
    // The first surveillance is due by 2025-11-01.
    W1: { today: '2025-12-01' },
    // Suspended on 2025-01-15: six months passed on 2025-07-15.
    W2: {
      before: [(b) => [b.event('CertificateSuspended', { reason: 'r', until: '2025-07-15' }, at('2025-01-15'))]],
      today: '2025-09-01',
    },
    // Still valid the day after 2027-10-31.
    W3: { today: '2027-11-05' },
    // A failed spot check on 2025-04-01 wants a special audit by 2025-05-01.
    W7: {
      supervision: [
        regulators(
          'SpotCheckRecorded',
          { creditCode: '91320100MA1AAAAAA1', result: 'fail', checkedAt: '2025-04-01' },
          '2025-04-02',
        ),
      ],
      today: '2025-06-01',
    },
    // A withdrawal trigger on 2025-03-06 wants a withdrawal by 2025-03-13.
    W11: {
      supervision: [
        regulators(
          'WithdrawalTriggerRecorded',
          { certificateNo: 'CERT-1', trigger: 'fraud', recordedOn: '2025-03-06' },
          '2025-03-06',
        ),
      ],
      today: '2025-04-01',
    },
  };

  it.each([
    ['W1', '2025-10-01', OTHER_CB],
    ['W1', '2025-11-10', CB],
    ['W2', '2025-03-01', OTHER_CB],
    ['W2', '2025-08-01', CB],
    ['W3', '2027-10-01', OTHER_CB],
    ['W7', '2025-04-15', OTHER_CB],
    ['W7', '2025-05-10', CB],
    ['W11', '2025-03-10', OTHER_CB],
    ['W11', '2025-03-20', CB],
  ])(
    '%s on the previous CB’s certificate, transferred on %s: the CB that held the certification when the deadline passed (%s)',
    (ruleId, on, agencyId) => {
      const { before, supervision = [], today } = deadlines[ruleId]!;
      const warnings = warningsOf(transferredOn(on, before), today, supervision).filter(
        (w) => w.ruleId === ruleId && w.kind !== 'recertification-remote',
      );
      expect(warnings.map((w) => [w.certificateNo, w.agencyId])).toEqual([['CERT-1', agencyId]]);
    },
  );
});

describe('after a transfer, what the previous CB recorded stays its own, not the certification’s CB’s now', () => {
  it('the warnings on its events, its reporting tally and its audits', () => {
    const b = builder();
    const history = [...certified(b, '2024-11-01', '2027-10-31')];
    const accepted = [
      b.event('CertificationTransferred', { fromAgencyId: CB }, at('2025-03-01')),
      ...surveillance(b, 'v1', '2025-10-01'),
    ];
    const result = accepted.at(-1)!;
    accepted.push(
      b.event(
        'ReportedToCnca',
        { kind: 'audit_result', subjectEventId: result.eventId, reportedAt: at('2025-10-02') },
        at('2025-10-02'),
      ),
    );
    const { warnings, reporting, auditorAudits } = evaluate({
      certifications: [fold([...history, ...accepted.map((e) => ({ ...e, agencyId: OTHER_CB }))])],
      supervision: [],
      now: new Date('2026-01-01T04:00:00Z'),
      config: supervisionConfig(),
    });
    // The application accepted without its management system's record (W6), the stage 2 result and
    // the certificate never reported to CNCA (W10): all recorded by CB before the transfer.
    expect(warnings.map((w) => [w.ruleId, w.kind, w.agencyId]).sort()).toEqual([
      ['W10', 'not-reported', CB],
      ['W10', 'not-reported', CB],
      ['W6', 'accepted-despite-precondition', CB],
    ]);
    const tallies = reporting.map(({ agencyId, due, onTime }) => [agencyId, due, onTime]).sort();
    expect(tallies).toEqual([
      [CB, 2, 0],
      [OTHER_CB, 1, 1],
    ]);
    expect(auditorAudits.map((row) => [row.auditId, row.agencyId])).toEqual([
      ['s2', CB],
      ['v1', OTHER_CB],
    ]);
  });
});

describe('W10 across a transfer: a report falls to the CB that could still record it (R15)', () => {
  /**
   * CERT-1 issued by CB on 2025-05-20 (due to CNCA by 2025-06-10), its stage 2 result reported in
   * time; transferred to OTHER_CB on `transferredOn`; then the certificate reported by each CB on the
   * day given (only the holder can record it). Evaluated on `today`.
   */
  function reportingOf(transferredOn: string, reports: ReadonlyArray<[string, string]>, today: string) {
    const b = builder();
    const history = certified(b, '2025-05-20', '2028-05-19');
    const report = (subject: Draft, kind: string, on: string) =>
      b.event('ReportedToCnca', { kind, subjectEventId: subject.eventId, reportedAt: at(on) }, at(on));
    const issued = history.at(-1)!;
    const transfer = {
      ...b.event('CertificationTransferred', { fromAgencyId: CB }, at(transferredOn)),
      agencyId: OTHER_CB,
    };
    const later = [
      transfer,
      ...reports.map(([agencyId, on]) => ({ ...report(issued, 'certificate', on), agencyId })),
    ].sort((x, y) => x.occurredAt.localeCompare(y.occurredAt));
    const resultReport = report(
      history.find((e) => e.type === 'AuditConducted')!,
      'audit_result',
      '2024-09-03',
    );
    const { warnings, reporting } = evaluate({
      certifications: [fold([...history, resultReport, ...later])],
      supervision: [],
      now: new Date(`${today}T04:00:00Z`),
      config: supervisionConfig(),
    });
    return {
      w10: warnings
        .filter((w) => w.ruleId === 'W10')
        .map((w) => [w.kind, w.agencyId, w.evidence[0] === issued.eventId, w.clearedAt !== undefined]),
      tallies: reporting.map(({ agencyId, due, onTime }) => [agencyId, due, onTime]).sort(),
    };
  }

  it('a certificate not reported when the deadline passed after the transfer: the accepting CB, which alone could record it', () => {
    expect(reportingOf('2025-05-25', [], '2025-06-11')).toEqual({
      w10: [['not-reported', OTHER_CB, true, false]],
      tallies: [
        [CB, 1, 1],
        [OTHER_CB, 1, 0],
      ],
    });
  });

  it('and the accepting CB clears it, late, by reporting it', () => {
    expect(reportingOf('2025-05-25', [[OTHER_CB, '2025-06-15']], '2025-06-20')).toEqual({
      w10: [['reported-late', OTHER_CB, true, true]],
      tallies: [
        [CB, 1, 1],
        [OTHER_CB, 1, 0],
      ],
    });
  });

  it('a deadline the previous CB let pass before the transfer stays its own, though only the accepting CB can clear it', () => {
    expect(reportingOf('2025-06-15', [], '2025-06-20')).toEqual({
      w10: [['not-reported', CB, true, false]],
      tallies: [[CB, 2, 1]],
    });
    expect(reportingOf('2025-06-15', [[OTHER_CB, '2025-06-18']], '2025-06-20').w10).toEqual([
      ['reported-late', CB, true, true],
    ]);
  });

  it('a report made in time counts for the CB that made it, before the transfer or after', () => {
    expect(reportingOf('2025-05-25', [[CB, '2025-05-22']], '2025-06-20')).toEqual({
      w10: [],
      tallies: [[CB, 2, 2]],
    });
    expect(reportingOf('2025-05-25', [[OTHER_CB, '2025-06-01']], '2025-06-20')).toEqual({
      w10: [],
      tallies: [
        [CB, 1, 1],
        [OTHER_CB, 1, 1],
      ],
    });
  });
});

describe('W10 across a transfer recorded late or a report dated before it: the CB that could record the report, and the one that did', () => {
  /**
   * CERT-1 issued by CB on 2025-05-20 (due to CNCA by 2025-06-10), every event recorded when it
   * occurred but the transfer to OTHER_CB, dated 2025-05-28 and recorded on `transferRecordedOn`;
   * then the certificate reported as given. Evaluated on 2025-06-20.
   */
  function reportingOf(transferRecordedOn: string, report?: { by: string; dated: string; recordedOn: string }) {
    const b = builder();
    const live = (event: Draft, recordedAt = event.occurredAt): Draft => ({ ...event, recordedAt });
    const history = certified(b, '2025-05-20', '2028-05-19').map((e) => live(e));
    const issued = history.at(-1)!;
    const transfer = live(
      { ...b.event('CertificationTransferred', { fromAgencyId: CB }, at('2025-05-28')), agencyId: OTHER_CB },
      at(transferRecordedOn),
    );
    const reported = report && {
      ...live(
        b.event(
          'ReportedToCnca',
          { kind: 'certificate', subjectEventId: issued.eventId, reportedAt: at(report.dated) },
          at(report.dated),
        ),
        at(report.recordedOn),
      ),
      agencyId: report.by,
    };
    const { warnings, reporting } = evaluate({
      certifications: [fold([...history, transfer, ...(reported ? [reported] : [])])],
      supervision: [],
      now: new Date('2025-06-20T04:00:00Z'),
      config: supervisionConfig(),
    });
    return {
      w10: warnings
        .filter((w) => w.ruleId === 'W10' && w.evidence[0] === issued.eventId)
        .map((w) => [w.kind, w.agencyId]),
      tallies: reporting.map(({ agencyId, due, onTime }) => [agencyId, due, onTime]).sort(),
    };
  }

  it('a transfer dated before the deadline but recorded after it leaves the report with the previous CB, which alone could record it by then', () => {
    // The stage 2 result, not reported either, was due by 10 October 2024: CB's throughout.
    expect(reportingOf('2025-06-12')).toEqual({ w10: [['not-reported', CB]], tallies: [[CB, 2, 0]] });
    expect(reportingOf('2025-06-12', { by: OTHER_CB, dated: '2025-06-05', recordedOn: '2025-06-12' })).toEqual({
      w10: [['report-recorded-after-due', CB]],
      tallies: [[CB, 2, 0]],
    });
    // Recorded before the deadline: the accepting CB's, as it could record the report in time.
    expect(reportingOf('2025-06-02')).toEqual({
      w10: [['not-reported', OTHER_CB]],
      tallies: [
        [CB, 1, 0],
        [OTHER_CB, 1, 0],
      ],
    });
  });

  it('a report made in time counts for the CB that recorded it, though dated before the transfer', () => {
    expect(reportingOf('2025-05-28', { by: OTHER_CB, dated: '2025-05-22', recordedOn: '2025-06-01' })).toEqual({
      w10: [],
      tallies: [
        [CB, 1, 0],
        [OTHER_CB, 1, 1],
      ],
    });
  });
});

describe('scope changes (CertificateScopeChanged) and W8 sector coverage', () => {
  const scopeChanged = (b: StreamBuilder, sectors: number[]) =>
    b.event('CertificateScopeChanged', { scope: 'Valves and pumps', sectors }, at('2025-06-01'));

  it('folds the new scope and sectors into the current certificate', () => {
    const b = builder();
    const change = scopeChanged(b, [18, 19]);
    const facts = fold([...certified(b, '2024-11-01', '2027-10-31'), change]);
    expect(facts.certificates[0]).toMatchObject({
      scope: 'Valves and pumps',
      sectors: [18, 19],
      scopeEventId: change.eventId,
    });
    expect(facts.sectors).toEqual([18]); // the application's
  });

  const w8 = (sectors: number[], team: ReturnType<typeof member>[]) => {
    const b = builder();
    const change = scopeChanged(b, sectors);
    const facts = fold([
      ...certified(b, '2024-11-01', '2027-10-31'),
      change,
      ...surveillance(b, 'v1', '2025-10-01', team),
    ]);
    const found = warningsOf(facts, '2025-10-05').filter((w) => w.ruleId === 'W8');
    return { found, change };
  };

  it('a surveillance team after an extension must cover the added sector', () => {
    const { found, change } = w8([18, 19], [member('au-1', [18])]);
    expect(found.map((w) => w.kind)).toEqual(['sector-not-covered']);
    expect(found[0]!.message).toMatch(/audit v1: sector\(s\) 19 /);
    expect(found[0]!.evidence).toContain(change.eventId);
  });

  it('a surveillance team after a change need not cover a sector the certificate no longer has', () => {
    expect(w8([19], [member('au-1', [19])]).found).toEqual([]);
  });

  it('audits before the certificate keep the application’s sectors', () => {
    const { found } = w8([19], [member('au-1', [19])]);
    expect(found.filter((w) => w.message.includes('audit s2'))).toEqual([]);
  });

  it('a scope change is a new certificate version: W10 until it is reported to CNCA', () => {
    const b = builder();
    const change = scopeChanged(b, [18, 19]);
    const history = [...certified(b, '2024-11-01', '2027-10-31'), change];
    const aboutTheChange = (facts: CertificationFacts, today: string) =>
      warningsOf(facts, today).filter((w) => w.ruleId === 'W10' && w.evidence.includes(change.eventId));
    expect(aboutTheChange(fold(history), '2025-07-10')).toEqual([]); // due by the 10th of the next month
    expect(aboutTheChange(fold(history), '2025-07-11').map((w) => w.kind)).toEqual(['not-reported']);
    const reported = b.event(
      'ReportedToCnca',
      { kind: 'certificate', subjectEventId: change.eventId, reportedAt: at('2025-07-03') },
      at('2025-07-03'),
    );
    expect(aboutTheChange(fold([...history, reported]), '2025-07-11')).toEqual([]);
  });
});

describe('W8 auditor-overlap across regions', () => {
  it('names the other audit only by its AuditConducted event in the evidence, never by its certification', () => {
    const own = streamBuilder({ certificationId: 'own-1', agencyId: CB, regionCode: '320106' });
    const other = streamBuilder({ certificationId: 'other-cb-0003', agencyId: OTHER_CB, regionCode: '320506' });
    const otherEvents = certified(other, '2024-11-01', '2027-10-31', 'CERT-2');
    const facts = [fold(certified(own, '2024-11-01', '2027-10-31')), fold(otherEvents)];
    const overlaps = evaluate({
      certifications: facts,
      supervision: [],
      now: new Date('2025-01-01T04:00:00Z'),
      config: supervisionConfig(),
    }).warnings.filter((w) => w.kind === 'auditor-overlap' && w.certificationId === 'own-1');
    expect(overlaps).toHaveLength(1);
    const [warning] = overlaps;
    expect(warning!.message).toBe(
      'auditor au-1 on audit s2 (2024-09-01–2024-09-02) and at the same time on another audit (2024-09-01–2024-09-02)',
    );
    expect(warning!.id).not.toContain('other-cb-0003');
    expect(warning!.evidence).toContain(otherEvents.find((e) => e.type === 'AuditConducted')!.eventId);
  });

  it('raises one warning per audit, with how many audits overlap it, however many there are', () => {
    const clients = Array.from({ length: 2_000 }, (_, i) => {
      const b = streamBuilder({ certificationId: `busy-${i}`, agencyId: CB, regionCode: '320106' });
      return fold(certified(b, '2024-11-01', '2027-10-31', `CERT-B${i}`));
    });
    const b = streamBuilder({ certificationId: 'apart', agencyId: CB, regionCode: '320106' });
    const apart = fold([
      ...certified(b, '2024-11-01', '2027-10-31', 'CERT-APART'),
      ...surveillance(b, 'v1', '2025-06-01'),
    ]);
    const overlaps = evaluate({
      certifications: [...clients, apart],
      supervision: [],
      now: new Date('2025-07-01T04:00:00Z'),
      config: supervisionConfig(),
    }).warnings.filter((w) => w.kind === 'auditor-overlap');
    // Each client's stage 2 (2024-09-01–02, by au-1) overlaps the 1,999 others, and 'apart''s own stage 2.
    expect(overlaps).toHaveLength(2_001);
    const one = overlaps.find((w) => w.certificationId === 'busy-7')!;
    expect(one.message).toMatch(
      /and at the same time on 2000 other audits \(2024-09-01–2024-09-02(, 2024-09-01–2024-09-02){4}, …\)$/,
    );
    expect(one.evidence).toHaveLength(6);
    expect(overlaps.filter((w) => w.certificationId === 'apart').map((w) => w.id)).toEqual([
      'W8:apart:s2:au-1:overlap',
    ]);
  });
});

describe('times written with different offsets compare as instants, not as text', () => {
  /** 10:00 in China is 02:00 UTC: as text "…T10:00:00+08:00" sorts after "…T03:00:00Z", which is later. */
  const CHINA_10 = '2024-10-20T10:00:00+08:00';
  const UTC_03 = '2024-10-20T03:00:00Z';

  /** Stage 2 with a major finding closed (verified) at `closedAt`, granted at `decidedAt`. */
  function grant(closedAt: string, decidedAt: string) {
    const b = builder();
    const [application, review, assigned, conducted, , issued] = certified(b, '2024-10-21', '2027-10-20');
    const finding = { auditId: 's2', findingId: 'f1', grade: 'major', clause: '8.5', description: 'x' };
    const closed = {
      findingId: 'f1',
      correction: 'c',
      correctiveAction: 'ca',
      verifiedBy: 'v',
      verifiedAt: '2024-10-20',
    };
    const decision = { auditId: 's2', decision: 'grant', decisionMaker: { personId: 'dm-1', name: 'D' } };
    return warningsOf(
      fold([
        application!,
        review!,
        assigned!,
        conducted!,
        b.event('FindingRaised', finding, at('2024-09-02', '17:00:00')),
        b.event('FindingClosed', closed, closedAt),
        b.event('CertificationDecided', decision, decidedAt),
        issued!,
      ]),
      '2024-11-01',
    )
      .filter((w) => w.ruleId === 'W4')
      .map((w) => w.kind);
  }

  it('W4: a major closed at 10:00 China time (02:00Z) is closed before a grant at 03:00Z', () => {
    expect(grant(CHINA_10, UTC_03)).toEqual([]);
  });

  it('W4: a major closed at 03:00Z is still open at a grant at 10:00 China time (02:00Z)', () => {
    expect(grant(UTC_03, CHINA_10)).toEqual(['grant-with-open-major']);
  });

  /** Surveillance v1 planned and reported at `reportedAt`, its team assigned again at `reassignedAt`. */
  function teamChange(reportedAt: string, reassignedAt: string) {
    const b = builder();
    const plan = b.event(
      'AuditPlanned',
      { auditId: 'v1', mode: 'onsite', start: '2024-11-10', end: '2024-11-10', auditDays: 1, onsiteDays: 1 },
      at('2024-10-19'),
    );
    const facts = fold([
      ...certified(b, '2024-10-01', '2027-09-30'),
      b.event(
        'AuditTeamAssigned',
        { auditId: 'v1', kind: 'surveillance', members: [member('au-1')] },
        at('2024-10-18'),
      ),
      plan,
      b.event('ReportedToCnca', { kind: 'audit_plan', subjectEventId: plan.eventId, reportedAt }, reportedAt),
      b.event('AuditTeamAssigned', { auditId: 'v1', kind: 'surveillance', members: [member('au-2')] }, reassignedAt),
    ]);
    return warningsOf(facts, '2024-11-01')
      .filter((w) => w.kind === 'team-changed-after-report')
      .map((w) => w.raisedAt);
  }

  it('W8: a team changed at 03:00Z changed after the plan was reported at 10:00 China time (02:00Z)', () => {
    expect(teamChange(CHINA_10, UTC_03)).toEqual([UTC_03]);
  });

  it('W8: a team changed at 10:00 China time (02:00Z) changed before a report at 03:00Z', () => {
    expect(teamChange(UTC_03, CHINA_10)).toEqual([]);
  });

  it('W8 auditor-overlap: raised when the later of the two audits was recorded, as instants', () => {
    const b = builder();
    const other = streamBuilder({ certificationId: 'c2', agencyId: OTHER_CB, regionCode: '320106' });
    const audit = (s: StreamBuilder, recordedAt: string) => [
      s.event(
        'AuditTeamAssigned',
        { auditId: 'v1', kind: 'surveillance', members: [member('au-9')] },
        at('2025-04-01'),
      ),
      s.event('AuditConducted', { auditId: 'v1', start: '2025-05-01', end: '2025-05-01', checkIns: [] }, recordedAt),
    ];
    // 01:00 on 2 May in China is 17:00Z on 1 May, before 20:00Z on 1 May (04:00 on 2 May in China).
    const mine = fold([...certified(b, '2024-11-01', '2027-10-31'), ...audit(b, '2025-05-02T01:00:00+08:00')]);
    const theirs = fold([
      ...certified(other, '2024-11-01', '2027-10-31', 'CERT-2'),
      ...audit(other, '2025-05-01T20:00:00Z'),
    ]);
    const overlaps = evaluate({
      certifications: [mine, theirs],
      supervision: [],
      now: new Date('2025-06-01T04:00:00Z'),
      config: supervisionConfig(),
    }).warnings.filter((w) => w.kind === 'auditor-overlap' && w.auditorId === 'au-9');
    expect(overlaps.map((w) => [w.certificationId, w.raisedAt])).toEqual([
      ['c1', '2025-05-01T20:00:00Z'],
      ['c2', '2025-05-01T20:00:00Z'],
    ]);
  });

  it('W10: a report the CB dates in time but records after the due date, of an event the ledger held in time, stays a late report', () => {
    const b = builder();
    const recorded = <E extends { recordedAt: string }>(event: E, recordedAt: string): E => ({ ...event, recordedAt });
    const suspended = b.event('CertificateSuspended', { reason: 'r', until: '2025-09-01' }, at('2025-04-15'));
    const report = b.event(
      'ReportedToCnca',
      { kind: 'status_change', subjectEventId: suspended.eventId, reportedAt: at('2025-04-20') },
      at('2025-04-20'),
    );
    const about = (subjectRecordedAt: string, reportRecordedAt: string) =>
      warningsOf(
        fold([
          ...certified(b, '2024-11-01', '2027-10-31'),
          recorded(suspended, subjectRecordedAt),
          recorded(report, reportRecordedAt),
        ]),
        '2025-06-01',
      ).filter((w) => w.ruleId === 'W10' && w.evidence.includes(suspended.eventId));
    // Due by 10 May. The ledger held the suspension from 15 April; the report dated 20 April came on 20 May.
    const late = about('2025-04-15T02:00:00Z', '2025-05-20T02:00:00Z');
    expect(late.map((w) => [w.kind, w.raisedAt, w.clearedAt])).toEqual([
      ['report-recorded-after-due', '2025-05-11T00:00:00+08:00', '2025-05-20T00:00:00+08:00'],
    ]);
    expect(late[0]!.message).toMatch(/reported 2025-04-20, which the CB recorded only on 2025-05-20/);
    // Recorded when it says: nothing. A history imported in one go (both recorded late): judged by its dates.
    expect(about('2025-04-15T02:00:00Z', '2025-04-20T02:00:00Z')).toEqual([]);
    expect(about('2025-05-20T02:00:00Z', '2025-05-20T02:00:00Z')).toEqual([]);
  });

  it('W10: the first report is the earliest instant, whatever offset each was written in', () => {
    const b = builder();
    const suspended = b.event('CertificateSuspended', { reason: 'r', until: '2025-09-01' }, at('2025-04-15'));
    const report = (reportedAt: string) =>
      b.event('ReportedToCnca', { kind: 'status_change', subjectEventId: suspended.eventId, reportedAt }, reportedAt);
    // Due by 10 May. 23:00 on 10 May in China (15:00Z) came first; 16:30Z on 10 May is 11 May in China.
    const facts = fold([
      ...certified(b, '2024-11-01', '2027-10-31'),
      suspended,
      report('2025-05-10T23:00:00+08:00'),
      report('2025-05-10T16:30:00Z'),
    ]);
    expect(warningsOf(facts, '2025-06-01').filter((w) => w.evidence.includes(suspended.eventId))).toEqual([]);
  });
});

describe("a regulator's record acts only on certifications in the region it was filed under", () => {
  const facts = () => fold(certified(builder(), '2024-11-01', '2027-10-31'));
  const record = (type: string, data: Record<string, unknown>, regionCode: string): SupervisionFact => ({
    eventId: randomUUID(),
    type,
    occurredAt: at('2025-03-06'),
    regionCode,
    data,
  });
  const trigger = (region: string) =>
    record(
      'WithdrawalTriggerRecorded',
      { certificateNo: 'CERT-1', trigger: 'fraud', recordedOn: '2025-03-06' },
      region,
    );
  const spotCheck = (region: string) =>
    record('SpotCheckRecorded', { creditCode: '91320100MA1AAAAAA1', result: 'fail', checkedAt: '2025-03-06' }, region);
  const rulesRaised = (records: SupervisionFact[]) =>
    warningsOf(facts(), '2025-06-01', records)
      .map((w) => w.ruleId)
      .filter((id) => id === 'W7' || id === 'W11');

  it.each([
    ['Nanjing (3201)', '3201'],
    ['Jiangsu (32)', '32'],
    ['an admin', ''],
  ])('W7 and W11 on a Nanjing client from a record filed by %s', (_who, region) => {
    expect(rulesRaised([spotCheck(region), trigger(region)])).toEqual(['W7', 'W11']);
  });

  it('nothing on a Nanjing client from records filed by Suzhou (3205)', () => {
    expect(rulesRaised([spotCheck('3205'), trigger('3205')])).toEqual([]);
  });
});

describe('W9: check-ins on a day outside the audit (China calendar)', () => {
  const checkIn = (auditorId: string, kind: string, when: string) => ({ auditorId, kind, at: when });
  function w9() {
    const b = builder();
    const team = [member('au-1'), member('au-2'), member('au-3')].map((m, i) => ({
      ...m,
      role: i === 0 ? 'leader' : 'auditor',
    }));
    const facts = fold([
      ...certified(b, '2024-11-01', '2027-10-31'),
      b.event('AuditTeamAssigned', { auditId: 'v1', kind: 'surveillance', members: team }, at('2025-04-01')),
      b.event(
        'AuditPlanned',
        { auditId: 'v1', mode: 'onsite', start: '2025-05-10', end: '2025-05-11', auditDays: 2, onsiteDays: 2 },
        at('2025-04-02'),
      ),
      b.event(
        'AuditConducted',
        {
          auditId: 'v1',
          start: '2025-05-10',
          end: '2025-05-11',
          checkIns: [
            // 23:30Z on 9 May is 07:30 on 10 May in China: the first day.
            checkIn('au-1', 'in', '2025-05-09T23:30:00Z'),
            checkIn('au-1', 'out', '2025-05-11T17:00:00+08:00'),
            checkIn('au-2', 'in', '2025-05-10T08:00:00+08:00'),
            checkIn('au-2', 'out', '2025-05-12T09:00:00+08:00'),
            // 15:00Z on 9 May is 23:00 on 9 May in China: the day before.
            checkIn('au-3', 'in', '2025-05-09T15:00:00Z'),
            checkIn('au-3', 'out', '2025-05-11T17:00:00+08:00'),
          ],
        },
        at('2025-05-11', '18:00:00'),
      ),
    ]);
    return warningsOf(facts, '2025-06-01').filter((w) => w.ruleId === 'W9');
  }

  it('raises one warning per member who checked in or out on another day, naming the time', () => {
    const warnings = w9();
    expect(warnings.map((w) => [w.kind, w.auditorId])).toEqual([
      ['check-in-outside-audit-dates', 'au-2'],
      ['check-in-outside-audit-dates', 'au-3'],
    ]);
    expect(warnings.map((w) => w.message)).toEqual([
      "audit v1 (2025-05-10–2025-05-11): au-2 checked out at 2025-05-12T09:00:00+08:00, outside the audit's days (China time)",
      "audit v1 (2025-05-10–2025-05-11): au-3 checked in at 2025-05-09T15:00:00Z, outside the audit's days (China time)",
    ]);
  });

  it('is a kind of W9 that /v1/warnings/rules lists', () => {
    expect(WARNING_RULES.find((r) => r.id === 'W9')!.kinds).toContain('check-in-outside-audit-dates');
  });
});
