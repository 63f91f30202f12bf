import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { composeLedgerService, type LedgerService } from '../../../compose';
import { loadConfig } from '../../../config';
import { defaultParts } from '../../../parts';
import { createHttpServer } from '../../server';

/** Bearer tokens of the principals the read-side tests use. */
export const TOKENS = {
  agency: 'read-test-agency-001',
  nanjing: 'read-test-regulator-3201',
  suzhou: 'read-test-regulator-3205',
  jiangsu: 'read-test-regulator-32',
  enterprise: 'read-test-enterprise',
  otherEnterprise: 'read-test-enterprise-2',
  admin: 'read-test-admin',
} as const;

export interface RunningService {
  readonly baseUrl: string;
  readonly service: LedgerService;
  readonly dataDir: string;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

const digest = (token: string) => createHash('sha256').update(token).digest('hex');

/**
 * The whole service as main.ts composes it (REST intake, SQLite event store, anchorer on the
 * embedded ledger, read side with in-process projections, supervision), on a loopback port.
 */
export async function startService(options: {
  enterpriseCreditCode: string;
  otherCreditCode: string;
}): Promise<RunningService> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'read-side-'));
  const principalsFile = path.join(dataDir, 'principals.json');
  writeFileSync(
    principalsFile,
    JSON.stringify([
      { id: 'agency-test', role: 'agency', agencyId: 'CNCA-R-2002-001', tokenSha256: digest(TOKENS.agency) },
      { id: 'regulator-nanjing', role: 'regulator', regionCode: '3201', tokenSha256: digest(TOKENS.nanjing) },
      { id: 'regulator-suzhou', role: 'regulator', regionCode: '3205', tokenSha256: digest(TOKENS.suzhou) },
      { id: 'regulator-jiangsu', role: 'regulator', regionCode: '32', tokenSha256: digest(TOKENS.jiangsu) },
      {
        id: 'enterprise-holder',
        role: 'enterprise',
        creditCode: options.enterpriseCreditCode,
        tokenSha256: digest(TOKENS.enterprise),
      },
      {
        id: 'enterprise-other',
        role: 'enterprise',
        creditCode: options.otherCreditCode,
        tokenSha256: digest(TOKENS.otherEnterprise),
      },
      { id: 'admin', role: 'admin', tokenSha256: digest(TOKENS.admin) },
    ]),
  );
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const config = loadConfig({
    LEDGER_DATA_DIR: dataDir,
    LEDGER_PRINCIPALS: principalsFile,
    PORT: String(port),
    LEDGER_PUBLIC_URL: baseUrl,
    LEDGER_QR_SECRET: `test-${randomUUID()}`,
  });
  const logger = pino({ level: 'silent' });
  // The parts exactly as main.ts composes them: anchorer on the embedded ledger, read side, supervision.
  const service = await composeLedgerService({
    config,
    logger,
    parts: (context) => defaultParts({ config, logger, ...context }),
  });
  const server: Server = await new Promise((resolve) => {
    const s = createHttpServer(service.app).listen(port, '127.0.0.1', () => resolve(s));
  });
  return {
    baseUrl,
    service,
    dataDir,
    stop: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await service.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Polls `probe` until it returns a value, for at most `timeoutMs`. */
export async function eventually<T>(
  probe: () => Promise<T | undefined>,
  timeoutMs = 15_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
