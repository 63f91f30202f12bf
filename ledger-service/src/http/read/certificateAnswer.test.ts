import { randomUUID } from 'node:crypto';
import http, { type Server } from 'node:http';
import path from 'node:path';
import express from 'express';
import { createReadQueries, createSqliteReadStore, loadAgencies, type ReadStore } from '@certledger/projections';
import type { Receipt } from '../../anchoring/receipts';
import { initialCertification, withCheckCharacter, type ScenarioEvent } from '../../testing/scenario';
import pino from 'pino';
import { problemHandler } from '../errors';
import { createReadRouter } from './index';
import { eventually, startService, TOKENS, type RunningService } from './testing/service';

// GET /v1/certificates/{no} answers status-now lookups from the registry's pre-serialised fields
// and the settled receipts kept by the anchors model. Here the whole service runs (REST intake,
// SQLite event store, anchorer on the embedded ledger, in-process projections); over its read
// store two routers answer: the real one, and one that always computes the answer per request
// (the path asOf and unsettled proofs take). Both get receipts from the service's receipt endpoint.

const HOLDER_CODE = withCheckCharacter('91320106MA1Q3R5T8');
const CERTIFICATION = 'JSQC-2025-0077';
const CERTIFICATE_NO = '00125Q00077R0M';

let running: RunningService;
let readStore: ReadStore;
let day: string | undefined;
let servers: Server[] = [];
let fastUrl: string;
let computedUrl: string;

async function submit(event: ScenarioEvent): Promise<void> {
  const { certificationId, ...body } = event;
  const response = await fetch(`${running.baseUrl}/v1/certifications/${certificationId}/events`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKENS.agency}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (response.status !== 201) throw new Error(`${event.type}: ${response.status} ${await response.text()}`);
}

async function listen(app: express.Express): Promise<string> {
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  servers.push(server);
  const address = server.address() as { port: number };
  return `http://127.0.0.1:${address.port}`;
}

beforeAll(async () => {
  running = await startService({ enterpriseCreditCode: HOLDER_CODE, otherCreditCode: HOLDER_CODE });
  readStore = createSqliteReadStore({ file: path.join(running.dataDir, 'projections.sqlite') });
  const queries = createReadQueries({
    store: readStore,
    agencies: loadAgencies(),
    today: () => day ?? new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10),
  });
  const anchorReceipts = {
    receiptOf: async (eventId: string) => {
      const response = await fetch(`${running.baseUrl}/v1/events/${eventId}/receipt`);
      return response.status === 200 ? ((await response.json()) as Receipt) : undefined;
    },
    verify: async () => {
      throw new Error('not asked for in these lookups');
    },
  };
  const routerOver = (withStored: boolean) =>
    createReadRouter({
      queries: withStored ? queries : { ...queries, certificateAnswer: async () => undefined },
      anchorReceipts,
      principalOf: () => ({ id: 'public', role: 'public' }),
      publicBaseUrl: running.baseUrl,
      qrSecret: 'certificate-answer-test-secret',
    });
  fastUrl = await listen(
    express()
      .use(routerOver(true))
      .use(problemHandler(pino({ level: 'silent' }))),
  );
  computedUrl = await listen(
    express()
      .use(routerOver(false))
      .use(problemHandler(pino({ level: 'silent' }))),
  );
  for (const event of initialCertification({
    certificationId: CERTIFICATION,
    appliedOn: '2025-03-01',
    certificateNo: CERTIFICATE_NO,
    creditCode: HOLDER_CODE,
    regionCode: '320106',
  }))
    await submit(event);
}, 60_000);

afterAll(async () => {
  for (const server of servers) await new Promise((resolve) => server.close(resolve));
  servers = [];
  await readStore?.close();
  await running?.stop();
});

interface Answer {
  readonly status: number;
  readonly type: string | null;
  readonly etag: string | null;
  readonly body: string;
}

const answerOf = async (base: string, certificateNo = CERTIFICATE_NO): Promise<Answer> => {
  const response = await fetch(`${base}/v1/certificates/${certificateNo}`);
  return {
    status: response.status,
    type: response.headers.get('content-type'),
    etag: response.headers.get('etag'),
    body: await response.text(),
  };
};

/** Both routers' answers, once the pre-serialised one exists (every proof settled) and shows `status`. */
async function settledAnswers(status: string): Promise<{ fast: Answer; computed: Answer }> {
  return eventually(
    async () => {
      const fast = await answerOf(fastUrl);
      const stored = await createReadQueries({ store: readStore, agencies: loadAgencies() }).certificateAnswer(
        CERTIFICATE_NO,
      );
      if (fast.status !== 200 || !stored) return undefined;
      const body = JSON.parse(fast.body) as { status: string; proofs: Array<{ receipt: { status: string } }> };
      // Settled: every proof anchored, as it stays; a pending one may be anchored before the computed answer is read.
      if (body.status !== status || body.proofs.some((proof) => proof.receipt.status !== 'anchored')) return undefined;
      return { fast, computed: await answerOf(computedUrl) };
    },
    15_000,
    `a settled ${status} answer`,
  );
}

const statusEvent = (type: ScenarioEvent['type'], data: Record<string, unknown>): ScenarioEvent => ({
  certificationId: CERTIFICATION,
  eventId: randomUUID(),
  type,
  occurredAt: new Date().toISOString(),
  data,
});

describe('the status-now answer of GET /v1/certificates/{no} is the same text, pre-serialised or computed', () => {
  it('issued and anchored: served pre-serialised, identical to the computed answer', async () => {
    const { fast, computed } = await settledAnswers('valid');
    expect(fast).toEqual(computed);
    const body = JSON.parse(fast.body);
    expect(body.proofs).toHaveLength(1);
    expect(body.proofs[0].receipt).toMatchObject({ status: 'anchored', eventId: body.proofs[0].eventId });
    expect(body.holder.creditCode).toBe(HOLDER_CODE);
    // The real service answers the same (its agencies and today are the defaults used here).
    expect(await answerOf(running.baseUrl)).toEqual(fast);
  });

  it('expired by date alone: the stored answer says expired, like the computed one', async () => {
    const { validUntil } = JSON.parse((await answerOf(fastUrl)).body) as { validUntil: string };
    day = `${Number(validUntil.slice(0, 4)) + 1}${validUntil.slice(4)}`;
    try {
      const fast = await answerOf(fastUrl);
      expect(JSON.parse(fast.body).status).toBe('expired');
      expect(fast).toEqual(await answerOf(computedUrl));
    } finally {
      day = undefined;
    }
  });

  it('suspended, restored and withdrawn: each settled answer identical to the computed one', async () => {
    await submit(statusEvent('CertificateSuspended', { reason: '未按期接受监督审核', until: '2027-03-01' }));
    const suspended = await settledAnswers('suspended');
    expect(suspended.fast).toEqual(suspended.computed);
    expect(JSON.parse(suspended.fast.body)).toMatchObject({
      statusReason: '未按期接受监督审核',
      suspendedUntil: '2027-03-01',
    });
    expect(JSON.parse(suspended.fast.body).proofs).toHaveLength(2);

    await submit(statusEvent('CertificateRestored', { reason: '已完成监督审核' }));
    const restored = await settledAnswers('valid');
    expect(restored.fast).toEqual(restored.computed);
    expect(JSON.parse(restored.fast.body).statusReason).toBe('已完成监督审核');

    await submit(statusEvent('CertificateWithdrawn', { reason: '暂停期满未整改' }));
    const withdrawn = await settledAnswers('withdrawn');
    expect(withdrawn.fast).toEqual(withdrawn.computed);
    expect(JSON.stringify(JSON.parse(withdrawn.fast.body))).not.toContain('AUD-0001');
  });

  it('conditional GET: the current ETag gets 304 without a body, a stale one the answer', async () => {
    const { fast } = await settledAnswers('withdrawn');
    // node:http, not fetch: fetch marks a request with If-None-Match as no-cache, which forbids a 304.
    const conditional = (base: string, etag: string) =>
      new Promise<{ status: number; etag: string | undefined; body: string }>((resolve, reject) => {
        http
          .get(`${base}/v1/certificates/${CERTIFICATE_NO}`, { headers: { 'if-none-match': etag } }, (response) => {
            let body = '';
            response.setEncoding('utf8');
            response.on('data', (chunk: string) => (body += chunk));
            response.on('end', () => resolve({ status: response.statusCode!, etag: response.headers.etag, body }));
          })
          .on('error', reject);
      });
    for (const base of [fastUrl, computedUrl]) {
      expect(await conditional(base, fast.etag!)).toEqual({ status: 304, etag: fast.etag, body: '' });
      expect(await conditional(base, fast.etag!.replace('withdrawn', 'valid'))).toEqual({
        status: 200,
        etag: fast.etag,
        body: fast.body,
      });
    }
  });

  it('unknown: the same 404 problem on both', async () => {
    const fast = await answerOf(fastUrl, 'NO-SUCH-CERT');
    expect(fast.status).toBe(404);
    expect(fast).toEqual(await answerOf(computedUrl, 'NO-SUCH-CERT'));
  });
});
