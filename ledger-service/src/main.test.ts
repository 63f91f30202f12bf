import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { compiledFile } from './compiledFile';

/** Runs the built service until it exits: its exit code and what it logged. */
function runService(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'main-'));
  const child = spawn(process.execPath, [compiledFile(__dirname, 'main.js')!], {
    env: { ...process.env, LEDGER_DATA_DIR: dataDir, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  return new Promise((resolve) =>
    child.once('exit', (code) => {
      clearTimeout(killer);
      fs.rmSync(dataDir, { recursive: true, force: true });
      resolve({ code, output });
    }),
  );
}

describe('the service when its port is taken', () => {
  let taken: net.Server;
  let port: number;

  beforeAll(async () => {
    taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, resolve));
    port = (taken.address() as net.AddressInfo).port;
  });
  afterAll(() => taken.close());

  it('exits with 1 and says why, instead of running without a port', async () => {
    const { code, output } = await runService({ PORT: String(port) });
    expect(code).toBe(1);
    expect(output).toContain(`cannot listen on port ${port}: EADDRINUSE`);
  });

  it('exits with 1 on several API processes too', async () => {
    const { code, output } = await runService({ PORT: String(port), LEDGER_API_PROCESSES: '2' });
    expect(code).toBe(1);
    expect(output).toContain('"msg":"an API process failed to start"');
  });
});
