import request from 'supertest';
import type { LedgerService } from '../../compose';
import { supervisedService, type SupervisedService } from '../../testing/supervisedService';
import type { SupervisionPart } from './part';

describe('supervision where the workers evaluate elsewhere (evaluateOnTimer: false)', () => {
  let supervised: SupervisedService;
  let service: LedgerService;
  let part: SupervisionPart;
  let now = new Date('2026-03-01T02:00:00Z');

  beforeAll(async () => {
    supervised = await supervisedService(() => now);
    ({ service, part } = supervised);
  });
  afterAll(() => supervised.close());

  const supervisionCheck = async () => (await request(service.app).get('/readyz')).body.checks.supervision;

  it('never evaluates on a read, which would stop the API meanwhile, and serves the last evaluation', async () => {
    const response = await request(service.app).get('/v1/warnings').set('authorization', 'Bearer demo-regulator-3201');
    expect(response.status).toBe(200);
    expect(await part.supervision.evaluatedAt()).toBeUndefined();
    expect(await supervisionCheck()).toMatchObject({ ok: true, detail: 'not evaluated yet' });
  });

  it('says in /readyz how old the workers’ last evaluation is, degraded past five minutes', async () => {
    await part.supervision.tick();
    expect(await supervisionCheck()).toMatchObject({ ok: true, detail: 'warnings evaluated 0 s ago' });
    now = new Date(now.getTime() + 6 * 60_000);
    expect(await supervisionCheck()).toMatchObject({ ok: false, detail: 'warnings evaluated 360 s ago' });
    expect((await request(service.app).get('/readyz')).body.status).toBe('degraded');
  });
});
