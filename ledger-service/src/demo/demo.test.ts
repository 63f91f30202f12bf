import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import {
  createProjectionRunner,
  createSqliteReadStore,
  createSupervision,
  supervisionModel,
  type ReadStore,
  type Supervision,
  type Warning,
} from '@certledger/projections';
import { createEventStore } from '../eventStore';
import type { EventStore } from '../eventStore/port';
import { md5MinimumAuditDays } from '../http/supervision';
import { eventFeedOf } from '../http/read/wiring';
import { createDemoPlan, type DemoPlan } from './plan';
import { storeSink, writePlan } from './sinks';

const TODAY = '2026-11-20';
const NOW = new Date(`${TODAY}T12:00:00+08:00`);

describe('demo data through the real intake: every planted warning appears, and nothing else', () => {
  let dir: string;
  let store: EventStore;
  let readStore: ReadStore;
  let supervision: Supervision;
  let plan: DemoPlan;
  let written: Awaited<ReturnType<typeof writePlan>>;
  let warnings: Warning[];

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'demo-'));
    store = await createEventStore({ eventStore: 'sqlite', dataDir: path.join(dir, 'data') });
    plan = createDemoPlan({ today: TODAY, certifications: 500, seed: 7, minPlanted: 3 });
    written = await writePlan(plan, storeSink({ store, clock: () => NOW }));
    readStore = createSqliteReadStore({ file: path.join(dir, 'read.sqlite') });
    const runner = createProjectionRunner({
      store: readStore,
      events: eventFeedOf(store),
      models: [supervisionModel] as never,
      logger: pino({ level: 'silent' }),
    });
    await runner.catchUp();
    supervision = createSupervision({ store: readStore, clock: () => NOW, minimumAuditDays: md5MinimumAuditDays() });
    await supervision.tick();
    warnings = [];
    for (let cursor: string | undefined, first = true; first || cursor; first = false) {
      const page = await supervision.warnings({ state: 'all', limit: 1000, ...(cursor ? { after: cursor } : {}) });
      warnings.push(...page.items);
      cursor = page.next;
    }
  }, 600_000);

  afterAll(async () => {
    await store?.close();
    await readStore?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('stores every planned event: the generator plants only what the rules allow', () => {
    expect(written.certifications.problems).toEqual([]);
    expect(written.supervision.problems).toEqual([]);
    expect(written.certifications.refused).toBe(0);
    expect(written.certifications.stored).toBe(plan.certifications.reduce((n, c) => n + c.events.length, 0));
  });

  it('raises each planted warning where it was planted, and none anywhere else', () => {
    const key = (w: { ruleId: string; kind: string; certificationId?: string; auditorId?: string }) =>
      `${w.ruleId}|${w.kind}|${w.certificationId}${w.auditorId ? `|${w.auditorId}` : ''}`;
    const expected = [...new Set(plan.planted.map(key))].sort();
    const seen = [...new Set(warnings.map(key))].sort();
    expect(seen).toEqual(expected);
    for (const planted of plan.planted) {
      const found = warnings.filter((w) => key(w) === key(planted));
      expect(found.map((w) => `${key(w)} ${w.clearedAt ? 'cleared' : 'open'}`)).toContain(
        `${key(planted)} ${planted.state}`,
      );
    }
    const kinds = new Set(plan.planted.map((p) => `${p.ruleId}:${p.kind}`));
    expect(kinds.size).toBeGreaterThanOrEqual(12);
  });
});
