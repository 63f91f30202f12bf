import type { AgencyDirectory, AgencyProfile } from './agencies';
import { chinaDayAt } from './chinaCalendar';
import type { AnswerCache } from './answerCache';
import type { ReadStore } from './store/port';
import {
  CERTIFICATE_COLUMNS,
  certificateFields,
  proofEventIdsOf,
  type CertificateFields,
  type CertificateRow,
  type CertificationRow,
} from './certificateFields';
import { certificateAnswer as answerText, type CertificateAnswer } from './certificateAnswer';
import { summarize } from './summary';
import type { CertificateStatus, LogEvent } from './types';

export type StatusAnswer = CertificateStatus | 'not-issued';

export interface CertificateView extends CertificateFields {
  /** Status now (or as of `asOf`): `expired` once `validUntil` has passed, even without an event. */
  readonly status: StatusAnswer;
  readonly agency: AgencySummary;
  /** Events whose receipts prove the answer: the issue, scope change and status-setting event in force (now or on `asOf`). */
  readonly proofEventIds: readonly string[];
}

export interface AgencySummary {
  readonly agencyId: string;
  readonly name?: string;
  readonly nameEn?: string;
  readonly approvalNo: string;
  readonly accreditation?: AgencyProfile['accreditation'];
}

export interface CertificateSummary {
  readonly certificateNo: string;
  readonly status: StatusAnswer;
  readonly holder: { readonly name: string; readonly creditCode: string };
  readonly scheme: string;
  readonly standard: string;
  readonly issuedAt: string;
  readonly validUntil: string;
  readonly agencyId: string;
}

export interface AnchorView {
  readonly status: 'anchored' | 'pending';
  readonly batchId?: string;
  readonly backend?: string;
  readonly channel?: string;
  readonly chaincode?: string;
  readonly transactionId?: string;
  readonly blockNumber?: number;
  /** The ledger's time of anchoring, vouched for by its endorsing peers. */
  readonly anchoredAt?: string;
}

/** An event as the audit trail and traceability show it: the log event with its checks. */
export interface LoggedEventView extends Omit<LogEvent, 'canonical'> {
  readonly chain: { readonly ok: boolean; readonly error?: string };
  readonly anchor: AnchorView;
  readonly summary: string;
}

export interface TraceView {
  readonly certificationId: string;
  readonly agencyId: string;
  readonly holder?: { readonly name: string; readonly creditCode: string };
  readonly regionCode: string;
  readonly scheme?: string;
  readonly standard?: string;
  readonly currentCertificate?: {
    readonly certificateNo: string;
    readonly status: StatusAnswer;
    readonly validUntil: string;
  };
  readonly chainIntact: boolean;
  readonly steps: readonly LoggedEventView[];
}

export interface AuditTrailQuery {
  /** Jurisdiction: region code prefix; undefined for everything (admin). */
  readonly regionPrefix?: string;
  readonly agencyId?: string;
  readonly certificationId?: string;
  readonly type?: string;
  /** Inclusive lower bound on occurredAt, ISO (compared in UTC). */
  readonly from?: string;
  /** Exclusive upper bound on occurredAt, ISO (compared in UTC). */
  readonly to?: string;
  /** Position cursor: only events after it. */
  readonly after?: number;
  readonly limit: number;
}

export interface AuditTrailPage {
  readonly items: readonly LoggedEventView[];
  /** Position to pass as `after` for the next page, absent on the last page. */
  readonly next?: number;
}

export interface AgencyDisclosure extends AgencySummary {
  readonly approvedUntil?: string;
  readonly schemes: readonly string[];
  readonly known: boolean;
  readonly certificates: {
    readonly valid: number;
    readonly suspended: number;
    readonly withdrawn: number;
    readonly cancelled: number;
    readonly expired: number;
  };
}

export interface ReadQueries {
  certificate(certificateNo: string, asOf?: string): Promise<CertificateView | undefined>;
  /**
   * The status-now answer of GET /v1/certificates/{no} (body and ETag) from the registry's stored
   * text, or undefined (unknown, or a proof not settled yet: ask `certificate`).
   */
  certificateAnswer(certificateNo: string): Promise<CertificateAnswer | undefined>;
  /** Certificates by holder name prefix or credit code, at most `limit` (1..200); `more` when others match too. */
  searchCertificates(holder: string, limit?: number): Promise<{ items: CertificateSummary[]; more: boolean }>;
  trace(certificationId: string): Promise<TraceView | undefined>;
  auditTrail(query: AuditTrailQuery): Promise<AuditTrailPage>;
  agencies(): Promise<AgencyDisclosure[]>;
  /** Position each read model has reached. */
  checkpoints(): Promise<Record<string, number>>;
}

export interface ReadQueriesOptions {
  readonly store: ReadStore;
  readonly agencies: AgencyDirectory;
  /** Today's date (YYYY-MM-DD) for expiry; defaults to the date in China (UTC+8). */
  readonly today?: () => string;
  /** Keeps status-now answers in memory (SQLite read stores); without it each lookup reads the store. */
  readonly answerCache?: AnswerCache;
}

let cachedDay = { until: 0, day: '' };
/** Today's date in China (UTC+8), recomputed at most once a second. */
export const chinaToday = (): string => {
  const now = Date.now();
  if (now >= cachedDay.until) cachedDay = { until: now + 1000, day: chinaDayAt(new Date(now)) };
  return cachedDay.day;
};

const CREDIT_CODE = /^[0-9A-HJ-NPQRTUWXY]{18}$/;

interface EventRow {
  position: number;
  event_id: string;
  stream_id: string;
  certification_id: string;
  type: string;
  version: number;
  agency_id: string;
  region_code: string;
  occurred_at: string;
  recorded_at: string;
  hash: string;
  prev_hash: string;
  data: string;
  chain_ok: number;
  chain_error: string | null;
  batch_id: string | null;
  backend: string | null;
  channel: string | null;
  chaincode: string | null;
  transaction_id: string | null;
  block_number: number | null;
  anchored_at: string | null;
}

/** Status on a day: an event-set status, turned `expired` once the day is past the expiry date. */
export function effectiveStatus(recorded: CertificateStatus, validUntil: string, day: string): CertificateStatus {
  return (recorded === 'valid' || recorded === 'suspended') && validUntil !== '' && day > validUntil
    ? 'expired'
    : recorded;
}

const summaries = new WeakMap<AgencyDirectory, Map<string, AgencySummary>>();

/** The public face of a CB, computed once per agency. */
function agencySummary(agencies: AgencyDirectory, agencyId: string): AgencySummary {
  let known = summaries.get(agencies);
  if (!known) summaries.set(agencies, (known = new Map()));
  let summary = known.get(agencyId);
  if (!summary) known.set(agencyId, (summary = Object.freeze(buildAgencySummary(agencies, agencyId))));
  return summary;
}

function buildAgencySummary(agencies: AgencyDirectory, agencyId: string): AgencySummary {
  const profile = agencies.get(agencyId);
  return {
    agencyId,
    approvalNo: profile?.approvalNo ?? agencyId,
    ...(profile
      ? {
          name: profile.name,
          ...(profile.nameEn ? { nameEn: profile.nameEn } : {}),
          ...(profile.accreditation ? { accreditation: profile.accreditation } : {}),
        }
      : {}),
  };
}

/** The range of region codes under a prefix, usable by an index in both dialects (codes are digits). */
export function regionRange(prefix: string): [string, string] {
  return [prefix, prefix + '9'.repeat(Math.max(0, 6 - prefix.length))];
}

const EVENT_COLUMNS = `e.position, e.event_id, e.stream_id, e.certification_id, e.type, e.version, e.agency_id, e.region_code, e.occurred_at,
  e.recorded_at, e.hash, e.prev_hash, e.data, e.chain_ok, e.chain_error, a.batch_id, a.backend, a.channel, a.chaincode, a.transaction_id, a.block_number, a.anchored_at`;

/** The dates of the issue a history entry falls under, and that issue. */
type IssueEntry = Pick<CertificateRow, 'issued_at' | 'valid_until' | 'issued_event_id'>;

/** The history entry in force on a past day, with the issue it falls under. */
interface PastEntry extends IssueEntry {
  status: CertificateStatus;
  event_id: string;
  effective_date: string;
}

/** The scope and sectors in force on a past day, and the event (an issue or a scope change) that set them. */
type ScopeEntry = Pick<CertificateRow, 'scope' | 'sectors'> & { event_id: string };

/** reg_answers as read by a lookup: status, valid_until, agency_id, etag_tail, fields_text, tail. */
type AnswerValues = [CertificateStatus, string, string, string, string, string];

function eventView(row: EventRow): LoggedEventView {
  const data = JSON.parse(row.data) as Record<string, unknown>;
  return {
    position: Number(row.position),
    eventId: row.event_id,
    streamId: row.stream_id,
    certificationId: row.certification_id,
    type: row.type,
    version: Number(row.version),
    agencyId: row.agency_id,
    regionCode: row.region_code,
    occurredAt: row.occurred_at,
    recordedAt: row.recorded_at,
    hash: row.hash,
    prevHash: row.prev_hash,
    chain: row.chain_ok ? { ok: true } : { ok: false, error: row.chain_error ?? 'chain broken' },
    anchor: row.batch_id
      ? {
          status: 'anchored',
          batchId: row.batch_id,
          backend: row.backend!,
          channel: row.channel!,
          chaincode: row.chaincode!,
          transactionId: row.transaction_id!,
          blockNumber: Number(row.block_number),
          ...(row.anchored_at ? { anchoredAt: row.anchored_at } : {}),
        }
      : { status: 'pending' },
    summary: summarize(row.type, data),
    data,
  };
}

/** A day before every date: the scope in force on it is the issue's own. */
const ISSUED_AS_IS = '';

export function createReadQueries(options: ReadQueriesOptions): ReadQueries {
  const { store, agencies } = options;
  const today = options.today ?? chinaToday;

  const certificate = async (certificateNo: string, asOf?: string): Promise<CertificateView | undefined> => {
    const row = await store.get<CertificateRow>(
      `SELECT ${CERTIFICATE_COLUMNS} FROM reg_certificates WHERE certificate_no = ?`,
      [certificateNo],
    );
    if (!row) return undefined;
    const agency = agencySummary(agencies, row.agency_id);
    if (asOf === undefined) {
      return {
        status: effectiveStatus(row.status, row.valid_until, today()),
        ...certificateFields(row),
        agency,
        proofEventIds: proofEventIdsOf(row.issued_event_id, row.scope_event_id, row.status_event_id),
      };
    }
    const [first, past] = await Promise.all([
      store.get<IssueEntry>(
        'SELECT issued_at, valid_until, issued_event_id FROM reg_certificate_history WHERE certificate_no = ? ORDER BY position LIMIT 1',
        [certificateNo],
      ),
      store.get<PastEntry>(
        `SELECT status, event_id, effective_date, issued_at, valid_until, issued_event_id FROM reg_certificate_history
         WHERE certificate_no = ? AND effective_date <= ? ORDER BY position DESC LIMIT 1`,
        [certificateNo, asOf],
      ),
    ]);
    const firstIssue = first ?? row;
    if (!past || asOf < firstIssue.issued_at) {
      // Not issued yet: the number's first issue as it was issued, not a change dated before its issue date.
      const scope = await scopeInForce(certificateNo, firstIssue.issued_event_id, ISSUED_AS_IS, row);
      return {
        status: 'not-issued',
        ...certificateFields(row, { asOf, statusSince: firstIssue.issued_at, issue: firstIssue, scope }),
        agency,
        proofEventIds: proofEventIdsOf(firstIssue.issued_event_id, scope.event_id, firstIssue.issued_event_id),
      };
    }
    // The issue then in force and its scope then: a number its certification issued again has others now.
    const scope = await scopeInForce(certificateNo, past.issued_event_id, asOf, row);
    return {
      status: effectiveStatus(past.status, past.valid_until, asOf),
      ...certificateFields(row, { asOf, statusSince: past.effective_date, issue: past, scope }),
      agency,
      proofEventIds: proofEventIdsOf(past.issued_event_id, scope.event_id, past.event_id),
    };
  };

  /**
   * The scope an issue had on a day: its last scope change dated by then, else the issue's own
   * (also on ISSUED_AS_IS); the row's, should the history hold none.
   */
  const scopeInForce = async (
    certificateNo: string,
    issuedEventId: string,
    asOf: string,
    row: CertificateRow,
  ): Promise<ScopeEntry> =>
    (await store.get<ScopeEntry>(
      `SELECT scope, sectors, event_id FROM reg_certificate_scopes
       WHERE certificate_no = ? AND issued_event_id = ? AND (effective_date <= ? OR event_id = issued_event_id)
       ORDER BY position DESC LIMIT 1`,
      [certificateNo, issuedEventId, asOf],
    )) ?? { scope: row.scope, sectors: row.sectors, event_id: row.scope_event_id ?? row.issued_event_id };

  const storedAnswer = async (
    certificateNo: string,
    day: string,
  ): Promise<(CertificateAnswer & { readonly body: string }) | undefined> => {
    const row = await store.values<AnswerValues>(
      'SELECT status, valid_until, agency_id, etag_tail, fields_text, tail FROM reg_answers WHERE certificate_no = ?',
      [certificateNo],
    );
    if (!row) return undefined;
    const [recorded, validUntil, agencyId, etagTail, fieldsText, tail] = row;
    return answerText(effectiveStatus(recorded, validUntil, day), agencySummary(agencies, agencyId), {
      fieldsText,
      tail,
      etagTail,
    });
  };

  const cache = options.answerCache;
  const certificateAnswer = async (certificateNo: string): Promise<CertificateAnswer | undefined> => {
    const day = today();
    if (!cache) return storedAnswer(certificateNo, day);
    await cache.freshen();
    const kept = cache.get(certificateNo, day);
    if (kept) return kept;
    const stamp = cache.stamp();
    const answer = await storedAnswer(certificateNo, day);
    return answer && cache.put(certificateNo, day, answer, stamp);
  };

  const searchCertificates: ReadQueries['searchCertificates'] = async (holder, limit = 50) => {
    const term = holder.trim();
    if (term === '') return { items: [], more: false };
    const capped = Math.min(Math.max(1, limit), 200);
    const rows = CREDIT_CODE.test(term.toUpperCase())
      ? await store.all<CertificateRow>(
          'SELECT * FROM reg_certificates WHERE credit_code = ? ORDER BY certificate_no LIMIT ?',
          [term.toUpperCase(), capped + 1],
        )
      : await store.all<CertificateRow>(
          'SELECT * FROM reg_certificates WHERE holder_name >= ? AND holder_name < ? ORDER BY holder_name, certificate_no LIMIT ?',
          [term, term + '\uffff', capped + 1],
        );
    const day = today();
    const items = rows.slice(0, capped).map((row) => ({
      certificateNo: row.certificate_no,
      status: effectiveStatus(row.status, row.valid_until, day),
      holder: { name: row.holder_name, creditCode: row.credit_code },
      scheme: row.scheme,
      standard: row.standard,
      issuedAt: row.issued_at,
      validUntil: row.valid_until,
      agencyId: row.agency_id,
    }));
    return { items, more: rows.length > capped };
  };

  const trace = async (certificationId: string): Promise<TraceView | undefined> => {
    const rows = await store.all<EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM log_events e LEFT JOIN anc_events a ON a.event_id = e.event_id
       WHERE e.certification_id = ? AND e.stream_id = ? ORDER BY e.position`,
      // The certification's own stream: a regulator's case may carry the same id in a stream of its own.
      [certificationId, `certification-${certificationId}`],
    );
    if (rows.length === 0) return undefined;
    const certification = await store.get<CertificationRow>(
      'SELECT * FROM reg_certifications WHERE certification_id = ?',
      [certificationId],
    );
    const current = certification?.current_certificate_no
      ? await store.get<CertificateRow>('SELECT * FROM reg_certificates WHERE certificate_no = ?', [
          certification.current_certificate_no,
        ])
      : undefined;
    const steps = rows.map(eventView);
    const last = steps[steps.length - 1]!;
    return {
      certificationId,
      agencyId: certification?.agency_id ?? last.agencyId,
      regionCode: certification?.region_code ?? last.regionCode,
      ...(certification
        ? {
            holder: { name: certification.holder_name, creditCode: certification.credit_code },
            scheme: certification.scheme,
            standard: certification.standard,
          }
        : {}),
      ...(current
        ? {
            currentCertificate: {
              certificateNo: current.certificate_no,
              status: effectiveStatus(current.status, current.valid_until, today()),
              validUntil: current.valid_until,
            },
          }
        : {}),
      chainIntact: steps.every((s) => s.chain.ok),
      steps,
    };
  };

  const auditTrail = async (query: AuditTrailQuery): Promise<AuditTrailPage> => {
    const where: string[] = ['e.position > ?'];
    const params: unknown[] = [query.after ?? 0];
    if (query.regionPrefix !== undefined && query.regionPrefix.length >= 6) {
      // A county: the (region_code, position) index answers in order.
      where.push('e.region_code = ?');
      params.push(query.regionPrefix);
    } else if (query.regionPrefix !== undefined) {
      const [low, high] = regionRange(query.regionPrefix);
      where.push('e.region_code >= ? AND e.region_code <= ?');
      params.push(low, high);
    }
    if (query.agencyId) (where.push('e.agency_id = ?'), params.push(query.agencyId));
    if (query.certificationId) (where.push('e.certification_id = ?'), params.push(query.certificationId));
    if (query.type) (where.push('e.type = ?'), params.push(query.type));
    if (query.from) (where.push('e.occurred_utc >= ?'), params.push(query.from));
    if (query.to) (where.push('e.occurred_utc < ?'), params.push(query.to));
    const limit = Math.min(Math.max(1, query.limit), 1000);
    const rows = await store.all<EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM log_events e LEFT JOIN anc_events a ON a.event_id = e.event_id
       WHERE ${where.join(' AND ')} ORDER BY e.position LIMIT ?`,
      [...params, limit],
    );
    const prefix = query.regionPrefix;
    const items = rows.filter((row) => prefix === undefined || row.region_code.startsWith(prefix)).map(eventView);
    return { items, ...(rows.length === limit ? { next: Number(rows[rows.length - 1]!.position) } : {}) };
  };

  const agenciesQuery = async (): Promise<AgencyDisclosure[]> => {
    const counts = await store.all<{ agency_id: string; status: string; n: number }>(
      'SELECT agency_id, status, n FROM reg_agency_counts',
    );
    const day = today();
    const ids = new Set<string>([...agencies.keys(), ...counts.map((c) => c.agency_id)]);
    // Certificates the date alone has expired: one index range per agency and status.
    const lapsed: Array<{ agency_id: string; status: string; n: number }> = [];
    for (const agencyId of ids) {
      for (const status of ['valid', 'suspended']) {
        const row = await store.get<{ n: number }>(
          `SELECT COUNT(*) AS n FROM reg_certificates WHERE agency_id = ? AND status = ? AND valid_until > '' AND valid_until < ?`,
          [agencyId, status, day],
        );
        if (row && Number(row.n) > 0) lapsed.push({ agency_id: agencyId, status, n: Number(row.n) });
      }
    }
    return [...ids].sort().map((agencyId) => {
      const profile = agencies.get(agencyId);
      const tally = { valid: 0, suspended: 0, withdrawn: 0, cancelled: 0, expired: 0 };
      for (const c of counts)
        if (c.agency_id === agencyId && c.status in tally) tally[c.status as keyof typeof tally] += Number(c.n);
      for (const l of lapsed) {
        if (l.agency_id !== agencyId) continue;
        tally[l.status as 'valid' | 'suspended'] -= Number(l.n);
        tally.expired += Number(l.n);
      }
      return {
        ...agencySummary(agencies, agencyId),
        ...(profile?.approvedUntil ? { approvedUntil: profile.approvedUntil } : {}),
        schemes: profile?.schemes ?? [],
        known: profile !== undefined,
        certificates: tally,
      };
    });
  };

  return {
    certificate,
    certificateAnswer,
    searchCertificates,
    trace,
    auditTrail,
    agencies: agenciesQuery,
    checkpoints: async () => {
      const rows = await store.all<{ model: string; position: number }>(
        'SELECT model, position FROM projection_checkpoints',
      );
      return Object.fromEntries(rows.map((r) => [r.model, Number(r.position)]));
    },
  };
}
