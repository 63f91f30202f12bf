import type { CertificateView } from '@certledger/projections';
import type { Receipt, ReceiptVerification } from '../../anchoring/receipts';
import { html, page, raw, type Raw } from './html';
import type { Proof } from './receipts';

export type PageStatus = 'valid' | 'suspended' | 'withdrawn' | 'cancelled' | 'expired' | 'unknown';

interface Look {
  readonly color: string;
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
    icon: '✔',
    zh: '有效',
    en: 'VALID',
    zhLine: '本证书有效',
    enLine: 'This certificate is valid',
  },
  suspended: {
    color: '#a04a00',
    icon: '❚❚',
    zh: '暂停',
    en: 'SUSPENDED',
    zhLine: '本证书已被暂停，暂停期间无效',
    enLine: 'This certificate is suspended and not valid while suspended',
  },
  withdrawn: {
    color: '#b00020',
    icon: '✖',
    zh: '撤销',
    en: 'WITHDRAWN',
    zhLine: '本证书已被撤销，无效',
    enLine: 'This certificate has been withdrawn and is not valid',
  },
  cancelled: {
    color: '#4a4a4a',
    icon: '⊘',
    zh: '注销',
    en: 'CANCELLED',
    zhLine: '本证书已注销，无效',
    enLine: 'This certificate has been cancelled and is not valid',
  },
  expired: {
    color: '#5d4a8a',
    icon: '⌛',
    zh: '过期',
    en: 'EXPIRED',
    zhLine: '本证书已过有效期，无效',
    enLine: 'This certificate has expired and is not valid',
  },
  unknown: {
    color: '#222222',
    icon: '?',
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

export function statusBanner(status: PageStatus): Raw {
  const look = STATUS_LOOK[status];
  return html`<section class="banner" role="status" data-status="${status}" style="background:${raw(look.color)}">
    <div class="icon" aria-hidden="true">${look.icon}</div>
    <div>
      <div class="word">${look.zh} · ${look.en}</div>
      <div class="line">${look.zhLine}<br />${look.enLine}</div>
    </div>
  </section>`;
}

const SCHEME_NAMES: Readonly<Record<string, string>> = {
  QMS: '质量管理体系 Quality management system',
  EMS: '环境管理体系 Environmental management system',
  OHSMS: '职业健康安全管理体系 Occupational health and safety management system',
};

/** The ledger could not be asked, and every check that needs no ledger passed. */
const waitsForLedger = (check: ReceiptVerification | undefined): boolean =>
  check?.ledgerUnavailable !== undefined && check.checks.every((c) => c.ok);

function checkState(receipt: Receipt, check: ReceiptVerification | undefined): string {
  if (check?.ok) return 'ok';
  if (receipt.status !== 'anchored') return 'pending';
  return waitsForLedger(check) ? 'ledger-unavailable' : 'failed';
}

function proofSection(proofs: readonly Proof[]): Raw {
  const items = proofs.map((proof) => {
    const receipt = proof.receipt;
    if (!receipt)
      return html`<div class="card">
        <div class="mono">${proof.eventId}</div>
        <div class="bad">无回执 No receipt found</div>
      </div>`;
    const check = proof.verification;
    const result =
      receipt.status !== 'anchored'
        ? html`<span class="wait">等待上链 Pending anchoring</span>`
        : check?.ok
          ? html`<span class="ok">✔ 回执校验通过 Receipt verified</span>`
          : waitsForLedger(check)
            ? html`<span class="wait"
                >账本暂时无法访问：回执的离线校验通过，链上核对请稍后再试。The ledger cannot be reached now: the
                receipt's offline checks passed; try again later for the ledger's own.</span
              >`
            : html`<span class="bad"
                >✖ 回执校验失败 Receipt check
                failed${
                  check
                    ? `: ${check.checks
                        .filter((c) => !c.ok)
                        .map((c) => c.name)
                        .join(', ')}`
                    : ''
                }</span
              >`;
    return html`<div class="card" data-proof="${receipt.status}">
      <dl>
        <dt>校验 Check</dt>
        <dd data-receipt-check="${checkState(receipt, check)}">${result}</dd>
        <dt>区块 Block</dt>
        <dd>${receipt.blockNumber ?? '—'}</dd>
        <dt>交易 Transaction</dt>
        <dd class="mono">${receipt.transactionId ?? '—'}</dd>
        <dt>账本 Ledger</dt>
        <dd>${receipt.backend ?? '—'}${receipt.channel ? ` / ${receipt.channel}` : ''}</dd>
        <dt>事件哈希 Event hash</dt>
        <dd class="mono">${receipt.hash}</dd>
        <dt>默克尔根 Merkle root</dt>
        <dd class="mono">${receipt.root ?? '—'}</dd>
      </dl>
    </div>`;
  });
  return html`<h2>区块链存证 Anchoring proof</h2>
    ${items}`;
}

export function verifyPage(options: {
  readonly certificate?: CertificateView;
  readonly proofs: readonly Proof[];
  /** false when the certificate's history no longer checks against the ledger (the audit failed). */
  readonly historyOk?: boolean;
}): { status: PageStatus; body: string } {
  const { certificate, proofs } = options;
  const status: PageStatus =
    certificate && certificate.status !== 'not-issued' && options.historyOk !== false ? certificate.status : 'unknown';
  const title = `${STATUS_LOOK[status].zh} ${STATUS_LOOK[status].en} · 证书核验 Certificate check`;
  if (!certificate) {
    return {
      status,
      body: page(
        title,
        html`<main>
          <h1>证书核验 · Certificate verification</h1>
          ${statusBanner(status)}
          <div class="card">此链接无效或证书不存在。The link is not valid or the certificate does not exist.</div>
        </main>`,
        CSS,
      ),
    };
  }
  const agency = certificate.agency;
  const body = html`<main>
    <h1>证书核验 · Certificate verification</h1>
    ${statusBanner(status)}
    ${options.historyOk === false ? html`<div class="card" data-history="failed">此证书的历史记录与区块链账本不符，无法确认其有效性。The certificate's history does not match the ledger: its validity cannot be confirmed.</div>` : ''}
    <div class="card">
      <dl>
        <dt>证书编号 Certificate No.</dt>
        <dd class="mono" data-field="certificateNo">${certificate.certificateNo}</dd>
        <dt>状态 Status</dt>
        <dd>
          ${STATUS_LOOK[status].zh} ${STATUS_LOOK[status].en}
          <span class="muted"
            >(${certificate.statusSince}${certificate.suspendedUntil ? `, 至 until ${certificate.suspendedUntil}` : ''})</span
          >
        </dd>
        <dt>获证组织 Holder</dt>
        <dd data-field="holder">${certificate.holder.name}</dd>
        <dt>统一社会信用代码 Credit code</dt>
        <dd class="mono">${certificate.holder.creditCode}</dd>
        <dt>认证项目 Scheme</dt>
        <dd>${SCHEME_NAMES[certificate.scheme] ?? certificate.scheme}</dd>
        <dt>认证依据 Standard</dt>
        <dd>${certificate.standard}</dd>
        <dt>认证范围 Scope</dt>
        <dd>${certificate.scope}</dd>
        <dt>颁证日期 Issued</dt>
        <dd>${certificate.issuedAt}</dd>
        <dt>有效期至 Valid until</dt>
        <dd>${certificate.validUntil}</dd>
        <dt>认证机构 Certification body</dt>
        <dd>
          ${agency.name ?? agency.agencyId}${agency.nameEn ? html`<br /><span class="muted">${agency.nameEn}</span>` : ''}<br /><span
            class="mono"
            >${agency.approvalNo}</span
          >
        </dd>
        ${
          agency.accreditation
            ? html`<dt>认可标志 Accreditation</dt>
                <dd>
                  ${agency.accreditation.number.startsWith(agency.accreditation.body) ? agency.accreditation.number : `${agency.accreditation.body} ${agency.accreditation.number}`}
                </dd>`
            : ''
        }
      </dl>
    </div>
    ${proofSection(proofs)}
    <p class="muted">
      本页内容来自证书账本的只读视图；回执可离线校验。This page reads the certificate ledger; receipts can be checked
      offline.
    </p>
  </main>`;
  return { status, body: page(title, body, CSS) };
}
