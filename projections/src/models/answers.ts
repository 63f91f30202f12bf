import { answerParts } from '../certificateAnswer';
import { CERTIFICATE_COLUMNS, certificateFields, proofEventIdsOf, type CertificateRow } from '../certificateFields';
import type { Dialect, SqlExecutor } from '../store/port';

/**
 * Status-now answers, ready to send: the text of a certificate's answer (certificateAnswer.ts: its
 * fields, QR code URL and the settled receipts of the events it rests on) around the two parts
 * decided when asked (the status, by date, and the CB, from configuration), in one row, so that a
 * lookup reads one row and joins five strings. A
 * certificate has an answer only while every one of its proofs has a settled receipt (anchored or
 * rejected, neither changes again); otherwise the lookup computes its answer per request. Both
 * the registry (a certificate changed) and the anchors model (a proof settled) refresh it, in
 * their own transactions, from what is committed: whichever runs last sees both.
 */
export const ANSWERS_DDL = `CREATE TABLE IF NOT EXISTS reg_answers (
  certificate_no TEXT PRIMARY KEY,
  status TEXT NOT NULL,
  valid_until TEXT NOT NULL,
  agency_id TEXT NOT NULL,
  etag_tail TEXT NOT NULL,
  fields_text TEXT NOT NULL,
  tail TEXT NOT NULL
)`;

/**
 * Which certificates' answers changed, in commit order, for readers that keep answers in memory
 * (answerCache.ts). SQLite only: there one writer commits at a time, so a later sequence number is a
 * later commit; on PostgreSQL concurrent transactions commit out of sequence order, and lookups
 * read reg_answers each time. `*` stands for every certificate (a rebuild). The last
 * ANSWER_CHANGES_KEPT changes are kept: a reader further behind than that starts afresh.
 */
export const ANSWER_CHANGES_DDL = `CREATE TABLE IF NOT EXISTS reg_answer_changes (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  certificate_no TEXT NOT NULL
)`;
export const ANSWER_CHANGES_KEPT = 100_000;
export const EVERY_ANSWER = '*';

/** Notes that a certificate's answer changed (or `EVERY_ANSWER`), forgetting the oldest note beyond those kept. */
export async function recordAnswerChange(tx: SqlExecutor, dialect: Dialect, certificateNo: string): Promise<void> {
  if (dialect !== 'sqlite') return;
  const noted = await tx.get<{ seq: number }>(
    'INSERT INTO reg_answer_changes (certificate_no) VALUES (?) RETURNING seq',
    [certificateNo],
  );
  await tx.run('DELETE FROM reg_answer_changes WHERE seq <= ?', [noted!.seq - ANSWER_CHANGES_KEPT]);
}

/** Settled receipts of the events certificates rest on (written by the anchors model). */
export const RECEIPTS_DDL = `CREATE TABLE IF NOT EXISTS anc_receipts (
  event_id TEXT PRIMARY KEY,
  status TEXT NOT NULL,
  receipt TEXT NOT NULL
)`;

/** Rewrites (or removes) one certificate's answer from its row and the receipts stored now. */
export async function refreshAnswer(tx: SqlExecutor, dialect: Dialect, certificateNo: string): Promise<void> {
  // On PostgreSQL the row lock orders this against a concurrent change of the same certificate.
  const row = await tx.get<CertificateRow>(
    `SELECT ${CERTIFICATE_COLUMNS} FROM reg_certificates WHERE certificate_no = ?${dialect === 'postgres' ? ' FOR UPDATE' : ''}`,
    [certificateNo],
  );
  const ids = row ? proofEventIdsOf(row.issued_event_id, row.scope_event_id, row.status_event_id) : [];
  const found = row
    ? await tx.all<{ event_id: string; status: string; receipt: string }>(
        `SELECT event_id, status, receipt FROM anc_receipts WHERE event_id IN (${ids.map(() => '?').join(', ')})`,
        ids,
      )
    : [];
  const receipts = ids.map((id) => found.find((r) => r.event_id === id));
  if (!row || receipts.some((r) => r === undefined)) {
    const removed = await tx.run('DELETE FROM reg_answers WHERE certificate_no = ?', [certificateNo]);
    if (removed > 0) await recordAnswerChange(tx, dialect, certificateNo);
    return;
  }
  const settled = receipts as Array<{ status: string; receipt: string }>;
  const parts = answerParts({
    certificateNo,
    fieldsJson: JSON.stringify(certificateFields(row)),
    proofs: ids.map((eventId, i) => ({
      eventId,
      receiptStatus: settled[i]!.status,
      receiptJson: settled[i]!.receipt,
    })),
  });
  await tx.run(
    `INSERT INTO reg_answers (certificate_no, status, valid_until, agency_id, etag_tail, fields_text, tail)
     VALUES (?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (certificate_no) DO UPDATE SET status = excluded.status, valid_until = excluded.valid_until,
       agency_id = excluded.agency_id, etag_tail = excluded.etag_tail, fields_text = excluded.fields_text,
       tail = excluded.tail`,
    [certificateNo, row.status, row.valid_until, row.agency_id, parts.etagTail, parts.fieldsText, parts.tail],
  );
  await recordAnswerChange(tx, dialect, certificateNo);
}
