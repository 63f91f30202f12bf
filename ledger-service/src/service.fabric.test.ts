/**
 * The whole service on the real Fabric network: a certification submitted through REST with
 * LEDGER_BACKEND=fabric is anchored, every event's digest is found on the peer by a query of this
 * test's own, and every receipt verifies against the peer. Skipped locally without a network
 * (npm run network:up), never in CI.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import request from 'supertest';
import { fabricConnectionPath, openFabricBackend, type FabricLedgerBackend } from './anchoring/fabric';
import { verifyReceipt, type Receipt } from './anchoring/receipts';
import { composeLedgerService, type LedgerService } from './compose';
import { loadConfig } from './config';
import { verificationToken } from './http/read/token';
import { defaultParts } from './parts';
import { initialCertification, type ScenarioEvent } from './testing/scenario';
import { until } from './testing/until';

const ROOT = path.resolve(__dirname, '..', '..');
const CONNECTION = fabricConnectionPath(process.env, ROOT);
// Without a network the suite is skipped locally, but never in CI, where .ci/run starts one.
const describeNetwork = fs.existsSync(CONNECTION) || process.env.CI ? describe : describe.skip;
const AGENCY = 'Bearer demo-agency-001';

/** The pid of a network process, from the pid files network-up.sh keeps beside the connection file. */
function pidOf(name: string): number {
  return Number(fs.readFileSync(path.join(path.dirname(CONNECTION), 'pids', `${name}.pid`), 'utf8').trim());
}

interface StoredView {
  readonly eventId: string;
  readonly hash: string;
  readonly version: number;
}

describeNetwork('the service with LEDGER_BACKEND=fabric', () => {
  let dataDir: string;
  let service: LedgerService;
  let peer: FabricLedgerBackend;

  beforeEach(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'service-fabric-'));
    const config = loadConfig({ LEDGER_DATA_DIR: dataDir, LEDGER_BACKEND: 'fabric', FABRIC_CONNECTION: CONNECTION });
    const logger = pino({ level: 'silent' });
    service = await composeLedgerService({
      config,
      logger,
      parts: (context) => defaultParts({ config, logger, ...context }),
    });
    // The test's own connection to the peers, for queries that do not go through the service.
    peer = openFabricBackend({ connection: CONNECTION });
  });

  afterEach(async () => {
    await peer.close();
    await service.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  async function submitAll(events: readonly ScenarioEvent[]): Promise<StoredView[]> {
    const stored: StoredView[] = [];
    for (const { certificationId, ...body } of events) {
      const response = await request(service.app)
        .post(`/v1/certifications/${certificationId}/events`)
        .set('authorization', AGENCY)
        .send(body);
      expect(response.status).toBe(201);
      stored.push(response.body);
    }
    return stored;
  }

  const receiptOf = async (eventId: string): Promise<Receipt> =>
    (await request(service.app).get(`/v1/events/${eventId}/receipt`).set('authorization', AGENCY)).body as Receipt;

  const settledReceiptOf = (eventId: string, timeoutMs?: number): Promise<Receipt> =>
    until(
      `the receipt of ${eventId}`,
      async () => {
        const receipt = await receiptOf(eventId);
        return receipt.status === 'pending' ? undefined : receipt;
      },
      timeoutMs,
    );

  it('anchors a certification submitted through REST; the peer holds every digest and every receipt verifies', async () => {
    const certificationId = `FABRIC-${randomUUID().slice(0, 8)}`;
    const stored = await submitAll(
      initialCertification({
        certificationId,
        appliedOn: '2025-03-01',
        certificateNo: `FAB${randomUUID().replace(/-/g, '').slice(0, 12).toUpperCase()}`,
      }),
    );
    for (const event of stored) {
      const receipt = await settledReceiptOf(event.eventId);
      expect(receipt).toMatchObject({ status: 'anchored', backend: 'fabric', hash: event.hash });
      expect(receipt.transactionId).toMatch(/^[0-9a-f]{64}$/);
      // A query of the test's own, straight to the peer.
      const ref = { streamId: `certification-${certificationId}`, version: event.version };
      expect(await peer.getEvent(ref)).toMatchObject({ eventId: event.eventId, hash: event.hash });
      const verification = await verifyReceipt(receipt, { ledger: peer });
      expect(verification.checks.filter((check) => !check.ok)).toEqual([]);
      expect(verification.ok).toBe(true);
    }
    const head = await peer.getStreamHead(`certification-${certificationId}`);
    expect(head).toMatchObject({ version: stored.length - 1, hash: stored.at(-1)!.hash, agencyId: 'CNCA-R-2002-001' });
  }, 180_000);

  it('keeps events pending while a peer does not answer, and anchors each exactly once when it answers again', async () => {
    const regulatorPeer = pidOf('peer-regulator');
    const certificationId = `PEERDOWN-${randomUUID().slice(0, 8)}`;
    try {
      process.kill(regulatorPeer, 'SIGSTOP'); // the endorsement policy needs this peer
      const stored = await submitAll(initialCertification({ certificationId, appliedOn: '2025-03-01' }).slice(0, 6));
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      for (const event of stored) expect((await receiptOf(event.eventId)).status).toBe('pending');

      process.kill(regulatorPeer, 'SIGCONT');
      for (const event of stored) {
        expect((await settledReceiptOf(event.eventId, 120_000)).status).toBe('anchored');
        const ref = { streamId: `certification-${certificationId}`, version: event.version };
        expect(await peer.getEvent(ref)).toMatchObject({ eventId: event.eventId, hash: event.hash });
      }
      expect(await peer.getStreamHead(`certification-${certificationId}`)).toMatchObject({
        version: stored.length - 1,
        hash: stored.at(-1)!.hash,
      });
    } finally {
      process.kill(regulatorPeer, 'SIGCONT');
    }
  }, 240_000);

  it('shows a certificate and its receipt checks while the ledger cannot be reached, and checks on the ledger again after', async () => {
    const certificationId = `LEDGERDOWN-${randomUUID().slice(0, 8)}`;
    const certificateNo = `LD${randomUUID().replace(/-/g, '').slice(0, 12).toUpperCase()}`;
    const stored = await submitAll(initialCertification({ certificationId, appliedOn: '2025-03-01', certificateNo }));
    expect((await settledReceiptOf(stored.at(-1)!.eventId, 120_000)).status).toBe('anchored');
    const verifyPath = `/verify/${verificationToken(loadConfig({}).qrSecret, certificateNo)}`;
    const receiptCheckOf = (body: string): string | undefined => /data-receipt-check="([^"]+)"/.exec(body)?.[1];
    const peers = [pidOf('peer-regulator'), pidOf('peer-cb')];
    try {
      for (const pid of peers) process.kill(pid, 'SIGSTOP');
      const page = await request(service.app).get(verifyPath);
      expect(page.status).toBe(200);
      expect(page.text).toContain('data-status="valid"');
      expect(receiptCheckOf(page.text)).toBe('ledger-unavailable');
      const api = await request(service.app).get(`/v1/certificates/${certificateNo}?verify=true`);
      expect(api.status).toBe(200);
      const [proof] = api.body.proofs;
      expect(proof.verification).toMatchObject({ ok: false, ledgerUnavailable: expect.any(String) });
      expect(proof.verification.checks.every((check: { ok: boolean }) => check.ok)).toBe(true);
      const ready = await request(service.app).get('/readyz');
      expect(ready.status).toBe(503);
      expect(ready.body).toMatchObject({ status: 'not-ready', checks: { anchoring: { ok: false, essential: true } } });
    } finally {
      for (const pid of peers) process.kill(pid, 'SIGCONT');
    }
    await until(
      'the receipt checked on the ledger again',
      async () => (receiptCheckOf((await request(service.app).get(verifyPath)).text) === 'ok' ? true : undefined),
      60_000,
    );
    await until(
      'ready again',
      async () => ((await request(service.app).get('/readyz')).status === 200 ? true : undefined),
      60_000,
    );
    // And anchors again: endorsing needs the peers to see each other alive, which takes gossip a
    // few seconds longer than answering queries (the suites after this one anchor at once).
    const [suspension] = await submitAll([
      {
        certificationId,
        eventId: randomUUID(),
        type: 'CertificateSuspended',
        occurredAt: new Date().toISOString(),
        data: { reason: 'surveillance overdue', until: '2026-12-31' },
      },
    ]);
    expect((await settledReceiptOf(suspension!.eventId, 120_000)).status).toBe('anchored');
  }, 360_000);
});
