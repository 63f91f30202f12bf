import type { CertificateStatus } from './types';

/** A reg_certificates row as the queries and the registry's document read it. */
export interface CertificateRow {
  certificate_no: string;
  certification_id: string;
  agency_id: string;
  holder_name: string;
  credit_code: string;
  region_code: string;
  scheme: string;
  standard: string;
  scope: string;
  sectors: string;
  issued_at: string;
  valid_until: string;
  status: CertificateStatus;
  status_since: string;
  status_reason: string | null;
  suspended_until: string | null;
  issued_event_id: string;
  status_event_id: string;
  scope_event_id: string | null;
  superseded_by: string | null;
}

/** A reg_certifications row as the registry and the trace read it: the holder and scheme its certificates copy. */
export interface CertificationRow extends Pick<
  CertificateRow,
  'agency_id' | 'holder_name' | 'credit_code' | 'region_code' | 'scheme' | 'standard' | 'scope'
> {
  current_certificate_no: string | null;
}

export const CERTIFICATE_COLUMNS = `certificate_no, certification_id, agency_id, holder_name, credit_code, region_code, scheme, standard, scope,
  sectors, issued_at, valid_until, status, status_since, status_reason, suspended_until, issued_event_id, status_event_id, scope_event_id, superseded_by`;

/**
 * A certificate's public fields other than its status (which depends on the day asked) and its CB
 * (which comes from configuration). The registry stores them pre-serialised for status-now lookups.
 */
export interface CertificateFields {
  readonly certificateNo: string;
  readonly certificationId: string;
  /** The last status an event set (differs from `status` when the date alone expired it). */
  readonly recordedStatus: CertificateStatus;
  readonly statusSince: string;
  readonly statusReason?: string;
  readonly suspendedUntil?: string;
  readonly asOf?: string;
  readonly holder: { readonly name: string; readonly creditCode: string };
  readonly regionCode: string;
  readonly scheme: string;
  readonly standard: string;
  readonly scope: string;
  readonly sectors: readonly number[];
  readonly issuedAt: string;
  readonly validUntil: string;
  readonly supersededBy?: string;
}

/**
 * What a certificate's history says of a past date: when its status then took effect, the issue
 * then in force, and the scope then in force.
 */
export interface PastFields {
  readonly asOf: string;
  readonly statusSince: string;
  readonly issue: Pick<CertificateRow, 'issued_at' | 'valid_until'>;
  readonly scope: Pick<CertificateRow, 'scope' | 'sectors'>;
}

/** The fields now, or as of a past date (then with the status date, dates and scope found in the history, and no reason). */
export function certificateFields(row: CertificateRow, past?: PastFields): CertificateFields {
  return {
    certificateNo: row.certificate_no,
    certificationId: row.certification_id,
    recordedStatus: row.status,
    statusSince: past ? past.statusSince : row.status_since,
    ...(past
      ? { asOf: past.asOf }
      : {
          ...(row.status_reason ? { statusReason: row.status_reason } : {}),
          ...(row.suspended_until ? { suspendedUntil: row.suspended_until } : {}),
        }),
    holder: { name: row.holder_name, creditCode: row.credit_code },
    regionCode: row.region_code,
    scheme: row.scheme,
    standard: row.standard,
    scope: (past?.scope ?? row).scope,
    sectors: JSON.parse((past?.scope ?? row).sectors) as number[],
    issuedAt: (past?.issue ?? row).issued_at,
    validUntil: (past?.issue ?? row).valid_until,
    ...(row.superseded_by ? { supersededBy: row.superseded_by } : {}),
  };
}

/** Events whose receipts prove an answer: the issue, the last scope change, the status-setting event. */
export function proofEventIdsOf(issued: string, scope: string | null, status: string): string[] {
  const ids = [issued];
  if (scope && scope !== issued) ids.push(scope);
  if (!ids.includes(status)) ids.push(status);
  return ids;
}
