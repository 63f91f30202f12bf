import http from 'node:http';
import type { Duplex } from 'node:stream';
import { ProblemError } from './problem';
import type { Express } from 'express';

const PREPARED = new WeakMap<Express, http.ServerOptions>();

/**
 * Request and response classes whose instances already have the app's prototypes. Express 5 sets
 * the prototype of every request and response it handles (Object.setPrototypeOf), and V8 handles
 * objects whose prototype changed after creation on slower paths: measured, Node's and Express's
 * per-request work took several times the CPU, and each scavenge promoted megabytes of those
 * objects. Born with the prototype Express would give them, Express's setPrototypeOf is a no-op.
 * Measured: a certificate lookup took about 45 instead of 110 µs of CPU.
 */
function serverOptionsFor(app: Express): http.ServerOptions {
  const prepared = PREPARED.get(app);
  if (prepared) return prepared;
  class ExpressRequest extends http.IncomingMessage {}
  Object.setPrototypeOf(ExpressRequest.prototype, app.request);
  class ExpressResponse extends http.ServerResponse {}
  Object.setPrototypeOf(ExpressResponse.prototype, app.response);
  // Express gives its requests and responses app.request and app.response as prototypes.
  app.request = ExpressRequest.prototype as unknown as Express['request'];
  app.response = ExpressResponse.prototype as unknown as Express['response'];
  const options = {
    IncomingMessage: ExpressRequest,
    ServerResponse: ExpressResponse as typeof http.ServerResponse,
  } satisfies http.ServerOptions;
  PREPARED.set(app, options);
  return options;
}

/**
 * What Node answers itself, before the app sees a request (headers over its limit, a request that
 * is not HTTP), as problem details like every other refusal: Node's own answer has no body.
 */
function answerClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const [status, code] = error.code === 'HPE_HEADER_OVERFLOW' ? [431, 'headers-too-large'] : [400, 'malformed-request'];
  const body = JSON.stringify(new ProblemError(status, code, http.STATUS_CODES[status]!).toBody());
  socket.end(
    `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\ncontent-type: application/problem+json\r\n` +
      // What responseHeaders and problemHandler give every other error.
      'x-content-type-options: nosniff\r\ncache-control: no-store\r\n' +
      `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
}

/** An HTTP server for an Express app (what app.listen would create), with fast request objects. */
export function createHttpServer(app: Express): http.Server {
  return http.createServer(serverOptionsFor(app), app).on('clientError', answerClientError);
}
