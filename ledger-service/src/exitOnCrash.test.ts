import { spawnSync } from 'node:child_process';
import { compiledFile } from './compiledFile';

/** Runs `body` in a fresh Node process that has a listener that only logs, as fabric-contract-api installs. */
function crashing(body: string): { status: number | null; stdout: string } {
  const script = `
    process.on('uncaughtException', () => undefined);
    process.on('unhandledRejection', () => undefined);
    require(${JSON.stringify(compiledFile(__dirname, 'exitOnCrash.js'))}).exitOnCrash(require('pino')());
    ${body}
    setTimeout(() => console.log('still running'), 300);
  `;
  const result = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', cwd: __dirname });
  return { status: result.status, stdout: result.stdout };
}

describe('exitOnCrash', () => {
  it('ends the process on an uncaught exception, however others listen', () => {
    const { status, stdout } = crashing("setTimeout(() => { throw new Error('boom'); }, 10);");
    expect(status).toBe(1);
    expect(stdout).toContain('"msg":"uncaught exception; exiting"');
    expect(stdout).toContain('boom');
    expect(stdout).not.toContain('still running');
  });

  it('ends the process on an unhandled rejection', () => {
    const { status, stdout } = crashing("Promise.reject(new Error('lost'));");
    expect(status).toBe(1);
    expect(stdout).toContain('"msg":"unhandled rejection; exiting"');
    expect(stdout).not.toContain('still running');
  });
});
