import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import request from 'supertest';
import type { Warning } from '@certledger/projections';
import { composeLedgerService, type LedgerService } from './compose';
import { loadConfig } from './config';
import { defaultParts } from './parts';
import { initialCertification, type ScenarioEvent } from './testing/scenario';
import { until } from './testing/until';

const AGENCY = 'Bearer demo-agency-001';
const NANJING = 'Bearer demo-regulator-3201';

describe('the early warnings judge by the rules the intake applies (LEDGER_RULES_FILE)', () => {
  let dataDir: string;
  let service: LedgerService;

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'parts-rules-'));
    const rulesFile = path.join(dataDir, 'rules.json');
    fs.writeFileSync(rulesFile, JSON.stringify({ remoteAuditPermitted: true }));
    const config = loadConfig({
      LEDGER_DATA_DIR: dataDir,
      LEDGER_WORKERS: 'in-process',
      LEDGER_SUPERVISION_SECONDS: '0.2',
      LEDGER_RULES_FILE: rulesFile,
    });
    const logger = pino({ level: 'silent' });
    service = await composeLedgerService({
      config,
      logger,
      parts: (context) => defaultParts({ config, logger, ...context }),
    });
  });

  afterAll(async () => {
    await service.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const submit = async ({ certificationId, ...body }: ScenarioEvent): Promise<void> => {
    const response = await request(service.app)
      .post(`/v1/certifications/${certificationId}/events`)
      .set('authorization', AGENCY)
      .send(body);
    expect(response.status).toBe(201);
  };
  const warnings = async (rule: string): Promise<Warning[]> => {
    const response = await request(service.app)
      .get('/v1/warnings')
      .set('authorization', NANJING)
      .query({ rule, state: 'all', certificationId: 'RULES-1' });
    expect(response.status).toBe(200);
    return response.body.items as Warning[];
  };

  it('a remote surveillance the rules permit raises no W5 onsite-share-low', async () => {
    const certification = initialCertification({ certificationId: 'RULES-1', appliedOn: '2025-01-06' });
    for (const event of certification) await submit(event);
    const team = certification.find((e) => e.type === 'AuditTeamAssigned')!.data.members;
    const surveillance = (type: ScenarioEvent['type'], on: string, data: Record<string, unknown>): ScenarioEvent => ({
      certificationId: 'RULES-1',
      eventId: randomUUID(),
      type,
      occurredAt: `${on}T10:00:00+08:00`,
      data: { auditId: 'S1', ...data },
    });
    const plan = surveillance('AuditPlanned', '2025-12-02', {
      mode: 'remote',
      start: '2025-12-15',
      end: '2025-12-15',
      auditDays: 2,
      onsiteDays: 0,
    });
    await submit(surveillance('AuditTeamAssigned', '2025-12-01', { kind: 'surveillance', members: team }));
    await submit(plan); // the intake takes it: remote audits are permitted

    // The plan was never reported to CNCA: once W10 says so, the plan has been evaluated.
    await until('the plan evaluated', async () =>
      (await warnings('W10')).some((w) => w.evidence.includes(plan.eventId)) ? true : undefined,
    );
    expect((await warnings('W5')).map((w) => w.kind)).toEqual([]);
  });
});
