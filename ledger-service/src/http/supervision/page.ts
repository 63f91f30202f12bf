import {
  chinaDateOf,
  compareInstants,
  WARNING_RULES,
  type AgencyGrade,
  type Severity,
  type Warning,
} from '@certledger/projections';
import { alertBox, bi, chinaTime, en, html, page, type PageError, type Raw } from '../read/html';
import { activeFilters, REGULATOR_CSS, regulatorNav, type FilterLabel } from '../read/regulatorPage';

// The read side's page frame, style and navigation; tables are this page's own.
const STYLE = `${REGULATOR_CSS}main{max-width:1200px}
table{border-collapse:collapse;width:100%;background:#fff}th,td{border:1px solid #ccc;padding:.3rem .5rem;font-size:.9rem;vertical-align:top}
th{background:#f3f3f3;text-align:left}.high{color:#a40000;font-weight:600}.medium{color:#8a5a00}.low{color:#555}
.scroll{margin-bottom:2rem}.grade{font-size:1.4rem;font-weight:700}details{margin:.2rem 0}code{font-size:.85rem}td code{white-space:nowrap}
ul.rules{padding-left:1.2rem}ul.rules li{margin:.2rem 0}`;

/** The rules' titles in Chinese, beside the English of projections' WARNING_RULES. */
const RULE_TITLES_ZH: Readonly<Record<string, string>> = {
  W1: '监督审核逾期，证书仍显示有效',
  W2: '暂停期满，既未恢复也未撤销',
  W3: '证书到期后未经再认证仍然延续，或再认证未进行现场审核',
  W4: '由审核组成员作出认证决定，或严重不符合项未关闭即发证',
  W5: '审核时间低于 IAF MD5 规定减去 30%，或现场审核时间不足 80%',
  W6: '前提条件不满足仍受理申请',
  W7: '国家监督抽查不合格，30 日内未实施短时间通知审核',
  W8: '审核员注册过期、专业代码不覆盖、同时参加两项审核，或审核组与报送的计划不符',
  W9: '签到异常：缺少签到或签退、成员缺席、签到日期不在审核日期内、签到位置偏离审核现场',
  W10: '向认监委迟报或漏报',
  W11: '已记录撤销情形，5 个工作日内未撤销证书',
  W12: '暂停期间的证书转换认证机构',
  W13: '同一组织同一认证项目、认证范围重叠的证书在两家认证机构的状态相互矛盾',
};

const SEVERITY_RANK: Readonly<Record<Severity, number>> = { high: 0, medium: 1, low: 2 };
const SEVERITY_ZH: Readonly<Record<Severity, string>> = { high: '高', medium: '中', low: '低' };

/** Most severe first; within a severity, the most recently raised first. */
export function byUrgency(warnings: readonly Warning[]): Warning[] {
  return [...warnings].sort(
    (a, b) => SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] || compareInstants(b.raisedAt, a.raisedAt),
  );
}

export interface WarningsFilters {
  readonly rule?: string;
  readonly region?: string;
}

export interface RegulatorPageInput {
  /** The signed-in regulator's id, for the navigation. */
  readonly who: string;
  readonly regionCode: string;
  readonly evaluatedAt?: string;
  readonly grades: readonly AgencyGrade[];
  readonly warnings: readonly Warning[];
  readonly counts: Readonly<Record<string, number>>;
  readonly truncated: boolean;
  readonly filters?: WarningsFilters;
  /** A refused filter: shown above the page instead of the tables, the filters kept. */
  readonly error?: PageError;
}

const th = (zh: string, english: string): Raw => html`<th scope="col">${bi(zh, english)}</th>`;

/** A table that scrolls in its own box: a heading per column, and a row saying so when there are no rows. */
function dataTable(
  name: string,
  headings: ReadonlyArray<readonly [zh: string, english: string]>,
  rows: readonly Raw[],
  empty: Raw,
): Raw {
  return html`<div class="scroll">
    <table data-table="${name}">
      <thead>
        <tr>
          ${headings.map(([zh, english]) => th(zh, english))}
        </tr>
      </thead>
      <tbody>
        ${
          rows.length
            ? rows
            : html`<tr>
                <td colspan="${String(headings.length)}">${empty}</td>
              </tr>`
        }
      </tbody>
    </table>
  </div>`;
}

function gradeRow(g: AgencyGrade): Raw {
  const shown = g.deductions.slice(0, 50);
  return html`<tr>
    <td><code>${g.agencyId}</code></td>
    <td class="grade">${g.grade}</td>
    <td>${g.score}</td>
    <td>${g.openWarnings}</td>
    <td>${g.reporting.onTime} / ${g.reporting.due}</td>
    <td>${g.ratings.mean === null ? '—' : `${g.ratings.mean} (${g.ratings.count})`}</td>
    <td>
      <details>
        <summary>${g.deductions.length} 项扣分 ${en('deductions')}</summary>
        <ul>
          ${shown.map((d) => html`<li>−${d.points}: <span lang="en">${d.reason}</span></li>`)}
          ${g.deductions.length > shown.length ? html`<li>… 另有 ${g.deductions.length - shown.length} 项 ${en('more (GET /v1/agencies/grades)')}</li>` : ''}
        </ul>
      </details>
    </td>
  </tr>`;
}

function gradesTable(grades: readonly AgencyGrade[]): Raw {
  return dataTable(
    'grades',
    [
      ['认证机构', 'CB'],
      ['等级', 'Grade'],
      ['得分', 'Score'],
      ['未结预警', 'Open warnings'],
      ['按时报送', 'Reports on time'],
      ['平均评分', 'Mean rating'],
      ['扣分原因', 'Why'],
    ],
    grades.map(gradeRow),
    html`本辖区没有认证机构。${en('No certification bodies in this region.')}`,
  );
}

function warningRow(w: Warning): Raw {
  return html`<tr data-severity="${w.severity}" data-raised="${w.raisedAt}">
    <td>${w.ruleId}${w.rule ? ` (${w.rule})` : ''}</td>
    <td class="${w.severity}">${SEVERITY_ZH[w.severity]} ${en(w.severity)}</td>
    <td>${w.kind}</td>
    <td><code>${w.agencyId}</code></td>
    <td>${w.regionCode}</td>
    <td>
      <code>${w.certificationId ?? ''}</code
      >${w.auditorId ? html`<br />审核员 ${en('auditor')} <code>${w.auditorId}</code>` : ''}
    </td>
    <td lang="en">${w.message}</td>
    <td>${chinaDateOf(w.raisedAt)}</td>
    <td>${w.evidence.map((e) => html`<code>${e.slice(0, 8)}</code> `)}</td>
  </tr>`;
}

function warningsTable(warnings: readonly Warning[]): Raw {
  return dataTable(
    'warnings',
    [
      ['规则', 'Rule'],
      ['严重程度', 'Severity'],
      ['类别', 'Kind'],
      ['认证机构', 'CB'],
      ['地区', 'Region'],
      ['认证', 'Certification'],
      ['内容', 'What'],
      ['发现日期', 'Raised'],
      ['证据', 'Evidence'],
    ],
    byUrgency(warnings).map(warningRow),
    html`没有未结预警。${en('No open warnings.')}`,
  );
}

const hrefWith = (filters: WarningsFilters, rule: string): string => {
  const params = new URLSearchParams({ rule });
  if (filters.region) params.set('region', filters.region);
  return `/regulator/warnings?${params.toString()}`;
};

function ruleList(counts: Readonly<Record<string, number>>, filters: WarningsFilters): Raw {
  const rules = WARNING_RULES.filter((r) => (counts[r.id] ?? 0) > 0);
  if (rules.length === 0) return html``;
  return html`<ul class="rules" data-rule-counts>
    ${rules.map(
      (r) =>
        html`<li data-rule="${r.id}">
          <a href="${hrefWith(filters, r.id)}">${r.id}</a> ${RULE_TITLES_ZH[r.id] ?? ''} ${en(r.title)}:
          <strong>${counts[r.id]}</strong>
        </li>`,
    )}
  </ul>`;
}

const WARNING_FILTERS: readonly FilterLabel[] = [
  { name: 'rule', zh: '预警规则', en: 'Rule' },
  { name: 'region', zh: '地区代码', en: 'Region' },
];

function filterForm(filters: WarningsFilters): Raw {
  return html`<div class="card">
    <form class="filters" method="get" action="/regulator/warnings">
      <label
        ><span>${bi('预警规则', 'Rule')}</span>
        <select name="rule">
          <option value="">全部 All</option>
          ${WARNING_RULES.map((r) => html`<option value="${r.id}" ${r.id === filters.rule ? html`selected` : ''}>${r.id} ${RULE_TITLES_ZH[r.id] ?? r.title}</option>`)}
        </select></label
      >
      <label
        ><span>${bi('地区代码', 'Region')}</span>
        <input name="region" inputmode="numeric" placeholder="3201" value="${filters.region ?? ''}"
      /></label>
      <button type="submit">筛选 ${en('Filter')}</button>
    </form>
  </div>`;
}

function evaluated(evaluatedAt: string | undefined): Raw {
  return evaluatedAt
    ? html`评估时间 ${en('Evaluated at')}
        <time datetime="${evaluatedAt}" data-evaluated-at>${chinaTime(evaluatedAt)}</time>`
    : html`评估时间未知 ${en('Evaluation time unknown')}`;
}

/** The regulator's early-warning page: grades of the CBs and the open warnings in its jurisdiction. */
export function renderRegulatorPage(input: RegulatorPageInput): string {
  const filters = input.filters ?? {};
  const body = html`<main>
    ${regulatorNav('warnings', input.who)}
    <h1>认证监管预警 · ${en('Early warnings')} <span data-region>${input.regionCode}</span></h1>
    ${input.error ? alertBox(input.error) : ''} ${filterForm(filters)}
    ${activeFilters(filters as Record<string, string | undefined>, WARNING_FILTERS, '/regulator/warnings')}
    ${
      input.error
        ? ''
        : html`<p class="muted">
              ${evaluated(input.evaluatedAt)}。只统计客户位于地区代码 ${input.regionCode} 之下的认证。
              ${en(`Only certifications whose client lies under region prefix ${input.regionCode} are counted.`)}
            </p>
            <h2>机构评级 · ${en('Agency grades')}</h2>
            ${gradesTable(input.grades)}
            <h2>预警 · ${en('Open warnings')}</h2>
            ${ruleList(input.counts, filters)}
            <p class="muted">
              按严重程度、再按发现日期（新的在前）排序。${en('Most severe first, then newest first.')}
            </p>
            ${warningsTable(input.warnings)}
            ${input.truncated ? html`<p>仅显示前一部分预警；请按规则筛选，或使用 GET /v1/warnings。${en('Showing the first warnings only; filter by rule or use GET /v1/warnings.')}</p>` : ''}`
    }
  </main>`;
  return page(`预警 · Early warnings ${input.regionCode}`, body, STYLE);
}
