import type { LoggedEventView } from '@certledger/projections';
import { html, page, type Raw } from './html';

const CSS = `
.bar{display:flex;justify-content:space-between;align-items:center;gap:8px;flex-wrap:wrap}
form.filters{display:grid;grid-template-columns:repeat(auto-fit,minmax(140px,1fr));gap:6px}
input,select,button{font:inherit;padding:6px;border:1px solid #bbb;border-radius:6px}
button{background:#1f4e8c;color:#fff;border-color:#1f4e8c}
ol.timeline{list-style:none;padding:0;margin:0}
ol.timeline li{background:#fff;border-left:6px solid #1f4e8c;border-radius:8px;padding:10px;margin:8px 0;box-shadow:0 1px 2px rgba(0,0,0,.1)}
ol.timeline li.broken{border-left-color:#b00020}
.tag{display:inline-block;border-radius:4px;padding:1px 6px;font-size:.8rem;font-weight:600;margin-right:4px}
.tag.ok{background:#e3f4e8;color:#11703a}.tag.bad{background:#fde7ea;color:#b00020}.tag.wait{background:#fff1df;color:#a04a00}
`;

export function loginPage(message?: string): string {
  return page(
    '监管登录 Regulator sign-in',
    html`<main>
      <h1>监管审计 · Regulator audit trail</h1>
      <div class="card">
        <form method="post" action="/regulator/login">
          <p>请输入访问令牌。Enter your access token.</p>
          ${message ? html`<p class="bad" role="alert" style="color:#b00020">${message}</p>` : ''}
          <p>
            <label
              >令牌 Token <input type="password" name="token" autocomplete="off" required style="width:100%"
            /></label>
          </p>
          <p><button type="submit">登录 Sign in</button></p>
        </form>
      </div>
    </main>`,
    CSS,
  );
}

export interface TimelineFilters {
  readonly agencyId?: string;
  readonly certificationId?: string;
  readonly type?: string;
  readonly from?: string;
  readonly to?: string;
}

function eventItem(event: LoggedEventView): Raw {
  const anchored = event.anchor.status === 'anchored';
  return html`<li
    class="${event.chain.ok ? '' : 'broken'}"
    data-event-id="${event.eventId}"
    data-anchor="${event.anchor.status}"
    data-chain="${event.chain.ok ? 'ok' : 'broken'}"
  >
    <div class="bar"><strong>${event.type}</strong><span class="muted">${event.occurredAt}</span></div>
    <div>${event.summary}</div>
    <div class="muted">
      认证 Certification <span class="mono">${event.certificationId}</span> · 机构 CB ${event.agencyId} · 地区 Region
      ${event.regionCode} · v${event.version}
    </div>
    <div>
      ${event.chain.ok ? html`<span class="tag ok">✔ 链校验 Chain OK</span>` : html`<span class="tag bad">✖ 链断裂 Chain broken: ${event.chain.error ?? ''}</span>`}${anchored ? html`<span class="tag ok">✔ 已上链 Anchored · block ${event.anchor.blockNumber} · tx ${(event.anchor.transactionId ?? '').slice(0, 16)}…</span>` : html`<span class="tag wait">… 待上链 Pending</span>`}
    </div>
    <div class="mono muted">hash ${event.hash}</div>
  </li>`;
}

export function timelinePage(options: {
  readonly who: string;
  readonly jurisdiction: string;
  readonly filters: TimelineFilters;
  readonly events: readonly LoggedEventView[];
  readonly nextHref?: string;
}): string {
  const f = options.filters;
  return page(
    '监管审计 Regulator audit trail',
    html`<main>
      <div class="bar">
        <h1>监管审计时间线 · Audit trail</h1>
        <form method="post" action="/regulator/logout"><button type="submit">退出 Sign out</button></form>
      </div>
      <p class="muted">
        ${options.who} · 辖区 Jurisdiction:
        <strong data-jurisdiction="${options.jurisdiction}">${options.jurisdiction}</strong>
      </p>
      <div class="card">
        <form class="filters" method="get" action="/regulator">
          <input name="agencyId" placeholder="机构 CB (CNCA-R-…)" value="${f.agencyId ?? ''}" />
          <input name="certificationId" placeholder="认证 Certification id" value="${f.certificationId ?? ''}" />
          <input name="type" placeholder="事件类型 Event type" value="${f.type ?? ''}" />
          <input name="from" type="date" value="${f.from ?? ''}" aria-label="from" />
          <input name="to" type="date" value="${f.to ?? ''}" aria-label="to" />
          <button type="submit">筛选 Filter</button>
        </form>
      </div>
      ${
        options.events.length === 0
          ? html`<div class="card" data-empty="true">辖区内没有事件。No events in your jurisdiction.</div>`
          : html`<ol class="timeline">
              ${options.events.map(eventItem)}
            </ol>`
      }
      ${options.nextHref ? html`<p><a href="${options.nextHref}">更多 More →</a></p>` : ''}
    </main>`,
    CSS,
  );
}
