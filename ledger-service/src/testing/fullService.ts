import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino, { type Logger } from 'pino';
import { composeLedgerService, type LedgerService } from '../compose';
import { loadConfig } from '../config';
import { defaultParts } from '../parts';

export interface FullService {
  readonly service: LedgerService;
  readonly dataDir: string;
  close(): Promise<void>;
}

/** The service with every part, as `npm start` composes it but with the workers on the API's thread, on a fresh data directory. */
export async function startFullService(options: { readonly logger?: Logger } = {}): Promise<FullService> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'ledger-full-'));
  const config = loadConfig({ LEDGER_DATA_DIR: dataDir, LEDGER_WORKERS: 'in-process' });
  const logger = options.logger ?? pino({ level: 'silent' });
  const service = await composeLedgerService({
    config,
    logger,
    parts: (context) => defaultParts({ config, logger, ...context }),
  });
  return {
    service,
    dataDir,
    async close() {
      await service.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
