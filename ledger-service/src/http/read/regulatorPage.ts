import type { LoggedEventView } from '@certledger/projections';
import { EVENT_TYPES } from '../../events/schema';
import type { ProblemError } from '../problem';
import { alertBox, bi, en, html, page, problemWords, type PageError, type Raw } from './html';

export const REGULATOR_CSS = `
.bar{display:flex;justify-content:space-between;align-items:center;gap:8px;flex-wrap:wrap}
nav.regulator{display:flex;align-items:center;gap:6px 14px;flex-wrap:wrap;background:#fff;border-radius:10px;padding:8px 12px;box-shadow:0 1px 3px rgba(0,0,0,.12)}
nav.regulator a{color:#1f4e8c;text-decoration:none;font-weight:600;padding:4px 0}
nav.regulator a[aria-current=page]{color:#1a1a1a;border-bottom:3px solid #1f4e8c}
nav.regulator form{margin-left:auto}
form.filters{display:grid;grid-template-columns:repeat(auto-fit,minmax(150px,1fr));gap:8px;align-items:end}
form.filters label{display:flex;flex-direction:column;gap:2px;font-size:.85rem;color:#333}
input,select,button{font:inherit;padding:6px;border:1px solid #bbb;border-radius:6px;max-width:100%}
button{background:#1f4e8c;color:#fff;border-color:#1f4e8c}
.active-filters{margin:8px 0}.active-filters a{white-space:nowrap}
ol.timeline{list-style:none;padding:0;margin:0}
ol.timeline li{background:#fff;border-left:6px solid #1f4e8c;border-radius:8px;padding:10px;margin:8px 0;box-shadow:0 1px 2px rgba(0,0,0,.1)}
ol.timeline li.broken{border-left-color:#b00020}
.tag{display:inline-block;border-radius:4px;padding:1px 6px;font-size:.8rem;font-weight:600;margin-right:4px}
.tag.ok{background:#e3f4e8;color:#11703a}.tag.bad{background:#fde7ea;color:#b00020}.tag.wait{background:#fff1df;color:#a04a00}
`;

export type RegulatorSection = 'timeline' | 'warnings';

const SECTIONS: ReadonlyArray<{ section: RegulatorSection; href: string; zh: string; en: string }> = [
  { section: 'timeline', href: '/regulator', zh: '审计时间线', en: 'Audit trail' },
  { section: 'warnings', href: '/regulator/warnings', zh: '预警', en: 'Early warnings' },
];

/** The regulator pages' shared navigation, with sign-out. */
export function regulatorNav(active: RegulatorSection, who: string): Raw {
  return html`<nav class="regulator" aria-label="监管 Regulator">
    ${SECTIONS.map((s) =>
      s.section === active
        ? html`<a href="${s.href}" aria-current="page">${bi(s.zh, s.en)}</a>`
        : html`<a href="${s.href}">${bi(s.zh, s.en)}</a>`,
    )}
    <span class="muted">${who}</span>
    <form method="post" action="/regulator/logout"><button type="submit">退出 ${en('Sign out')}</button></form>
  </nav>`;
}

/**
 * Where sign-in may send the browser back to: a path of the regulator pages on this site, else
 * the timeline. Never another host (no "//", no scheme, no backslash).
 */
export function safeReturnPath(value: unknown): string {
  if (typeof value !== 'string' || value.length > 1000) return '/regulator';
  return /^\/regulator(\/[A-Za-z0-9/_-]*)?(\?[^\s\\#]*)?$/.test(value) && !value.includes('//') ? value : '/regulator';
}

export const NOT_A_REGULATOR: PageError = {
  zh: '此令牌无权查看监管页面。',
  en: 'This token may not open the regulator pages.',
};
export const UNKNOWN_TOKEN: PageError = { zh: '令牌无效或无权访问。', en: 'Unknown token, or not a regulator.' };

export function loginPage(message?: PageError, returnTo = '/regulator'): string {
  return page(
    '监管登录 Regulator sign-in',
    html`<main>
      <h1>监管审计 · ${en('Regulator audit trail')}</h1>
      <div class="card">
        <form method="post" action="/regulator/login">
          <p>请输入访问令牌。${en('Enter your access token.')}</p>
          ${message ? alertBox(message) : ''}
          <input type="hidden" name="returnTo" value="${safeReturnPath(returnTo)}" />
          <p>
            <label
              >令牌 ${en('Token')} <input type="password" name="token" autocomplete="off" required style="width:100%"
            /></label>
          </p>
          <p><button type="submit">登录 ${en('Sign in')}</button></p>
        </form>
      </div>
    </main>`,
    REGULATOR_CSS,
  );
}

const PARAMETER_NAMES: Readonly<Record<string, string>> = {
  region: '地区代码',
  agencyId: '机构编号',
  certificationId: '认证编号',
  type: '事件类型',
  from: '起始日期',
  to: '截止日期',
  limit: '条数',
  rule: '预警规则',
  severity: '严重程度',
  state: '状态',
};

/** A refused filter in both languages: what is wrong, the English as the API words it. */
export function filterErrorWords(problem: ProblemError): PageError {
  const parameter = problem.extensions.parameter;
  if (problem.code === 'invalid-cursor')
    return { zh: '翻页参数无效，请从第一页重新查看。', en: 'The page cursor is not valid; start again from page one.' };
  if (problem.code === 'forbidden') return { zh: '所选地区不在您的辖区内。', en: problem.title };
  if (typeof parameter === 'string' && PARAMETER_NAMES[parameter])
    return { zh: `筛选条件“${PARAMETER_NAMES[parameter]}”无效。`, en: problem.title };
  return problemWords(problem);
}

export interface FilterLabel {
  readonly name: string;
  readonly zh: string;
  readonly en: string;
}

/** The filters in force, and a link that drops them all. */
export function activeFilters(
  filters: Readonly<Record<string, string | undefined>>,
  labels: readonly FilterLabel[],
  showAllHref: string,
): Raw {
  const set = labels.filter((l) => filters[l.name] !== undefined);
  if (set.length === 0) return html``;
  return html`<p class="active-filters" data-active-filters>
    筛选 ${en('Filtered by')}:
    ${set.map((l) => html`<span class="tag wait">${bi(l.zh, l.en)}: ${filters[l.name]}</span>`)}
    <a href="${showAllHref}" data-show-all>显示全部 / ${en('Show all')}</a>
  </p>`;
}

export interface TimelineFilters {
  readonly agencyId?: string;
  readonly certificationId?: string;
  readonly type?: string;
  readonly from?: string;
  readonly to?: string;
}

const TIMELINE_FILTERS: readonly FilterLabel[] = [
  { name: 'agencyId', zh: '机构编号', en: 'CB' },
  { name: 'certificationId', zh: '认证编号', en: 'Certification' },
  { name: 'type', zh: '事件类型', en: 'Event type' },
  { name: 'from', zh: '起始日期', en: 'From' },
  { name: 'to', zh: '截止日期', en: 'To' },
];

function eventItem(event: LoggedEventView): Raw {
  const anchored = event.anchor.status === 'anchored';
  return html`<li
    class="${event.chain.ok ? '' : 'broken'}"
    data-event-id="${event.eventId}"
    data-anchor="${event.anchor.status}"
    data-chain="${event.chain.ok ? 'ok' : 'broken'}"
  >
    <div class="bar"><strong>${event.type}</strong><span class="muted">#${event.position}</span></div>
    <div class="muted">
      发生 ${en('Occurred')} <time data-occurred-at>${event.occurredAt}</time> · 登记 ${en('Recorded')}
      <time data-recorded-at>${event.recordedAt}</time>
      ${event.anchor.anchoredAt ? html` · 上链 ${en('Anchored')} <time data-anchored-at>${event.anchor.anchoredAt}</time>` : ''}
    </div>
    <div>${event.summary}</div>
    <div class="muted">
      认证 ${en('Certification')} <span class="mono">${event.certificationId}</span> · 机构 ${en('CB')}
      ${event.agencyId} · 地区 ${en('Region')} ${event.regionCode} · v${event.version}
    </div>
    <div>
      ${event.chain.ok ? html`<span class="tag ok">✔ 链校验 ${en('Chain OK')}</span>` : html`<span class="tag bad">✖ 链断裂 ${en(`Chain broken: ${event.chain.error ?? ''}`)}</span>`}${anchored ? html`<span class="tag ok">✔ 已上链 ${en(`Anchored · block ${event.anchor.blockNumber} · tx ${(event.anchor.transactionId ?? '').slice(0, 16)}…`)}</span>` : html`<span class="tag wait">… 待上链 ${en('Pending')}</span>`}
    </div>
    <div class="mono muted">hash ${event.hash}</div>
  </li>`;
}

function eventTypeSelect(selected: string | undefined): Raw {
  const known = (EVENT_TYPES as readonly string[]).includes(selected ?? '');
  return html`<select name="type">
    <option value="">全部 All</option>
    ${EVENT_TYPES.map((type) => html`<option value="${type}" ${type === selected ? html`selected` : ''}>${type}</option>`)}
    ${selected && !known ? html`<option value="${selected}" selected>${selected}</option>` : ''}
  </select>`;
}

const labelled = (zh: string, english: string, control: Raw): Raw =>
  html`<label><span>${bi(zh, english)}</span>${control}</label>`;

export function timelinePage(options: {
  readonly who: string;
  readonly jurisdiction: string;
  readonly filters: TimelineFilters;
  readonly events: readonly LoggedEventView[];
  readonly nextHref?: string;
  /** A refused filter: shown above the page, the filters kept for correcting. */
  readonly error?: PageError;
}): string {
  const f = options.filters;
  return page(
    '监管审计 Regulator audit trail',
    html`<main>
      ${regulatorNav('timeline', options.who)}
      <h1>监管审计时间线 · ${en('Audit trail')}</h1>
      ${options.error ? alertBox(options.error) : ''}
      <p class="muted">
        辖区 ${en('Jurisdiction')}:
        <strong data-jurisdiction="${options.jurisdiction}">${options.jurisdiction}</strong>
      </p>
      <div class="card">
        <form class="filters" method="get" action="/regulator">
          ${labelled('机构编号', 'CB', html`<input name="agencyId" placeholder="CNCA-R-…" value="${f.agencyId ?? ''}" />`)}
          ${labelled('认证编号', 'Certification id', html`<input name="certificationId" value="${f.certificationId ?? ''}" />`)}
          ${labelled('事件类型', 'Event type', eventTypeSelect(f.type))}
          ${labelled('起始日期', 'From', html`<input name="from" type="date" value="${f.from ?? ''}" />`)}
          ${labelled('截止日期', 'To', html`<input name="to" type="date" value="${f.to ?? ''}" />`)}
          <button type="submit">筛选 ${en('Filter')}</button>
        </form>
      </div>
      ${activeFilters(f as Record<string, string | undefined>, TIMELINE_FILTERS, '/regulator')}
      ${options.error ? '' : timeline(options.events)}
      ${options.nextHref ? html`<p><a href="${options.nextHref}">更多 ${en('More')} →</a></p>` : ''}
    </main>`,
    REGULATOR_CSS,
  );
}

function timeline(events: readonly LoggedEventView[]): Raw {
  if (events.length === 0)
    return html`<div class="card" data-empty="true">辖区内没有事件。${en('No events in your jurisdiction.')}</div>`;
  return html`<p class="muted" data-order="recorded">
      <strong>按登记顺序 · ${en('In order recorded')}</strong>：先登记的在前，事件的发生时间可能早于登记时间。
      ${en('Earliest first; an event may have occurred before it was recorded.')}
    </p>
    <ol class="timeline">
      ${events.map(eventItem)}
    </ol>`;
}
