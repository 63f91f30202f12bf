import type { LoggedEventView } from '@certledger/projections';

export const AUDIT_CSV_COLUMNS = [
  'position',
  'eventId',
  'certificationId',
  'type',
  'version',
  'agencyId',
  'regionCode',
  'occurredAt',
  'recordedAt',
  'hash',
  'prevHash',
  'chainOk',
  'anchorStatus',
  'batchId',
  'transactionId',
  'blockNumber',
  'anchoredAt',
  'summary',
] as const;

/** RFC 4180 quoting, and a leading apostrophe on cells a spreadsheet would run as a formula. */
export function csvCell(value: unknown): string {
  let text = value === undefined || value === null ? '' : String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function auditCsvRow(event: LoggedEventView): string {
  return [
    event.position,
    event.eventId,
    event.certificationId,
    event.type,
    event.version,
    event.agencyId,
    event.regionCode,
    event.occurredAt,
    event.recordedAt,
    event.hash,
    event.prevHash,
    event.chain.ok,
    event.anchor.status,
    event.anchor.batchId,
    event.anchor.transactionId,
    event.anchor.blockNumber,
    event.anchor.anchoredAt,
    event.summary,
  ]
    .map(csvCell)
    .join(',');
}
