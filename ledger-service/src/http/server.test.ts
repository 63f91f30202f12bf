import type { AddressInfo } from 'node:net';
import net from 'node:net';
import http from 'node:http';
import express, { type Express } from 'express';
import { createHttpServer } from './server';

/** Each request's and response's prototype as the server made them, and as the app's handler saw them. */
async function prototypesThrough(makeServer: (app: Express) => http.Server) {
  const app = express();
  const seen: Array<{ arrived: object; handled: object; arrivedResponse: object; handledResponse: object }> = [];
  const arrived = new Map<http.IncomingMessage, { request: object; response: object }>();
  app.get('/items/:id', (req, res) => {
    const first = arrived.get(req)!;
    seen.push({
      arrived: first.request,
      handled: Object.getPrototypeOf(req),
      arrivedResponse: first.response,
      handledResponse: Object.getPrototypeOf(res),
    });
    res.status(201).json({ id: req.params.id, accept: req.get('accept') });
  });
  const server = makeServer(app);
  server.prependListener('request', (req, res) =>
    arrived.set(req, { request: Object.getPrototypeOf(req), response: Object.getPrototypeOf(res) }),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    for (const id of ['a', 'b']) {
      const response = await fetch(`${base}/items/${id}`, { headers: { accept: 'application/json' } });
      expect(response.status).toBe(201);
      expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect(await response.json()).toEqual({ id, accept: 'application/json' });
    }
  } finally {
    server.close();
  }
  return { app, seen };
}

describe('createHttpServer', () => {
  it("hands Express requests and responses born with its prototypes, so Express's per-request prototype change is none", async () => {
    const { app, seen } = await prototypesThrough(createHttpServer);
    expect(seen).toHaveLength(2);
    for (const { arrived, handled, arrivedResponse, handledResponse } of seen) {
      expect(arrived).toBe(app.request);
      expect(handled).toBe(arrived);
      expect(arrivedResponse).toBe(app.response);
      expect(handledResponse).toBe(arrivedResponse);
    }
  });

  it('is what a plain server is not: there Express changes the prototype of every request', async () => {
    const { seen } = await prototypesThrough((app) => http.createServer(app));
    for (const { arrived, handled } of seen) expect(handled).not.toBe(arrived);
  });

  it('serves the same app from a second server without growing the prototype chain', () => {
    const app = express();
    const first = createHttpServer(app);
    const request = app.request;
    const second = createHttpServer(app);
    expect(app.request).toBe(request);
    first.close();
    second.close();
  });
});

describe('what Node refuses before the app', () => {
  /** Sends raw bytes and reads the whole answer (the server closes the connection). */
  async function rawExchange(bytes: string): Promise<string> {
    const server = createHttpServer(express());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const socket = net.connect((server.address() as AddressInfo).port, '127.0.0.1');
      let answer = '';
      socket.on('data', (chunk) => (answer += String(chunk)));
      socket.on('error', () => undefined);
      socket.write(bytes);
      await new Promise((resolve) => socket.on('close', resolve));
      return answer;
    } finally {
      server.close();
    }
  }

  const bodyOf = (answer: string) =>
    JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)) as Record<string, unknown>;

  it('answers headers over the limit with 431 problem details', async () => {
    const answer = await rawExchange(`GET /${'a'.repeat(100_000)} HTTP/1.1\r\nhost: x\r\n\r\n`);
    expect(answer).toMatch(/^HTTP\/1\.1 431 /);
    expect(answer).toContain('content-type: application/problem+json');
    expect(bodyOf(answer)).toMatchObject({ status: 431, code: 'headers-too-large' });
  });

  it('answers bytes that are not HTTP with 400 problem details', async () => {
    const answer = await rawExchange('NOT HTTP AT ALL\r\n\r\n');
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    expect(bodyOf(answer)).toMatchObject({ status: 400, code: 'malformed-request' });
  });

  it('gives these answers the headers of every other error: nosniff, and not to be stored', async () => {
    const answer = await rawExchange('NOT HTTP AT ALL\r\n\r\n');
    expect(answer).toContain('\r\nx-content-type-options: nosniff\r\n');
    expect(answer).toContain('\r\ncache-control: no-store\r\n');
  });
});
