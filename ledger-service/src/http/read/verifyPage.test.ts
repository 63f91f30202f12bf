import type { CertificateView } from '@certledger/projections';
import type { Receipt, ReceiptCheck, ReceiptVerification } from '../../anchoring/receipts';
import type { Proof } from './receipts';
import { chainedEvents, suspended } from '../../anchoring/testing/events';
import { STATUS_LOOK, statusBanner, verifyPage } from './verifyPage';

const certificate: CertificateView = {
  certificateNo: '00125Q31234R0M',
  certificationId: 'cert-1',
  recordedStatus: 'valid',
  status: 'valid',
  statusSince: '2025-06-01',
  holder: { name: '杭州示例制造有限公司', creditCode: '91330100MA2B3C4D5E' },
  regionCode: '330106',
  scheme: 'QMS',
  standard: 'GB/T 19001-2016 / ISO 9001:2015',
  scope: '机械零件的生产 Production of machine parts',
  sectors: [17],
  issuedAt: '2025-06-01',
  validUntil: '2028-05-31',
  agency: { agencyId: 'agency-001', name: '示例认证有限公司', approvalNo: 'CNCA-R-2002-001' },
  proofEventIds: ['e-1'],
};

const anchored: Receipt = {
  receiptVersion: 1,
  status: 'anchored',
  eventId: 'e-1',
  streamId: 'certification-cert-1',
  position: 13,
  hash: 'a'.repeat(64),
  canonical: '',
  root: 'b'.repeat(64),
  backend: 'fabric',
  channel: 'certchannel',
  transactionId: 'tx-1',
  blockNumber: 7,
};

const offlineOk: readonly ReceiptCheck[] = [
  { name: 'canonical-hash', ok: true },
  { name: 'canonical-envelope', ok: true },
  { name: 'inclusion', ok: true },
];

const verified: ReceiptVerification = {
  ok: true,
  status: 'anchored',
  checks: [
    ...offlineOk,
    { name: 'ledger-batch', ok: true },
    { name: 'ledger-commit', ok: true },
    { name: 'ledger-event', ok: true },
  ],
};
const ledgerDown: ReceiptVerification = {
  ok: false,
  status: 'anchored',
  checks: [...offlineOk],
  ledgerUnavailable: 'connect ECONNREFUSED 127.0.0.1:7051',
};
const tamperedWhileLedgerDown: ReceiptVerification = {
  ok: false,
  status: 'anchored',
  checks: [{ name: 'canonical-hash', ok: false, detail: 'SHA-256 of the canonical bytes is …' }, ...offlineOk.slice(1)],
  ledgerUnavailable: 'connect ECONNREFUSED 127.0.0.1:7051',
};
const offlineOnly: ReceiptVerification = { ok: false, status: 'anchored', checks: [...offlineOk], offlineOnly: true };
const rootNotOnLedger: ReceiptVerification = {
  ok: false,
  status: 'anchored',
  checks: [...offlineOk, { name: 'ledger-batch', ok: false }, { name: 'ledger-event', ok: true }],
};

const checkMarks = (body: string): string[] =>
  [...body.matchAll(/data-receipt-check="([^"]+)"/g)].map((match) => match[1]!);
const statusMark = (body: string): string | undefined => /data-status="([^"]+)"/.exec(body)?.[1];

function pageWith(proof: Partial<Proof>): string {
  return verifyPage({ certificate, proofs: [{ eventId: 'e-1', ...proof }] }).body;
}

describe('verification page: the receipt check of each proof', () => {
  it('says verified when every check passed, the ledger included', () => {
    const body = pageWith({ receipt: anchored, verification: verified });
    expect(checkMarks(body)).toEqual(['ok']);
    expect(body).toContain('Receipt verified');
  });

  it("says verified, and the block number the receipt's word, when the ledger's peer cannot serve the block", () => {
    const blockNotConfirmed = 'details for the TXID [t] not available. Ledger bootstrapped from a snapshot.';
    const body = pageWith({ receipt: anchored, verification: { ...verified, blockNotConfirmed } });
    expect(checkMarks(body)).toEqual(['ok']);
    expect(body).toMatch(/data-field="blockNumber">\s*7 <span class="wait" data-block-not-confirmed/);
    expect(body).toMatch(/not confirmed: the ledger\S+s peer cannot serve that block/);
    expect(pageWith({ receipt: anchored, verification: verified })).not.toContain('data-block-not-confirmed');
  });

  it("gives the ledger's time of anchoring when the receipt has it", () => {
    const at = '2026-03-01T08:00:00.000Z';
    expect(pageWith({ receipt: { ...anchored, anchoredAt: at }, verification: verified })).toMatch(
      new RegExp(`data-field="anchoredAt">${at}<`),
    );
    expect(pageWith({ receipt: anchored, verification: verified })).not.toContain('data-field="anchoredAt"');
  });

  it('says what each proof proves, from the receipt’s own bytes, and names the ledger plainly', () => {
    const [event] = chainedEvents('certification-cert-1', 'agency-001', [suspended]);
    const canonical = Buffer.from(event!.canonical).toString('base64');
    const body = pageWith({ receipt: { ...anchored, canonical }, verification: verified });
    expect(body).toMatch(/data-field="proves">\s*暂停 <span lang="en">Suspension<\/span> · 2026-01-01/);
    expect(body).toMatch(/data-field="ledger">\s*Hyperledger Fabric 联盟链/);
    expect(body).toContain('certchannel');
    expect(pageWith({ receipt: anchored, verification: verified })).not.toContain('data-field="proves"');
    const embedded = pageWith({
      receipt: { ...anchored, backend: 'embedded', channel: 'embedded' },
      verification: verified,
    });
    expect(embedded).toContain('内置账本（单节点）');
    expect(embedded).not.toContain('通道');
  });

  it('says when the check was made, in China’s time', () => {
    const body = verifyPage({ certificate, proofs: [], checkedAt: '2026-03-01T02:05:00.000Z' }).body;
    expect(body).toMatch(/data-field="checkedAt">2026-03-01 10:05 \(UTC\+8\)</);
  });

  it('says pending anchoring for a receipt not yet anchored, whatever its check', () => {
    const body = pageWith({ receipt: { ...anchored, status: 'pending', root: undefined }, verification: undefined });
    expect(checkMarks(body)).toEqual(['pending']);
    expect(body).toContain('Pending anchoring');
  });

  it('says the ledger cannot be reached when only the ledger checks are missing', () => {
    const body = pageWith({ receipt: anchored, verification: ledgerDown });
    expect(checkMarks(body)).toEqual(['ledger-unavailable']);
    expect(body).toContain('The ledger cannot be reached now');
    expect(body).not.toContain('Receipt check');
  });

  it('says the receipt was checked offline only, not verified, when no ledger was asked', () => {
    const body = pageWith({ receipt: anchored, verification: offlineOnly });
    expect(checkMarks(body)).toEqual(['offline-only']);
    expect(body).toContain('no ledger was asked to confirm it');
    expect(body).not.toContain('Receipt verified');
    const tampered = pageWith({
      receipt: anchored,
      verification: { ...offlineOnly, checks: [{ name: 'inclusion', ok: false }] },
    });
    expect(checkMarks(tampered)).toEqual(['failed']);
  });

  it('says failed when an offline check failed, even while the ledger is down', () => {
    const body = pageWith({ receipt: anchored, verification: tamperedWhileLedgerDown });
    expect(checkMarks(body)).toEqual(['failed']);
    expect(body).toContain('Receipt check');
    expect(body).toContain('canonical-hash');
    expect(body).not.toContain('inclusion');
  });

  it('says failed, naming the check, when the ledger does not hold the root', () => {
    const body = pageWith({ receipt: anchored, verification: rootNotOnLedger });
    expect(checkMarks(body)).toEqual(['failed']);
    expect(body).toContain('ledger-batch');
    expect(body).not.toContain('ledger-event');
  });

  it('says no receipt was found for an event without one', () => {
    const body = pageWith({});
    expect(checkMarks(body)).toEqual([]);
    expect(body).toContain('No receipt found');
  });

  it('keeps the certificate status of the banner apart from the receipt checks', () => {
    const body = pageWith({ receipt: anchored, verification: ledgerDown });
    expect(statusMark(body)).toBe('valid');
  });
});

describe('verification page: the status it shows', () => {
  it('shows the certificate status as the read model gives it', () => {
    const result = verifyPage({ certificate: { ...certificate, status: 'suspended' }, proofs: [] });
    expect(result.status).toBe('suspended');
    expect(statusMark(result.body)).toBe('suspended');
  });

  it('shows unknown for a certificate not in the ledger', () => {
    const result = verifyPage({ proofs: [] });
    expect(result.status).toBe('unknown');
    expect(result.body).toContain('does not exist');
  });

  it('shows unknown for a certificate not issued yet', () => {
    expect(verifyPage({ certificate: { ...certificate, status: 'not-issued' }, proofs: [] }).status).toBe('unknown');
  });

  it('shows unknown, and says why, when the history no longer checks against the ledger', () => {
    const result = verifyPage({ certificate, proofs: [], historyOk: false });
    expect(result.status).toBe('unknown');
    expect(result.body).toContain('data-history="failed"');
  });

  it('escapes what the certification body wrote', () => {
    const body = verifyPage({
      certificate: { ...certificate, holder: { ...certificate.holder, name: '<script>alert(1)</script>' } },
      proofs: [],
    }).body;
    expect(body).not.toContain('<script>alert(1)</script>');
    expect(body).toContain('&lt;script&gt;');
  });
});

describe('verification page: why and since when', () => {
  const suspendedUntilApril = {
    ...certificate,
    status: 'suspended' as const,
    recordedStatus: 'suspended' as const,
    statusSince: '2026-01-10',
    statusReason: '未按期接受监督审核',
    suspendedUntil: '2026-04-10',
  };
  const field = (body: string, name: string) => new RegExp(`data-field="${name}">\\s*([^<]*)`).exec(body)?.[1]?.trim();

  it('labels the date the status took effect and the reason', () => {
    const body = verifyPage({ certificate: suspendedUntilApril, proofs: [], today: '2026-02-01' }).body;
    expect(body).toMatch(/<dt>生效日期 <span lang="en">Since<\/span><\/dt>/);
    expect(field(body, 'statusSince')).toBe('2026-01-10');
    expect(body).toMatch(/<dt>原因 <span lang="en">Reason<\/span><\/dt>/);
    expect(field(body, 'statusReason')).toBe('未按期接受监督审核');
    expect(field(body, 'suspendedUntil')).toBe('2026-04-10');
  });

  it('says the suspension period has ended only once its last day has passed', () => {
    const on = (today: string) => verifyPage({ certificate: suspendedUntilApril, proofs: [], today }).body;
    expect(on('2026-04-10')).not.toContain('data-suspension-ended');
    expect(on('2026-04-11')).toContain('data-suspension-ended');
    expect(on('2026-04-11')).toContain('暂停期已过，待认证机构处理');
  });

  it('names the newer certificate that replaced this one, and only then', () => {
    const replaced = verifyPage({ certificate: { ...certificate, supersededBy: 'CN-2029-R1' }, proofs: [] }).body;
    expect(field(replaced, 'supersededBy')).toBe('CN-2029-R1');
    expect(replaced).toContain('请以新证书为准');
    expect(verifyPage({ certificate, proofs: [] }).body).not.toContain('data-field="supersededBy"');
  });

  it('shows a valid certificate a newer one replaced as replaced, not valid, pointing at the newer one', () => {
    const result = verifyPage({
      certificate: { ...certificate, supersededBy: 'CN-2029-R1' },
      proofs: [],
      replacementUrl: 'https://ledger.example/verify/newer-token',
    });
    expect(result.status).toBe('replaced');
    const banner = /<section class="banner"[\s\S]*?<\/section>/.exec(result.body)![0];
    expect(banner).toContain('data-status="replaced"');
    expect(banner).not.toContain(STATUS_LOOK.valid.color);
    expect(banner).toContain('已换发 · <span lang="en">REPLACED</span>');
    expect(banner).toContain('CN-2029-R1');
    expect(result.body).not.toContain('VALID');
    expect(result.body).toContain('<a href="https://ledger.example/verify/newer-token" data-replacement>');
    // Any other status keeps its own banner, with the note.
    const withdrawn = verifyPage({
      certificate: { ...certificate, status: 'withdrawn', supersededBy: 'CN-2029-R1' },
      proofs: [],
    });
    expect([withdrawn.status, field(withdrawn.body, 'supersededBy')]).toEqual(['withdrawn', 'CN-2029-R1']);
    expect(
      verifyPage({ certificate: { ...certificate, supersededBy: 'CN-2029-R1' }, proofs: [], historyOk: false }).status,
    ).toBe('unknown');
  });

  it('shows no reason row when there is none', () => {
    expect(verifyPage({ certificate, proofs: [] }).body).not.toContain('data-field="statusReason"');
  });
});

describe('verification page: not found', () => {
  it('says not found and what to do next', () => {
    const body = verifyPage({ proofs: [] }).body;
    expect(body).toContain('未查到 · <span lang="en">NOT FOUND</span>');
    expect(body).toContain('全国认证认可信息公共服务平台');
    expect(body).toContain('联系颁发证书的认证机构');
    expect(body).toContain('12315');
  });
});

describe('verification page: icons and languages', () => {
  it.each(['valid', 'replaced', 'suspended', 'withdrawn', 'cancelled', 'expired', 'unknown'] as const)(
    'draws the %s icon as inline SVG, not a font glyph',
    (status) => {
      const icon = /<div class="icon" aria-hidden="true">([\s\S]*?)<\/div>/.exec(statusBanner(status).__html)?.[1];
      expect(icon?.trim()).toMatch(/^<svg\s[^>]*viewBox="0 0 24 24"[\s\S]*<path d="[^"]+"[\s\S]*<\/svg>$/);
    },
  );

  it('marks the English of the bilingual text', () => {
    const body = verifyPage({ certificate, proofs: [] }).body;
    expect(body).toContain('<html lang="zh-CN">');
    expect(body).toContain('<span lang="en">VALID</span>');
    expect(body).toContain('<span lang="en">Certificate No.</span>');
  });
});
