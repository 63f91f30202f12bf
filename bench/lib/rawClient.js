'use strict';
// A lean HTTP/1.1 keep-alive client for the load generator: one request at a time per socket, the
// request written as one buffer, the response read by its status line and Content-Length. Node's
// http client spent 75-110 us of CPU per request, on the 2 cores that the server under test shares.
const net = require('node:net');

const HEAD_END = Buffer.from('\r\n\r\n');

class Connection {
  constructor(port, onIdle) {
    this.port = port;
    this.onIdle = onIdle;
    this.pending = undefined;
    this.buffer = Buffer.alloc(0);
    this.socket = net.connect({ host: '127.0.0.1', port, noDelay: true });
    this.socket.on('data', (chunk) => this.read(chunk));
    this.socket.on('error', (error) => this.fail(error));
    this.socket.on('close', () => this.fail(new Error('connection closed')));
    this.closed = false;
  }

  send(bytes) {
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      this.socket.write(bytes);
    });
  }

  read(chunk) {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    const headEnd = this.buffer.indexOf(HEAD_END);
    if (headEnd === -1) return;
    const head = this.buffer.toString('latin1', 0, headEnd);
    const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
    if (!length) return this.fail(new Error(`response without Content-Length: ${head.slice(0, 200)}`));
    const end = headEnd + 4 + Number(length[1]);
    if (this.buffer.length < end) return;
    const status = Number(head.slice(9, 12));
    const body = this.buffer.toString('utf8', headEnd + 4, end);
    this.buffer = this.buffer.subarray(end);
    const { resolve } = this.pending;
    this.pending = undefined;
    if (/\r\nconnection:\s*close/i.test(head)) this.socket.destroy();
    resolve({ status, body });
    this.onIdle(this);
  }

  fail(error) {
    this.closed = true;
    const pending = this.pending;
    this.pending = undefined;
    pending?.reject(error);
  }
}

/** Up to `connections` sockets to 127.0.0.1:port; request() resolves with { status, body } like load.js's request. */
function rawClient(port, connections) {
  const idle = [];
  const waiting = [];
  let open = 0;
  const release = (connection) => {
    const next = waiting.shift();
    if (next) next(connection);
    else idle.push(connection);
  };
  const acquire = () => {
    while (idle.length > 0) {
      const connection = idle.pop();
      if (!connection.closed) return Promise.resolve(connection);
      open -= 1;
    }
    if (open < connections) {
      open += 1;
      return Promise.resolve(new Connection(port, release));
    }
    return new Promise((resolve) => waiting.push(resolve));
  };
  return {
    async request(method, path, body, headers = {}) {
      const payload =
        body === undefined ? undefined : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
      let head = `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n`;
      if (payload) head += `Content-Type: application/json\r\nContent-Length: ${payload.length}\r\n`;
      for (const [name, value] of Object.entries(headers)) head += `${name}: ${value}\r\n`;
      const bytes = payload
        ? Buffer.concat([Buffer.from(`${head}\r\n`, 'latin1'), payload])
        : Buffer.from(`${head}\r\n`, 'latin1');
      const connection = await acquire();
      try {
        return await connection.send(bytes);
      } catch (error) {
        open -= 1;
        throw error;
      }
    },
    close() {
      for (const connection of idle) connection.socket.destroy();
      idle.length = 0;
    },
  };
}

module.exports = { rawClient };
