import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import jsQR from 'jsqr';
import { PNG } from 'pngjs';
import { readmeSection, REPO_ROOT, shellBlocksOf } from './testing/readme';
import { startServiceProcess, type ServiceProcess } from './testing/serviceProcess';
import { until } from './testing/until';

// The README's curl walkthrough, command by command as printed, against the built service on its
// embedded defaults (`npm start`), in a directory where `./data` is the service's data directory.

const README_BASE = 'http://localhost:8080';
const ADMIN = { authorization: 'Bearer demo-admin' };
const curlMissing = spawnSync('curl', ['--version']).error !== undefined;
const exampleFiles = readdirSync(path.join(REPO_ROOT, 'docs/examples/certification')).filter((f) =>
  f.endsWith('.json'),
);

/** One shell command per entry: continuation lines joined, a for loop kept whole, comments left out. */
function commandsOf(block: string): string[] {
  const lines = block
    .replace(/\\\n\s*/g, ' ')
    .split('\n')
    .map((line) => line.replace(/\s+#\s.*$/, '').trimEnd())
    .filter((line) => line !== '');
  const commands: string[] = [];
  let loop: string[] | undefined;
  for (const line of lines) {
    if (loop) loop.push(line);
    else if (line.startsWith('for ')) loop = [line];
    else commands.push(line);
    if (loop && line.trim() === 'done') {
      commands.push(loop.join('\n'));
      loop = undefined;
    }
  }
  return commands;
}

const walkthrough = readmeSection('## Submit a certification with curl');
const receiptCommands = shellBlocksOf(readmeSection('## Anchoring in Hyperledger Fabric'))
  .filter((block) => block.includes('verify-receipt'))
  .flatMap(commandsOf)
  // Checking against a Fabric peer needs the network, which this test does not start.
  .filter((command) => !command.includes('--peer'));
const commands = [...shellBlocksOf(walkthrough).flatMap(commandsOf), ...receiptCommands];
const qrUrl = /Open `(http:\/\/localhost:8080\/\S+\/qr)`/.exec(walkthrough)?.[1];

interface Ran {
  readonly status: number | null;
  readonly stdout: string;
}

/** The metrics the walkthrough waits on before reading back: all anchored, every read model caught up. */
async function settled(base: string): Promise<true | undefined> {
  const metrics = await (await fetch(`${base}/metrics`, { headers: ADMIN })).text();
  const values = (name: string) =>
    [...metrics.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'gm'))].map((m) => Number(m[1]));
  const [head] = values('certledger_event_store_head_position');
  const caughtUp =
    values('certledger_anchor_anchored_through_position')[0] === head &&
    values('certledger_read_model_lag_events').every((lag) => lag === 0);
  return caughtUp ? true : undefined;
}

(curlMissing ? describe.skip : describe)("the README's curl walkthrough, on the embedded defaults", () => {
  let workDir: string;
  let service: ServiceProcess;
  const ran = new Map<string, Ran>();
  const output = (fragment: string): Ran => {
    const command = commands.find((c) => c.includes(fragment));
    if (!command) throw new Error(`the README's walkthrough has no command with ${fragment}`);
    return ran.get(command)!;
  };
  const json = (fragment: string) => JSON.parse(output(fragment).stdout);

  beforeAll(async () => {
    workDir = mkdtempSync(path.join(tmpdir(), 'ledger-readme-'));
    for (const folder of ['docs', 'scripts']) symlinkSync(path.join(REPO_ROOT, folder), path.join(workDir, folder));
    service = await startServiceProcess(path.join(workDir, 'data'));
    let waited = false;
    for (const command of commands) {
      if (!waited && !command.includes('-X POST')) {
        // A reader takes longer between two commands than the anchorer and the read models.
        await until('anchoring and the read models to catch up', () => settled(service.base));
        waited = true;
      }
      const result = spawnSync('bash', ['-c', command.replaceAll(README_BASE, service.base)], {
        cwd: workDir,
        encoding: 'utf8',
        timeout: 30_000,
      });
      ran.set(command, { status: result.status, stdout: result.stdout });
    }
  }, 120_000);

  afterAll(async () => {
    await service?.stop();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  it('opens the stream with the first event: version 0, 64 zeros before it, anchoring pending', () => {
    const first = json('01-application.json');
    expect(first).toMatchObject({ version: 0, prevHash: '0'.repeat(64), anchor: { status: 'pending' } });
    expect(first.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(first.position).toBe(1);
  });

  it('posts the whole certification: 200 for 01, posted already, then 201 for each of the others', () => {
    const lines = output('for f in').stdout.trim().split('\n');
    expect(lines).toEqual(exampleFiles.map((file, i) => `${i === 0 ? 200 : 201} docs/examples/certification/${file}`));
  });

  it('reads the stream back as the regulator of Nanjing: every event, chained, anchored', () => {
    const { events } = json('/events -H');
    expect(events).toHaveLength(exampleFiles.length);
    events.forEach((event: { prevHash: string; anchor: { status: string } }, i: number) => {
      expect(event.prevHash).toBe(i === 0 ? '0'.repeat(64) : events[i - 1].hash);
      expect(event.anchor.status).toBe('anchored');
    });
  });

  it('answers the public authenticity check: the certificate is valid', () => {
    expect(json('/v1/certificates/')).toMatchObject({ status: 'valid', certificationId: 'JSQC-2025-0001' });
  });

  it('shows the holder the whole chain, intact', () => {
    const trace = json('/trace');
    expect(trace.chainIntact).toBe(true);
    expect(trace.steps).toHaveLength(exampleFiles.length);
  });

  it("gives a QR code that leads to the certificate's verification page, which says valid", async () => {
    const png = PNG.sync.read(
      Buffer.from(await (await fetch(qrUrl!.replace(README_BASE, service.base))).arrayBuffer()),
    );
    const decoded = jsQR(new Uint8ClampedArray(png.data), png.width, png.height)?.data;
    expect(decoded).toMatch(/\/verify\//);
    const page = await fetch(`${service.base}${new URL(decoded!).pathname}`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('VALID');
  });

  it("saves the certificate event's receipt, public and anchored", () => {
    const receipt = JSON.parse(readFileSync(path.join(workDir, 'receipt.json'), 'utf8'));
    expect(receipt).toMatchObject({ status: 'anchored', backend: 'embedded' });
  });

  it('checks the receipt offline (consistent, exit 3) and against the embedded ledger (verified, exit 0)', () => {
    const offline = ran.get(receiptCommands.find((c) => c.endsWith('verify-receipt.js receipt.json'))!)!;
    expect([offline.status, offline.stdout]).toEqual([3, expect.stringContaining('CONSISTENT OFFLINE')]);
    const ledger = output('--data-dir ./data');
    expect([ledger.status, ledger.stdout]).toEqual([0, expect.stringContaining('VERIFIED')]);
  });
});
