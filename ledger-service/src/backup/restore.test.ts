import { fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import Database from 'better-sqlite3';
import pino from 'pino';
import type { AuditReport } from '../audit/audit';
import { auditCli } from '../audit/cli';
import { loadConfig } from '../config';
import { initialCertification, type ScenarioEvent } from '../testing/scenario';
import { startServiceProcess, type ServiceProcess } from '../testing/serviceProcess';
import { until } from '../testing/until';
import { takeBackup } from './backup';
import { copySqlite } from './copy';
import { readManifest, type BackupManifest } from './manifest';
import { verifyBackup } from './verify';

// The service as `npm start` runs it, in a process of its own; a CB's client in another, submitting
// events the whole time; the backup in this one. Log heads every second, so that signed heads cover
// the events acknowledged after the backup.
const AGENCY = 'Bearer demo-agency-001';
const SERVICE_ENV = { LEDGER_LOG_HEAD_SECONDS: '1' };

interface Writer {
  readonly acked: ScenarioEvent[];
  stop(): Promise<void>;
}

function startWriter(base: string, prefix: string): Promise<Writer> {
  const child: ChildProcess = fork(path.join(__dirname, 'testing', 'intakeWriter.js'), [
    JSON.stringify({ base, token: AGENCY, prefix }),
  ]);
  const acked: ScenarioEvent[] = [];
  let failure: string | undefined;
  const stopped = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    child.on('message', (message: { ready?: true; acked?: ScenarioEvent; error?: string }) => {
      if (message.acked) acked.push(message.acked);
      if (message.error) failure = message.error;
      if (message.ready)
        resolve({
          acked,
          async stop() {
            if (child.connected) child.send('stop');
            await stopped;
            if (failure) throw new Error(`the writer failed: ${failure}`);
          },
        });
    });
    child.once('exit', (code) => reject(new Error(`the writer exited (${code}): ${failure}`)));
  });
}

async function json(base: string, pathAndQuery: string): Promise<{ status: number; body: any }> {
  const response = await fetch(`${base}${pathAndQuery}`, { headers: { authorization: AGENCY } });
  return { status: response.status, body: await response.json() };
}

async function submit(base: string, event: ScenarioEvent): Promise<number> {
  const { certificationId, ...body } = event;
  const response = await fetch(`${base}/v1/certifications/${certificationId}/events`, {
    method: 'POST',
    headers: { authorization: AGENCY, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  await response.arrayBuffer();
  return response.status;
}

async function submitBulk(base: string, events: readonly ScenarioEvent[]): Promise<void> {
  const response = await fetch(`${base}/v1/events`, {
    method: 'POST',
    headers: { authorization: AGENCY, 'content-type': 'application/json' },
    body: JSON.stringify({ events }),
  });
  const answer = (await response.json()) as { stored: number; refused: number };
  expect(answer).toMatchObject({ stored: events.length, refused: 0 });
}

const receiptOf = async (base: string, eventId: string): Promise<any> =>
  (await json(base, `/v1/events/${eventId}/receipt`)).body;

const anchored = (base: string, eventIds: readonly string[]) => async (): Promise<true | undefined> => {
  for (const eventId of eventIds) if ((await receiptOf(base, eventId)).status !== 'anchored') return undefined;
  return true;
};

async function audit(dataDir: string): Promise<{ code: number; report: AuditReport }> {
  const reportDir = fs.mkdtempSync(path.join(os.tmpdir(), 'backup-audit-'));
  const report = path.join(reportDir, 'report.json');
  const env = { LEDGER_DATA_DIR: dataDir, EVENT_STORE: 'sqlite', LEDGER_BACKEND: 'embedded', LOG_LEVEL: 'silent' };
  try {
    const code = await auditCli(['--no-progress', '--quiet', '--json', report], env, {
      stdout: new PassThrough(),
      stderr: new PassThrough(),
    });
    return { code, report: JSON.parse(fs.readFileSync(report, 'utf8')) as AuditReport };
  } finally {
    fs.rmSync(reportDir, { recursive: true, force: true });
  }
}

/** What the README's restore says: the backup's files into the data directory, the key kept to its owner. */
function restore(backupDir: string, dataDir: string, except: readonly string[] = []): void {
  fs.mkdirSync(dataDir, { recursive: true });
  for (const file of readManifest(backupDir).files) {
    if (except.includes(file.name)) continue;
    fs.copyFileSync(path.join(backupDir, file.name), path.join(dataDir, file.name));
    if (file.role === 'log-head-key') fs.chmodSync(path.join(dataDir, file.name), 0o600);
  }
}

function eventIdsIn(dataDir: string): string[] {
  const db = new Database(path.join(dataDir, 'events.sqlite'), { readonly: true });
  try {
    return db
      .prepare<[], { event_id: string }>('SELECT event_id FROM events ORDER BY position')
      .all()
      .map((row) => row.event_id);
  } finally {
    db.close();
  }
}

function rejectedBatchesIn(dataDir: string): number {
  const db = new Database(path.join(dataDir, 'anchors.sqlite'), { readonly: true });
  try {
    return (db.prepare("SELECT COUNT(*) AS n FROM anchor_batches WHERE status = 'rejected'").get() as { n: number }).n;
  } finally {
    db.close();
  }
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

describe('npm run backup while the service runs, and a restore from it (service and CB client in processes of their own)', () => {
  let root: string;
  let live: string;
  let backupDir: string;
  let service: ServiceProcess | undefined;
  let writer: Writer | undefined;
  let manifest: BackupManifest;
  let seeded: ScenarioEvent[];
  /** Acknowledged by the live service, in order; those after the backup's log are lost by a restore. */
  let acked: ScenarioEvent[];
  /** The live service's receipts of the events the backup's log lacks, taken before it stopped. */
  const lostReceipts = new Map<string, any>();

  beforeAll(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'backup-restore-'));
    live = path.join(root, 'live');
    backupDir = path.join(root, 'backup');
    service = await startServiceProcess(live, SERVICE_ENV);
    seeded = Array.from({ length: 70 }, (_, n) =>
      initialCertification({
        certificationId: `SEED-${n}`,
        appliedOn: '2025-02-01',
        certificateNo: `SD${String(n).padStart(6, '0')}`,
      }),
    ).flat();
    for (let from = 0; from < seeded.length; from += 98) await submitBulk(service.base, seeded.slice(from, from + 98));
    // The anchorer and the head committer under way before the backup, so that each copy has something to be ahead with.
    await until('the seeded events anchored', anchored(service.base, [seeded.at(-1)!.eventId]));
    await until('a signed log head', async () =>
      (await json(service!.base, '/v1/log/head')).status === 200 ? true : undefined,
    );
  }, 60_000);

  afterEach(async () => {
    await writer?.stop().catch(() => undefined);
    await service?.stop();
    [writer, service] = [undefined, undefined];
  });
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  it('copies a consistent log while events are appended through the intake, the anchor store never ahead of it', async () => {
    const { acked: writerAcked } = (writer = await startWriter(service!.base, 'LIVE'));
    await until('the writer under way', async () => (writerAcked.length >= 10 ? true : undefined));
    const ackedBeforeBackup = writerAcked.length;
    const liveDb = new Database(path.join(live, 'events.sqlite'), { readonly: true });
    const liveHead = liveDb.prepare<[], { head: number }>('SELECT MAX(position) AS head FROM events');
    let headAtCopy: number | undefined;
    let headDuringCopy: number | undefined;
    manifest = await takeBackup({
      config: loadConfig({ LEDGER_DATA_DIR: live }),
      env: { LEDGER_DATA_DIR: live },
      to: backupDir,
      withReadModels: false,
      logger: pino({ level: 'silent' }),
      pagesPerStep: 8,
      // Once the event store's copy has begun, it waits for the intake to store more events: the copy
      // goes on after them, as of its start.
      onProgress: (item) => {
        if (item.role !== 'event-store' || headAtCopy !== undefined) return;
        headAtCopy = liveHead.get()!.head;
        for (let waited = 0; liveHead.get()!.head <= headAtCopy && waited < 20_000; waited += 5) sleepSync(5);
        headDuringCopy = liveHead.get()!.head;
      },
    });
    liveDb.close();
    // More events after the backup: a restore loses them.
    const ackedAtBackup = writerAcked.length;
    await until('events after the backup', async () => (writerAcked.length >= ackedAtBackup + 16 ? true : undefined));
    await writer.stop();
    writer = undefined;
    acked = writerAcked;

    expect(headDuringCopy).toBeGreaterThan(headAtCopy!);
    const { eventHead, anchorStore, ledger, localLogHeadPosition } = manifest.positions;
    expect(eventHead).toBeLessThanOrEqual(headAtCopy!);
    expect(anchorStore!.checkpoint).toBeLessThanOrEqual(eventHead);
    expect(anchorStore!.anchoredPosition).toBeLessThanOrEqual(anchorStore!.checkpoint);
    expect(ledger!.logHeadPosition).toBeLessThanOrEqual(eventHead);
    expect(localLogHeadPosition).toBeGreaterThan(0);
    expect(localLogHeadPosition).toBeLessThanOrEqual(eventHead);
    expect(anchorStore!.anchoredPosition).toBeGreaterThanOrEqual(seeded.length);
    expect(manifest.files.at(-1)!.name).toBe('events.sqlite');
    expect(await verifyBackup(backupDir)).toEqual({ ok: true, filesChecked: 5, problems: [] });

    // The copy restored on its own: every stream's chain, hash and batch root agrees with the ledger's copy.
    const copy = path.join(root, 'copy');
    restore(backupDir, copy);
    const inCopy = eventIdsIn(copy);
    expect(inCopy).toHaveLength(eventHead);
    const stored = new Set(inCopy);
    for (const event of [...seeded, ...acked.slice(0, ackedBeforeBackup)]) expect(stored.has(event.eventId)).toBe(true);
    const { code, report } = await audit(copy);
    expect(report.discrepancies).toEqual([]);
    expect(report.counts.eventsInLog).toBe(eventHead);
    expect(code).toBe(0);

    // The live service anchors and signs heads over the events after the backup, then stops.
    const lost = acked.filter((event) => !stored.has(event.eventId));
    expect(lost.length).toBeGreaterThanOrEqual(16);
    await until('the live log anchored', anchored(service!.base, [lost.at(-1)!.eventId]));
    await until('a signed head over the whole live log', async () => {
      const head = (await json(service!.base, '/v1/log/head')).body;
      return head.treeSize === seeded.length + acked.length ? true : undefined;
    });
    for (const event of lost) lostReceipts.set(event.eventId, await receiptOf(service!.base, event.eventId));
    await service!.stop();
    service = undefined;
  }, 120_000);

  it('restored into a fresh data directory, the service serves the backed-up certifications, takes new events, and the anchorer catches up', async () => {
    const dataDir = path.join(root, 'restored');
    restore(backupDir, dataDir);
    service = await startServiceProcess(dataDir, SERVICE_ENV);
    const { base } = service;

    const seededStream = seeded.filter((event) => event.certificationId === 'SEED-3').map((event) => event.eventId);
    const served = await json(base, '/v1/certifications/SEED-3/events');
    expect(served.status).toBe(200);
    expect(served.body.events.map((event: { eventId: string }) => event.eventId)).toEqual(seededStream);
    // The read models were not in the backup: the service rebuilds them from the log.
    const certificate = await until('the read models rebuilt', async () => {
      const answer = await json(base, '/v1/certificates/SD000003');
      return answer.status === 200 ? answer.body : undefined;
    });
    expect(certificate).toMatchObject({ status: 'valid' });

    const fresh = initialCertification({
      certificationId: 'AFTER-RESTORE',
      appliedOn: '2025-04-01',
      certificateNo: 'AR000001',
    });
    for (const event of fresh) expect(await submit(base, event)).toBe(201);
    const lastBackedUp = eventIdsIn(dataDir)[manifest.positions.eventHead - 1]!;
    await until('the anchorer caught up', anchored(base, [lastBackedUp, ...fresh.map((event) => event.eventId)]));
    await until('the service ready', async () =>
      (await json(base, '/readyz')).body.status === 'ready' ? true : undefined,
    );
    await service.stop();
    service = undefined;

    expect(rejectedBatchesIn(dataDir)).toBe(0);
    const { code, report } = await audit(dataDir);
    expect(report.discrepancies).toEqual([]);
    expect(report.log.heads.every((head) => head.consistent)).toBe(true);
    expect(code).toBe(0);
  }, 120_000);

  it('with the ledger ahead of the restored stores (as Fabric is), the audit names the lost events, and the CB’s re-submissions are taken and anchored in the ledger’s own batches', async () => {
    const dataDir = path.join(root, 'ledger-ahead');
    restore(backupDir, dataDir, ['ledger.sqlite']);
    await copySqlite(path.join(live, 'ledger.sqlite'), path.join(dataDir, 'ledger.sqlite'));
    const lost = acked.filter((event) => lostReceipts.has(event.eventId));

    const before = await audit(dataDir);
    expect(before.code).toBe(1);
    // A lost event of a stream the backup kept part of is the tail the store lost (deleted); one of a
    // stream begun after the backup is a history the store has no trace of. Which streams the backup
    // cut depends on where the writer was when it was taken.
    const stored = new Set(eventIdsIn(dataDir));
    const streamsKept = new Set(
      [...seeded, ...acked].filter((event) => stored.has(event.eventId)).map((event) => event.certificationId),
    );
    const kindOf = new Map(before.report.discrepancies.map((d) => [d.eventId, d.kind]));
    for (const event of lost) {
      expect([event.eventId, kindOf.get(event.eventId)]).toEqual([
        event.eventId,
        streamsKept.has(event.certificationId) ? 'deleted' : 'anchored-but-missing-from-store',
      ]);
    }
    for (const { kind } of before.report.discrepancies)
      expect(['deleted', 'anchored-but-missing-from-store']).toContain(kind);
    expect(before.report.log.heads.filter((head) => !head.consistent).map((head) => head.reason)).toContain(
      'log-shorter-than-head',
    );
    // A backup of this directory is taken, the ledger's lost tail named in its manifest as a warning.
    const aheadBackup = path.join(root, 'backup-ledger-ahead');
    const aheadManifest = await takeBackup({
      config: loadConfig({ LEDGER_DATA_DIR: dataDir }),
      env: { LEDGER_DATA_DIR: dataDir },
      to: aheadBackup,
      withReadModels: false,
      logger: pino({ level: 'silent' }),
    });
    expect(aheadManifest.ledgerAheadOfLog).toEqual({
      eventsNotInLog: lost.length,
      logHeadPosition: seeded.length + acked.length,
      eventHead: manifest.positions.eventHead,
    });
    expect(await verifyBackup(aheadBackup)).toMatchObject({ ok: true, problems: [] });

    service = await startServiceProcess(dataDir, SERVICE_ENV);
    const { base } = service;
    // The CB submits again what it was told was lost, the same eventIds and bodies, one certification after the other.
    const byCertification = [...new Set(lost.map((event) => event.certificationId))];
    for (const certificationId of byCertification)
      for (const event of lost.filter((e) => e.certificationId === certificationId))
        expect(await submit(base, event)).toBe(201);
    await until(
      'the re-submitted events anchored',
      anchored(
        base,
        lost.map((event) => event.eventId),
      ),
    );
    for (const event of lost) {
      const receipt = await receiptOf(base, event.eventId);
      const original = lostReceipts.get(event.eventId);
      expect(receipt).toMatchObject({
        status: 'anchored',
        batchId: original.batchId,
        transactionId: original.transactionId,
        leafIndex: original.leafIndex,
      });
    }
    const fresh = initialCertification({
      certificationId: 'AFTER-LOSS',
      appliedOn: '2025-04-01',
      certificateNo: 'AL000001',
    });
    for (const event of fresh) expect(await submit(base, event)).toBe(201);
    await until(
      'new events anchored',
      anchored(
        base,
        fresh.map((event) => event.eventId),
      ),
    );
    // The heads on the ledger were signed over the log as it was: its lost tail came back in another
    // order, so the service cannot sign a head consistent with them.
    await until('the refused head logged', async () =>
      /log head not committed/.test(service!.output()) ? true : undefined,
    );
    await service.stop();
    service = undefined;

    expect(rejectedBatchesIn(dataDir)).toBe(0);
    const after = await audit(dataDir);
    expect(after.report.discrepancies).toEqual([]);
    expect(after.report.log.heads.filter((head) => !head.consistent).map((head) => head.reason)).toContain(
      'root-differs',
    );
  }, 120_000);
});
