import { randomUUID } from 'node:crypto';
import type { ReadModel } from '../model';
import type { Dialect, SqlExecutor } from '../store/port';
import type { LogEvent } from '../types';
import { auditAgencyOf, emptyFacts, foldCertificationEvent, type CertificationFacts } from './facts';

/** The sv_meta key a reset of this model writes anew, so that an evaluation keeping facts in memory reads them all again. */
export const GENERATION_KEY = 'generation';
/** The sv_meta key of the log position a replay from the start ends at: evaluations wait for it. */
export const REPLAY_TO_KEY = 'replayTo';

/** Tables the evaluation (tick) rewrites; they belong to the model so a rebuild drops them too. */
export const DERIVED_TABLES = ['sv_warnings', 'sv_auditor_audits', 'sv_reporting', 'sv_meta'] as const;

const big = (dialect: Dialect): string => (dialect === 'postgres' ? 'BIGINT' : 'INTEGER');

/**
 * Supervision facts: one JSON fold per certification (what the checks need), the supervision
 * events regulators write (spot checks, complaints, withdrawal triggers, evaluations) and one row
 * per auditor rating. Warnings are derived from these by the clock-driven evaluation (service.ts).
 */
export const supervisionModel: ReadModel<LogEvent> = {
  name: 'supervision',
  // 2: the facts keep each certificate's scope and sectors, scope changes, the sectors each team
  // assignment had to cover and the certificate a transfer issued; a changed version makes the
  // runner drop these tables and replay the log, so stored facts are refolded.
  // 3: W8 auditor-overlap no longer names the other certification in its id and message; the
  // rebuild drops the stored warnings that did (a tick rewrites a warning only when its state changes).
  // 4: W8 is one warning per audit and auditor, with the number of audits overlapping it, not one per pair.
  // 5: ratings keep the log position of their evaluation, the order GET /v1/evaluations pages in.
  // 7: W13 needs the certificates' scopes to overlap (a shared IAF sector); the rebuild drops the
  // W13 warnings raised for different scopes, which a tick would only clear and keep counting in grades.
  // 8: a decision's open majors compare the closing time with the decision's as instants, not as
  // text (the facts are refolded); warnings keep raised_utc, the time they were raised in one form,
  // which the from/to filters and the newest-first order compare.
  // 9: sv_certificates finds the certifications of a certificate number (the write path's
  // jurisdiction check); ratings keep the region their evaluation was filed under.
  // 10: reports and what they report keep when the ledger recorded them (W10 report-recorded-after-due).
  // 11: each certificate keeps the CB that issued it and each status change the CB that recorded it:
  // a transfer moved a certificate, and the warnings on it, to the accepting CB (IAF MD2: it stays
  // with its issuer); the rebuild refolds the facts and drops the warnings filed under the wrong CB.
  // 12: warnings, reporting tallies, auditor rows and ratings count against the CB that recorded the
  // event they are about (or, for a deadline, that held the certification when it passed), not the
  // certification's CB now: the facts keep the CB of each audit step, decision, review and reportable
  // event; sv_audits keeps the CB that ran each audit (ratings); the rebuild refolds the facts and
  // drops the warnings and tallies filed under the accepting CB of a transfer.
  // 13: transfers keep when the ledger recorded them and reports the CB that recorded them: a W10
  // and a missed report go to the CB that could record the report by its due date (a transfer counts
  // once recorded), and a report made in time to the CB that made it; the rebuild refolds the facts.
  schemaVersion: 13,
  source: 'events',
  tables: ['sv_certifications', 'sv_certificates', 'sv_audits', 'sv_supervision', 'sv_evaluations', ...DERIVED_TABLES],
  ddl: (dialect) => [
    `CREATE TABLE IF NOT EXISTS sv_certifications (
      certification_id TEXT PRIMARY KEY,
      agency_id TEXT NOT NULL,
      region_code TEXT NOT NULL,
      credit_code TEXT NOT NULL,
      facts TEXT NOT NULL,
      position ${big(dialect)} NOT NULL
    )`,
    'CREATE INDEX IF NOT EXISTS sv_certifications_credit ON sv_certifications (credit_code)',
    // The evaluation reads the rows written since it last looked (evaluationMemory.ts).
    'CREATE INDEX IF NOT EXISTS sv_certifications_position ON sv_certifications (position)',
    // The certifications that issued each certificate number (a supervision event names a certificate).
    `CREATE TABLE IF NOT EXISTS sv_certificates (
      certificate_no TEXT NOT NULL,
      certification_id TEXT NOT NULL,
      PRIMARY KEY (certificate_no, certification_id)
    )`,
    // The CB that ran each audit (auditAgencyOf): the one its ratings count for.
    `CREATE TABLE IF NOT EXISTS sv_audits (
      certification_id TEXT NOT NULL,
      audit_id TEXT NOT NULL,
      agency_id TEXT NOT NULL,
      PRIMARY KEY (certification_id, audit_id)
    )`,
    `CREATE TABLE IF NOT EXISTS sv_supervision (
      event_id TEXT PRIMARY KEY,
      type TEXT NOT NULL,
      stream_id TEXT NOT NULL,
      region_code TEXT NOT NULL,
      credit_code TEXT,
      certificate_no TEXT,
      agency_id TEXT,
      occurred_at TEXT NOT NULL,
      data TEXT NOT NULL,
      position ${big(dialect)} NOT NULL
    )`,
    'CREATE INDEX IF NOT EXISTS sv_supervision_credit ON sv_supervision (credit_code)',
    'CREATE INDEX IF NOT EXISTS sv_supervision_position ON sv_supervision (position)',
    `CREATE TABLE IF NOT EXISTS sv_evaluations (
      event_id TEXT NOT NULL,
      idx INTEGER NOT NULL,
      certification_id TEXT NOT NULL,
      audit_id TEXT NOT NULL,
      evaluator_role TEXT NOT NULL,
      auditor_id TEXT NOT NULL,
      score INTEGER NOT NULL,
      comment TEXT,
      occurred_at TEXT NOT NULL,
      filing_region TEXT NOT NULL,
      position ${big(dialect)} NOT NULL,
      PRIMARY KEY (event_id, idx)
    )`,
    'CREATE INDEX IF NOT EXISTS sv_evaluations_auditor ON sv_evaluations (auditor_id)',
    'CREATE INDEX IF NOT EXISTS sv_evaluations_position ON sv_evaluations (position, idx)',
    `CREATE TABLE IF NOT EXISTS sv_warnings (
      id TEXT PRIMARY KEY,
      rule_id TEXT NOT NULL,
      rule TEXT,
      kind TEXT NOT NULL,
      severity TEXT NOT NULL,
      agency_id TEXT NOT NULL,
      region_code TEXT NOT NULL,
      certification_id TEXT,
      certificate_no TEXT,
      credit_code TEXT,
      auditor_id TEXT,
      message TEXT NOT NULL,
      evidence TEXT NOT NULL,
      raised_at TEXT NOT NULL,
      raised_utc TEXT NOT NULL,
      cleared_at TEXT
    )`,
    'CREATE INDEX IF NOT EXISTS sv_warnings_region ON sv_warnings (region_code, rule_id)',
    'CREATE INDEX IF NOT EXISTS sv_warnings_agency ON sv_warnings (agency_id)',
    'CREATE INDEX IF NOT EXISTS sv_warnings_auditor ON sv_warnings (auditor_id)',
    `CREATE TABLE IF NOT EXISTS sv_auditor_audits (
      auditor_id TEXT NOT NULL,
      certification_id TEXT NOT NULL,
      audit_id TEXT NOT NULL,
      region_code TEXT NOT NULL,
      row_data TEXT NOT NULL,
      start_date TEXT,
      PRIMARY KEY (auditor_id, certification_id, audit_id)
    )`,
    'CREATE INDEX IF NOT EXISTS sv_auditor_audits_certification ON sv_auditor_audits (certification_id)',
    `CREATE TABLE IF NOT EXISTS sv_reporting (
      agency_id TEXT NOT NULL,
      region_code TEXT NOT NULL,
      due ${big(dialect)} NOT NULL,
      on_time ${big(dialect)} NOT NULL,
      PRIMARY KEY (agency_id, region_code)
    )`,
    `CREATE TABLE IF NOT EXISTS sv_meta (
      key TEXT PRIMARY KEY,
      value TEXT NOT NULL
    )`,
  ],
  afterReset: async (tx, _dialect, replay) => {
    for (const [key, value] of [
      [GENERATION_KEY, randomUUID()],
      [REPLAY_TO_KEY, String(replay.to)],
    ])
      await tx.run(
        'INSERT INTO sv_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
        [key, value],
      );
  },
  apply: async (tx, events) => {
    const touched = new Map<string, CertificationFacts>();
    // What the rows of each certification touched held before the batch, taken before the fold
    // changes the facts in place: only what the batch changed is written again.
    const before = new Map<string, RowsOfFacts>();
    for (const event of events) {
      if (event.streamId.startsWith('supervision-')) await applySupervision(tx, event);
      else if (event.certificationId) {
        let facts = touched.get(event.certificationId);
        if (!facts) {
          const stored = await load(tx, event.certificationId);
          before.set(event.certificationId, rowsOf(stored));
          facts = stored ?? emptyFacts(event);
        }
        touched.set(event.certificationId, foldCertificationEvent(facts, event));
      }
    }
    for (const facts of touched.values()) {
      await tx.run(
        `INSERT INTO sv_certifications (certification_id, agency_id, region_code, credit_code, facts, position) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (certification_id) DO UPDATE SET agency_id = excluded.agency_id, region_code = excluded.region_code,
           credit_code = excluded.credit_code, facts = excluded.facts, position = excluded.position`,
        [
          facts.certificationId,
          facts.agencyId,
          facts.regionCode,
          facts.client.creditCode,
          JSON.stringify(facts),
          facts.lastPosition,
        ],
      );
      const { certificateNos, auditAgencies } = before.get(facts.certificationId)!;
      const after = rowsOf(facts);
      for (const certificateNo of after.certificateNos) {
        if (certificateNos.has(certificateNo)) continue;
        await tx.run(
          'INSERT INTO sv_certificates (certificate_no, certification_id) VALUES (?, ?) ON CONFLICT DO NOTHING',
          [certificateNo, facts.certificationId],
        );
      }
      for (const [auditId, agencyId] of after.auditAgencies) {
        if (auditAgencies.get(auditId) === agencyId) continue;
        await tx.run(
          `INSERT INTO sv_audits (certification_id, audit_id, agency_id) VALUES (?, ?, ?)
           ON CONFLICT (certification_id, audit_id) DO UPDATE SET agency_id = excluded.agency_id`,
          [facts.certificationId, auditId, agencyId],
        );
      }
    }
  },
};

/** What sv_certificates and sv_audits hold of a certification's facts: its certificate numbers, the CB that ran each audit. */
interface RowsOfFacts {
  readonly certificateNos: ReadonlySet<string>;
  readonly auditAgencies: ReadonlyMap<string, string>;
}

const rowsOf = (facts: CertificationFacts | undefined): RowsOfFacts => ({
  certificateNos: new Set((facts?.certificates ?? []).map((certificate) => certificate.certificateNo)),
  auditAgencies: new Map(Object.values(facts?.audits ?? {}).map((audit) => [audit.auditId, auditAgencyOf(audit)])),
});

async function load(tx: SqlExecutor, certificationId: string): Promise<CertificationFacts | undefined> {
  const row = await tx.get<{ facts: string }>('SELECT facts FROM sv_certifications WHERE certification_id = ?', [
    certificationId,
  ]);
  return row ? (JSON.parse(row.facts) as CertificationFacts) : undefined;
}

const text = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

async function applySupervision(tx: SqlExecutor, event: LogEvent): Promise<void> {
  const data = event.data;
  await tx.run(
    `INSERT INTO sv_supervision (event_id, type, stream_id, region_code, credit_code, certificate_no, agency_id, occurred_at, data, position)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (event_id) DO NOTHING`,
    [
      event.eventId,
      event.type,
      event.streamId,
      event.regionCode,
      text(data.creditCode),
      text(data.certificateNo),
      text(data.agencyId),
      event.occurredAt,
      JSON.stringify(data),
      event.position,
    ],
  );
  if (event.type !== 'AuditTeamEvaluated') return;
  const ratings = Array.isArray(data.ratings) ? (data.ratings as Array<Record<string, unknown>>) : [];
  for (const [idx, rating] of ratings.entries()) {
    await tx.run(
      `INSERT INTO sv_evaluations (event_id, idx, certification_id, audit_id, evaluator_role, auditor_id, score, comment, occurred_at, filing_region, position)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (event_id, idx) DO NOTHING`,
      [
        event.eventId,
        idx,
        String(data.certificationId ?? ''),
        String(data.auditId ?? ''),
        String(data.evaluatorRole ?? ''),
        String(rating.auditorId ?? ''),
        Number(rating.score ?? 0),
        text(rating.comment),
        event.occurredAt,
        event.regionCode,
        event.position,
      ],
    );
  }
}
