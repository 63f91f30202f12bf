import { execFile, execFileSync } from 'node:child_process';
import { createPrivateKey } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { LOG_HEAD_KEY_FILE, LogHeadKeyError, loadOrCreateLogHeadSigner } from './signer';

let dir: string;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'log-head-key-'));
});

afterEach(() => {
  jest.restoreAllMocks();
  fs.rmSync(dir, { recursive: true, force: true });
});

const keyFile = () => path.join(dir, LOG_HEAD_KEY_FILE);

describe('the log-head signing key', () => {
  it('is created whole, owner-only, with nothing left beside it, and read back on the next start', () => {
    const created = loadOrCreateLogHeadSigner(dir);
    expect(fs.readdirSync(dir)).toEqual([LOG_HEAD_KEY_FILE]);
    expect(fs.statSync(keyFile()).mode & 0o777).toBe(0o600);
    expect(createPrivateKey(fs.readFileSync(keyFile())).asymmetricKeyType).toBe('ed25519');
    expect(loadOrCreateLogHeadSigner(dir).keyId).toBe(created.keyId);
  });

  it.each([
    ['empty', ''],
    ['garbage', 'not a key at all'],
    ['cut short', '-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEI'],
  ])('refuses an existing key file that is %s with a typed error naming the file, never its content', (_, content) => {
    fs.writeFileSync(keyFile(), content, { mode: 0o600 });
    let refusal: unknown;
    try {
      loadOrCreateLogHeadSigner(dir);
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(LogHeadKeyError);
    expect(refusal).toMatchObject({ code: 'log-head-key-unreadable', file: keyFile() });
    const { message } = refusal as Error;
    expect(message).toContain(keyFile());
    if (content !== '') expect(message).not.toContain(content);
    // The file is left as it was, for whoever restores it.
    expect(fs.readFileSync(keyFile(), 'utf8')).toBe(content);
  });

  it('gives two creators the same key when one finds the file while the other is still writing it', () => {
    const open = fs.openSync;
    let raced = false;
    let competitor: ReturnType<typeof loadOrCreateLogHeadSigner> | undefined;
    // The other process starts just as this one has created its file, before a byte is written.
    jest.spyOn(fs, 'openSync').mockImplementation((...args: Parameters<typeof fs.openSync>) => {
      const fd = open(...args);
      if (args[1] === 'wx' && !raced) {
        raced = true;
        competitor = loadOrCreateLogHeadSigner(dir);
      }
      return fd;
    });
    const signer = loadOrCreateLogHeadSigner(dir);
    expect(competitor?.keyId).toBe(signer.keyId);
    jest.restoreAllMocks();
    expect(loadOrCreateLogHeadSigner(dir).keyId).toBe(signer.keyId);
    expect(fs.readdirSync(dir)).toEqual([LOG_HEAD_KEY_FILE]);
  });

  it('gives processes that start together the same key', async () => {
    const signerModule = path.join(__dirname, 'signer.ts');
    const register = path.resolve(__dirname, '../../../../scripts/test-services/swc-register');
    // Each process waits for the same moment, then loads or creates the key and prints its id.
    const startAt = Date.now() + 1500;
    const script = `require(${JSON.stringify(register)});
      const { loadOrCreateLogHeadSigner } = require(${JSON.stringify(signerModule)});
      while (Date.now() < ${startAt});
      process.stdout.write(loadOrCreateLogHeadSigner(${JSON.stringify(dir)}).keyId);`;
    const run = promisify(execFile);
    const keyIds = await Promise.all([1, 2, 3].map(async () => (await run(process.execPath, ['-e', script])).stdout));
    expect(new Set(keyIds).size).toBe(1);
    expect(loadOrCreateLogHeadSigner(dir).keyId).toBe(keyIds[0]);
  });

  // A real full disk: a tmpfs filled up. Mounting one needs root (as for fullDisk.test.ts); elsewhere skipped.
  (process.getuid?.() === 0 ? it : it.skip)(
    'leaves no key file behind when the disk is full, so the next start creates one (real tmpfs; needs root)',
    () => {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir]);
      try {
        const filler = path.join(dir, 'filler');
        const fd = fs.openSync(filler, 'w');
        try {
          for (;;) fs.writeSync(fd, Buffer.alloc(4096));
        } catch (error) {
          expect((error as NodeJS.ErrnoException).code).toBe('ENOSPC');
        } finally {
          fs.closeSync(fd);
        }
        expect(() => loadOrCreateLogHeadSigner(dir)).toThrow(expect.objectContaining({ code: 'ENOSPC' }));
        expect(fs.readdirSync(dir)).toEqual(['filler']);
        fs.rmSync(filler);
        const signer = loadOrCreateLogHeadSigner(dir);
        expect(loadOrCreateLogHeadSigner(dir).keyId).toBe(signer.keyId);
      } finally {
        execFileSync('umount', ['-l', dir]);
      }
    },
  );
});
