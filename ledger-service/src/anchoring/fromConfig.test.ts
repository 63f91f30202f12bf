import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { openSqliteEventStore } from '../eventStore/sqlite/sqliteEventStore';
import { anchorerTuningFromEnv, openAnchoringPart } from './fromConfig';
import { appendTo, contractSigned } from './testing/events';

describe('anchoring from the service configuration', () => {
  it('runs the anchorer on the embedded ledger in the data dir when workers run in-process', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'anchoring-config-'));
    const store = openSqliteEventStore({ directory: dataDir });
    const part = await openAnchoringPart({
      config: {
        ledgerBackend: 'embedded',
        dataDir,
        fabricConnection: path.join(dataDir, 'none.json'),
        eventStore: 'sqlite',
        eventStoreUrl: undefined,
        eventStoreQueryTimeoutMs: undefined,
        workers: 'in-process',
      },
      store,
      logger: pino({ level: 'silent' }),
      tuning: { maxBatchDelayMs: 10 },
    });
    try {
      const [event] = await appendTo(store, 'certification-cfg', 'CB-1', [contractSigned(1)]);
      for (let i = 0; i < 500 && (await part.anchorStatusOf!(event!)).status !== 'anchored'; i++) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      expect(await part.anchorStatusOf!(event!)).toMatchObject({ status: 'anchored', backend: 'embedded' });
      expect(fs.existsSync(path.join(dataDir, 'ledger.sqlite'))).toBe(true);
      expect(fs.existsSync(path.join(dataDir, 'anchors.sqlite'))).toBe(true);
    } finally {
      await part.close();
      await store.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('reads the batching bounds from the environment and refuses nonsense', () => {
    expect(anchorerTuningFromEnv({ ANCHOR_MAX_BATCH_EVENTS: '1000', ANCHOR_MAX_BATCH_DELAY_MS: '50' })).toEqual({
      maxBatchEvents: 1000,
      maxBatchDelayMs: 50,
      maxRoundEvents: undefined,
    });
    expect(() => anchorerTuningFromEnv({ ANCHOR_MAX_BATCH_EVENTS: '0' })).toThrow(/ANCHOR_MAX_BATCH_EVENTS/);
    expect(() => anchorerTuningFromEnv({ ANCHOR_MAX_BATCH_EVENTS: '20000' })).toThrow(/at most 10000/);
    expect(() => anchorerTuningFromEnv({ ANCHOR_MAX_BATCH_DELAY_MS: 'soon' })).toThrow(/ANCHOR_MAX_BATCH_DELAY_MS/);
  });
});
