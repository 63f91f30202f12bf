import express from 'express';
import pino from 'pino';
import request from 'supertest';
import type { Supervision } from '@certledger/projections';
import { setPrincipal } from '../auth';
import { problemHandler } from '../errors';
import { supervisionRoutes } from './routes';

describe('the warnings page when supervision fails', () => {
  it('answers with an HTML 500 page and logs the failure', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'error' }, { write: (line: string) => void lines.push(line) });
    const failing = {
      ensureFresh: async () => {
        throw new Error('read store gone');
      },
    } as unknown as Supervision;
    const app = express();
    app.use((req, _res, next) => {
      setPrincipal(req, { id: 'regulator-nanjing', role: 'regulator', regionCode: '3201' });
      next();
    });
    app.use(supervisionRoutes({ supervision: failing, logger }));

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
    const app = express();
    app.use((req, _res, next) => {
      setPrincipal(req, { id: 'regulator-nanjing', role: 'regulator', regionCode: '3201' });
      next();
    });
    app.use(supervisionRoutes({ supervision }));
    app.use(problemHandler(pino({ level: 'silent' })));
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
