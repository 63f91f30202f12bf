import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import request from 'supertest';
import { createSqliteReadStore } from '@certledger/projections';
import { composeLedgerService, type LedgerService } from '../compose';
import { loadConfig } from '../config';
import type { EventStore } from '../eventStore/port';
import { createSupervisionPart, type SupervisionPart } from '../http/supervision/part';
import type { ScenarioEvent } from './scenario';

export interface SupervisedService {
  readonly service: LedgerService;
  readonly store: EventStore;
  readonly part: SupervisionPart;
  /** Projects what was written and evaluates the checks now. */
  evaluate(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The ledger service with the supervision part, over a fresh directory and SQLite read store, on
 * `clock`: the part runs its own runner and evaluates only when asked (evaluate()), as where the
 * workers evaluate elsewhere.
 */
export async function supervisedService(clock: () => Date): Promise<SupervisedService> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'supervised-'));
  const readStore = createSqliteReadStore({ file: path.join(dir, 'read.sqlite') });
  let store: EventStore | undefined;
  let part: SupervisionPart | undefined;
  const service = await composeLedgerService({
    config: loadConfig({ LEDGER_DATA_DIR: dir }),
    logger: pino({ level: 'silent' }),
    clock,
    parts: async (context) => {
      store = context.store;
      part = await createSupervisionPart({
        eventStore: store,
        readStore,
        logger: pino({ level: 'silent' }),
        ownRunner: true,
        evaluateOnTimer: false,
        clock,
      });
      return [part];
    },
  });
  return {
    service,
    store: store!,
    part: part!,
    async evaluate() {
      await part!.runner!.catchUp();
      await part!.supervision.tick();
    },
    async close() {
      await service.close();
      await readStore.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Posts certification events as a CB would (demo-agency-001 unless another's `authorization`), one
 * by one; throws at the first refused.
 */
export async function postAsAgency(
  service: LedgerService,
  events: readonly ScenarioEvent[],
  authorization = 'Bearer demo-agency-001',
): Promise<void> {
  for (const { certificationId, ...body } of events) {
    const response = await request(service.app)
      .post(`/v1/certifications/${certificationId}/events`)
      .set('authorization', authorization)
      .send(body);
    if (response.status !== 201) throw new Error(`${body.type}: ${response.status} ${JSON.stringify(response.body)}`);
  }
}
