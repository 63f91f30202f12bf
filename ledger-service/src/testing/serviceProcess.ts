import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { compiledFile } from '../compiledFile';

/** The built service (`node ledger-service/dist/main.js`) running as a process of its own, on a free port. */
export interface ServiceProcess {
  readonly child: ChildProcess;
  readonly base: string;
  /** What it logged so far (stdout and stderr). */
  output(): string;
  /** SIGTERM, and resolves once it has exited. */
  stop(): Promise<void>;
}

/** Starts the service on `dataDir` with its defaults (demo principals, SQLite, embedded ledger) and `env` over them. */
export function startServiceProcess(dataDir: string, env: Record<string, string> = {}): Promise<ServiceProcess> {
  const main = compiledFile(path.resolve(__dirname, '..'), 'main.js');
  if (!main) throw new Error('run npx tsc -b first: the service runs from its compiled files');
  const child = spawn(process.execPath, [main], {
    env: { ...process.env, PORT: '0', LEDGER_DATA_DIR: dataDir, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    const collect = (chunk: Buffer): void => {
      output += chunk;
      const port = /"port":(\d+)[^\n]*"msg":"listening"/.exec(output)?.[1];
      if (port)
        resolve({
          child,
          base: `http://127.0.0.1:${port}`,
          output: () => output,
          stop: async () => {
            child.kill('SIGTERM');
            await exited;
          },
        });
    };
    child.stdout!.on('data', collect);
    child.stderr!.on('data', collect);
    child.once('exit', (code) => reject(new Error(`the service exited (${code}) before listening:\n${output}`)));
  });
}
