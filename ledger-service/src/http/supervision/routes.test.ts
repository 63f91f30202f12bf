import express from 'express';
import pino from 'pino';
import request from 'supertest';
import type { Supervision } from '@certledger/projections';
import { setPrincipal } from '../auth';
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
