import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { chinaTime, streamBuilder, teamMember, type StreamBuilder } from '../fixtures';
import { createMemoryFeed } from '../memoryFeed';
import { createProjectionRunner, type ProjectionRunner } from '../runner';
import type { ReadStore } from '../store';
import { postgresTestReadStore, sqliteTestReadStore, type TestReadStore } from '../testing/readStores';
import type { LogEvent } from '../types';
import { addWorkingDays, haversineKm } from '.';
import { defaultSupervisionConfig } from './config';
import { evaluate, type Evaluation } from './evaluate';
import { createEvaluationMemory, type RememberedEvaluation } from './evaluationMemory';
import type { CertificationFacts } from './facts';
import { supervisionModel } from './model';
import {
  createSupervision,
  enterpriseOwnProfile,
  parseEvaluationCursor,
  type EvaluationCursor,
  type Supervision,
} from './service';

const NANJING = { lat: 32.0603, lon: 118.7969 };
const member = (auditorId: string, role = 'leader') => teamMember(auditorId, { role });
const at = chinaTime;
const REPORTED: Readonly<Record<string, string>> = {
  AuditPlanned: 'audit_plan',
  AuditConducted: 'audit_result',
  CertificateIssued: 'certificate',
  CertificateSuspended: 'status_change',
  CertificateRestored: 'status_change',
  CertificateWithdrawn: 'status_change',
};
/** Builds events and, after each one CNCA wants, its report on the same day (an honest CB). */
function emit(
  b: StreamBuilder,
  ...events: Array<[string, Record<string, unknown>, string]>
): Array<Omit<LogEvent, 'position'>> {
  return events.flatMap(([type, data, occurredAt]) => {
    const event = b.event(type, data, occurredAt);
    const kind = REPORTED[type];
    return kind
      ? [event, b.event('ReportedToCnca', { kind, subjectEventId: event.eventId, reportedAt: occurredAt }, occurredAt)]
      : [event];
  });
}

/** A one-day surveillance audit 'v1' by au-1 on `on`, assigned on `assigned` and planned the day after. */
function surveillanceAudit(b: StreamBuilder, o: { assigned: string; on: string }): Array<Omit<LogEvent, 'position'>> {
  const planned = new Date(Date.parse(`${o.assigned}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
  return emit(
    b,
    ['AuditTeamAssigned', { auditId: 'v1', kind: 'surveillance', members: [member('au-1')] }, at(o.assigned)],
    [
      'AuditPlanned',
      { auditId: 'v1', mode: 'onsite', start: o.on, end: o.on, auditDays: 1, onsiteDays: 1 },
      at(planned),
    ],
    [
      'AuditConducted',
      {
        auditId: 'v1',
        start: o.on,
        end: o.on,
        checkIns: [
          { auditorId: 'au-1', kind: 'in', at: at(o.on), ...NANJING },
          { auditorId: 'au-1', kind: 'out', at: at(o.on, '17:00:00'), ...NANJING },
        ],
      },
      at(o.on, '18:00:00'),
    ],
  );
}

/** An issued certification with its stage 1 + stage 2 audit; returns the builder to continue the stream. */
function certified(
  feed: ReturnType<typeof createMemoryFeed>,
  o: {
    id: string;
    agency?: string;
    region?: string;
    credit?: string;
    issued: string;
    team?: string[];
    certNo?: string;
  },
): StreamBuilder {
  const b = streamBuilder({
    certificationId: o.id,
    agencyId: o.agency ?? 'CNCA-R-2002-001',
    regionCode: o.region ?? '320106',
  });
  const team = (o.team ?? ['au-1']).map((id, i) => member(id, i === 0 ? 'leader' : 'auditor'));
  const day = (offset: number) =>
    new Date(Date.parse(`${o.issued}T00:00:00Z`) - offset * 86_400_000).toISOString().slice(0, 10);
  const checkIns = (date: string) =>
    team.flatMap((m) => [
      { auditorId: m.auditorId, kind: 'in', at: at(date, '08:30:00'), ...NANJING },
      { auditorId: m.auditorId, kind: 'out', at: at(date, '17:30:00'), ...NANJING },
    ]);
  feed.append(
    emit(
      b,
      [
        'ApplicationSubmitted',
        {
          client: {
            name: `Client ${o.id}`,
            creditCode: o.credit ?? `91320100MA1${o.id.padEnd(7, 'X').slice(0, 7)}`,
            regionCode: o.region ?? '320106',
            address: 'Gulou 1',
            employees: 40,
            ...NANJING,
          },
          scheme: 'QMS',
          standard: 'ISO 9001:2015',
          scope: 'Valves',
          sectors: [18],
          managementSystem: {
            operatingSince: '2020-01-01',
            lastInternalAudit: '2024-01-01',
            lastManagementReview: '2024-02-01',
          },
        },
        at(day(60)),
      ],
      ['ApplicationReviewed', { outcome: 'accepted' }, at(day(59))],
      ['AuditTeamAssigned', { auditId: 's1', kind: 'stage1', members: team }, at(day(50))],
      [
        'AuditPlanned',
        { auditId: 's1', mode: 'onsite', start: day(40), end: day(40), auditDays: 1, onsiteDays: 1 },
        at(day(49)),
      ],
      [
        'AuditConducted',
        { auditId: 's1', start: day(40), end: day(40), checkIns: checkIns(day(40)) },
        at(day(40), '18:00:00'),
      ],
      ['AuditTeamAssigned', { auditId: 's2', kind: 'stage2', members: team }, at(day(39))],
      [
        'AuditPlanned',
        { auditId: 's2', mode: 'onsite', start: day(20), end: day(19), auditDays: 3, onsiteDays: 3 },
        at(day(38)),
      ],
      [
        'AuditConducted',
        { auditId: 's2', start: day(20), end: day(19), checkIns: [...checkIns(day(20)), ...checkIns(day(19))] },
        at(day(19), '18:00:00'),
      ],
      ['AuditReportSubmitted', { auditId: 's2', reportSha256: 'a'.repeat(64), recommendation: 'grant' }, at(day(10))],
      [
        'CertificationDecided',
        { auditId: 's2', decision: 'grant', decisionMaker: { personId: 'dm-1', name: 'Decider' } },
        at(day(1)),
      ],
      [
        'CertificateIssued',
        {
          certificateNo: o.certNo ?? `CERT-${o.id}`,
          issuedAt: o.issued,
          validUntil: `${Number(o.issued.slice(0, 4)) + 3}${o.issued.slice(4)}`,
          scope: 'Valves',
          sectors: [18],
        },
        at(o.issued),
      ],
    ),
  );
  return b;
}

function regulatorEvent(
  type: string,
  data: Record<string, unknown>,
  occurredAt: string,
  regionCode = '32',
): Omit<LogEvent, 'position'> {
  const eventId = randomUUID();
  return {
    eventId,
    streamId: `supervision-${eventId}`,
    certificationId: '',
    type,
    version: 0,
    agencyId: '',
    regionCode,
    occurredAt,
    recordedAt: occurredAt,
    hash: '',
    prevHash: '',
    data,
  };
}

/** The client's ratings of the team of audit s2 (the stage 2 audit `certified` makes), filed under `filedUnder`. */
const clientRatings = (
  certificationId: string,
  ratings: ReadonlyArray<{ auditorId: string; score: number }>,
  occurredAt: string,
  filedUnder?: string,
): Omit<LogEvent, 'position'> =>
  regulatorEvent(
    'AuditTeamEvaluated',
    { certificationId, auditId: 's2', evaluatorRole: 'client', ratings },
    occurredAt,
    filedUnder,
  );

/** Polls `ready` until it holds (or fails the test after two seconds). */
async function until(ready: () => Promise<boolean>): Promise<void> {
  for (let tries = 0; !(await ready()); tries += 1) {
    if (tries > 200) throw new Error('not ready after 2 s');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const kindsOf = async (supervision: Supervision, certificationId: string, state: 'open' | 'all' = 'open') =>
  (await supervision.warnings({ certificationId, state })).items
    .map((w) => `${w.ruleId}:${w.kind}${w.clearedAt ? ':cleared' : ''}`)
    .sort();

/** Real stores: a SQLite file, or a fresh database on the PostgreSQL the jest global setup started. */
const STORES: Array<[string, (dir: string) => Promise<TestReadStore>]> = [
  ['SQLite', (dir) => sqliteTestReadStore(dir, 'read')],
  ['PostgreSQL', () => postgresTestReadStore('sv')],
];

describe.each(STORES)('supervision warnings over a real %s read store, with a fake clock', (_kind, openStore) => {
  let dir: string;
  let store: ReadStore;
  let drop: () => Promise<void>;
  let runner: ProjectionRunner;
  let supervision: Supervision;
  let now = new Date('2025-06-01T00:00:00Z');
  const feed = createMemoryFeed();

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sv-'));
    ({ store, drop } = await openStore(dir));
    runner = createProjectionRunner({
      store,
      events: feed,
      models: [supervisionModel] as never,
      logger: pino({ level: 'silent' }),
    });
    supervision = createSupervision({ store, clock: () => now });
    (feed.events as LogEvent[]).length = 0;
  });

  afterEach(async () => {
    await store.close();
    await drop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const tickAt = async (iso: string) => {
    now = new Date(iso);
    await runner.catchUp();
    return supervision.tick();
  };

  it('raises W1 the day after surveillance falls due, with no new event, and clears it when the audit is made', async () => {
    const b = certified(feed, { id: 'c1', issued: '2025-01-10' });
    await tickAt('2026-01-09T12:00:00Z');
    expect(await kindsOf(supervision, 'c1')).toEqual([]);
    await tickAt('2026-01-10T17:00:00Z'); // 2026-01-11 in China
    expect(await kindsOf(supervision, 'c1')).toEqual(['W1:surveillance-overdue']);
    feed.append(surveillanceAudit(b, { assigned: '2026-01-20', on: '2026-02-02' }));
    const result = await tickAt('2026-02-03T00:00:00Z');
    expect(result.cleared).toBeGreaterThanOrEqual(1);
    expect(await kindsOf(supervision, 'c1')).toEqual([]);
    const [w] = (await supervision.warnings({ certificationId: 'c1', ruleId: 'W1', state: 'all' })).items;
    expect(w).toMatchObject({
      rule: 'R11',
      severity: 'high',
      raisedAt: '2026-01-11T00:00:00+08:00',
      clearedAt: '2026-02-02T00:00:00+08:00',
      regionCode: '320106',
    });
  });

  it('raises W2 when a suspension passes six months, and W11 five working days after a withdrawal trigger', async () => {
    const b = certified(feed, { id: 'c2', issued: '2025-01-10' });
    feed.append(
      emit(b, ['CertificateSuspended', { reason: 'no surveillance', until: '2025-09-01' }, at('2025-03-01')]),
    );
    feed.append([
      regulatorEvent(
        'WithdrawalTriggerRecorded',
        { certificateNo: 'CERT-c2', trigger: 'fraud', recordedOn: '2025-03-06' },
        at('2025-03-06'),
      ),
    ]);
    expect(addWorkingDays('2025-03-06', 5)).toBe('2025-03-13');
    await tickAt('2025-03-13T12:00:00Z');
    expect(await kindsOf(supervision, 'c2')).toEqual([]);
    await tickAt('2025-03-14T12:00:00Z');
    expect(await kindsOf(supervision, 'c2')).toEqual(['W11:withdrawal-overdue']);
    await tickAt('2025-09-01T12:00:00Z');
    expect(await kindsOf(supervision, 'c2')).toEqual(['W11:withdrawal-overdue']);
    await tickAt('2025-09-02T12:00:00Z');
    expect(await kindsOf(supervision, 'c2')).toEqual(['W11:withdrawal-overdue', 'W2:suspension-past-limit']);
    feed.append(emit(b, ['CertificateWithdrawn', { reason: 'fraud' }, at('2025-09-10')]));
    await tickAt('2025-09-11T12:00:00Z');
    expect(await kindsOf(supervision, 'c2')).toEqual([]);
    expect(await kindsOf(supervision, 'c2', 'all')).toEqual([
      'W11:withdrawal-overdue:cleared',
      'W2:suspension-past-limit:cleared',
    ]);
  });

  it('raises W7 thirty days after a failed spot check without a special audit, and not when one was made', async () => {
    certified(feed, { id: 'c3', issued: '2025-01-10', credit: '91320100MA1AAAAAA1' });
    const b4 = certified(feed, { id: 'c4', issued: '2025-01-10', credit: '91320100MA1BBBBBB2', team: ['au-9'] });
    feed.append([
      regulatorEvent(
        'SpotCheckRecorded',
        { creditCode: '91320100MA1AAAAAA1', result: 'fail', checkedAt: '2025-04-01' },
        at('2025-04-02'),
      ),
      regulatorEvent(
        'SpotCheckRecorded',
        { creditCode: '91320100MA1BBBBBB2', result: 'fail', checkedAt: '2025-04-01' },
        at('2025-04-02'),
      ),
    ]);
    feed.append(
      emit(
        b4,
        ['AuditTeamAssigned', { auditId: 'sp1', kind: 'special', members: [member('au-9')] }, at('2025-04-05')],
        [
          'AuditPlanned',
          { auditId: 'sp1', mode: 'onsite', start: '2025-04-20', end: '2025-04-20', auditDays: 1, onsiteDays: 1 },
          at('2025-04-06'),
        ],
        [
          'AuditConducted',
          {
            auditId: 'sp1',
            start: '2025-04-20',
            end: '2025-04-20',
            checkIns: [
              { auditorId: 'au-9', kind: 'in', at: at('2025-04-20'), ...NANJING },
              { auditorId: 'au-9', kind: 'out', at: at('2025-04-20', '17:00:00'), ...NANJING },
            ],
          },
          at('2025-04-20', '18:00:00'),
        ],
      ),
    );
    await tickAt('2025-05-01T12:00:00Z');
    expect(await kindsOf(supervision, 'c3')).toEqual([]);
    await tickAt('2025-05-02T12:00:00Z');
    expect(await kindsOf(supervision, 'c3')).toEqual(['W7:spot-check-without-follow-up']);
    expect(await kindsOf(supervision, 'c4')).toEqual([]);
  });

  it('flags check-in anomalies, two audits at once, a decision by a team member and late reports', async () => {
    const far = { lat: 31.2989, lon: 120.5853 }; // Suzhou, ~180 km away
    const b = certified(feed, { id: 'c5', issued: '2025-01-10', team: ['au-5', 'au-6'] });
    const other = certified(feed, { id: 'c6', issued: '2025-01-10', team: ['au-7'] });
    feed.append([
      b.event(
        'AuditTeamAssigned',
        { auditId: 'v1', kind: 'surveillance', members: [member('au-5'), member('au-6', 'auditor')] },
        at('2025-09-01'),
      ),
      b.event(
        'AuditPlanned',
        { auditId: 'v1', mode: 'onsite', start: '2025-10-10', end: '2025-10-11', auditDays: 2, onsiteDays: 2 },
        at('2025-09-02'),
      ),
      b.event(
        'ReportedToCnca',
        { kind: 'audit_plan', subjectEventId: 'x', reportedAt: at('2025-10-12') },
        at('2025-10-12'),
      ),
      b.event(
        'AuditConducted',
        {
          auditId: 'v1',
          start: '2025-10-10',
          end: '2025-10-11',
          checkIns: [
            { auditorId: 'au-5', kind: 'in', at: at('2025-10-10'), ...far },
            { auditorId: 'au-5', kind: 'out', at: at('2025-10-11', '17:00:00'), ...NANJING },
          ],
        },
        at('2025-10-11', '18:00:00'),
      ),
    ]);
    feed.append(
      emit(
        other,
        [
          'AuditTeamAssigned',
          { auditId: 'v1', kind: 'surveillance', members: [member('au-7'), member('au-5', 'auditor')] },
          at('2025-09-01'),
        ],
        [
          'AuditPlanned',
          { auditId: 'v1', mode: 'onsite', start: '2025-10-11', end: '2025-10-11', auditDays: 1, onsiteDays: 1 },
          at('2025-09-02'),
        ],
        [
          'AuditConducted',
          {
            auditId: 'v1',
            start: '2025-10-11',
            end: '2025-10-11',
            checkIns: [
              { auditorId: 'au-7', kind: 'in', at: at('2025-10-11'), ...NANJING },
              { auditorId: 'au-7', kind: 'out', at: at('2025-10-11', '17:00:00'), ...NANJING },
              { auditorId: 'au-5', kind: 'in', at: at('2025-10-11'), ...NANJING },
              { auditorId: 'au-5', kind: 'out', at: at('2025-10-11', '17:00:00'), ...NANJING },
            ],
          },
          at('2025-10-11', '18:00:00'),
        ],
        [
          'AuditReportSubmitted',
          { auditId: 'v1', reportSha256: 'b'.repeat(64), recommendation: 'continue' },
          at('2025-10-12'),
        ],
        [
          'CertificationDecided',
          { auditId: 'v1', decision: 'grant', decisionMaker: { personId: 'au-7', name: 'Auditor au-7' } },
          at('2025-10-13'),
        ],
      ),
    );
    // the plan report names the real plan event
    const plan = feed.events.find(
      (e) => e.certificationId === 'c5' && e.type === 'AuditPlanned' && e.data.auditId === 'v1',
    )!;
    (
      feed.events.find(
        (e) => e.certificationId === 'c5' && e.type === 'ReportedToCnca' && e.data.subjectEventId === 'x',
      )!.data as Record<string, unknown>
    ).subjectEventId = plan.eventId;
    await tickAt('2025-10-20T00:00:00Z');
    expect(await kindsOf(supervision, 'c5', 'all')).toEqual([
      'W10:reported-late:cleared',
      'W8:auditor-overlap',
      'W9:location-deviation',
      'W9:member-missing',
    ]);
    expect(await kindsOf(supervision, 'c6')).toEqual(['W4:decision-by-team-member', 'W8:auditor-overlap']);
    // For people: most severe first, then the newest, even when only the first few are asked for.
    const urgent = (await supervision.warnings({ mostUrgentFirst: true })).items;
    const rank = { high: 0, medium: 1, low: 2 } as const;
    expect(urgent.length).toBeGreaterThan(3);
    urgent.slice(1).forEach((w, i) => {
      const before = urgent[i]!;
      expect(
        rank[before.severity] < rank[w.severity] || (before.severity === w.severity && before.raisedAt >= w.raisedAt),
      ).toBe(true);
    });
    const [first] = (await supervision.warnings({ mostUrgentFirst: true, limit: 1 })).items;
    expect(first?.ruleId).toBe('W4');
    const auditor = await supervision.auditor('au-5', { regionPrefix: '32' });
    expect(auditor?.audits.map((a) => `${a.certificationId}/${a.auditId}`)).toEqual([
      'c5/s1',
      'c5/s2',
      'c5/v1',
      'c6/v1',
    ]);
    expect(auditor?.warnings.map((w) => w.kind).sort()).toEqual([
      'auditor-overlap',
      'auditor-overlap',
      'location-deviation',
    ]);
    expect(await supervision.auditor('au-5', { regionPrefix: '3205' })).toBeUndefined();
    expect(haversineKm(NANJING, far)).toBeGreaterThan(150);
  });

  it('flags a transfer of a suspended certificate and the same client valid at one CB and withdrawn at another', async () => {
    const b = certified(feed, { id: 'c7', issued: '2025-01-10', credit: '91320100MA1CCCCCC3' });
    const c = certified(feed, {
      id: 'c8',
      issued: '2025-02-10',
      credit: '91320100MA1CCCCCC3',
      agency: 'CNCA-R-2003-002',
      team: ['au-8'],
    });
    feed.append([
      ...emit(b, ['CertificateSuspended', { reason: 'r', until: '2025-06-01' }, at('2025-03-01')]),
      ...emit(c, ['CertificateWithdrawn', { reason: 'fraud' }, at('2025-03-05')]),
      {
        ...streamBuilder({ certificationId: 'c7', agencyId: 'CNCA-R-2010-015', regionCode: '320106' }).event(
          'CertificationTransferred',
          { fromAgencyId: 'CNCA-R-2002-001' },
          at('2025-03-10'),
        ),
        version: 12,
      },
    ]);
    await tickAt('2025-03-20T00:00:00Z');
    expect(await kindsOf(supervision, 'c7')).toEqual(['W12:transfer-of-suspended']);
    // Restored by the CB that holds the certification now (R15), which keeps it valid from then on.
    feed.append(
      emit(b, ['CertificateRestored', { reason: 'ok' }, at('2025-04-01')]).map((e) => ({
        ...e,
        agencyId: 'CNCA-R-2010-015',
      })),
    );
    await tickAt('2025-04-02T00:00:00Z');
    expect(await kindsOf(supervision, 'c7')).toEqual(['W12:transfer-of-suspended', 'W13:conflicting-status']);
    expect(await kindsOf(supervision, 'c8')).toEqual([]);
    const grades = await supervision.grades({ regionPrefix: '32' });
    expect(grades.map((g) => g.agencyId)).toEqual(['CNCA-R-2003-002', 'CNCA-R-2010-015']);
    const holder = grades.find((g) => g.agencyId === 'CNCA-R-2010-015')!;
    expect(holder.deductions.some((d) => d.reason.startsWith('W12'))).toBe(true);
    expect(holder.score).toBeLessThan(100);
    expect(await supervision.grades({ regionPrefix: '3205' })).toEqual([]);
  });

  /** What an evaluation leaves in the store: warnings, auditors' audit rows, reporting tallies. */
  const recorded = async (): Promise<Record<string, unknown[]>> => ({
    warnings: await store.all(
      'SELECT id, rule_id, kind, message, evidence, raised_at, cleared_at FROM sv_warnings ORDER BY id',
    ),
    auditorAudits: await store.all(
      'SELECT auditor_id, certification_id, audit_id, row_data, start_date FROM sv_auditor_audits ORDER BY auditor_id, certification_id, audit_id',
    ),
    reporting: await store.all(
      'SELECT agency_id, region_code, due, on_time FROM sv_reporting ORDER BY agency_id, region_code',
    ),
  });
  /** Evaluates from scratch (a new instance reads every row) and expects it to change nothing recorded. */
  const expectSameAsFromScratch = async (): Promise<void> => {
    const before = await recorded();
    const fresh = await createSupervision({ store, clock: () => now }).tick();
    expect(fresh).toMatchObject({ raised: 0, cleared: 0 });
    expect(await recorded()).toEqual(before);
  };

  it('checks again only the certifications that changed since the last tick, and records what a full evaluation would', async () => {
    certified(feed, { id: 'c10', issued: '2025-01-10', team: ['au-10'] });
    const c11 = certified(feed, { id: 'c11', issued: '2025-01-10', team: ['au-10'] });
    const c12 = certified(feed, { id: 'c12', issued: '2025-01-20', team: ['au-12'] });
    expect(await tickAt('2025-03-01T02:00:00Z')).toMatchObject({ certifications: 3, checked: 3 });
    expect(await kindsOf(supervision, 'c10')).toContain('W8:auditor-overlap');
    expect(await tickAt('2025-03-01T03:00:00Z')).toMatchObject({ certifications: 3, checked: 0 });

    feed.append([
      ...emit(c11, ['CertificateSuspended', { reason: 'no surveillance', until: '2025-06-01' }, at('2025-03-01')]),
      ...emit(c12, [
        'AuditTeamAssigned',
        { auditId: 'v1', kind: 'surveillance', members: [member('au-10'), member('au-13', 'auditor')] },
        at('2025-03-01'),
      ]),
    ]);
    expect(await tickAt('2025-03-01T04:00:00Z')).toMatchObject({ certifications: 3, checked: 2 });
    expect(
      (await store.all<{ audit_id: string }>("SELECT audit_id FROM sv_auditor_audits WHERE auditor_id = 'au-13'")).map(
        (r) => r.audit_id,
      ),
    ).toEqual(['v1']);

    // The team changes again without au-13: its row goes. (Before a tick from scratch, whose write
    // would make the next tick rewrite every row.)
    feed.append(
      emit(c12, [
        'AuditTeamAssigned',
        { auditId: 'v1', kind: 'surveillance', members: [member('au-10'), member('au-14', 'auditor')] },
        at('2025-03-01'),
      ]),
    );
    expect(await tickAt('2025-03-01T04:30:00Z')).toMatchObject({ certifications: 3, checked: 1 });
    expect(await store.all("SELECT audit_id FROM sv_auditor_audits WHERE auditor_id = 'au-13'")).toEqual([]);
    await expectSameAsFromScratch();

    // A new certification, then a new day: the day alone makes every certification's checks run again.
    certified(feed, { id: 'c13', issued: '2025-02-01', team: ['au-12'] });
    expect(await tickAt('2025-03-01T05:00:00Z')).toMatchObject({ certifications: 4, checked: 1 });
    expect(await tickAt('2025-03-02T05:00:00Z')).toMatchObject({ certifications: 4, checked: 4 });
    await expectSameAsFromScratch();
  });

  it('waits to evaluate while the read model replays the log from the start, so no warning is raised part-way', async () => {
    // An issued certification whose surveillance is on record: overdue only to a tick that has not
    // yet seen the surveillance audit.
    const b = certified(feed, { id: 'c40', issued: '2024-01-10' });
    feed.append(surveillanceAudit(b, { assigned: '2024-12-01', on: '2024-12-20' }));
    // The replay stops after the certificate's issue, before its surveillance audit.
    const throughIssue = feed.events.findIndex((e) => e.type === 'CertificateIssued') + 1;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const replaying = createProjectionRunner({
      store,
      events: { ...feed, readAll: async (after, limit) => (after > 0 && (await gate), feed.readAll(after, limit)) },
      models: [supervisionModel] as never,
      logger: pino({ level: 'silent' }),
      batchSize: throughIssue,
    });
    now = new Date('2025-06-01T00:00:00Z');
    const catchingUp = replaying.catchUp();
    await until(async () => Number((await replaying.checkpoints().catch(() => []))[0]?.position ?? 0) > 0);
    expect(await supervision.tick()).toMatchObject({
      replaying: { position: throughIssue, to: feed.events.length },
      raised: 0,
    });
    expect(await store.all('SELECT id FROM sv_warnings')).toEqual([]);
    release();
    await catchingUp;
    expect(await supervision.tick()).toMatchObject({ certifications: 1 });
    expect((await supervision.tick()).replaying).toBeUndefined();
    expect(await store.all('SELECT id FROM sv_warnings')).toEqual([]);
  });

  it('reads every certification again after the read model was rebuilt, or after a tick failed to record', async () => {
    const c14 = certified(feed, { id: 'c14', issued: '2025-01-10', team: ['au-14'] });
    certified(feed, { id: 'c15', issued: '2025-01-10', team: ['au-14'] });
    await tickAt('2025-03-01T02:00:00Z');
    // The same rows at the same log positions after a replay: only the rebuild's mark tells them apart.
    await runner.rebuild('supervision');
    expect(await tickAt('2025-03-01T03:00:00Z')).toMatchObject({ certifications: 2, checked: 2 });
    await expectSameAsFromScratch();

    let failNext = false;
    const flaky: ReadStore = {
      ...store,
      transaction: async (work) => {
        if (failNext) {
          failNext = false;
          throw new Error('disk I/O error');
        }
        return store.transaction(work);
      },
    };
    const overFlaky = createSupervision({ store: flaky, clock: () => now });
    expect(await overFlaky.tick()).toMatchObject({ checked: 2 });
    feed.append(
      emit(c14, ['CertificateSuspended', { reason: 'no surveillance', until: '2025-06-01' }, at('2025-03-01')]),
    );
    await runner.catchUp();
    failNext = true;
    await expect(overFlaky.tick()).rejects.toThrow('disk I/O error');
    expect(await overFlaky.tick()).toMatchObject({ certifications: 2, checked: 2 });
    await expectSameAsFromScratch();
  });

  it('gives the enterprise profile each certificate’s status as the public answer has it: lapsed by the day in China, a number issued again once', async () => {
    const credit = '91320100MA1EEEEEE5';
    certified(feed, { id: 'c30', issued: '2022-02-18', credit, certNo: 'CERT-LAPSED' });
    const renewed = certified(feed, { id: 'c31', issued: '2022-03-01', credit, certNo: 'CERT-RENEWED' });
    // Recertified under the same number (the facts take the grant as given).
    feed.append([
      renewed.event(
        'CertificateIssued',
        {
          certificateNo: 'CERT-RENEWED',
          issuedAt: '2025-02-10',
          validUntil: '2028-02-09',
          scope: 'Valves',
          sectors: [18],
        },
        at('2025-02-10'),
      ),
    ]);
    await runner.catchUp();
    const profileAt = async (iso: string) => {
      const profile = (await supervision.enterprise(credit, { regionPrefix: '32' }, new Date(iso)))!;
      return {
        statuses: profile.certificates.map((c) => `${c.certificateNo}:${c.status}:${c.validUntil}`),
        valid: profile.summary.validCertificates,
      };
    };
    // 2025-02-18 is CERT-LAPSED's last day in China until 16:00 UTC.
    expect(await profileAt('2025-02-18T15:59:00Z')).toEqual({
      statuses: ['CERT-LAPSED:valid:2025-02-18', 'CERT-RENEWED:valid:2028-02-09'],
      valid: 2,
    });
    expect(await profileAt('2025-02-18T16:00:00Z')).toEqual({
      statuses: ['CERT-LAPSED:expired:2025-02-18', 'CERT-RENEWED:valid:2028-02-09'],
      valid: 1,
    });
  });

  it('leaves a transferred certificate, and the warnings on it, with the CB that issued it; the one it replaced no longer counts as valid', async () => {
    const credit = '91320100MA1TTTTTT7';
    const accepting = 'CNCA-R-2010-015';
    // Issued by CNCA-R-2002-001 on 2025-01-10; no surveillance by 2026-01-10 (W1 on CERT-OLD).
    const b = certified(feed, { id: 'c50', issued: '2025-01-10', credit, certNo: 'CERT-OLD' });
    feed.append(
      emit(
        b,
        ['CertificationTransferred', { fromAgencyId: 'CNCA-R-2002-001' }, at('2026-03-01')],
        [
          'CertificateIssued',
          {
            certificateNo: 'CERT-NEW',
            issuedAt: '2026-03-05',
            validUntil: '2028-01-10',
            scope: 'Valves',
            sectors: [18],
          },
          at('2026-03-05'),
        ],
      ).map((event) => ({ ...event, agencyId: accepting })),
    );
    await tickAt('2026-03-10T02:00:00Z');
    const profile = (await supervision.enterprise(credit, { regionPrefix: '32' }))!;
    expect(profile.certificates.map((c) => [c.certificateNo, c.agencyId, c.status, c.supersededBy])).toEqual([
      ['CERT-OLD', 'CNCA-R-2002-001', 'valid', 'CERT-NEW'],
      ['CERT-NEW', accepting, 'valid', undefined],
    ]);
    expect(profile.summary.validCertificates).toBe(1);
    expect(enterpriseOwnProfile(profile)).toMatchObject({
      certificates: profile.certificates,
      summary: { validCertificates: 1 },
    });
    // The surveillance CNCA-R-2002-001 missed before the transfer stays its own, and grades it though
    // it holds no certification here any more; the accepting CB answers for none of it.
    const [w1] = (await supervision.warnings({ certificationId: 'c50', ruleId: 'W1' })).items;
    expect(w1).toMatchObject({ certificateNo: 'CERT-OLD', agencyId: 'CNCA-R-2002-001' });
    const grades = await supervision.grades({ regionPrefix: '32' });
    expect(grades.map((g) => [g.agencyId, g.certifications, g.openWarnings])).toEqual([
      ['CNCA-R-2002-001', 0, 1],
      [accepting, 1, 0],
    ]);
  });

  it('counts a rating, a report and an auditor’s audit for the CB that ran the audit, not the one that holds the certification after a transfer', async () => {
    const previous = 'CNCA-R-2002-001';
    const accepting = 'CNCA-R-2010-015';
    // CNCA-R-2002-001 reports its plans, results and certificate on time (5 reports).
    const b = certified(feed, { id: 'c51', issued: '2025-01-10', team: ['au-51'] });
    feed.append(
      [
        b.event('CertificationTransferred', { fromAgencyId: previous }, at('2025-03-01')),
        b.event(
          'AuditTeamAssigned',
          { auditId: 'v1', kind: 'surveillance', members: [member('au-51')] },
          at('2025-05-01'),
        ),
        // Planned for 2025-06-01 and never reported to CNCA.
        b.event(
          'AuditPlanned',
          { auditId: 'v1', mode: 'onsite', start: '2025-06-01', end: '2025-06-01', auditDays: 1, onsiteDays: 1 },
          at('2025-05-02'),
        ),
      ].map((event) => ({ ...event, agencyId: accepting })),
    );
    // After the transfer, the client rates the stage 2 team CNCA-R-2002-001 sent.
    const ratings = Array.from({ length: 5 }, () => ({ auditorId: 'au-51', score: 1 }));
    feed.append([clientRatings('c51', ratings, at('2025-03-05'))]);
    await tickAt('2025-07-01T02:00:00Z');
    const grades = await supervision.grades({ regionPrefix: '32' });
    expect(grades.map((g) => [g.agencyId, g.certifications, g.reporting, g.ratings])).toEqual([
      [previous, 0, { due: 5, onTime: 5 }, { count: 5, mean: 1 }],
      [accepting, 1, { due: 1, onTime: 0 }, { count: 0, mean: null }],
    ]);
    const rated = async (agencyId: string) =>
      (await supervision.evaluations({ regionPrefix: '32', agencyId })).items.map((r) => r.agencyId);
    expect(await rated(previous)).toEqual(Array(5).fill(previous));
    expect(await rated(accepting)).toEqual([]);
    const auditor = await supervision.auditor('au-51', { regionPrefix: '32' });
    expect(auditor!.audits.map((row) => [row.auditId, row.agencyId])).toEqual([
      ['s1', previous],
      ['s2', previous],
      ['v1', accepting],
    ]);
    expect((await supervision.warnings({ certificationId: 'c51' })).items.map((w) => [w.ruleId, w.agencyId])).toEqual([
      ['W10', accepting],
    ]);
  });

  it('moves an open warning to the CB answerable for it when a transfer recorded late is dated before its deadline', async () => {
    const accepting = 'CNCA-R-2010-015';
    const b = certified(feed, { id: 'c52', issued: '2025-01-10' });
    const w1 = async () =>
      (await supervision.warnings({ certificationId: 'c52', ruleId: 'W1' })).items.map((w) => w.agencyId);
    await tickAt('2026-02-01T02:00:00Z');
    expect(await w1()).toEqual(['CNCA-R-2002-001']);
    // The accepting CB records only now that it took the certification over on 2025-12-01, before
    // the surveillance fell due (2026-01-10): it was the accepting CB's to make.
    feed.append([
      {
        ...b.event('CertificationTransferred', { fromAgencyId: 'CNCA-R-2002-001' }, at('2025-12-01')),
        agencyId: accepting,
      },
    ]);
    await tickAt('2026-02-01T03:00:00Z');
    expect(await w1()).toEqual([accepting]);
  });

  it('grades a CB and rates an auditor over every rating, however many', async () => {
    certified(feed, { id: 'c30', issued: '2025-01-10', team: ['au-30'], agency: 'CNCA-R-2003-002' });
    // More ratings than any page of them (10,000 was the most the grades once read).
    const ratings = Array.from({ length: 10_005 }, (_, i) => ({ auditorId: 'au-30', score: i < 5 ? 1 : 5 }));
    feed.append([clientRatings('c30', ratings, at('2025-02-01'))]);
    await tickAt('2025-03-01T02:00:00Z');
    const mean = (5 * 1 + 10_000 * 5) / 10_005;
    const [grade] = await supervision.grades({ regionPrefix: '32' });
    expect(grade!.ratings).toEqual({ count: 10_005, mean: Math.round(mean * 100) / 100 });
    const auditor = await supervision.auditor('au-30', { regionPrefix: '32' });
    expect(auditor!.ratings.count).toBe(10_005);
    expect(auditor!.ratings.mean).toBeCloseTo(mean, 10);
    expect(auditor!.ratings.byRole.client).toEqual({ count: 10_005, mean: expect.closeTo(mean, 10) });
    // Paged, a thousand at a time: every rating once, in the order recorded (one evaluation: ties on its position).
    const scores: number[] = [];
    let after: EvaluationCursor | undefined;
    let pages = 0;
    do {
      const page = await supervision.evaluations({ regionPrefix: '32', limit: 1000, ...(after ? { after } : {}) });
      pages += 1;
      scores.push(...page.items.map((rating) => rating.score));
      after = page.next === undefined ? undefined : parseEvaluationCursor(page.next);
    } while (after !== undefined && pages < 20);
    expect([pages, scores.length]).toEqual([11, 10_005]);
    expect(scores).toEqual(ratings.map((rating) => rating.score));
    // Another region sees none of them, nor counts them.
    expect((await supervision.evaluations({ regionPrefix: '3205' })).items).toEqual([]);
    expect(await supervision.grades({ regionPrefix: '3205' })).toEqual([]);
    expect(await supervision.auditor('au-30', { regionPrefix: '3205' })).toBeUndefined();
  });

  it("counts no rating of a certification outside the region its evaluation was filed under (Suzhou's of a Nanjing audit)", async () => {
    certified(feed, { id: 'c40', issued: '2025-01-10', team: ['au-40'] });
    const rating = (score: number, filedUnder: string) =>
      clientRatings('c40', [{ auditorId: 'au-40', score }], at('2025-02-01'), filedUnder);
    feed.append([rating(4, '3201'), rating(5, ''), rating(1, '3205'), rating(1, '3205')]);
    await tickAt('2025-03-01T02:00:00Z');
    expect((await supervision.evaluations({ regionPrefix: '32' })).items.map((r) => r.score)).toEqual([4, 5]);
    expect((await supervision.auditor('au-40', { regionPrefix: '3201' }))!.ratings).toMatchObject({
      count: 2,
      mean: 4.5,
    });
  });

  it('finds the certifications a supervision event names by certificate number or credit code, saying how far it has read', async () => {
    certified(feed, { id: 'c41', issued: '2025-01-10', credit: '91320100MA1FFFFFF1', certNo: 'CERT-X-41' });
    certified(feed, { id: 'c42', issued: '2025-01-10', credit: '91320100MA1FFFFFF1' });
    await runner.catchUp();
    const position = feed.events.length;
    expect(await supervision.certificationsNamed({ certificateNo: 'CERT-X-41' })).toEqual({
      certificationIds: ['c41'],
      position,
    });
    expect(await supervision.certificationsNamed({ creditCode: '91320100MA1FFFFFF1' })).toEqual({
      certificationIds: ['c41', 'c42'],
      position,
    });
    expect(await supervision.certificationsNamed({ certificateNo: 'CERT-NONE' })).toEqual({
      certificationIds: [],
      position,
    });
  });

  it('counts open warnings by rule in SQL, past any page of them, within the region asked', async () => {
    await runner.catchUp(); // the tables
    const insert = (id: string, ruleId: string, region: string, clearedAt: string | null) =>
      store.transaction((tx) =>
        tx.run(
          `INSERT INTO sv_warnings (id, rule_id, kind, severity, agency_id, region_code, message, evidence, raised_at, raised_utc, cleared_at)
           VALUES (?, ?, 'k', 'high', 'CNCA-R-2002-001', ?, 'm', '[]', '2025-01-01T00:00:00+08:00', '2024-12-31T16:00:00.000Z', ?)`,
          [id, ruleId, region, clearedAt],
        ),
      );
    await store.transaction(async (tx) => {
      for (let i = 0; i < 1_005; i += 1)
        await tx.run(
          `INSERT INTO sv_warnings (id, rule_id, kind, severity, agency_id, region_code, message, evidence, raised_at, raised_utc)
           VALUES (?, 'W1', 'surveillance-overdue', 'high', 'CNCA-R-2002-001', '320106', 'm', '[]', '2025-01-01T00:00:00+08:00', '2024-12-31T16:00:00.000Z')`,
          [`W1:c-${i}:v1`],
        );
    });
    await insert('W2:a', 'W2', '320106', '2025-02-01T00:00:00+08:00');
    await insert('W3:a', 'W3', '330106', null);
    expect(await supervision.openWarningCounts({ regionPrefix: '32' })).toEqual({ W1: 1_005 });
    expect(await supervision.openWarningCounts({})).toEqual({ W1: 1_005, W3: 1 });
  });

  it("leaves the auditors' rows right when two evaluators write the same store, one of them from older facts", async () => {
    const c16 = certified(feed, { id: 'c16', issued: '2025-01-10', team: ['au-16'] });
    certified(feed, { id: 'c17', issued: '2025-01-10', team: ['au-17'] });
    let waiting: { reached: () => void; gate: Promise<void> } | undefined;
    const gated: ReadStore = {
      ...store,
      transaction: async (work) => {
        if (waiting) {
          waiting.reached();
          await waiting.gate;
        }
        return store.transaction(work);
      },
    };
    const older = createSupervision({ store: gated, clock: () => now });
    const newer = createSupervision({ store, clock: () => now });
    await runner.catchUp();
    await older.tick();
    await newer.tick();
    const reassign = (auditorId: string) =>
      feed.append(
        emit(c16, [
          'AuditTeamAssigned',
          { auditId: 'v1', kind: 'surveillance', members: [member(auditorId)] },
          at('2025-03-01'),
        ]),
      );
    reassign('au-18');
    await runner.catchUp();
    let open!: () => void;
    let reached!: () => void;
    const atGate = new Promise<void>((resolve) => (reached = resolve));
    waiting = { reached, gate: new Promise((resolve) => (open = resolve)) };
    // `older` reads au-18 and waits to write; meanwhile `newer` reads au-19 and writes it.
    const olderTick = older.tick();
    await atGate;
    waiting = undefined;
    reassign('au-19');
    await runner.catchUp();
    await newer.tick();
    open();
    await olderTick;
    // `older` wrote its au-18 over au-19; `newer` finds the mark of another write and rewrites all.
    await newer.tick();
    expect(
      (await store.all<{ auditor_id: string }>("SELECT auditor_id FROM sv_auditor_audits WHERE audit_id = 'v1'")).map(
        (r) => r.auditor_id,
      ),
    ).toEqual(['au-19']);
    await expectSameAsFromScratch();
  });

  describe('the memory between evaluations', () => {
    const config = defaultSupervisionConfig;
    /** The pure evaluation over every row the store holds now. */
    const fromScratch = async (): Promise<Evaluation> => {
      const certifications = (await store.all<{ facts: string }>('SELECT facts FROM sv_certifications'))
        .map((row) => JSON.parse(row.facts) as CertificationFacts)
        .sort((a, b) => (a.certificationId < b.certificationId ? -1 : a.certificationId > b.certificationId ? 1 : 0));
      const supervisionFacts = (
        await store.all<{ event_id: string; type: string; occurred_at: string; region_code: string; data: string }>(
          'SELECT event_id, type, occurred_at, region_code, data FROM sv_supervision ORDER BY position',
        )
      ).map((r) => ({
        eventId: r.event_id,
        type: r.type,
        occurredAt: r.occurred_at,
        regionCode: r.region_code,
        data: JSON.parse(r.data) as Record<string, unknown>,
      }));
      return evaluate({ certifications, supervision: supervisionFacts, now, config });
    };
    const evaluation = ({ warnings, auditorAudits, reporting }: Evaluation) => ({ warnings, auditorAudits, reporting });
    const changedIn = (result: RememberedEvaluation) => [...(result.auditorRowChanges ?? new Map()).keys()].sort();

    it('evaluates as from scratch through every kind of change, naming exactly the certifications whose auditor rows changed', async () => {
      certified(feed, { id: 'c20', issued: '2025-01-10', team: ['au-20'], credit: '91320100MA1CCCCCC3' });
      certified(feed, { id: 'c21', issued: '2025-01-10', team: ['au-20'] });
      const c22 = certified(feed, { id: 'c22', issued: '2025-01-20', team: ['au-22'] });
      await runner.catchUp();
      now = new Date('2025-03-01T02:00:00Z');
      const memory = createEvaluationMemory({ store, config });
      const first = await memory.evaluate(now);
      expect(evaluation(first)).toEqual(evaluation(await fromScratch()));
      expect(first).toMatchObject({ certifications: 3, checked: 3 });
      expect(first.auditorRowChanges).toBeUndefined();
      memory.committed('first');

      const team = (...auditorIds: string[]) =>
        feed.append(
          emit(c22, [
            'AuditTeamAssigned',
            { auditId: 'v1', kind: 'surveillance', members: auditorIds.map((id) => member(id)) },
            at('2025-03-01'),
          ]),
        );
      team('au-20', 'au-23');
      await runner.catchUp();
      const added = await memory.evaluate(now);
      expect(evaluation(added)).toEqual(evaluation(await fromScratch()));
      expect([added.checked, changedIn(added), added.writtenMark]).toEqual([1, ['c22'], 'first']);
      memory.committed('added');

      team('au-20');
      await runner.catchUp();
      const dropped = await memory.evaluate(now);
      expect(evaluation(dropped)).toEqual(evaluation(await fromScratch()));
      expect(changedIn(dropped)).toEqual(['c22']);
      expect(dropped.auditorRowChanges!.get('c22')!.map((row) => `${row.auditId}:${row.auditorId}`)).not.toContain(
        'v1:au-23',
      );
      memory.committed('dropped');

      // A regulator's spot check (a check across certifications), then its deadline passes on a new day.
      feed.append([
        regulatorEvent(
          'SpotCheckRecorded',
          { creditCode: '91320100MA1CCCCCC3', result: 'fail', checkedAt: '2025-03-01' },
          at('2025-03-01'),
        ),
      ]);
      await runner.catchUp();
      const spotChecked = await memory.evaluate(now);
      expect(evaluation(spotChecked)).toEqual(evaluation(await fromScratch()));
      expect([spotChecked.checked, changedIn(spotChecked)]).toEqual([0, []]);
      now = new Date('2025-04-15T02:00:00Z');
      const later = await memory.evaluate(now);
      expect(later.warnings.map((w) => w.ruleId)).toContain('W7');
      expect(evaluation(later)).toEqual(evaluation(await fromScratch()));
      expect([later.checked, changedIn(later)]).toEqual([3, []]);
    });

    it('reads again at once when the read model is rebuilt while it reads', async () => {
      certified(feed, { id: 'c24', issued: '2025-01-10' });
      certified(feed, { id: 'c25', issued: '2025-01-10' });
      await runner.catchUp();
      now = new Date('2025-03-01T02:00:00Z');
      let rebuildWhileReading = true;
      const rebuilding: ReadStore = {
        ...store,
        all: (async (sql: string, params?: readonly unknown[]) => {
          const rows = await store.all(sql, params as unknown[]);
          if (rebuildWhileReading && sql.includes('FROM sv_certifications')) {
            rebuildWhileReading = false;
            await runner.rebuild('supervision');
          }
          return rows;
        }) as ReadStore['all'],
      };
      const memory = createEvaluationMemory({ store: rebuilding, config });
      const during = await memory.evaluate(now);
      expect(rebuildWhileReading).toBe(false);
      expect(evaluation(during)).toEqual(evaluation(await fromScratch()));
      // Read again within that evaluation, in the new generation: nothing is left to read after it.
      expect(await memory.evaluate(now)).toMatchObject({ certifications: 2, checked: 0 });
    });
  });

  it('filters warnings by when they were raised and puts the newest first as instants, whatever offset their times have', async () => {
    /** A decision on surveillance v1 by a member of its team (W4, raised at the decision) at `decidedAt`. */
    const decidedByMember = (id: string, decidedAt: string) => {
      const b = certified(feed, { id, issued: '2025-01-10' });
      feed.append([
        b.event(
          'AuditTeamAssigned',
          { auditId: 'v1', kind: 'surveillance', members: [member('au-1')] },
          at('2025-02-20'),
        ),
        b.event(
          'CertificationDecided',
          { auditId: 'v1', decision: 'grant', decisionMaker: { personId: 'au-1', name: 'Auditor au-1' } },
          decidedAt,
        ),
      ]);
    };
    // 04:00 on 2 March in China; as text it sorts before c31's, which is 18:00Z on 1 March.
    decidedByMember('c30', '2025-03-01T20:00:00Z');
    decidedByMember('c31', '2025-03-02T02:00:00+08:00');
    await tickAt('2025-03-10T00:00:00Z');
    const raised = async (filter: { raisedFrom?: string; raisedTo?: string; mostUrgentFirst?: boolean }) =>
      (await supervision.warnings({ ruleId: 'W4', ...filter })).items.map((w) => w.certificationId);
    expect(await raised({ mostUrgentFirst: true })).toEqual(['c30', 'c31']);
    expect(await raised({ raisedFrom: '2025-03-02T00:00:00+08:00' })).toEqual(['c30', 'c31']);
    expect(await raised({ raisedFrom: '2025-03-02T03:00:00+08:00' })).toEqual(['c30']);
    expect(await raised({ raisedTo: '2025-03-01T19:00:00Z' })).toEqual(['c31']);
  });

  it('flags what the ledger rules refuse at intake (imported or pre-rule history): W3 remote recertification, W4 open major, W5, W6', async () => {
    supervision = createSupervision({
      store,
      clock: () => now,
      minimumAuditDays: ({ audit }) => (audit === 'initial' ? 10 : undefined),
    });
    const b = streamBuilder({ certificationId: 'c9', agencyId: 'CNCA-R-2002-001', regionCode: '320106' });
    feed.append(
      emit(
        b,
        [
          'ApplicationSubmitted',
          {
            client: {
              name: 'Client c9',
              creditCode: '91320100MA1DDDDDD4',
              regionCode: '320106',
              address: 'Gulou 9',
              employees: 120,
            },
            scheme: 'QMS',
            standard: 'ISO 9001:2015',
            scope: 'Valves',
            sectors: [18],
            managementSystem: { operatingSince: '2024-12-01', lastInternalAudit: '2024-12-20' },
          },
          at('2025-01-10'),
        ],
        ['ApplicationReviewed', { outcome: 'accepted' }, at('2025-01-11')],
        ['AuditTeamAssigned', { auditId: 's2', kind: 'stage2', members: [member('au-1')] }, at('2025-01-12')],
        [
          'AuditPlanned',
          { auditId: 's2', mode: 'mixed', start: '2025-02-01', end: '2025-02-02', auditDays: 4, onsiteDays: 2 },
          at('2025-01-13'),
        ],
        [
          'AuditConducted',
          {
            auditId: 's2',
            start: '2025-02-01',
            end: '2025-02-02',
            checkIns: [
              { auditorId: 'au-1', kind: 'in', at: at('2025-02-01'), ...NANJING },
              { auditorId: 'au-1', kind: 'out', at: at('2025-02-02', '17:00:00'), ...NANJING },
            ],
          },
          at('2025-02-02', '18:00:00'),
        ],
        [
          'FindingRaised',
          { auditId: 's2', findingId: 'f1', grade: 'major', clause: '8.5', description: 'x' },
          at('2025-02-02', '19:00:00'),
        ],
        [
          'AuditReportSubmitted',
          { auditId: 's2', reportSha256: 'c'.repeat(64), recommendation: 'grant' },
          at('2025-02-05'),
        ],
        [
          'CertificationDecided',
          { auditId: 's2', decision: 'grant', decisionMaker: { personId: 'dm-1', name: 'D' } },
          at('2025-02-06'),
        ],
        [
          'CertificateIssued',
          {
            certificateNo: 'CERT-c9',
            issuedAt: '2025-02-07',
            validUntil: '2028-02-06',
            scope: 'Valves',
            sectors: [18],
          },
          at('2025-02-07'),
        ],
        ['AuditTeamAssigned', { auditId: 'r1', kind: 'recertification', members: [member('au-1')] }, at('2025-03-01')],
        [
          'AuditPlanned',
          { auditId: 'r1', mode: 'remote', start: '2025-03-20', end: '2025-03-20', auditDays: 1, onsiteDays: 0 },
          at('2025-03-02'),
        ],
      ),
    );
    await tickAt('2025-03-10T00:00:00Z');
    expect(await kindsOf(supervision, 'c9')).toEqual([
      'W3:recertification-remote',
      'W4:grant-with-open-major',
      'W5:audit-time-below-md5',
      'W5:onsite-share-low',
      'W5:onsite-share-low',
      'W6:accepted-despite-precondition',
    ]);
    const [w6] = (await supervision.warnings({ certificationId: 'c9', ruleId: 'W6' })).items;
    expect(w6?.message).toMatch(/no management review/);
  });
});
