import type { AuditReport } from './audit';
import { spanInWords } from './logHeadCoverage';
import { DISCREPANCY_KINDS, type DiscrepancyKind } from './types';

const MAX_LISTED = 50;

/** What a finding of each kind means, printed under the kinds found (docs/audit.md says more). */
const MEANING: Readonly<Record<DiscrepancyKind, string>> = {
  modified: "an event's content is not what was anchored",
  deleted: 'an event was removed from a stream the store still has',
  inserted: 'an event that was never anchored was slipped into the history',
  reordered: 'events were moved in their stream or in the global log',
  'never-anchored': 'an event is still not anchored after the grace period',
  'anchored-but-missing-from-store': 'the ledger holds events of a stream the store keeps no trace of',
  'column-altered':
    'a column the hash does not cover (occurred_at, region_code) contradicts the hashed event: the event is intact, but read models, pages and region filters show the false value',
  'rejected-by-ledger':
    'the ledger refused to anchor a batch: its events stay unanchored until someone looks into them',
  'log-head-missing-or-stale':
    "the ledger holds no recent signed head of the whole log by the log's key, so events removed since the last one would go unseen",
};

/** Hashes shortened; other values (dates, region codes) in full; an empty value (an admin's region) as "". */
function short(value: string | undefined, absent: string): string {
  if (value === undefined) return absent;
  if (value === '') return '""';
  return /^[0-9a-f]{64}$/.test(value) ? `${value.slice(0, 12)}…` : value;
}

const KIND_IN_WORDS: Record<DiscrepancyKind, string> = {
  modified: 'events altered after they were recorded',
  deleted: 'anchored events removed from the store',
  inserted: 'events slipped into a history without being anchored',
  reordered: 'events moved within the history',
  'never-anchored': 'events never anchored on the ledger',
  'anchored-but-missing-from-store': 'histories on the ledger the store has lost',
  'column-altered': 'stored columns that contradict the hashed events',
  'rejected-by-ledger': 'events the ledger refused to anchor',
  'log-head-missing-or-stale': 'the log not covered by a recent signed log head',
};

/** A finding's kind as a regulator reads it. */
export function kindInWords(kind: DiscrepancyKind): string {
  return KIND_IN_WORDS[kind];
}

/** The key id the heads were checked against, and where it came from. */
function logKeyInWords(log: AuditReport['log']): string {
  if (log.keyId === undefined) return 'none given, and no head on the ledger';
  return log.keyIdGiven
    ? log.keyId
    : `${log.keyId}, the first head's: not given (--log-key-id, or the key in LEDGER_DATA_DIR), so not checked`;
}

/** The verdict on the summary's first line, saying how many checks were skipped when any were. */
function verdictInWords(report: AuditReport): string {
  const verdict = report.ok ? 'ALL CHECKS AGREE' : 'DISCREPANCIES FOUND';
  const skipped = report.warnings.length;
  if (skipped === 0) return verdict;
  return `${verdict}; ${skipped} CHECK${skipped === 1 ? '' : 'S'} SKIPPED (warnings below)`;
}

/** The readable summary of an audit report, for a terminal or a letter to the operator. */
export function formatSummary(report: AuditReport): string {
  const lines: string[] = [];
  const scope = Object.entries(report.filter)
    .map(([key, value]) => `${key}=${String(value)}`)
    .join(', ');
  lines.push(`Audit of the certification ledger — ${verdictInWords(report)}`);
  lines.push(`  ledger backend      ${report.backend}`);
  lines.push(`  scope               ${scope || 'whole log'}`);
  lines.push(`  events in the log   ${report.counts.eventsInLog}`);
  lines.push(`  events audited      ${report.counts.eventsAudited} in ${report.counts.streamsAudited} streams`);
  lines.push(
    `  anchored            ${report.counts.anchoredEvents}   pending (within ${Math.round(report.graceMs / 60000)} min): ${report.counts.pendingEvents}`,
  );
  lines.push(`  batch roots checked ${report.counts.batchesChecked}`);
  lines.push(`  log root            ${report.log.rootHash} over ${report.log.treeSize} events`);
  const badHeads = report.log.heads.filter((head) => !head.consistent);
  const newest = report.log.heads.at(-1);
  if (report.log.headsUnreadable !== undefined)
    lines.push(`  signed log heads    COULD NOT BE READ from the ledger: ${report.log.headsUnreadable}`);
  else
    lines.push(
      `  signed log heads    ${report.log.heads.length} on the ledger, ${badHeads.length} inconsistent with the log` +
        (newest ? `; the newest covers ${newest.treeSize} events (${newest.timestamp})` : ''),
    );
  lines.push(`  log heads due       the newest within ${spanInWords(report.logHeadMaxAgeMs)}`);
  lines.push(`  log key             ${logKeyInWords(report.log)}`);
  lines.push(`  took                ${(report.durationMs / 1000).toFixed(1)} s`);
  if (report.warnings.length > 0) {
    lines.push('');
    lines.push('Warnings (checks skipped: no findings, and no change to the exit code):');
    for (const warning of report.warnings) {
      lines.push(`  ${warning.code}`);
      lines.push(`      ${warning.message}`);
    }
  }
  lines.push('');
  lines.push('Discrepancies by kind:');
  for (const kind of DISCREPANCY_KINDS) {
    lines.push(`  ${kind.padEnd(34)} ${String(report.byKind[kind]).padStart(5)}   ${KIND_IN_WORDS[kind]}`);
    if (report.byKind[kind] > 0) lines.push(`      ${MEANING[kind]}`);
  }
  for (const head of badHeads) {
    lines.push(
      head.keyId !== undefined
        ? `  log head of size ${head.treeSize} (${head.timestamp}) is signed by key ${head.keyId}, not the log's`
        : `  log head of size ${head.treeSize} (${head.timestamp}) does not match the log: ${head.reason}`,
    );
  }
  if (report.discrepancies.length > 0) {
    lines.push('');
    lines.push('Findings (kind, stream, version, position, event, cause):');
    for (const d of report.discrepancies.slice(0, MAX_LISTED)) {
      const where = [
        d.streamId || '-',
        d.version !== undefined ? `v${d.version}` : '-',
        d.position !== undefined ? `@${d.position}` : '-',
        d.eventId ?? d.batchId ?? '-',
      ];
      lines.push(`  ${d.kind.padEnd(32)} ${where.join('  ')}  ${d.reason}`);
      lines.push(`      ${d.detail}`);
      if (d.expected !== undefined || d.actual !== undefined)
        lines.push(`      expected ${short(d.expected, '-')}  found ${short(d.actual, 'nothing')}`);
      if (d.affected?.length) lines.push(`      ${d.affected.length} later event(s) renumbered or re-chained after it`);
    }
    if (report.discrepancies.length > MAX_LISTED)
      lines.push(`  … and ${report.discrepancies.length - MAX_LISTED} more in the JSON report`);
  }
  return `${lines.join('\n')}\n`;
}
