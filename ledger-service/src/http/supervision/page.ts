import type { AgencyGrade, Warning } from '@certledger/projections';
import { escapeHtml as escape, page, raw } from '../read/html';

// The read side's page frame and base style; tables are this page's own.
const STYLE = `main{max-width:1200px}
table{border-collapse:collapse;width:100%;margin-bottom:2rem;background:#fff}th,td{border:1px solid #ccc;padding:.3rem .5rem;font-size:.9rem;vertical-align:top}
th{background:#f3f3f3;text-align:left}.high{color:#a40000;font-weight:600}.medium{color:#8a5a00}.low{color:#555}
.grade{font-size:1.4rem;font-weight:700}details{margin:.2rem 0}code{font-size:.85rem}`;

export interface RegulatorPageInput {
  readonly regionCode: string;
  readonly evaluatedAt?: string;
  readonly grades: readonly AgencyGrade[];
  readonly warnings: readonly Warning[];
  readonly counts: Readonly<Record<string, number>>;
  readonly truncated: boolean;
}

/** The regulator's early-warning page: grades of the CBs and the open warnings in its jurisdiction. */
export function renderRegulatorPage(input: RegulatorPageInput): string {
  const grades = input.grades
    .map(
      (
        g,
      ) => `<tr><td><code>${escape(g.agencyId)}</code></td><td class="grade">${escape(g.grade)}</td><td>${escape(g.score)}</td>
<td>${escape(g.openWarnings)}</td><td>${escape(g.reporting.onTime)} / ${escape(g.reporting.due)}</td><td>${g.ratings.mean === null ? '—' : `${escape(g.ratings.mean)} (${escape(g.ratings.count)})`}</td>
<td><details><summary>${escape(g.deductions.length)} deductions</summary><ul>${g.deductions
        .slice(0, 50)
        .map((d) => `<li>−${escape(d.points)}: ${escape(d.reason)}</li>`)
        .join(
          '',
        )}${g.deductions.length > 50 ? `<li>… ${escape(g.deductions.length - 50)} more (GET /v1/agencies/grades)</li>` : ''}</ul></details></td></tr>`,
    )
    .join('\n');
  const counts = Object.entries(input.counts)
    .sort(([a], [b]) => Number(a.slice(1)) - Number(b.slice(1)))
    .map(([rule, n]) => `<li><a href="?rule=${escape(rule)}">${escape(rule)}</a>: ${escape(n)}</li>`)
    .join('');
  const rows = input.warnings
    .map(
      (
        w,
      ) => `<tr><td>${escape(w.ruleId)}${w.rule ? ` (${escape(w.rule)})` : ''}</td><td class="${escape(w.severity)}">${escape(w.severity)}</td>
<td>${escape(w.kind)}</td><td><code>${escape(w.agencyId)}</code></td><td>${escape(w.regionCode)}</td><td><code>${escape(w.certificationId ?? '')}</code>${w.auditorId ? `<br>auditor <code>${escape(w.auditorId)}</code>` : ''}</td>
<td>${escape(w.message)}</td><td>${escape(w.raisedAt.slice(0, 10))}</td><td>${w.evidence.map((e) => `<code>${escape(e.slice(0, 8))}</code>`).join(' ')}</td></tr>`,
    )
    .join('\n');
  return page(
    `预警 · Early warnings ${input.regionCode}`,
    raw(`<main><p><a href="/regulator">← 审计记录 Audit trail</a></p><h1>认证监管预警 · Early warnings, region ${escape(input.regionCode)}</h1>
<p>Evaluated ${escape(input.evaluatedAt ?? 'now')}. Only certifications whose client lies under region prefix ${escape(input.regionCode)} are counted.</p>
<h2>机构评级 · Agency grades</h2>
<table><thead><tr><th>CB</th><th>grade</th><th>score</th><th>open warnings</th><th>reports on time</th><th>mean rating</th><th>why</th></tr></thead><tbody>
${grades || '<tr><td colspan="7">no certification bodies in this region</td></tr>'}</tbody></table>
<h2>预警 · Open warnings</h2><ul>${counts}</ul>
<table><thead><tr><th>rule</th><th>severity</th><th>kind</th><th>CB</th><th>region</th><th>certification</th><th>what</th><th>raised</th><th>evidence</th></tr></thead><tbody>
${rows || '<tr><td colspan="9">no open warnings</td></tr>'}</tbody></table>
${input.truncated ? '<p>Showing the first warnings only; filter with ?rule=W1 or use GET /v1/warnings.</p>' : ''}
</main>`),
    STYLE,
  );
}
