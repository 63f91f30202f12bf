import express from 'express';
import pino from 'pino';
import request from 'supertest';
import type { Supervision } from '@certledger/projections';
import { setPrincipal } from '../auth';
import { problemHandler } from '../errors';
import type { ProblemError } from '../problem';
import { single } from '../read/params';
import { supervisionRoutes, type SupervisionRoutesOptions } from './routes';

/** The routes as the Nanjing regulator asks them, with the app's problem answers. */
function asNanjing(options: SupervisionRoutesOptions): express.Express {
  const app = express();
  app.use((req, _res, next) => {
    setPrincipal(req, { id: 'regulator-nanjing', role: 'regulator', regionCode: '3201' });
    next();
  });
  app.use(supervisionRoutes(options));
  app.use(problemHandler(pino({ level: 'silent' })));
  return app;
}

describe('the warnings page when supervision fails', () => {
  it('answers with an HTML 500 page and logs the failure', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'error' }, { write: (line: string) => void lines.push(line) });
    const failing = {
      ensureFresh: async () => {
        throw new Error('read store gone');
      },
    } as unknown as Supervision;
    const app = asNanjing({ supervision: failing, logger });

    const response = await request(app).get('/regulator/warnings');
    expect(response.status).toBe(500);
    expect(response.headers['content-type']).toMatch(/^text\/html/);
    expect(response.text).not.toContain('read store gone');
    expect(lines.join('')).toContain('read store gone');
  });
});

describe('GET /v1/warnings from/to', () => {
  /** The raisedFrom/raisedTo the route hands supervision for a query (or the problem it answers). */
  async function bounds(query: Record<string, string>) {
    let seen: { raisedFrom?: string; raisedTo?: string } | undefined;
    const supervision = {
      ensureFresh: async () => undefined,
      warnings: async (filter: { raisedFrom?: string; raisedTo?: string }) => {
        seen = { raisedFrom: filter.raisedFrom, raisedTo: filter.raisedTo };
        return { items: [] };
      },
    } as unknown as Supervision;
    const app = asNanjing({ supervision });
    const response = await request(app).get('/v1/warnings').query(query);
    return response.status === 200 ? seen : [response.status, response.body.code];
  }

  it('takes a bare date as that day in China: `from` its first instant, `to` the whole day', async () => {
    expect(await bounds({ from: '2025-08-09', to: '2025-08-09' })).toEqual({
      raisedFrom: '2025-08-08T16:00:00.000Z',
      raisedTo: '2025-08-09T16:00:00.000Z',
    });
  });

  it('takes a time with any offset as that instant', async () => {
    expect(await bounds({ from: '2025-08-09T00:30:00+08:00', to: '2025-08-08T16:30:00Z' })).toEqual({
      raisedFrom: '2025-08-08T16:30:00.000Z',
      raisedTo: '2025-08-08T16:30:00.000Z',
    });
  });

  it.each(['2025-02-30', 'garbage', '2025-08-09T10:00'])('refuses %s with 400 invalid-filter', async (to) => {
    expect(await bounds({ to })).toEqual([400, 'invalid-filter']);
  });
});

describe('a repeated query parameter', () => {
  const nothing = async () => ({ items: [] });
  const supervision = {
    ensureFresh: async () => undefined,
    warnings: nothing,
    auditors: nothing,
    evaluations: nothing,
    grades: async () => [],
    openWarningCounts: async () => ({}),
    evaluatedAt: async () => undefined,
  } as unknown as Supervision;
  const app = asNanjing({ supervision });

  /** What the read side answers to a parameter given twice (its single()). */
  const readSideAnswer = (parameter: string) => {
    try {
      single({ [parameter]: ['a', 'b'] }, parameter);
    } catch (error) {
      const { status, code } = error as ProblemError;
      return [status, code, parameter];
    }
    throw new Error('single() took a repeated parameter');
  };

  it('narrows nothing: region=3201&region=3205 is refused, not read as the whole jurisdiction', async () => {
    const response = await request(app).get('/v1/warnings?region=3201&region=3205');
    expect([response.status, response.body.code]).toEqual([400, 'invalid-parameter']);
  });

  it.each([
    ['/v1/warnings', ['region', 'state', 'severity', 'rule', 'ruleId', 'kind', 'agencyId', 'certificationId']],
    ['/v1/warnings', ['creditCode', 'auditorId', 'from', 'to', 'cursor', 'limit']],
    ['/v1/auditors', ['region', 'cursor', 'limit']],
    ['/v1/evaluations', ['cursor', 'limit', 'auditorId', 'certificationId', 'agencyId']],
    ['/v1/agencies/grades', ['region']],
    ['/v1/calculators/audit-time', ['personnel', 'scheme']],
    ['/v1/calculators/sample-size', ['sites', 'audit']],
  ])('is answered by %s as the read side answers it', async (route, parameters) => {
    for (const parameter of parameters) {
      const response = await request(app).get(`${route}?${parameter}=1&${parameter}=2`);
      expect([response.status, response.body.code, response.body.parameter]).toEqual(readSideAnswer(parameter));
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    }
  });

  it.each([
    ['rule', 'W1', 'W2'],
    ['region', '3201', '320102'],
  ])('makes the warnings page say that %s given twice is not a valid filter', async (parameter, one, other) => {
    const response = await request(app).get(`/regulator/warnings?${parameter}=${one}&${parameter}=${other}`);
    expect(response.status).toBe(400);
    expect(response.headers['content-type']).toMatch(/^text\/html/);
    expect(response.text).toContain('筛选条件');
  });
});
