import { demoCreditCode, initialCertification, type ScenarioEvent } from '../../testing/scenario';
import { eventually, startService, TOKENS, type RunningService } from './testing/service';

// The public search by holder through the whole service: certifications posted to the REST intake,
// found by name prefix or credit code once the registry has them, with a page limit that says when
// more certificates match than it answers.

const SUZHOU_HOLDERS = ['苏州示例精密机械有限公司', '苏州示例光电有限公司', '苏州示例包装有限公司'];

let running: RunningService;

const api = (path: string, init: RequestInit = {}, token?: string) =>
  fetch(`${running.baseUrl}${path}`, {
    ...init,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(init.headers ?? {}) },
  });

async function submit({ certificationId, ...body }: ScenarioEvent): Promise<void> {
  const response = await api(
    `/v1/certifications/${certificationId}/events`,
    { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) },
    TOKENS.agency,
  );
  if (response.status !== 201) throw new Error(`${body.type}: ${response.status} ${await response.text()}`);
}

const search = async (query: string) => {
  const response = await api(`/v1/certificates?${query}`);
  return { status: response.status, type: response.headers.get('content-type'), body: (await response.json()) as any };
};

const numbersOf = (body: { items: { certificateNo: string }[] }) => body.items.map((c) => c.certificateNo).sort();

beforeAll(async () => {
  running = await startService({
    enterpriseCreditCode: demoCreditCode('320506', 1),
    otherCreditCode: demoCreditCode('320106', 9),
  });
  const holders = [...SUZHOU_HOLDERS, '南京另一电子有限公司'];
  for (const [n, clientName] of holders.entries()) {
    const events = initialCertification({
      certificationId: `SEARCH-2025-${n}`,
      appliedOn: '2025-03-01',
      certificateNo: `00125Q0010${n}R0M`,
      clientName,
      creditCode: demoCreditCode(n < 3 ? '320506' : '320106', n + 1),
      regionCode: n < 3 ? '320506' : '320106',
    });
    for (const event of events) await submit(event);
  }
  await eventually(
    async () => ((await search('holder=南京另一')).body.items?.length === 1 ? true : undefined),
    15_000,
    'every certificate in the registry',
  );
}, 60_000);

afterAll(async () => {
  await running?.stop();
});

describe('GET /v1/certificates?holder= through the service', () => {
  it('finds every certificate whose holder name starts with the prefix, and says nothing of more', async () => {
    const { status, body } = await search(`holder=${encodeURIComponent('苏州示例')}`);
    expect(status).toBe(200);
    expect(numbersOf(body)).toEqual(['00125Q00100R0M', '00125Q00101R0M', '00125Q00102R0M']);
    expect(body.items.map((c: any) => c.holder.name).sort()).toEqual([...SUZHOU_HOLDERS].sort());
    expect(body).not.toHaveProperty('more');
  });

  it('says more: true when more certificates match than the limit answers', async () => {
    const page = await search(`holder=${encodeURIComponent('苏州示例')}&limit=2`);
    expect(page.body.items).toHaveLength(2);
    expect(page.body.more).toBe(true);
    const exact = await search(`holder=${encodeURIComponent('苏州示例')}&limit=3`);
    expect(exact.body.items).toHaveLength(3);
    expect(exact.body).not.toHaveProperty('more');
  });

  it('finds a holder by its credit code, and links each item to its certificate', async () => {
    const { body } = await search(`holder=${demoCreditCode('320506', 2)}`);
    expect(numbersOf(body)).toEqual(['00125Q00101R0M']);
    const linked = await api(body.items[0].href);
    expect(linked.status).toBe(200);
    expect(((await linked.json()) as any).certificateNo).toBe('00125Q00101R0M');
  });

  it('refuses a prefix shorter than 2 characters as a problem with a stable code', async () => {
    const { status, type, body } = await search(`holder=${encodeURIComponent('苏')}`);
    expect(status).toBe(400);
    expect(type).toMatch(/application\/problem\+json/);
    expect(body.code).toBe('invalid-parameter');
  });
});
