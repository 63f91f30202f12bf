import { chinaDateOf, chinaToday, type CertificateView } from '@certledger/projections';
import type { Receipt, ReceiptVerification } from '../../anchoring/receipts';
import { decodeCanonical } from '../../events/canonical';
import { bi, chinaTime, en, html, page, raw, type Raw } from './html';
import type { Proof } from './receipts';

/**
 * The status a page shows: the certificate's, or `replaced` for a valid one a newer certificate of
 * its certification has replaced (the API keeps `valid`, with `supersededBy`), or `unknown`.
 */
export type PageStatus = 'valid' | 'replaced' | 'suspended' | 'withdrawn' | 'cancelled' | 'expired' | 'unknown';

interface Look {
  readonly color: string;
  /** SVG path data in a 24×24 box, stroked: drawn the same with any font. */
  readonly icon: string;
  readonly zh: string;
  readonly en: string;
  readonly zhLine: string;
  readonly enLine: string;
}

/** Colour, icon and words together, so the status reads the same to everyone (and in greyscale). */
export const STATUS_LOOK: Readonly<Record<PageStatus, Look>> = {
  valid: {
    color: '#11703a',
    icon: 'M5 12.5l4.5 4.5L19 7.5',
    zh: '有效',
    en: 'VALID',
    zhLine: '本证书有效',
    enLine: 'This certificate is valid',
  },
  replaced: {
    color: '#1f4e8c',
    icon: 'M4 8h12M12 4l4 4l-4 4M20 16H8M12 12l-4 4l4 4',
    zh: '已换发',
    en: 'REPLACED',
    zhLine: '本证书已换发新证书，请以新证书为准',
    enLine: 'This certificate has been replaced by a newer one: rely on that one',
  },
  suspended: {
    color: '#a04a00',
    icon: 'M9 6v12M15 6v12',
    zh: '暂停',
    en: 'SUSPENDED',
    zhLine: '本证书已被暂停，暂停期间无效',
    enLine: 'This certificate is suspended and not valid while suspended',
  },
  withdrawn: {
    color: '#b00020',
    icon: 'M6.5 6.5l11 11M17.5 6.5l-11 11',
    zh: '撤销',
    en: 'WITHDRAWN',
    zhLine: '本证书已被撤销，无效',
    enLine: 'This certificate has been withdrawn and is not valid',
  },
  cancelled: {
    color: '#4a4a4a',
    icon: 'M12 4a8 8 0 1 0 0 16a8 8 0 1 0 0-16M6.3 17.7L17.7 6.3',
    zh: '注销',
    en: 'CANCELLED',
    zhLine: '本证书已注销，无效',
    enLine: 'This certificate has been cancelled and is not valid',
  },
  expired: {
    color: '#5d4a8a',
    icon: 'M7 4h10l-5 8l5 8H7l5-8z',
    zh: '过期',
    en: 'EXPIRED',
    zhLine: '本证书已过有效期，无效',
    enLine: 'This certificate has expired and is not valid',
  },
  unknown: {
    color: '#222222',
    icon: 'M9 9.5a3 3 0 1 1 4.2 2.7c-.8.4-1.2 1-1.2 1.8V15M12 18.5v.5',
    zh: '未知',
    en: 'UNKNOWN',
    zhLine: '账本中没有这张证书，请勿信任',
    enLine: 'This certificate is not in the ledger: do not rely on it',
  },
};

const CSS = `
.banner{color:#fff;border-radius:12px;padding:16px;display:flex;gap:14px;align-items:center;margin:10px 0}
.banner .icon{flex:none;width:64px;height:64px;border-radius:50%;border:4px solid #fff;display:flex;align-items:center;justify-content:center;font-size:30px;font-weight:700}
.banner .word{font-size:1.9rem;font-weight:800;letter-spacing:.04em;line-height:1.1}
.banner .line{font-size:.95rem;margin-top:4px}
.ok{color:#11703a;font-weight:600}.bad{color:#b00020;font-weight:600}.wait{color:#a04a00;font-weight:600}
`;

const statusIcon = (path: string): Raw =>
  html`<svg
    viewBox="0 0 24 24"
    width="34"
    height="34"
    fill="none"
    stroke="currentColor"
    stroke-width="2.6"
    stroke-linecap="round"
    stroke-linejoin="round"
  >
    <path d="${path}" />
  </svg>`;

/** What the page shows for a certificate a newer one replaced: the same words, naming the newer number. */
const replacedLook = (newer: string): Look => ({
  ...STATUS_LOOK.replaced,
  zhLine: `本证书已换发为新证书 ${newer}，请以新证书为准`,
  enLine: `This certificate has been replaced by certificate ${newer}: rely on that one`,
});

/** What the page shows for a token that leads to no certificate. */
const NOT_FOUND_LOOK: Look = {
  ...STATUS_LOOK.unknown,
  zh: '未查到',
  en: 'NOT FOUND',
  zhLine: '未查到此证书，请勿信任',
  enLine: 'No certificate was found for this link: do not rely on it',
};

/** What the page shows when the register is being rebuilt and a certificate may simply not be back yet. */
const CATCHING_UP_LOOK: Look = {
  ...STATUS_LOOK.unknown,
  color: '#5a5a5a',
  zh: '请稍后再试',
  en: 'TRY AGAIN SHORTLY',
  zhLine: '证书登记正在更新，暂时无法核验',
  enLine: 'The register is being rebuilt: this certificate cannot be checked just now',
};

export function statusBanner(status: PageStatus, look: Look = STATUS_LOOK[status]): Raw {
  return html`<section class="banner" role="status" data-status="${status}" style="background:${raw(look.color)}">
    <div class="icon" aria-hidden="true">${statusIcon(look.icon)}</div>
    <div>
      <div class="word">${look.zh} · ${en(look.en)}</div>
      <div class="line">${look.zhLine}<br />${en(look.enLine)}</div>
    </div>
  </section>`;
}

/** What to do when the ledger cannot confirm a certificate. */
const NEXT_STEPS = html`<div class="card" data-next-steps>
  <h2>下一步 ${en('What to do next')}</h2>
  <ol>
    <li>
      在全国认证认可信息公共服务平台（<a href="http://cx.cnca.cn/">cx.cnca.cn</a>）按证书编号查询。
      ${en("Look the certificate number up on CNCA's national certification information platform (cx.cnca.cn).")}
    </li>
    <li>联系颁发证书的认证机构核实。 ${en('Ask the certification body that issued it.')}</li>
    <li>
      无法确认的证书可能是伪造的，请向当地市场监督管理部门举报（电话 12315）。
      ${en('A certificate that cannot be confirmed may be fake: report it to the local market regulator (phone 12315).')}
    </li>
  </ol>
</div>`;

/** Whether a suspension's last day lies before today (dates as YYYY-MM-DD compare as strings). */
export const suspensionEnded = (until: string | undefined, today: string): boolean =>
  until !== undefined && until < today;

function statusDetails(
  certificate: CertificateView,
  status: PageStatus,
  today: string,
  replacementUrl: string | undefined,
): Raw {
  const ended = status === 'suspended' && suspensionEnded(certificate.suspendedUntil, today);
  const newer = html`<span class="mono" data-field="supersededBy">${certificate.supersededBy}</span>`;
  return html`${
      certificate.supersededBy
        ? html`<dt>${bi('已换发', 'Replaced by')}</dt>
            <dd>
              ${replacementUrl ? html`<a href="${replacementUrl}" data-replacement>${newer}</a>` : newer}
              <div class="wait">
                认证机构已就同一认证换发新证书，请以新证书为准。${en('The CB has issued a newer certificate for the same certification: rely on that one.')}
              </div>
            </dd>`
        : ''
    }
    <dt>${bi('生效日期', 'Since')}</dt>
    <dd data-field="statusSince">${certificate.statusSince}</dd>
    ${
      certificate.statusReason
        ? html`<dt>${bi('原因', 'Reason')}</dt>
            <dd data-field="statusReason">${certificate.statusReason}</dd>`
        : ''
    }
    ${
      certificate.suspendedUntil && status === 'suspended'
        ? html`<dt>${bi('暂停至', 'Suspended until')}</dt>
            <dd data-field="suspendedUntil">
              ${certificate.suspendedUntil}
              ${ended ? html`<div class="wait" data-suspension-ended>暂停期已过，待认证机构处理 / ${en("Suspension period ended; awaiting the CB's decision")}</div>` : ''}
            </dd>`
        : ''
    }`;
}

const SCHEME_NAMES: Readonly<Record<string, Raw>> = {
  QMS: bi('质量管理体系', 'Quality management system'),
  EMS: bi('环境管理体系', 'Environmental management system'),
  OHSMS: bi('职业健康安全管理体系', 'Occupational health and safety management system'),
};

/** The ledger could not be asked, and every check that needs no ledger passed. */
const waitsForLedger = (check: ReceiptVerification | undefined): boolean =>
  check?.ledgerUnavailable !== undefined && check.checks.every((c) => c.ok);

/** No ledger was asked (none is configured), and every check that needs none passed. */
const checkedOfflineOnly = (check: ReceiptVerification | undefined): boolean =>
  check?.offlineOnly === true && check.checks.every((c) => c.ok);

function checkState(receipt: Receipt, check: ReceiptVerification | undefined): string {
  if (check?.ok) return 'ok';
  if (receipt.status !== 'anchored') return 'pending';
  if (waitsForLedger(check)) return 'ledger-unavailable';
  return checkedOfflineOnly(check) ? 'offline-only' : 'failed';
}

const failedChecks = (check: ReceiptVerification | undefined): string =>
  check
    ? `: ${check.checks
        .filter((c) => !c.ok)
        .map((c) => c.name)
        .join(', ')}`
    : '';

/** What each kind of proof shows happened to the certificate. */
const PROVES: Readonly<Record<string, readonly [zh: string, en: string]>> = {
  CertificateIssued: ['发证', 'Issue'],
  CertificateScopeChanged: ['认证范围变更', 'Scope change'],
  CertificateSuspended: ['暂停', 'Suspension'],
  CertificateRestored: ['恢复', 'Restoration'],
  CertificateWithdrawn: ['撤销', 'Withdrawal'],
  CertificateCancelled: ['注销', 'Cancellation'],
  CertificateExpired: ['到期', 'Expiry'],
};

/** The event a receipt proves, from its own canonical bytes (undefined when they are no envelope). */
function provedEvent(receipt: Receipt): { readonly type: string; readonly occurredAt: string } | undefined {
  try {
    const envelope = decodeCanonical(Buffer.from(receipt.canonical, 'base64'));
    return { type: envelope.type, occurredAt: envelope.occurredAt };
  } catch {
    return undefined;
  }
}

function provesRow(receipt: Receipt): Raw {
  const event = provedEvent(receipt);
  if (!event) return html``;
  const [zh, english] = PROVES[event.type] ?? [event.type, event.type];
  return html`<dt>${bi('证明事项', 'Proves')}</dt>
    <dd data-field="proves">${zh} ${en(english)} · ${chinaDateOf(event.occurredAt)}</dd>`;
}

const LEDGER_NAMES: Readonly<Record<string, Raw>> = {
  fabric: bi('Hyperledger Fabric 联盟链', 'Hyperledger Fabric network'),
  embedded: bi('内置账本（单节点）', 'Embedded ledger (one node)'),
};

function proofSection(proofs: readonly Proof[]): Raw {
  const items = proofs.map((proof) => {
    const receipt = proof.receipt;
    if (!receipt)
      return html`<div class="card">
        <div class="mono">${proof.eventId}</div>
        <div class="bad">无回执 ${en('No receipt found')}</div>
      </div>`;
    const check = proof.verification;
    const result =
      receipt.status !== 'anchored'
        ? html`<span class="wait">等待上链 ${en('Pending anchoring')}</span>`
        : check?.ok
          ? html`<span class="ok">✔ 回执校验通过 ${en('Receipt verified')}</span>`
          : waitsForLedger(check)
            ? html`<span class="wait"
                >账本暂时无法访问：回执的离线校验通过，链上核对请稍后再试。${en("The ledger cannot be reached now: the receipt's offline checks passed; try again later for the ledger's own.")}</span
              >`
            : checkedOfflineOnly(check)
              ? html`<span class="wait"
                  >回执仅经离线校验，未与账本核对。${en("The receipt's offline checks passed; no ledger was asked to confirm it.")}</span
                >`
              : html`<span class="bad">✖ 回执校验失败 ${en(`Receipt check failed${failedChecks(check)}`)}</span>`;
    return html`<div class="card" data-proof="${receipt.status}">
      <dl>
        ${provesRow(receipt)}
        <dt>${bi('校验', 'Check')}</dt>
        <dd data-receipt-check="${checkState(receipt, check)}">${result}</dd>
        ${
          receipt.anchoredAt
            ? html`<dt>${bi('上链时间', 'Anchored at')}</dt>
                <dd data-field="anchoredAt">${receipt.anchoredAt}</dd>`
            : ''
        }
        <dt>${bi('区块', 'Block')}</dt>
        <dd data-field="blockNumber">
          ${receipt.blockNumber ?? '—'}${
            check?.blockNotConfirmed !== undefined
              ? html` <span class="wait" data-block-not-confirmed
                  >（账本节点无法提供该区块，区块号未经确认）${en("(not confirmed: the ledger's peer cannot serve that block)")}</span
                >`
              : ''
          }
        </dd>
        <dt>${bi('交易', 'Transaction')}</dt>
        <dd class="mono">${receipt.transactionId ?? '—'}</dd>
        <dt>${bi('账本', 'Ledger')}</dt>
        <dd data-field="ledger">
          ${receipt.backend ? (LEDGER_NAMES[receipt.backend] ?? receipt.backend) : '—'}${receipt.backend === 'fabric' && receipt.channel ? html` · ${bi('通道', 'channel')} ${receipt.channel}` : ''}
        </dd>
        <dt>${bi('事件哈希', 'Event hash')}</dt>
        <dd class="mono">${receipt.hash}</dd>
        <dt>${bi('默克尔根', 'Merkle root')}</dt>
        <dd class="mono">${receipt.root ?? '—'}</dd>
      </dl>
    </div>`;
  });
  return html`<h2>区块链存证 ${en('Anchoring proof')}</h2>
    ${items}`;
}

/**
 * Unknown unless the ledger vouches for an issued certificate; a valid one a newer certificate
 * replaced is not shown as plainly valid.
 */
function pageStatus(certificate: CertificateView | undefined, historyOk: boolean | undefined): PageStatus {
  if (!certificate || certificate.status === 'not-issued' || historyOk === false) return 'unknown';
  return certificate.status === 'valid' && certificate.supersededBy ? 'replaced' : certificate.status;
}

export function verifyPage(options: {
  readonly certificate?: CertificateView;
  readonly proofs: readonly Proof[];
  /** false when the certificate's history no longer checks against the ledger (the audit failed). */
  readonly historyOk?: boolean;
  /** YYYY-MM-DD in China, to tell whether a suspension has run out. */
  readonly today?: string;
  /** When the page was made (ISO 8601), shown as the time of the check (default now). */
  readonly checkedAt?: string;
  /** No certificate, and the register is far behind the log (a rebuild): say so, not "not found". */
  readonly catchingUp?: boolean;
  /** The verification page of the certificate that replaced this one (`supersededBy`). */
  readonly replacementUrl?: string;
}): { status: PageStatus; body: string } {
  const { certificate, proofs } = options;
  const today = options.today ?? chinaToday();
  const status = pageStatus(certificate, options.historyOk);
  if (!certificate && options.catchingUp) {
    return {
      status,
      body: page(
        `${CATCHING_UP_LOOK.zh} ${CATCHING_UP_LOOK.en} · 证书核验 Certificate check`,
        html`<main>
          <h1>证书核验 · ${en('Certificate verification')}</h1>
          ${statusBanner(status, CATCHING_UP_LOOK)}
          <div class="card" data-catching-up>
            证书登记正在重建，几分钟后请重新扫码。这不表示证书无效。
            ${en('The register is being rebuilt: scan the code again in a few minutes. This does not mean the certificate is invalid.')}
          </div>
        </main>`,
        CSS,
      ),
    };
  }
  if (!certificate) {
    const title = `${NOT_FOUND_LOOK.zh} ${NOT_FOUND_LOOK.en} · 证书核验 Certificate check`;
    return {
      status,
      body: page(
        title,
        html`<main>
          <h1>证书核验 · ${en('Certificate verification')}</h1>
          ${statusBanner(status, NOT_FOUND_LOOK)}
          <div class="card">
            此链接无效或证书不存在。${en('The link is not valid or the certificate does not exist.')}
          </div>
          ${NEXT_STEPS}
        </main>`,
        CSS,
      ),
    };
  }
  const title = `${STATUS_LOOK[status].zh} ${STATUS_LOOK[status].en} · 证书核验 Certificate check`;
  const agency = certificate.agency;
  const body = html`<main>
    <h1>证书核验 · ${en('Certificate verification')}</h1>
    ${statusBanner(status, status === 'replaced' ? replacedLook(certificate.supersededBy!) : STATUS_LOOK[status])}
    ${options.historyOk === false ? html`<div class="card" data-history="failed">此证书的历史记录与区块链账本不符，无法确认其有效性。${en("The certificate's history does not match the ledger: its validity cannot be confirmed.")}</div>` : ''}
    ${status === 'unknown' ? NEXT_STEPS : ''}
    <div class="card">
      <dl>
        <dt>${bi('证书编号', 'Certificate No.')}</dt>
        <dd class="mono" data-field="certificateNo">${certificate.certificateNo}</dd>
        <dt>${bi('状态', 'Status')}</dt>
        <dd data-field="status">${STATUS_LOOK[status].zh} ${en(STATUS_LOOK[status].en)}</dd>
        ${statusDetails(certificate, status, today, options.replacementUrl)}
        <dt>${bi('获证组织', 'Holder')}</dt>
        <dd data-field="holder">${certificate.holder.name}</dd>
        <dt>${bi('统一社会信用代码', 'Credit code')}</dt>
        <dd class="mono">${certificate.holder.creditCode}</dd>
        <dt>${bi('认证项目', 'Scheme')}</dt>
        <dd>${SCHEME_NAMES[certificate.scheme] ?? certificate.scheme}</dd>
        <dt>${bi('认证依据', 'Standard')}</dt>
        <dd>${certificate.standard}</dd>
        <dt>${bi('认证范围', 'Scope')}</dt>
        <dd>${certificate.scope}</dd>
        <dt>${bi('颁证日期', 'Issued')}</dt>
        <dd>${certificate.issuedAt}</dd>
        <dt>${bi('有效期至', 'Valid until')}</dt>
        <dd>${certificate.validUntil}</dd>
        <dt>${bi('认证机构', 'Certification body')}</dt>
        <dd>
          ${agency.name ?? agency.agencyId}${agency.nameEn ? html`<br /><span class="muted">${agency.nameEn}</span>` : ''}<br /><span
            class="mono"
            >${agency.approvalNo}</span
          >
        </dd>
        ${
          agency.accreditation
            ? html`<dt>${bi('认可标志', 'Accreditation')}</dt>
                <dd>
                  ${agency.accreditation.number.startsWith(agency.accreditation.body) ? agency.accreditation.number : `${agency.accreditation.body} ${agency.accreditation.number}`}
                </dd>`
            : ''
        }
      </dl>
    </div>
    ${proofSection(proofs)}
    <p class="muted">
      本页内容来自证书账本的只读视图；回执可离线校验。${en('This page reads the certificate ledger; receipts can be checked offline.')}
    </p>
    <p class="muted">
      核验时间 ${en('Checked at')}
      <time data-field="checkedAt">${chinaTime(options.checkedAt ?? new Date().toISOString())}</time>
    </p>
  </main>`;
  return { status, body: page(title, body, CSS) };
}
