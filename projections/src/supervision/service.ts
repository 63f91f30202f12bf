import type { Logger } from 'pino';
import { randomUUID } from 'node:crypto';
import { utcOf } from '../instants';
import { chinaDayAt } from '../chinaCalendar';
import { effectiveStatus } from '../queries';
import type { Dialect, ReadStore, SqlExecutor } from '../store/port';
import { defaultSupervisionConfig, type SupervisionConfig } from './config';
import type { AuditorAuditRow, MinimumAuditDays } from './evaluate';
import { createEvaluationMemory, type RememberedEvaluation } from './evaluationMemory';
import { GENERATION_KEY, REPLAY_TO_KEY } from './model';
import { latestIssues, statusOf, type CertificationFacts } from './facts';
import { gradeAgency, type AgencyGrade } from './grading';
import { WARNING_RULES, type Severity, type Warning } from './rules';

export interface SupervisionOptions {
  readonly store: ReadStore;
  /** The clock the time-based checks read; injectable for tests. */
  readonly clock?: () => Date;
  readonly config?: SupervisionConfig;
  /** IAF MD5 minimum days for W5 (the ledger service passes its calculator); without it W5 checks only the on-site share. */
  readonly minimumAuditDays?: MinimumAuditDays;
  readonly logger?: Logger;
  /** ensureFresh() re-evaluates at least this often even without new events (time-based checks). Default 60 s. */
  readonly maxStalenessMs?: number;
  /** ensureFresh() re-evaluates for new events at most this often (a busy log does not re-evaluate per request). Default 5 s. */
  readonly minIntervalMs?: number;
}

/** Who asks: a region prefix limits everything to that jurisdiction; undefined means all (admin). */
export interface Scope {
  readonly regionPrefix?: string;
}

/** Most severe first, then the most recently raised (WarningFilter.mostUrgentFirst). */
const URGENCY_ORDER = "CASE severity WHEN 'high' THEN 0 WHEN 'medium' THEN 1 ELSE 2 END, raised_utc DESC, id";

export interface WarningFilter extends Scope {
  readonly ruleId?: string;
  readonly kind?: string;
  readonly severity?: Severity;
  readonly agencyId?: string;
  readonly certificationId?: string;
  readonly creditCode?: string;
  readonly auditorId?: string;
  /** 'open' (default), 'cleared' or 'all'. */
  readonly state?: 'open' | 'cleared' | 'all';
  /** Raised at or after this instant (ISO 8601 with any offset). */
  readonly raisedFrom?: string;
  /** Raised before this instant (ISO 8601 with any offset). */
  readonly raisedTo?: string;
  readonly limit?: number;
  /** The id of the last warning of the previous page. */
  readonly after?: string;
  /**
   * Most severe first, then the most recently raised: one page for people to read, without a
   * cursor (`next` then only says that more match).
   */
  readonly mostUrgentFirst?: boolean;
}

export interface TickResult {
  readonly evaluatedAt: string;
  readonly open: number;
  readonly raised: number;
  readonly cleared: number;
  readonly certifications: number;
  /** Certifications whose own checks ran again (the others' outcomes were kept from an earlier tick). */
  readonly checked: number;
  /**
   * Set when the read model was replaying the log from the start (a rebuild, a new read store):
   * nothing was evaluated or recorded, as facts part-way through the log would raise and clear
   * warnings that never were.
   */
  readonly replaying?: { readonly position: number; readonly to: number };
}

export interface AuditorSummary {
  readonly auditorId: string;
  readonly name: string;
  readonly audits: number;
  readonly openWarnings: number;
}

export interface AuditorDetail {
  readonly auditorId: string;
  readonly name: string;
  readonly registrationNos: readonly string[];
  readonly audits: readonly AuditorAuditRow[];
  readonly warnings: readonly Warning[];
  readonly ratings: {
    readonly count: number;
    readonly mean: number | null;
    readonly byRole: Readonly<Record<string, { count: number; mean: number }>>;
  };
}

export interface EvaluationRow {
  readonly eventId: string;
  readonly certificationId: string;
  readonly auditId: string;
  readonly evaluatorRole: string;
  readonly auditorId: string;
  readonly score: number;
  readonly comment?: string;
  readonly occurredAt: string;
  readonly agencyId: string;
  readonly regionCode: string;
}

export interface EvaluationFilter extends Scope {
  readonly auditorId?: string;
  readonly certificationId?: string;
  readonly agencyId?: string;
  /** 1..1000, default 100. */
  readonly limit?: number;
  /** A cursor from `next` (parseEvaluationCursor). */
  readonly after?: EvaluationCursor;
}

/** Where a page of ratings ended: its last rating's evaluation (log position) and place in it. */
export interface EvaluationCursor {
  readonly position: number;
  readonly idx: number;
}

const evaluationCursorOf = (c: EvaluationCursor): string =>
  Buffer.from(JSON.stringify([c.position, c.idx])).toString('base64url');

/** The cursor `next` gave out, or undefined when `value` is not one. */
export function parseEvaluationCursor(value: string): EvaluationCursor | undefined {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
    if (!Array.isArray(parsed) || parsed.length !== 2 || !parsed.every((n) => Number.isSafeInteger(n) && n >= 0))
      return undefined;
    const [position, idx] = parsed as [number, number];
    return { position, idx };
  } catch {
    return undefined;
  }
}

export interface EnterpriseProfile {
  readonly creditCode: string;
  readonly name: string;
  readonly certificates: ReadonlyArray<{
    certificateNo: string;
    certificationId: string;
    /** The CB that issued the certificate: after a transfer, not the accepting CB (IAF MD2). */
    agencyId: string;
    scheme: string;
    standard: string;
    issuedAt: string;
    validUntil: string;
    status: string;
    /** The newer certificate of the same certification that replaced this one: it is no longer in force. */
    supersededBy?: string;
    regionCode: string;
  }>;
  readonly spotChecks: ReadonlyArray<{
    eventId: string;
    result: string;
    checkedAt: string;
    authority?: string;
    summary?: string;
    certificateNo?: string;
  }>;
  readonly complaints: ReadonlyArray<{
    eventId: string;
    receivedAt: string;
    subject: string;
    substantiated: boolean;
    agencyId?: string;
    certificateNo?: string;
  }>;
  readonly openWarnings: readonly Warning[];
  /** A plain summary for the data-quality view: counts that regulators compare across clients. */
  readonly summary: {
    readonly validCertificates: number;
    readonly failedSpotChecks: number;
    readonly substantiatedComplaints: number;
    readonly openWarnings: number;
  };
}

/**
 * What a certified enterprise reads of its own profile: its certificates, the dates and results of
 * its spot checks, and how many complaints were recorded (and substantiated). Never the complaints'
 * subjects (a complainant's name and phone), the regulators' notes, nor the warnings (regulator-internal,
 * and W8 concerns other clients' audits).
 */
export interface EnterpriseOwnProfile {
  readonly creditCode: string;
  readonly name: string;
  readonly certificates: EnterpriseProfile['certificates'];
  readonly spotChecks: ReadonlyArray<{ checkedAt: string; result: string; certificateNo?: string }>;
  readonly complaints: { readonly received: number; readonly substantiated: number };
  readonly summary: {
    readonly validCertificates: number;
    readonly failedSpotChecks: number;
    readonly substantiatedComplaints: number;
  };
}

/** The enterprise's own view of its (unscoped) profile; see EnterpriseOwnProfile. */
export function enterpriseOwnProfile(profile: EnterpriseProfile): EnterpriseOwnProfile {
  const { validCertificates, failedSpotChecks, substantiatedComplaints } = profile.summary;
  return {
    creditCode: profile.creditCode,
    name: profile.name,
    certificates: profile.certificates,
    spotChecks: profile.spotChecks.map((s) => ({
      checkedAt: s.checkedAt,
      result: s.result,
      ...(s.certificateNo ? { certificateNo: s.certificateNo } : {}),
    })),
    complaints: { received: profile.complaints.length, substantiated: substantiatedComplaints },
    summary: { validCertificates, failedSpotChecks, substantiatedComplaints },
  };
}

/** What a supervision event may name a certification by, besides its id. */
export type NamedSubject = { readonly certificateNo: string } | { readonly creditCode: string };

export interface Supervision {
  /** Re-evaluates every check as of `now` (default: the clock) and records raised and cleared warnings. */
  tick(now?: Date): Promise<TickResult>;
  /** Ticks when new events were projected since the last tick or the last one is older than maxStalenessMs. */
  ensureFresh(): Promise<void>;
  /** When the checks were last evaluated (ISO 8601), undefined before the first evaluation. */
  evaluatedAt(): Promise<string | undefined>;
  /** Re-evaluates every `intervalMs` until stop(). */
  start(intervalMs?: number): void;
  stop(): void;
  warnings(filter: WarningFilter): Promise<{ items: Warning[]; next?: string }>;
  /** Auditors by id, a page at a time (`next`: the cursor of the page after, the last id). */
  auditors(filter: Scope & { limit?: number; after?: string }): Promise<{ items: AuditorSummary[]; next?: string }>;
  /** Open warnings in scope by rule id (rules with none are left out). */
  openWarningCounts(scope: Scope): Promise<Readonly<Record<string, number>>>;
  auditor(auditorId: string, scope: Scope): Promise<AuditorDetail | undefined>;
  /** Ratings in the order the ledger recorded them, a page at a time (`next`: the cursor of the page after). */
  evaluations(filter: EvaluationFilter): Promise<{ items: EvaluationRow[]; next?: string }>;
  grades(scope: Scope, now?: Date): Promise<AgencyGrade[]>;
  /**
   * The certifications a supervision event names by a certificate number or a client's credit code,
   * as far as the read model has read the log: `position`, the last log position it projected.
   */
  certificationsNamed(subject: NamedSubject): Promise<{ certificationIds: string[]; position: number }>;
  /** The enterprise's certificates with their status on `now`'s day in China (default: the clock), as the public answer gives it. */
  enterprise(creditCode: string, scope: Scope, now?: Date): Promise<EnterpriseProfile | undefined>;
}

interface WarningRow {
  id: string;
  rule_id: string;
  rule: string | null;
  kind: string;
  severity: string;
  agency_id: string;
  region_code: string;
  certification_id: string | null;
  certificate_no: string | null;
  credit_code: string | null;
  auditor_id: string | null;
  message: string;
  evidence: string;
  raised_at: string;
  cleared_at: string | null;
}

const toWarning = (r: WarningRow): Warning => ({
  id: r.id,
  ruleId: r.rule_id,
  ...(r.rule ? { rule: r.rule } : {}),
  kind: r.kind,
  severity: r.severity as Severity,
  agencyId: r.agency_id,
  regionCode: r.region_code,
  ...(r.certification_id ? { certificationId: r.certification_id } : {}),
  ...(r.certificate_no ? { certificateNo: r.certificate_no } : {}),
  ...(r.credit_code ? { creditCode: r.credit_code } : {}),
  ...(r.auditor_id ? { auditorId: r.auditor_id } : {}),
  message: r.message,
  evidence: JSON.parse(r.evidence) as string[],
  raisedAt: r.raised_at,
  ...(r.cleared_at ? { clearedAt: r.cleared_at } : {}),
});

/** A page of a list: 1..1000 items, 100 unless asked. */
const pageSize = (limit: number | undefined): number => Math.min(Math.max(limit ?? 100, 1), 1000);

/** The page from `limit + 1` rows read: the first `limit`, and the cursor after them when there was one more. */
function pageOf<Row, Item>(
  rows: readonly Row[],
  limit: number,
  cursorOf: (row: Row) => string,
  itemOf: (row: Row) => Item,
): { items: Item[]; next?: string } {
  const page = rows.slice(0, limit);
  const items = page.map(itemOf);
  return rows.length > limit ? { items, next: cursorOf(page.at(-1)!) } : { items };
}

/**
 * A rating counts only for a certification in the region its evaluation was filed under (the
 * writer's; an admin's, '', covers all): one regulator's ratings of another region's audits, which
 * the ledger took before it checked, rate nobody.
 */
const RATED_IN_FILING = 'substr(c.region_code, 1, length(e.filing_region)) = e.filing_region';

/**
 * Ratings joined with their certification (c) and audit (a): a rating counts for the CB that ran
 * the audit, which after a transfer is not the certification's CB now; the certification's CB only
 * for a rating of an audit the ledger does not hold.
 */
const RATINGS_FROM = `sv_evaluations e JOIN sv_certifications c ON c.certification_id = e.certification_id
  LEFT JOIN sv_audits a ON a.certification_id = e.certification_id AND a.audit_id = e.audit_id`;
const RATED_AGENCY = 'COALESCE(a.agency_id, c.agency_id)';

/** `region_code LIKE prefix%` with the prefix escaped (it is digits, but never trust input). */
const regionClause = (scope: Scope, column = 'region_code'): { sql: string; params: unknown[] } =>
  scope.regionPrefix === undefined
    ? { sql: '1 = 1', params: [] }
    : { sql: `${column} LIKE ?`, params: [`${scope.regionPrefix.replace(/[^0-9]/g, '')}%`] };

/** The sv_meta key of the mark each evaluation's write of the auditors' audit rows leaves. */
const AUDITOR_ROWS_MARK = 'auditorRows';

/**
 * The auditors' audit rows: only those of the certifications that changed, when the store still
 * holds what this evaluator wrote last (its mark, in a model not rebuilt since); all of them
 * otherwise, as after another evaluator's write. Returns the mark of this write, or undefined when
 * the read model was rebuilt since the facts were read (the rows are complete, but of facts replaced).
 */
async function writeAuditorAudits(
  tx: SqlExecutor,
  dialect: Dialect,
  result: RememberedEvaluation,
): Promise<string | undefined> {
  await tx.run('INSERT INTO sv_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING', [AUDITOR_ROWS_MARK, '']);
  // On PostgreSQL the row lock orders two evaluators' writes (SQLite has one writer at a time).
  const mark = await tx.get<{ value: string }>(
    `SELECT value FROM sv_meta WHERE key = ?${dialect === 'postgres' ? ' FOR UPDATE' : ''}`,
    [AUDITOR_ROWS_MARK],
  );
  const generation = await tx.get<{ value: string }>('SELECT value FROM sv_meta WHERE key = ?', [GENERATION_KEY]);
  const sameGeneration = generation?.value === result.generation;
  const changes =
    sameGeneration && result.writtenMark !== undefined && mark?.value === result.writtenMark
      ? result.auditorRowChanges
      : undefined;
  const insert = (row: AuditorAuditRow) =>
    tx.run(
      'INSERT INTO sv_auditor_audits (auditor_id, certification_id, audit_id, region_code, row_data, start_date) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING',
      [
        row.auditorId,
        row.certificationId,
        row.auditId,
        row.regionCode,
        JSON.stringify(row),
        row.start ?? row.plannedStart ?? null,
      ],
    );
  if (changes === undefined) {
    await tx.run('DELETE FROM sv_auditor_audits');
    for (const row of result.auditorAudits) await insert(row);
  } else {
    for (const [certificationId, rows] of changes) {
      await tx.run('DELETE FROM sv_auditor_audits WHERE certification_id = ?', [certificationId]);
      for (const row of rows) await insert(row);
    }
  }
  const written = randomUUID();
  await tx.run('UPDATE sv_meta SET value = ? WHERE key = ?', [written, AUDITOR_ROWS_MARK]);
  return sameGeneration ? written : undefined;
}

export function createSupervision(options: SupervisionOptions): Supervision {
  const { store } = options;
  const clock = options.clock ?? (() => new Date());
  const config = options.config ?? defaultSupervisionConfig;
  const maxStalenessMs = options.maxStalenessMs ?? 60_000;
  const minIntervalMs = options.minIntervalMs ?? 5_000;
  let timer: NodeJS.Timeout | undefined;
  let ticking: Promise<TickResult> | undefined;

  const memory = createEvaluationMemory({
    store,
    config,
    ...(options.minimumAuditDays ? { minimumAuditDays: options.minimumAuditDays } : {}),
  });

  const projectedPosition = async (): Promise<number> => {
    const row = await store
      .get<{ position: number }>("SELECT position FROM projection_checkpoints WHERE model = 'supervision'")
      .catch(() => undefined);
    return row ? Number(row.position) : 0;
  };

  const runTick = async (now: Date): Promise<TickResult> => {
    try {
      return await evaluateAndRecord(now);
    } catch (error) {
      memory.forget();
      throw error;
    }
  };

  const evaluateAndRecord = async (now: Date): Promise<TickResult> => {
    const started = performance.now();
    const position = await projectedPosition();
    const replayTo = Number((await meta(REPLAY_TO_KEY)) ?? 0);
    if (position < replayTo) {
      options.logger?.info({ position, replayTo }, 'supervision read model replaying the log: evaluation waits');
      const nothing = { open: 0, raised: 0, cleared: 0, certifications: 0, checked: 0 };
      return { evaluatedAt: now.toISOString(), ...nothing, replaying: { position, to: replayTo } };
    }
    const result = await memory.evaluate(now);
    const evaluatedAt = now.toISOString();
    let raised = 0;
    let cleared = 0;
    let written: string | undefined;
    await store.transaction(async (tx) => {
      // First: on PostgreSQL its row lock makes a second evaluator's transaction wait for this one.
      written = await writeAuditorAudits(tx, store.dialect, result);
      const stored = new Map(
        (
          await tx.all<{ id: string; cleared_at: string | null; agency_id: string }>(
            'SELECT id, cleared_at, agency_id FROM sv_warnings',
          )
        ).map((r) => [r.id, r]),
      );
      const seen = new Set<string>();
      for (const w of result.warnings) {
        if (seen.has(w.id)) continue;
        seen.add(w.id);
        const row = stored.get(w.id);
        const before = row?.cleared_at;
        if (before === undefined && !w.clearedAt) raised += 1;
        if (before === null && w.clearedAt) cleared += 1;
        // Rewritten when its state changed, or the CB answerable (a transfer recorded late, dated before it).
        if (row && before === (w.clearedAt ?? null) && row.agency_id === w.agencyId) continue;
        await tx.run(
          `INSERT INTO sv_warnings (id, rule_id, rule, kind, severity, agency_id, region_code, certification_id, certificate_no, credit_code, auditor_id, message, evidence, raised_at, raised_utc, cleared_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (id) DO UPDATE SET message = excluded.message, evidence = excluded.evidence, agency_id = excluded.agency_id,
             raised_at = excluded.raised_at, raised_utc = excluded.raised_utc, cleared_at = excluded.cleared_at`,
          [
            w.id,
            w.ruleId,
            w.rule ?? null,
            w.kind,
            w.severity,
            w.agencyId,
            w.regionCode,
            w.certificationId ?? null,
            w.certificateNo ?? null,
            w.creditCode ?? null,
            w.auditorId ?? null,
            w.message,
            JSON.stringify(w.evidence),
            w.raisedAt,
            utcOf(w.raisedAt),
            w.clearedAt ?? null,
          ],
        );
      }
      for (const [id, { cleared_at: clearedAt }] of stored) {
        if (clearedAt === null && !seen.has(id)) {
          await tx.run('UPDATE sv_warnings SET cleared_at = ? WHERE id = ?', [evaluatedAt, id]);
          cleared += 1;
        }
      }
      await tx.run('DELETE FROM sv_reporting');
      for (const t of result.reporting) {
        await tx.run('INSERT INTO sv_reporting (agency_id, region_code, due, on_time) VALUES (?, ?, ?, ?)', [
          t.agencyId,
          t.regionCode,
          t.due,
          t.onTime,
        ]);
      }
      for (const [key, value] of [
        ['evaluatedAt', evaluatedAt],
        ['position', String(position)],
        ['wallClock', new Date().toISOString()],
      ]) {
        await tx.run(
          'INSERT INTO sv_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
          [key, value],
        );
      }
    });
    // Facts read before a rebuild are not kept past it: the next tick reads everything again.
    if (written === undefined) memory.forget();
    else memory.committed(written);
    const open = result.warnings.filter((w) => !w.clearedAt).length;
    options.logger?.info(
      {
        open,
        raised,
        cleared,
        certifications: result.certifications,
        checked: result.checked,
        loadMs: Math.round(result.loadMs),
        ms: Math.round(performance.now() - started),
      },
      'supervision evaluated',
    );
    return { evaluatedAt, open, raised, cleared, certifications: result.certifications, checked: result.checked };
  };

  const tick = (now: Date = clock()): Promise<TickResult> => {
    const previous = ticking ?? Promise.resolve(undefined);
    const next = previous.catch(() => undefined).then(() => runTick(now));
    ticking = next;
    return next;
  };

  const meta = async (key: string): Promise<string | undefined> =>
    (await store.get<{ value: string }>('SELECT value FROM sv_meta WHERE key = ?', [key]).catch(() => undefined))
      ?.value;

  const ensureFresh = async (): Promise<void> => {
    const [position, lastPosition, wallClock] = await Promise.all([
      projectedPosition(),
      meta('position'),
      meta('wallClock'),
    ]);
    const age = wallClock === undefined ? Infinity : Date.now() - new Date(wallClock).getTime();
    if (age > maxStalenessMs || (String(position) !== lastPosition && age > minIntervalMs)) await tick();
  };

  const warnings = async (filter: WarningFilter): Promise<{ items: Warning[]; next?: string }> => {
    const where: string[] = [];
    const params: unknown[] = [];
    const region = regionClause(filter);
    where.push(region.sql);
    params.push(...region.params);
    const eq = (column: string, value: string | undefined) => {
      if (value !== undefined) {
        where.push(`${column} = ?`);
        params.push(value);
      }
    };
    eq('rule_id', filter.ruleId);
    eq('kind', filter.kind);
    eq('severity', filter.severity);
    eq('agency_id', filter.agencyId);
    eq('certification_id', filter.certificationId);
    eq('credit_code', filter.creditCode);
    eq('auditor_id', filter.auditorId);
    const state = filter.state ?? 'open';
    if (state === 'open') where.push('cleared_at IS NULL');
    if (state === 'cleared') where.push('cleared_at IS NOT NULL');
    if (filter.raisedFrom) {
      where.push('raised_utc >= ?');
      params.push(utcOf(filter.raisedFrom));
    }
    if (filter.raisedTo) {
      where.push('raised_utc < ?');
      params.push(utcOf(filter.raisedTo));
    }
    if (filter.after) {
      where.push('id > ?');
      params.push(filter.after);
    }
    const limit = pageSize(filter.limit);
    const rows = await store.all<WarningRow>(
      `SELECT * FROM sv_warnings WHERE ${where.join(' AND ')} ORDER BY ${filter.mostUrgentFirst ? URGENCY_ORDER : 'id'} LIMIT ?`,
      [...params, limit + 1],
    );
    return pageOf(rows, limit, (r) => r.id, toWarning);
  };

  const allWarnings = async (scope: Scope, extra = '1 = 1', extraParams: unknown[] = []): Promise<Warning[]> => {
    const region = regionClause(scope);
    return (
      await store.all<WarningRow>(`SELECT * FROM sv_warnings WHERE ${region.sql} AND ${extra} ORDER BY id`, [
        ...region.params,
        ...extraParams,
      ])
    ).map(toWarning);
  };

  /** Every rating in scope (of one auditor, if given), counted and summed per CB or per evaluator's role. */
  const ratingTotals = async (
    scope: Scope,
    by: typeof RATED_AGENCY | 'e.evaluator_role',
    auditorId?: string,
  ): Promise<Map<string, { count: number; total: number }>> => {
    const region = regionClause(scope, 'c.region_code');
    const rows = await store.all<{ key: string; n: number; total: number }>(
      `SELECT ${by} AS key, COUNT(*) AS n, SUM(e.score) AS total FROM ${RATINGS_FROM}
       WHERE ${region.sql} AND ${RATED_IN_FILING}${auditorId === undefined ? '' : ' AND e.auditor_id = ?'} GROUP BY ${by} ORDER BY ${by}`,
      [...region.params, ...(auditorId === undefined ? [] : [auditorId])],
    );
    return new Map(rows.map((r) => [r.key, { count: Number(r.n), total: Number(r.total) }]));
  };

  const evaluations: Supervision['evaluations'] = async (filter) => {
    const region = regionClause(filter, 'c.region_code');
    const where = [region.sql, RATED_IN_FILING];
    const params = [...region.params];
    if (filter.auditorId) {
      where.push('e.auditor_id = ?');
      params.push(filter.auditorId);
    }
    if (filter.certificationId) {
      where.push('e.certification_id = ?');
      params.push(filter.certificationId);
    }
    if (filter.agencyId) {
      where.push(`${RATED_AGENCY} = ?`);
      params.push(filter.agencyId);
    }
    if (filter.after) {
      where.push('(e.position, e.idx) > (?, ?)');
      params.push(filter.after.position, filter.after.idx);
    }
    const limit = pageSize(filter.limit);
    const rows = await store.all<{
      event_id: string;
      certification_id: string;
      audit_id: string;
      evaluator_role: string;
      auditor_id: string;
      score: number;
      comment: string | null;
      occurred_at: string;
      position: number;
      idx: number;
      agency_id: string;
      region_code: string;
    }>(
      `SELECT e.event_id, e.certification_id, e.audit_id, e.evaluator_role, e.auditor_id, e.score, e.comment, e.occurred_at,
         e.position, e.idx, ${RATED_AGENCY} AS agency_id, c.region_code FROM ${RATINGS_FROM}
       WHERE ${where.join(' AND ')} ORDER BY e.position, e.idx LIMIT ?`,
      [...params, limit + 1],
    );
    return pageOf(
      rows,
      limit,
      (r) => evaluationCursorOf({ position: Number(r.position), idx: Number(r.idx) }),
      (r) => ({
        eventId: r.event_id,
        certificationId: r.certification_id,
        auditId: r.audit_id,
        evaluatorRole: r.evaluator_role,
        auditorId: r.auditor_id,
        score: Number(r.score),
        ...(r.comment ? { comment: r.comment } : {}),
        occurredAt: r.occurred_at,
        agencyId: r.agency_id,
        regionCode: r.region_code,
      }),
    );
  };

  return {
    tick,
    ensureFresh,
    evaluatedAt: () => meta('evaluatedAt'),
    start(intervalMs = 60_000) {
      if (timer) return;
      timer = setInterval(() => {
        tick().catch((error: unknown) => options.logger?.error({ err: error }, 'supervision evaluation failed'));
      }, intervalMs);
      timer.unref();
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
    },
    warnings,
    auditors: async (filter) => {
      const region = regionClause(filter);
      const limit = pageSize(filter.limit);
      const after = filter.after === undefined ? '' : ' AND auditor_id > ?';
      const rows = await store.all<{ auditor_id: string; row_data: string; n: number }>(
        `SELECT auditor_id, MIN(row_data) AS row_data, COUNT(*) AS n FROM sv_auditor_audits WHERE ${region.sql}${after}
         GROUP BY auditor_id ORDER BY auditor_id LIMIT ?`,
        [...region.params, ...(filter.after === undefined ? [] : [filter.after]), limit + 1],
      );
      const page = rows.slice(0, limit);
      if (page.length === 0) return { items: [] };
      const ids = page.map((r) => r.auditor_id);
      const open = await store.all<{ auditor_id: string; n: number }>(
        `SELECT auditor_id, COUNT(*) AS n FROM sv_warnings
         WHERE auditor_id IN (${ids.map(() => '?').join(', ')}) AND ${region.sql} AND cleared_at IS NULL GROUP BY auditor_id`,
        [...ids, ...region.params],
      );
      const openBy = new Map(open.map((r) => [r.auditor_id, Number(r.n)]));
      return pageOf(
        rows,
        limit,
        (r) => r.auditor_id,
        (r) => ({
          auditorId: r.auditor_id,
          name: (JSON.parse(r.row_data) as AuditorAuditRow).name,
          audits: Number(r.n),
          openWarnings: openBy.get(r.auditor_id) ?? 0,
        }),
      );
    },
    openWarningCounts: async (scope) => {
      const region = regionClause(scope);
      const rows = await store.all<{ rule_id: string; n: number }>(
        `SELECT rule_id, COUNT(*) AS n FROM sv_warnings WHERE ${region.sql} AND cleared_at IS NULL GROUP BY rule_id`,
        region.params,
      );
      return Object.fromEntries(rows.map((r) => [r.rule_id, Number(r.n)]));
    },
    auditor: async (auditorId, scope) => {
      const region = regionClause(scope);
      const rows = await store.all<{ row_data: string }>(
        `SELECT row_data FROM sv_auditor_audits WHERE auditor_id = ? AND ${region.sql} ORDER BY start_date, certification_id, audit_id`,
        [auditorId, ...region.params],
      );
      if (rows.length === 0) return undefined;
      const audits = rows.map((r) => JSON.parse(r.row_data) as AuditorAuditRow);
      const rated = await ratingTotals(scope, 'e.evaluator_role', auditorId);
      const byRole: Record<string, { count: number; mean: number }> = {};
      for (const [role, r] of rated) byRole[role] = { count: r.count, mean: r.total / r.count };
      const count = [...rated.values()].reduce((sum, r) => sum + r.count, 0);
      const total = [...rated.values()].reduce((sum, r) => sum + r.total, 0);
      return {
        auditorId,
        name: audits[0]!.name,
        registrationNos: [...new Set(audits.flatMap((a) => (a.registrationNo ? [a.registrationNo] : [])))],
        audits,
        warnings: await allWarnings(scope, 'auditor_id = ?', [auditorId]),
        ratings: { count, mean: count > 0 ? total / count : null, byRole },
      };
    },
    evaluations,
    certificationsNamed: async (subject) => {
      const [sql, value] =
        'certificateNo' in subject
          ? ['SELECT certification_id FROM sv_certificates WHERE certificate_no = ?', subject.certificateNo]
          : ['SELECT certification_id FROM sv_certifications WHERE credit_code = ?', subject.creditCode];
      // The position first: the rows read after it are at least as new.
      const position = await projectedPosition();
      const rows = await store.all<{ certification_id: string }>(`${sql} ORDER BY certification_id`, [value]);
      return { certificationIds: rows.map((r) => r.certification_id), position };
    },
    grades: async (scope, now = clock()) => {
      const region = regionClause(scope);
      const agencies = await store.all<{ agency_id: string; n: number }>(
        `SELECT agency_id, COUNT(*) AS n FROM sv_certifications WHERE ${region.sql} GROUP BY agency_id ORDER BY agency_id`,
        region.params,
      );
      const all = await allWarnings(scope);
      const reporting = await store.all<{ agency_id: string; due: number; on_time: number }>(
        `SELECT agency_id, SUM(due) AS due, SUM(on_time) AS on_time FROM sv_reporting WHERE ${region.sql} GROUP BY agency_id`,
        region.params,
      );
      const ratings = await ratingTotals(scope, RATED_AGENCY);
      const held = new Map(agencies.map((r) => [r.agency_id, Number(r.n)]));
      // A CB answers for what it recorded, and for deadlines passed while it held a certification,
      // even once a transfer moved the certification away, so it is graded while any of it counts.
      const agencyIds = [
        ...new Set([
          ...held.keys(),
          ...all.map((w) => w.agencyId),
          ...reporting.map((r) => r.agency_id),
          ...ratings.keys(),
        ]),
      ].sort();
      return agencyIds
        .map((agencyId) => {
          const tally = reporting.find((r) => r.agency_id === agencyId);
          return gradeAgency({
            agencyId,
            warnings: all.filter((w) => w.agencyId === agencyId),
            certifications: held.get(agencyId) ?? 0,
            reporting: { due: Number(tally?.due ?? 0), onTime: Number(tally?.on_time ?? 0) },
            ratings: ratings.get(agencyId) ?? { count: 0, total: 0 },
            now,
          });
        })
        .filter((grade) => grade.certifications > 0 || grade.deductions.length > 0);
    },
    enterprise: async (creditCode, scope, now = clock()) => {
      const region = regionClause(scope);
      const certs = await store.all<{ facts: string }>(
        `SELECT facts FROM sv_certifications WHERE credit_code = ? AND ${region.sql} ORDER BY certification_id`,
        [creditCode, ...region.params],
      );
      if (certs.length === 0) return undefined;
      const facts = certs.map((r) => JSON.parse(r.facts) as CertificationFacts);
      // Spot checks and complaints of the caller's region only: a supervision event's region is its
      // writer's, as for reading its stream (GET /v1/events/{id}).
      const supervision = await store.all<{ event_id: string; type: string; data: string }>(
        `SELECT event_id, type, data FROM sv_supervision WHERE credit_code = ? AND ${region.sql} ORDER BY position`,
        [creditCode, ...region.params],
      );
      const today = chinaDayAt(now);
      const certificates = facts.flatMap((f) =>
        latestIssues(f.certificates).map(({ certificate: c, supersededBy }) => ({
          certificateNo: c.certificateNo,
          certificationId: f.certificationId,
          agencyId: c.agencyId,
          scheme: f.scheme,
          standard: f.standard,
          issuedAt: c.issuedAt,
          validUntil: c.validUntil,
          status: effectiveStatus(statusOf(c).status, c.validUntil, today),
          ...(supersededBy ? { supersededBy } : {}),
          regionCode: f.regionCode,
        })),
      );
      const parsed = supervision.map((s) => ({
        eventId: s.event_id,
        type: s.type,
        data: JSON.parse(s.data) as Record<string, unknown>,
      }));
      const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
      const spotChecks = parsed
        .filter((s) => s.type === 'SpotCheckRecorded')
        .map((s) => ({
          eventId: s.eventId,
          result: String(s.data.result),
          checkedAt: String(s.data.checkedAt),
          ...(str(s.data.authority) ? { authority: str(s.data.authority)! } : {}),
          ...(str(s.data.summary) ? { summary: str(s.data.summary)! } : {}),
          ...(str(s.data.certificateNo) ? { certificateNo: str(s.data.certificateNo)! } : {}),
        }));
      const complaints = parsed
        .filter((s) => s.type === 'ComplaintRecorded')
        .map((s) => ({
          eventId: s.eventId,
          receivedAt: String(s.data.receivedAt),
          subject: String(s.data.subject),
          substantiated: s.data.substantiated === true,
          ...(str(s.data.agencyId) ? { agencyId: str(s.data.agencyId)! } : {}),
          ...(str(s.data.certificateNo) ? { certificateNo: str(s.data.certificateNo)! } : {}),
        }));
      const openWarnings = await allWarnings(scope, 'credit_code = ? AND cleared_at IS NULL', [creditCode]);
      return {
        creditCode,
        name: facts[0]!.client.name,
        certificates,
        spotChecks,
        complaints,
        openWarnings,
        summary: {
          validCertificates: certificates.filter((c) => c.status === 'valid' && !c.supersededBy).length,
          failedSpotChecks: spotChecks.filter((s) => s.result === 'fail').length,
          substantiatedComplaints: complaints.filter((c) => c.substantiated).length,
          openWarnings: openWarnings.length,
        },
      };
    },
  };
}

export { WARNING_RULES };
