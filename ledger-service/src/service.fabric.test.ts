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
import { fabricConnectionPath, openFabricBackend } from './anchoring/fabric';
import { verifyReceipt, type Receipt } from './anchoring/receipts';
import { composeLedgerService } from './compose';
import { loadConfig } from './config';
import { defaultParts } from './parts';
import { initialCertification } from './testing/scenario';

const ROOT = path.resolve(__dirname, '..', '..');
const CONNECTION = fabricConnectionPath(process.env, ROOT);
const describeNetwork = fs.existsSync(CONNECTION) || process.env.CI ? describe : describe.skip;
const AGENCY = 'Bearer demo-agency-001';

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** The pid of a network process, from the pid files network-up.sh keeps beside the connection file. */
function pidOf(name: string): number {
  return Number(fs.readFileSync(path.join(path.dirname(CONNECTION), 'pids', `${name}.pid`), 'utf8').trim());
}

describeNetwork('the service with LEDGER_BACKEND=fabric', () => {
  it('anchors a certification submitted through REST; the peer holds every digest and every receipt verifies', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'service-fabric-'));
    const config = loadConfig({ LEDGER_DATA_DIR: dataDir, LEDGER_BACKEND: 'fabric', FABRIC_CONNECTION: CONNECTION });
    const logger = pino({ level: 'silent' });
    const service = await composeLedgerService({
      config,
      logger,
      parts: (context) => defaultParts({ config, logger, ...context }),
    });
    const peer = openFabricBackend({ connection: CONNECTION });
    try {
      const certificationId = `FABRIC-${randomUUID().slice(0, 8)}`;
      const events = initialCertification({
        certificationId,
        appliedOn: '2025-03-01',
        certificateNo: `FAB${randomUUID().replace(/-/g, '').slice(0, 12).toUpperCase()}`,
      });
      const stored: Array<{ eventId: string; hash: string; version: number }> = [];
      for (const { certificationId: id, ...body } of events) {
        const response = await request(service.app)
          .post(`/v1/certifications/${id}/events`)
          .set('authorization', AGENCY)
          .send(body);
        expect(response.status).toBe(201);
        stored.push(response.body);
      }

      for (const event of stored) {
        const receipt = await until(`the receipt of ${event.eventId}`, async () => {
          const response = await request(service.app)
            .get(`/v1/events/${event.eventId}/receipt`)
            .set('authorization', AGENCY);
          return response.body.status === 'anchored' ? (response.body as Receipt) : undefined;
        });
        expect(receipt).toMatchObject({ backend: 'fabric', hash: event.hash });
        expect(receipt.transactionId).toMatch(/^[0-9a-f]{64}$/);
        // A query of the test's own, straight to the peer.
        expect(await peer.getEvent(event.eventId)).toMatchObject({ hash: event.hash, version: event.version });
        const verification = await verifyReceipt(receipt, { ledger: peer });
        expect(verification.checks.filter((check) => !check.ok)).toEqual([]);
        expect(verification.ok).toBe(true);
      }
      const head = await peer.getStreamHead(`certification-${certificationId}`);
      expect(head).toMatchObject({
        version: stored.length - 1,
        hash: stored.at(-1)!.hash,
        agencyId: 'CNCA-R-2002-001',
      });
    } finally {
      await peer.close();
      await service.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }, 180_000);

  it('keeps events pending while a peer does not answer, and anchors each exactly once when it answers again', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'service-fabric-down-'));
    const config = loadConfig({ LEDGER_DATA_DIR: dataDir, LEDGER_BACKEND: 'fabric', FABRIC_CONNECTION: CONNECTION });
    const logger = pino({ level: 'silent' });
    const service = await composeLedgerService({
      config,
      logger,
      parts: (context) => defaultParts({ config, logger, ...context }),
    });
    const peer = openFabricBackend({ connection: CONNECTION });
    const regulatorPeer = pidOf('peer-regulator');
    const receiptOf = async (eventId: string) =>
      (await request(service.app).get(`/v1/events/${eventId}/receipt`).set('authorization', AGENCY)).body as Receipt;
    try {
      const certificationId = `PEERDOWN-${randomUUID().slice(0, 8)}`;
      const events = initialCertification({ certificationId, appliedOn: '2025-03-01' }).slice(0, 6);
      process.kill(regulatorPeer, 'SIGSTOP'); // the endorsement policy needs this peer
      const stored: Array<{ eventId: string; hash: string; version: number }> = [];
      for (const { certificationId: id, ...body } of events) {
        const response = await request(service.app)
          .post(`/v1/certifications/${id}/events`)
          .set('authorization', AGENCY)
          .send(body);
        expect(response.status).toBe(201);
        stored.push(response.body);
      }
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      for (const event of stored) expect((await receiptOf(event.eventId)).status).toBe('pending');

      process.kill(regulatorPeer, 'SIGCONT');
      for (const event of stored) {
        const receipt = await until(
          `the receipt of ${event.eventId}`,
          async () => {
            const found = await receiptOf(event.eventId);
            return found.status === 'pending' ? undefined : found;
          },
          120_000,
        );
        expect(receipt.status).toBe('anchored');
        expect(await peer.getEvent(event.eventId)).toMatchObject({ hash: event.hash, version: event.version });
      }
      expect(await peer.getStreamHead(`certification-${certificationId}`)).toMatchObject({
        version: stored.length - 1,
        hash: stored.at(-1)!.hash,
      });
    } finally {
      process.kill(regulatorPeer, 'SIGCONT');
      await peer.close();
      await service.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }, 240_000);
});
