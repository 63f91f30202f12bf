import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import express from 'express';
import pino from 'pino';
import request from 'supertest';
import { openSqliteAnchorStore } from '../../anchoring/anchorStore';
import { appendTo, contractSigned } from '../../anchoring/testing/events';
import { openSqliteEventStore } from '../../eventStore';
import { problemHandler } from '../errors';
import { createReadSidePart } from './part';

describe('the read side part: a register far behind the log answers "try again", not "not found"', () => {
  it('answers a missing certificate 503 while the registry is more than the allowed lag behind, 404 once caught up', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'read-part-'));
    const store = openSqliteEventStore({ directory: dir });
    const anchorStore = openSqliteAnchorStore({ directory: dir });
    const part = await createReadSidePart({
      store,
      anchorStore,
      principals: new Map(),
      publicBaseUrl: 'http://ledger.test',
      qrSecret: 'read-part-test-secret-0123',
      logger: pino({ level: 'silent' }),
      dataDir: dir,
      runProjections: false,
      maxReadyLagEvents: 2,
    });
    const app = express();
    for (const router of part.routers ?? []) app.use(router);
    app.use(problemHandler(pino({ level: 'silent' })));
    try {
      await appendTo(store, 'certification-lagging', 'CNCA-R-2002-001', [1, 2, 3, 4].map(contractSigned));
      const behind = await request(app).get('/v1/certificates/00125Q99999R0M');
      expect([behind.status, behind.body.code]).toEqual([503, 'registry-catching-up']);
      await part.projections.runner.catchUp();
      expect((await request(app).get('/v1/certificates/00125Q99999R0M')).status).toBe(404);
    } finally {
      await part.close?.();
      await anchorStore.close();
      await store.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
