import { randomUUID } from 'node:crypto';
import jsQR from 'jsqr';
import { PNG } from 'pngjs';
import {
  addDays,
  addYears,
  initialCertification,
  recertification,
  withCheckCharacter,
  type ScenarioEvent,
} from '../../testing/scenario';
import { launchChromium, type Chromium } from './testing/chromium';
import { eventually, startService, TOKENS, type RunningService } from './testing/service';

const HOLDER_CODE = withCheckCharacter('91320106MA1Q3R5T8');
const OTHER_CODE = withCheckCharacter('91320506MA1Q3R5T9');
const CERTIFICATION = 'JSQC-2025-0042';
const CERTIFICATE_NO = '00125Q00042R0M';

let running: RunningService;
let browser: Chromium;
let phone: Chromium;

const api = async (path: string, token?: string, init: RequestInit = {}) => {
  const response = await fetch(`${running.baseUrl}${path}`, {
    ...init,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(init.headers ?? {}) },
    redirect: 'manual',
  });
  return response;
};

async function submit(event: ScenarioEvent): Promise<Record<string, any>> {
  const { certificationId, ...body } = event;
  const response = await api(`/v1/certifications/${certificationId}/events`, TOKENS.agency, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const json = (await response.json()) as Record<string, any>;
  if (response.status !== 201) throw new Error(`${event.type}: ${response.status} ${JSON.stringify(json)}`);
  return json;
}

const now = () => new Date().toISOString();
const inMonths = (months: number) => new Date(Date.now() + months * 30 * 86_400_000).toISOString().slice(0, 10);

/** Reads the QR code the API serves, with a real decoder, and returns the URL it encodes. */
async function scanQr(certificateNo: string): Promise<string> {
  const response = await api(`/v1/certificates/${encodeURIComponent(certificateNo)}/qr`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toBe('image/png');
  const png = PNG.sync.read(Buffer.from(await response.arrayBuffer()));
  const code = jsQR(
    new Uint8ClampedArray(png.data.buffer, png.data.byteOffset, png.data.length),
    png.width,
    png.height,
  );
  if (!code) throw new Error('no QR code found in the PNG');
  return code.data;
}

/** Opens the page with JavaScript disabled and reads the status banner. */
async function statusShown(url: string): Promise<{ status: string; text: string }> {
  const page = await browser.context.newPage();
  try {
    await page.goto(url);
    const banner = page.locator('[role=status]');
    return { status: (await banner.getAttribute('data-status')) ?? '', text: await banner.innerText() };
  } finally {
    await page.close();
  }
}

beforeAll(async () => {
  running = await startService({ enterpriseCreditCode: HOLDER_CODE, otherCreditCode: OTHER_CODE });
  browser = await launchChromium({ javaScriptEnabled: false });
  phone = await launchChromium({ phone: true });
  const events = initialCertification({
    certificationId: CERTIFICATION,
    appliedOn: '2025-03-01',
    certificateNo: CERTIFICATE_NO,
    creditCode: HOLDER_CODE,
    regionCode: '320106',
  });
  for (const event of events) await submit(event);
}, 60_000);

afterAll(async () => {
  await phone?.close();
  await browser?.close();
  await running?.stop();
});

describe('certificate checked by scanning its QR code in Chromium (REST intake → projections → page)', () => {
  let verifyUrl: string;

  it('decodes the QR code to an unguessable verification URL and shows the certificate as valid', async () => {
    verifyUrl = await eventually(
      async () =>
        (await api(`/v1/certificates/${CERTIFICATE_NO}`)).status === 200 ? scanQr(CERTIFICATE_NO) : undefined,
      15_000,
      'certificate in the registry',
    );
    expect(verifyUrl.startsWith(`${running.baseUrl}/verify/`)).toBe(true);
    expect(verifyUrl).not.toContain(CERTIFICATE_NO);
    const shown = await statusShown(verifyUrl);
    expect(shown.status).toBe('valid');
    expect(shown.text).toContain('有效');
    expect(shown.text).toContain('VALID');
  });

  it('shows the holder, scope, dates, CB and a verified anchoring proof with block and transaction', async () => {
    const page = await browser.context.newPage();
    try {
      const checks = await eventually(
        async () => {
          await page.goto(verifyUrl);
          const marks = page.locator('[data-receipt-check]');
          const values: Array<string | null> = [];
          for (let i = 0; i < (await marks.count()); i += 1)
            values.push(await marks.nth(i).getAttribute('data-receipt-check'));
          return values.length > 0 && values.every((v) => v === 'ok') ? values : undefined;
        },
        15_000,
        'anchored receipts',
      );
      expect(checks.length).toBeGreaterThanOrEqual(1);
      const text = await page.locator('main').innerText();
      expect(text).toContain('南京示例电子有限公司');
      expect(text).toContain(HOLDER_CODE);
      expect(text).toContain('电子元器件的设计和生产');
      expect(text).toContain('CNCA-R-2002-001');
      expect(text).toMatch(/区块 Block\s+\d+/);
      expect(text).toMatch(/交易 Transaction\s+[0-9a-f]{16,}/);
      expect(text).not.toContain('王审核');
    } finally {
      await page.close();
    }
  });

  it('fits a phone screen', async () => {
    const page = await phone.context.newPage();
    try {
      await page.goto(verifyUrl);
      const width = (await page.evaluate('document.documentElement.scrollWidth')) as number;
      expect(width).toBeLessThanOrEqual(390);
      const box = await page.locator('[role=status]').boundingBox();
      expect(box!.width).toBeLessThanOrEqual(390);
      const icon = await page.locator('[role=status] .icon svg').boundingBox();
      expect(icon!.width).toBeGreaterThanOrEqual(24);
    } finally {
      await page.close();
    }
  });

  it('a forged or altered token shows unknown', async () => {
    const forged = verifyUrl.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'));
    expect((await statusShown(forged)).status).toBe('unknown');
    expect(
      (
        await statusShown(
          `${running.baseUrl}/verify/${Buffer.from(CERTIFICATE_NO).toString('base64url')}.AAAAAAAAAAAAAAAAAAAAAA`,
        )
      ).status,
    ).toBe('unknown');
  });

  it('shows suspended after a suspension is submitted, and the API still knows it was valid before', async () => {
    await submit({
      certificationId: CERTIFICATION,
      eventId: randomUUID(),
      type: 'CertificateSuspended',
      occurredAt: now(),
      data: { reason: '未按期接受监督审核', until: inMonths(3) },
    });
    const shown = await eventually(
      async () => {
        const s = await statusShown(verifyUrl);
        return s.status === 'suspended' ? s : undefined;
      },
      10_000,
      'suspended on the page',
    );
    expect(shown.text).toContain('暂停');
    expect(shown.text).toContain('SUSPENDED');
    const before = (await (await api(`/v1/certificates/${CERTIFICATE_NO}?asOf=2026-01-01`)).json()) as Record<
      string,
      any
    >;
    expect(before.status).toBe('valid');
    const nowView = (await (await api(`/v1/certificates/${CERTIFICATE_NO}`)).json()) as Record<string, any>;
    expect(nowView.status).toBe('suspended');
    expect(nowView.proofs.length).toBeGreaterThanOrEqual(2);
    expect(JSON.stringify(nowView)).not.toContain('AUD-0001');
  });

  it('shows withdrawn after a withdrawal', async () => {
    await submit({
      certificationId: CERTIFICATION,
      eventId: randomUUID(),
      type: 'CertificateWithdrawn',
      occurredAt: now(),
      data: { reason: '暂停期满未整改' },
    });
    const shown = await eventually(
      async () => {
        const s = await statusShown(verifyUrl);
        return s.status === 'withdrawn' ? s : undefined;
      },
      10_000,
      'withdrawn on the page',
    );
    expect(shown.text).toContain('撤销');
    expect(shown.text).toContain('WITHDRAWN');
  });
});

describe('regulators in Chromium and through the API', () => {
  async function signIn(token: string) {
    await browser.context.clearCookies();
    const page = await browser.context.newPage();
    await page.goto(`${running.baseUrl}/regulator`);
    await page.fill('input[name=token]', token);
    await page.click('button[type=submit]');
    await page.waitForURL(`${running.baseUrl}/regulator`);
    return page;
  }

  it('the Nanjing regulator sees the full history, every event chain-checked and, once anchored, marked so', async () => {
    const page = await signIn(TOKENS.nanjing);
    try {
      await eventually(
        async () => {
          await page.reload();
          const pending = await page.locator('li[data-anchor=pending]').count();
          return pending === 0 ? true : undefined;
        },
        15_000,
        'all anchored',
      );
      expect(await page.locator('[data-jurisdiction]').innerText()).toBe('3201');
      const items = page.locator('ol.timeline li');
      expect(await items.count()).toBe(16);
      expect(await page.locator('li[data-chain=ok]').count()).toBe(16);
      expect(await page.locator('li[data-anchor=anchored]').count()).toBe(16);
      expect(await items.last().innerText()).toContain('CertificateWithdrawn');
    } finally {
      await page.close();
    }
  });

  it('a regulator of another city sees nothing, on the page or through the API', async () => {
    const page = await signIn(TOKENS.suzhou);
    try {
      expect(await page.locator('[data-jurisdiction]').innerText()).toBe('3205');
      expect(await page.locator('ol.timeline li').count()).toBe(0);
      expect(await page.locator('[data-empty=true]').count()).toBe(1);
    } finally {
      await page.close();
    }
    const trail = (await (await api('/v1/audit-trail', TOKENS.suzhou)).json()) as Record<string, any>;
    expect(trail.items).toEqual([]);
    expect((await api(`/v1/certifications/${CERTIFICATION}/trace`, TOKENS.suzhou)).status).toBe(404);
    expect((await api('/v1/audit-trail?region=3201', TOKENS.suzhou)).status).toBe(403);
  });

  it('after sign-in returns to the page that asked for it', async () => {
    await browser.context.clearCookies();
    const page = await browser.context.newPage();
    try {
      const response = await page.goto(`${running.baseUrl}/regulator/warnings`);
      expect(response!.status()).toBe(401);
      await page.fill('input[name=token]', TOKENS.nanjing);
      await page.click('button[type=submit]');
      await page.waitForURL(`${running.baseUrl}/regulator/warnings`);
      expect(await page.locator('h1').innerText()).toContain('Early warnings');
      expect(await page.locator('nav [aria-current=page]').innerText()).toContain('预警');
    } finally {
      await page.close();
    }
  });

  it('fits the regulator pages on a 375 px phone, tables scrolling inside their box', async () => {
    await phone.context.clearCookies();
    const page = await phone.context.newPage();
    try {
      await page.setViewportSize({ width: 375, height: 812 });
      await page.goto(`${running.baseUrl}/regulator/warnings`);
      await page.fill('input[name=token]', TOKENS.jiangsu);
      await page.click('button[type=submit]');
      await page.waitForURL(`${running.baseUrl}/regulator/warnings`);
      const widestTable = (await page.evaluate(
        'Math.max(...[...document.querySelectorAll("table")].map((t) => t.scrollWidth))',
      )) as number;
      expect(widestTable).toBeGreaterThan(375);
      for (const path of ['/regulator/warnings', '/regulator', '/regulator/warnings?region=3205']) {
        await page.goto(`${running.baseUrl}${path}`);
        expect(await page.locator('table, ol.timeline, [data-empty], [role=alert]').count()).toBeGreaterThan(0);
        expect((await page.evaluate('document.documentElement.scrollWidth')) as number).toBeLessThanOrEqual(375);
      }
      await page.goto(`${running.baseUrl}/regulator`);
      for (const name of ['from', 'to', 'type']) {
        const label = page.locator(`label:has([name=${name}])`);
        expect((await label.innerText()).trim()).toMatch(/[\u4e00-\u9fff].* [A-Z]/);
        expect(await label.isVisible()).toBe(true);
      }
    } finally {
      await page.close();
    }
  });

  it('a bad token is refused at sign-in and the page without a cookie asks to sign in', async () => {
    await browser.context.clearCookies();
    const page = await browser.context.newPage();
    try {
      const response = await page.goto(`${running.baseUrl}/regulator`);
      expect(response!.status()).toBe(401);
      await page.fill('input[name=token]', 'not-a-token');
      await page.click('button[type=submit]');
      expect(await page.locator('[role=alert]').innerText()).toContain('Unknown token');
      expect(await page.locator('ol.timeline').count()).toBe(0);
    } finally {
      await page.close();
    }
  });
});

describe('read API', () => {
  it('gives the trace to the owning agency, the province and the holder, and to no other enterprise', async () => {
    for (const token of [TOKENS.agency, TOKENS.jiangsu, TOKENS.nanjing, TOKENS.enterprise, TOKENS.admin]) {
      const response = await api(`/v1/certifications/${CERTIFICATION}/trace`, token);
      expect(response.status).toBe(200);
      const trace = (await response.json()) as Record<string, any>;
      expect(trace.steps).toHaveLength(16);
      expect(trace.chainIntact).toBe(true);
      expect(trace.steps[0].hash).toMatch(/^[0-9a-f]{64}$/);
    }
    const withReceipts = (await (
      await api(`/v1/certifications/${CERTIFICATION}/trace?receipts=true`, TOKENS.enterprise)
    ).json()) as Record<string, any>;
    expect(withReceipts.steps.every((s: any) => s.receipt.hash === s.hash && s.receipt.status === 'anchored')).toBe(
      true,
    );
    expect((await api(`/v1/certifications/${CERTIFICATION}/trace`, TOKENS.otherEnterprise)).status).toBe(404);
    expect((await api(`/v1/certifications/${CERTIFICATION}/trace`)).status).toBe(401);
  });

  it('pages the audit trail by cursor and exports CSV', async () => {
    const first = (await (await api('/v1/audit-trail?limit=10', TOKENS.jiangsu)).json()) as Record<string, any>;
    expect(first.items).toHaveLength(10);
    const second = (await (
      await api(`/v1/audit-trail?limit=10&cursor=${first.next}`, TOKENS.jiangsu)
    ).json()) as Record<string, any>;
    expect(second.items).toHaveLength(6);
    expect(second.next).toBeNull();
    const csv = await api('/v1/audit-trail?format=csv&type=CertificateSuspended', TOKENS.admin);
    expect(csv.headers.get('content-type')).toMatch(/text\/csv/);
    const lines = (await csv.text()).trim().split('\r\n');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain('CertificateSuspended');
    expect((await api('/v1/audit-trail', TOKENS.agency)).status).toBe(403);
    expect((await api('/v1/audit-trail')).status).toBe(401);
  });

  it('searches by holder and by credit code, discloses agencies, and documents every route', async () => {
    const byName = (await (await api(`/v1/certificates?holder=${encodeURIComponent('南京示例')}`)).json()) as Record<
      string,
      any
    >;
    expect(byName.items.map((c: any) => c.certificateNo)).toEqual([CERTIFICATE_NO]);
    const byCode = (await (await api(`/v1/certificates?holder=${HOLDER_CODE}`)).json()) as Record<string, any>;
    expect(byCode.items[0].status).toBe('withdrawn');
    const agencies = (await (await api('/v1/agencies')).json()) as Record<string, any>;
    const cb = agencies.items.find((a: any) => a.agencyId === 'CNCA-R-2002-001');
    expect(cb.certificates).toMatchObject({ valid: 0, suspended: 0, withdrawn: 1 });
    expect(cb.accreditation.number).toBeDefined();
    const svg = await api(`/v1/certificates/${CERTIFICATE_NO}/qr?format=svg`);
    expect(svg.headers.get('content-type')).toMatch(/image\/svg\+xml/);
    const openapi = (await (await api('/openapi.json')).json()) as Record<string, any>;
    for (const path of [
      '/v1/certificates/{certificateNo}',
      '/v1/certificates/{certificateNo}/qr',
      '/verify/{token}',
      '/v1/audit-trail',
      '/v1/agencies',
    ]) {
      expect(openapi.paths[path]).toBeDefined();
    }
  });
});

describe('a certificate a newer one replaced, checked in Chromium', () => {
  // Last, so that the counts above see none of it; outside Jiangsu, so no regulator above sees it.
  const REPLACED_NO = '00123Q00043R0M';
  const NEWER_NO = '00126Q00043R0M';

  it('shows a distinct, non-green replaced banner naming the newer certificate, whose page it links to', async () => {
    // Recertified under a new number a few days ago: the first certificate is still within its validity.
    const initial = initialCertification({
      certificationId: 'JSQC-2023-0043',
      appliedOn: addDays(addYears(now().slice(0, 10), -3), -20),
      certificateNo: REPLACED_NO,
      clientName: '杭州换证示例有限公司',
      creditCode: withCheckCharacter('91330106MA1Q3R5T4'),
      regionCode: '330106',
    });
    for (const event of [...initial, ...recertification(initial, NEWER_NO)]) await submit(event);
    const replacedUrl = await eventually(
      async () => ((await api(`/v1/certificates/${NEWER_NO}`)).status === 200 ? scanQr(REPLACED_NO) : undefined),
      15_000,
      'the newer certificate in the registry',
    );
    const shown = await statusShown(replacedUrl);
    expect(shown.status).toBe('replaced');
    expect(shown.text).toContain('已换发');
    expect(shown.text).toContain('REPLACED');
    expect(shown.text).toContain(NEWER_NO);
    expect(shown.text).not.toContain('VALID');
    const answer = (await (await api(`/v1/certificates/${REPLACED_NO}`)).json()) as Record<string, any>;
    expect(answer).toMatchObject({ status: 'valid', supersededBy: NEWER_NO });
    const page = await browser.context.newPage();
    const bannerColour = async () =>
      (await page.evaluate('getComputedStyle(document.querySelector("[role=status]")).backgroundColor')) as string;
    try {
      await page.goto(replacedUrl);
      const replacedColour = await bannerColour();
      await page.click('a[data-replacement]');
      expect(await page.locator('[role=status]').getAttribute('data-status')).toBe('valid');
      expect(await page.locator('[data-field=certificateNo]').innerText()).toBe(NEWER_NO);
      expect(await bannerColour()).toBe('rgb(17, 112, 58)');
      expect(replacedColour).not.toBe('rgb(17, 112, 58)');
    } finally {
      await page.close();
    }
  });
});
