import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import express from 'express';
import request from 'supertest';
import { toProblem } from './errors';
import { postRaw } from '../testing/rawHttp';
import { byteLimit, jsonBody } from './jsonBody';

function echoApp(limit: string) {
  const app = express();
  app.post('/echo', jsonBody(limit), (req, res) => {
    res.json({ body: req.body as unknown });
  });
  app.use((error: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    const problem = toProblem(error);
    res.status(problem.status).json(problem.toBody());
  });
  return app;
}

describe('jsonBody', () => {
  const app = echoApp('1kb');

  it('reads the limit in the units body-parser uses', () => {
    expect(byteLimit('256kb')).toBe(262_144);
    expect(byteLimit('32mb')).toBe(33_554_432);
    expect(byteLimit('100')).toBe(100);
    expect(() => byteLimit('lots')).toThrow();
  });

  it('parses a UTF-8 JSON body, with or without a charset', async () => {
    const plain = await request(app).post('/echo').set('content-type', 'application/json').send('{"name":"质量"}');
    expect(plain.body).toEqual({ body: { name: '质量' } });
    const withCharset = await request(app)
      .post('/echo')
      .set('content-type', 'Application/JSON; charset=UTF-8')
      .send('[1,2]');
    expect(withCharset.body).toEqual({ body: [1, 2] });
  });

  it('refuses another media type and another charset with 415', async () => {
    const text = await request(app).post('/echo').set('content-type', 'text/plain').send('{}');
    expect([text.status, text.body.code]).toEqual([415, 'unsupported-media-type']);
    const latin1 = await request(app).post('/echo').set('content-type', 'application/json; charset=latin1').send('{}');
    expect([latin1.status, latin1.body.code]).toEqual([415, 'unsupported-encoding']);
  });

  it('reads no body as an empty one whatever the framing, so that the route answers each the same', async () => {
    const json = 'Content-Type: application/json';
    const framings: Record<string, [string[], string?]> = {
      'no length': [[json]],
      'Content-Length: 0': [[json, 'Content-Length: 0']],
      'empty chunks': [[json, 'Transfer-Encoding: chunked'], '0\r\n\r\n'],
      'gzip, no length': [[json, 'Content-Encoding: gzip']],
    };
    for (const [framing, [headers, body]] of Object.entries(framings))
      expect({ framing, ...(await postRaw(app, '/echo', headers, body)) }).toEqual({ framing, status: 200, body: {} });
    const untyped = await postRaw(app, '/echo', ['Content-Length: 0']);
    expect([untyped.status, (untyped.body as { code: string }).code]).toEqual([415, 'unsupported-media-type']);
  });

  it('refuses malformed JSON with 400', async () => {
    const response = await request(app).post('/echo').set('content-type', 'application/json').send('{"a": ');
    expect([response.status, response.body.code]).toEqual([400, 'malformed-json']);
  });

  it('refuses a member named twice in one object with 400, naming it and its object but not its values', async () => {
    const json = '{"data":{"client":{"name":"甲公司","\\u006eame":"乙公司"}}}';
    const expected = {
      status: 400,
      body: expect.objectContaining({
        code: 'duplicate-key',
        detail: 'The object at /data/client has the member "name" more than once',
      }),
    };
    expect(await postBytes(app, Buffer.from(json), {})).toEqual(expected);
    expect(await postBytes(app, gzipSync(Buffer.from(json)), { 'content-encoding': 'gzip' })).toEqual(expected);
    const topLevel = await request(app)
      .post('/echo')
      .set('content-type', 'application/json')
      .send('{"type":"CertificateIssued","type":"CertificateWithdrawn"}');
    expect([topLevel.status, topLevel.body.detail]).toEqual([
      400,
      'The top-level object has the member "type" more than once',
    ]);
    const apart = await request(app).post('/echo').set('content-type', 'application/json').send('[{"a":1},{"a":2}]');
    expect(apart.body).toEqual({ body: [{ a: 1 }, { a: 2 }] });
  });

  it('refuses bytes that are not UTF-8 with 400 rather than storing replacement characters', async () => {
    const body = Buffer.concat([Buffer.from('{"name":"'), Buffer.from([0xff, 0xfe, 0xc3, 0x28]), Buffer.from('"}')]);
    const plain = await postBytes(app, body, {});
    expect([plain.status, (plain.body as { code: string }).code]).toEqual([400, 'invalid-utf8']);
    const gzipped = await postBytes(app, gzipSync(body), { 'content-encoding': 'gzip' });
    expect([gzipped.status, (gzipped.body as { code: string }).code]).toEqual([400, 'invalid-utf8']);
  });

  it('refuses a body over the limit with 413, whether its length is declared or streamed', async () => {
    const big = JSON.stringify({ text: 'x'.repeat(2000) });
    const declared = await request(app).post('/echo').set('content-type', 'application/json').send(big);
    expect([declared.status, declared.body.code]).toEqual([413, 'payload-too-large']);
    const streamed = await new Promise<{ status: number; code: string }>((resolve, reject) => {
      const req = request(app)
        .post('/echo')
        .set('content-type', 'application/json')
        .set('transfer-encoding', 'chunked');
      req.write(big.slice(0, 1000));
      req.write(big.slice(1000));
      req.end((error, response) =>
        error ? reject(error) : resolve({ status: response.status, code: response.body.code }),
      );
    });
    expect(streamed).toEqual({ status: 413, code: 'payload-too-large' });
  });

  it('inflates a gzip body as body-parser did, within the same limit', async () => {
    const zipped = await postBytes(app, gzipSync(Buffer.from('{"zipped":true}')), { 'content-encoding': 'gzip' });
    expect(zipped).toEqual({ status: 200, body: { body: { zipped: true } } });
    const bomb = await postBytes(app, gzipSync(Buffer.from(JSON.stringify({ text: 'x'.repeat(5000) }))), {
      'content-encoding': 'gzip',
    });
    expect([bomb.status, (bomb.body as { code: string }).code]).toEqual([413, 'payload-too-large']);
  });
});

/** Posts raw bytes as application/json (supertest would serialize a Buffer as JSON). */
async function postBytes(
  app: express.Express,
  bytes: Buffer,
  headers: Record<string, string>,
): Promise<{ status: number; body: unknown }> {
  const server = http.createServer(app).listen(0, '127.0.0.1');
  await once(server, 'listening');
  try {
    const { port } = server.address() as AddressInfo;
    const response = await fetch(`http://127.0.0.1:${port}/echo`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: bytes,
    });
    return { status: response.status, body: await response.json() };
  } finally {
    server.close();
  }
}
