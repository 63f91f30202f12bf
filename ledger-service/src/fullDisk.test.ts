import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { auditCli } from './audit/cli';
import { compiledFile } from './compiledFile';
import { initialCertification, type ScenarioEvent } from './testing/scenario';

// The service on a real file system that fills up: a 3 MB tmpfs. Mounting one needs root, which the
// CI machine has (it installs Debian packages); elsewhere this suite is skipped and says so.
const canMount = process.getuid?.() === 0;
const AGENCY = 'Bearer demo-agency-001';

interface Running {
  readonly child: ChildProcess;
  readonly base: string;
}

function startService(dataDir: string): Promise<Running> {
  const child = spawn(process.execPath, [compiledFile(__dirname, 'main.js')!], {
    env: { ...process.env, PORT: '0', LEDGER_DATA_DIR: dataDir, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk;
      const port = /"port":(\d+)[^\n]*"msg":"listening"/.exec(output)?.[1];
      if (port) resolve({ child, base: `http://127.0.0.1:${port}` });
    });
    child.once('exit', (code) => reject(new Error(`the service exited (${code}) before listening:\n${output}`)));
  });
}

async function post(base: string, event: ScenarioEvent): Promise<{ status: number; body: any; type: string }> {
  const { certificationId, ...body } = event;
  const response = await fetch(`${base}/v1/certifications/${certificationId}/events`, {
    method: 'POST',
    headers: { authorization: AGENCY, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: await response.json(), type: response.headers.get('content-type') ?? '' };
}

async function streamOf(
  base: string,
  certificationId: string,
): Promise<Array<{ eventId: string; hash: string; prevHash: string }>> {
  const response = await fetch(`${base}/v1/certifications/${certificationId}/events`, {
    headers: { authorization: AGENCY },
  });
  return response.status === 404 ? [] : ((await response.json()) as { events: any[] }).events;
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

(canMount ? describe : describe.skip)('the service when its disk fills up (real tmpfs; needs root to mount)', () => {
  let dataDir: string;

  beforeAll(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'full-disk-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=3m', 'tmpfs', dataDir]);
  });

  afterAll(() => {
    execFileSync('umount', ['-l', dataDir]);
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('refuses with 503 and writes nothing while full, then goes on by itself once there is room, and the audit agrees', async () => {
    const service = await startService(dataDir);
    const acknowledged = new Map<string, string[]>();
    let refused: { event: ScenarioEvent; answer: Awaited<ReturnType<typeof post>> } | undefined;
    try {
      for (let n = 0; !refused && n < 500; n += 1) {
        const certificationId = `FULL-${n}`;
        for (const event of initialCertification({
          certificationId,
          appliedOn: '2025-03-01',
          certificateNo: `FD${String(n).padStart(8, '0')}`,
        })) {
          const answer = await post(service.base, event);
          if (answer.status !== 201) {
            refused = { event, answer };
            break;
          }
          acknowledged.set(certificationId, [...(acknowledged.get(certificationId) ?? []), event.eventId]);
        }
      }
      expect(refused).toBeDefined();
      const { event, answer } = refused!;
      expect(answer.status).toBe(503);
      expect(answer.type).toMatch(/application\/problem\+json/);
      expect(answer.body).toMatchObject({ code: 'store-unavailable', status: 503 });
      expect(execFileSync('df', ['--output=avail', '-k', dataDir]).toString()).toMatch(/\n\s*\d{1,3}\s*$/);

      // Nothing of the refused event, nothing lost of those acknowledged before it.
      for (const [certificationId, eventIds] of acknowledged) {
        expect((await streamOf(service.base, certificationId)).map((e) => e.eventId)).toEqual(eventIds);
      }

      execFileSync('mount', ['-o', 'remount,size=64m', dataDir]);
      const retried = await post(service.base, event);
      expect(retried.status).toBe(201);
      const stream = await streamOf(service.base, event.certificationId);
      expect(stream.at(-1)!.eventId).toBe(event.eventId);
      if (stream.length > 1) expect(stream.at(-1)!.prevHash).toBe(stream.at(-2)!.hash);
      await until('the service ready again: workers running, everything anchored and projected', async () => {
        const ready = (await (await fetch(`${service.base}/readyz`)).json()) as { status: string };
        return ready.status === 'ready';
      });
    } finally {
      service.child.kill('SIGTERM');
      await new Promise((resolve) => service.child.once('exit', resolve));
    }

    const out = new PassThrough();
    let report = '';
    out.on('data', (chunk) => (report += String(chunk)));
    const env = { LEDGER_DATA_DIR: dataDir, EVENT_STORE: 'sqlite', LEDGER_BACKEND: 'embedded', LOG_LEVEL: 'silent' };
    expect(await auditCli(['--no-progress'], env, { stdout: out, stderr: new PassThrough() })).toBe(0);
    expect(report).toContain('ALL CHECKS AGREE');
    const stored = [...acknowledged.values()].reduce((sum, ids) => sum + ids.length, 0) + 1;
    expect(report).toMatch(new RegExp(`events in the log\\s+${stored}\\b`));
  }, 180_000);
});
