import { chinaDateOf } from '../chinaCalendar';
import type { ReadModel } from '../model';
import type { SqlExecutor } from '../store/port';
import type { CertificationRow } from '../certificateFields';
import type { CertificateStatus, LogEvent } from '../types';
import {
  ANSWER_CHANGES_DDL,
  ANSWERS_DDL,
  EVERY_ANSWER,
  RECEIPTS_DDL,
  recordAnswerChange,
  refreshAnswer,
} from './answers';

/**
 * Certificate registry: one row per certification (holder, scheme), one per certificate (its
 * current state, under the CB that issued it), the status history of each certificate with the
 * issue each entry falls under (for "status as of a date": a number its certification issues
 * again starts a new validity), the scope each issue and scope change set, under that issue (for
 * "scope as of a date"), and per-agency counts by status (for the public disclosure); and
 * each certificate's status-now answer (see answers.ts), refreshed in the same transaction as any
 * change to the certificate. It reads the receipts the anchors model keeps, and creates their
 * table when it runs without it.
 */
export const registryModel: ReadModel<LogEvent> = {
  name: 'registry',
  // 8: reg_certificate_scopes keeps the scope and sectors each issue and scope change set, so that an
  // answer as of a date shows the scope then in force, not today's; the rebuild fills it from the log.
  schemaVersion: 8,
  source: 'events',
  tables: [
    'reg_agency_counts',
    'reg_answers',
    'reg_certificate_history',
    'reg_certificate_scopes',
    'reg_certificates',
    'reg_certifications',
  ],
  ddl: (dialect) => [
    `CREATE TABLE IF NOT EXISTS reg_certifications (
      certification_id TEXT PRIMARY KEY,
      agency_id TEXT NOT NULL,
      holder_name TEXT NOT NULL,
      credit_code TEXT NOT NULL,
      region_code TEXT NOT NULL,
      scheme TEXT NOT NULL,
      standard TEXT NOT NULL,
      scope TEXT NOT NULL,
      current_certificate_no TEXT
    )`,
    `CREATE TABLE IF NOT EXISTS reg_certificates (
      certificate_no TEXT PRIMARY KEY,
      certification_id TEXT NOT NULL,
      agency_id TEXT NOT NULL,
      holder_name TEXT NOT NULL,
      credit_code TEXT NOT NULL,
      region_code TEXT NOT NULL,
      scheme TEXT NOT NULL,
      standard TEXT NOT NULL,
      scope TEXT NOT NULL,
      sectors TEXT NOT NULL,
      issued_at TEXT NOT NULL,
      valid_until TEXT NOT NULL,
      status TEXT NOT NULL,
      status_since TEXT NOT NULL,
      status_reason TEXT,
      suspended_until TEXT,
      issued_event_id TEXT NOT NULL,
      status_event_id TEXT NOT NULL,
      scope_event_id TEXT,
      superseded_by TEXT,
      position BIGINT NOT NULL
    )`,
    'CREATE INDEX IF NOT EXISTS reg_certificates_credit ON reg_certificates (credit_code)',
    'CREATE INDEX IF NOT EXISTS reg_certificates_certification ON reg_certificates (certification_id)',
    'CREATE INDEX IF NOT EXISTS reg_certificates_holder ON reg_certificates (holder_name)',
    'CREATE INDEX IF NOT EXISTS reg_certificates_agency ON reg_certificates (agency_id, status, valid_until)',
    `CREATE TABLE IF NOT EXISTS reg_certificate_history (
      certificate_no TEXT NOT NULL,
      position BIGINT NOT NULL,
      status TEXT NOT NULL,
      effective_date TEXT NOT NULL,
      event_id TEXT NOT NULL,
      issued_at TEXT NOT NULL,
      valid_until TEXT NOT NULL,
      issued_event_id TEXT NOT NULL,
      PRIMARY KEY (certificate_no, position)
    )${dialect === 'sqlite' ? ' WITHOUT ROWID' : ''}`,
    `CREATE TABLE IF NOT EXISTS reg_certificate_scopes (
      certificate_no TEXT NOT NULL,
      position BIGINT NOT NULL,
      effective_date TEXT NOT NULL,
      scope TEXT NOT NULL,
      sectors TEXT NOT NULL,
      event_id TEXT NOT NULL,
      issued_event_id TEXT NOT NULL,
      PRIMARY KEY (certificate_no, position)
    )${dialect === 'sqlite' ? ' WITHOUT ROWID' : ''}`,
    `CREATE TABLE IF NOT EXISTS reg_agency_counts (
      agency_id TEXT NOT NULL,
      status TEXT NOT NULL,
      n BIGINT NOT NULL,
      PRIMARY KEY (agency_id, status)
    )`,
    ANSWERS_DDL,
    RECEIPTS_DDL,
    ...(dialect === 'sqlite' ? [ANSWER_CHANGES_DDL] : []),
  ],
  // Every answer went with the tables: readers holding answers in memory drop them all.
  afterReset: (tx, dialect) => recordAnswerChange(tx, dialect, EVERY_ANSWER),
  apply: async (tx, events, dialect) => {
    const batch: Batch = {
      tx,
      certifications: new Map(),
      dirty: new Set(),
      counts: new Map(),
      certificates: new Set(),
    };
    for (const event of events) await applyOne(batch, event);
    for (const certificationId of batch.dirty) {
      const row = batch.certifications.get(certificationId)!;
      await tx.run(
        `INSERT INTO reg_certifications (certification_id, agency_id, holder_name, credit_code, region_code, scheme, standard, scope, current_certificate_no)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (certification_id) DO UPDATE SET agency_id = excluded.agency_id, holder_name = excluded.holder_name,
           credit_code = excluded.credit_code, region_code = excluded.region_code, scheme = excluded.scheme, standard = excluded.standard,
           scope = excluded.scope, current_certificate_no = excluded.current_certificate_no`,
        [
          certificationId,
          row.agency_id,
          row.holder_name,
          row.credit_code,
          row.region_code,
          row.scheme,
          row.standard,
          row.scope,
          row.current_certificate_no,
        ],
      );
    }
    for (const [key, delta] of batch.counts) {
      if (delta === 0) continue;
      const [agencyId, status] = key.split('\u0000') as [string, string];
      await tx.run(
        `INSERT INTO reg_agency_counts (agency_id, status, n) VALUES (?, ?, ?)
         ON CONFLICT (agency_id, status) DO UPDATE SET n = reg_agency_counts.n + excluded.n`,
        [agencyId, status, delta],
      );
    }
    for (const certificateNo of batch.certificates) await refreshAnswer(tx, dialect, certificateNo);
  },
};

const STATUS_OF: Readonly<Record<string, CertificateStatus | undefined>> = {
  CertificateSuspended: 'suspended',
  CertificateRestored: 'valid',
  CertificateWithdrawn: 'withdrawn',
  CertificateCancelled: 'cancelled',
  CertificateExpired: 'expired',
};

/** Types of the events a certificate's answer rests on (its proofs): issue, scope change, status changes. */
export const PROOF_EVENT_TYPES: ReadonlySet<string> = new Set([
  'CertificateIssued',
  'CertificateScopeChanged',
  ...Object.keys(STATUS_OF),
]);

const text = (value: unknown): string =>
  typeof value === 'string' ? value : value === undefined || value === null ? '' : String(value);

/** What one batch keeps in memory: certifications it has read or changed (written back at its end), and count changes. */
interface Batch {
  readonly tx: SqlExecutor;
  readonly certifications: Map<string, CertificationRow | undefined>;
  readonly dirty: Set<string>;
  readonly counts: Map<string, number>;
  /** Certificates whose row changed: their answers are refreshed at the end of the batch. */
  readonly certificates: Set<string>;
}

function count(batch: Batch, agencyId: string, status: string, delta: number): void {
  const key = `${agencyId}\u0000${status}`;
  batch.counts.set(key, (batch.counts.get(key) ?? 0) + delta);
}

async function certificationOf(batch: Batch, certificationId: string): Promise<CertificationRow | undefined> {
  if (batch.certifications.has(certificationId)) return batch.certifications.get(certificationId);
  const row = await batch.tx.get<CertificationRow>('SELECT * FROM reg_certifications WHERE certification_id = ?', [
    certificationId,
  ]);
  batch.certifications.set(certificationId, row);
  return row;
}

function changed(batch: Batch, certificationId: string, row: CertificationRow): void {
  batch.certifications.set(certificationId, row);
  batch.dirty.add(certificationId);
}

async function applyOne(batch: Batch, event: LogEvent): Promise<void> {
  const { tx } = batch;
  const data = event.data;
  switch (event.type) {
    case 'ApplicationSubmitted': {
      const client = (data.client ?? {}) as Record<string, unknown>;
      const previous = await certificationOf(batch, event.certificationId);
      const row: CertificationRow = {
        agency_id: previous?.agency_id ?? event.agencyId,
        holder_name: text(client.name),
        credit_code: text(client.creditCode),
        region_code: text(client.regionCode) || event.regionCode,
        scheme: text(data.scheme),
        standard: text(data.standard),
        scope: text(data.scope),
        current_certificate_no: previous?.current_certificate_no ?? null,
      };
      changed(batch, event.certificationId, row);
      return;
    }
    case 'CertificationTransferred': {
      // The accepting CB writes the certification from now on and issues a certificate of its own
      // (IAF MD2); the certificates the previous CB issued stay that CB's.
      const row = await certificationOf(batch, event.certificationId);
      if (row) changed(batch, event.certificationId, { ...row, agency_id: event.agencyId });
      return;
    }
    case 'CertificateIssued': {
      const row = await certificationOf(batch, event.certificationId);
      const certificateNo = text(data.certificateNo);
      if (!row || certificateNo === '') return;
      const held = await tx.get<{ certification_id: string; status: string; agency_id: string }>(
        'SELECT certification_id, status, agency_id FROM reg_certificates WHERE certificate_no = ?',
        [certificateNo],
      );
      // R10: a number belongs to one certification (the intake refuses another's), and stays its own here.
      if (held && held.certification_id !== event.certificationId) return;
      if (row.current_certificate_no && row.current_certificate_no !== certificateNo) {
        await tx.run('UPDATE reg_certificates SET superseded_by = ? WHERE certificate_no = ?', [
          certificateNo,
          row.current_certificate_no,
        ]);
        batch.certificates.add(row.current_certificate_no);
      }
      const issue: IssueInForce = {
        issued_at: text(data.issuedAt),
        valid_until: text(data.validUntil),
        issued_event_id: event.eventId,
      };
      const since = issue.issued_at || chinaDateOf(event.occurredAt);
      const scope: ScopeSet = {
        scope: text(data.scope) || row.scope,
        sectors: JSON.stringify(data.sectors ?? []),
        issued_event_id: event.eventId,
      };
      // A number issued again by its certification (recertification, a new version keeping its
      // number) is the certificate from now on: every column as a first issue would write it.
      await tx.run(
        `INSERT INTO reg_certificates (certificate_no, certification_id, agency_id, holder_name, credit_code, region_code, scheme, standard,
           scope, sectors, issued_at, valid_until, status, status_since, status_reason, suspended_until, issued_event_id, status_event_id,
           scope_event_id, superseded_by, position)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'valid', ?, NULL, NULL, ?, ?, NULL, NULL, ?)
         ON CONFLICT (certificate_no) DO UPDATE SET agency_id = excluded.agency_id, holder_name = excluded.holder_name,
           credit_code = excluded.credit_code, region_code = excluded.region_code, scheme = excluded.scheme,
           standard = excluded.standard, scope = excluded.scope, sectors = excluded.sectors, issued_at = excluded.issued_at,
           valid_until = excluded.valid_until, status = excluded.status, status_since = excluded.status_since,
           status_reason = NULL, suspended_until = NULL, issued_event_id = excluded.issued_event_id,
           status_event_id = excluded.status_event_id, scope_event_id = NULL, superseded_by = NULL, position = excluded.position`,
        [
          certificateNo,
          event.certificationId,
          event.agencyId,
          row.holder_name,
          row.credit_code,
          row.region_code,
          row.scheme,
          row.standard,
          scope.scope,
          scope.sectors,
          issue.issued_at,
          issue.valid_until,
          since,
          event.eventId,
          event.eventId,
          event.position,
        ],
      );
      batch.certificates.add(certificateNo);
      changed(batch, event.certificationId, { ...row, current_certificate_no: certificateNo });
      await addHistory(tx, certificateNo, event, 'valid', since, issue);
      await addScope(tx, certificateNo, event, since, scope);
      if (held) count(batch, held.agency_id, held.status, -1);
      count(batch, event.agencyId, 'valid', 1);
      return;
    }
    case 'CertificateScopeChanged': {
      const row = await certificationOf(batch, event.certificationId);
      if (!row?.current_certificate_no) return;
      const scope = { scope: text(data.scope), sectors: JSON.stringify(data.sectors ?? []) };
      const changedUnder = await tx.get<Pick<ScopeSet, 'issued_event_id'>>(
        `UPDATE reg_certificates SET scope = ?, sectors = ?, scope_event_id = ?, position = ? WHERE certificate_no = ?
         RETURNING issued_event_id`,
        [scope.scope, scope.sectors, event.eventId, event.position, row.current_certificate_no],
      );
      if (!changedUnder) return;
      await addScope(tx, row.current_certificate_no, event, chinaDateOf(event.occurredAt), {
        ...scope,
        issued_event_id: changedUnder.issued_event_id,
      });
      batch.certificates.add(row.current_certificate_no);
      return;
    }
    default: {
      const status = STATUS_OF[event.type];
      if (!status) return;
      const row = await certificationOf(batch, event.certificationId);
      if (!row?.current_certificate_no) return;
      const cert = await tx.get<{ status: string; agency_id: string } & IssueInForce>(
        'SELECT status, agency_id, issued_at, valid_until, issued_event_id FROM reg_certificates WHERE certificate_no = ?',
        [row.current_certificate_no],
      );
      if (!cert) return;
      const since = chinaDateOf(event.occurredAt);
      await tx.run(
        `UPDATE reg_certificates SET status = ?, status_since = ?, status_reason = ?, suspended_until = ?, status_event_id = ?, position = ?
         WHERE certificate_no = ?`,
        [
          status,
          since,
          text(data.reason) || null,
          status === 'suspended' ? text(data.until) || null : null,
          event.eventId,
          event.position,
          row.current_certificate_no,
        ],
      );
      await addHistory(tx, row.current_certificate_no, event, status, since, cert);
      batch.certificates.add(row.current_certificate_no);
      if (cert.status !== status) {
        count(batch, cert.agency_id, cert.status, -1);
        count(batch, cert.agency_id, status, 1);
      }
    }
  }
}

/** The issue a history entry falls under: a number issued again starts a new validity. */
interface IssueInForce {
  readonly issued_at: string;
  readonly valid_until: string;
  readonly issued_event_id: string;
}

async function addHistory(
  tx: SqlExecutor,
  certificateNo: string,
  event: LogEvent,
  status: CertificateStatus,
  effectiveDate: string,
  issue: IssueInForce,
): Promise<void> {
  await tx.run(
    `INSERT INTO reg_certificate_history (certificate_no, position, status, effective_date, event_id, issued_at, valid_until, issued_event_id)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    [
      certificateNo,
      event.position,
      status,
      effectiveDate,
      event.eventId,
      issue.issued_at,
      issue.valid_until,
      issue.issued_event_id,
    ],
  );
}

/** A scope an issue or a scope change set, with the issue it falls under (sectors as JSON text). */
interface ScopeSet {
  readonly scope: string;
  readonly sectors: string;
  readonly issued_event_id: string;
}

async function addScope(
  tx: SqlExecutor,
  certificateNo: string,
  event: LogEvent,
  effectiveDate: string,
  set: ScopeSet,
): Promise<void> {
  await tx.run(
    `INSERT INTO reg_certificate_scopes (certificate_no, position, effective_date, scope, sectors, event_id, issued_event_id)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
    [certificateNo, event.position, effectiveDate, set.scope, set.sectors, event.eventId, set.issued_event_id],
  );
}
