import { once } from 'node:events';
import http, { type RequestListener } from 'node:http';
import net, { type AddressInfo } from 'node:net';

/** Posts with exactly these headers, over a socket: an HTTP client would add a Content-Length or a Transfer-Encoding. */
export async function postRaw(
  app: RequestListener,
  path: string,
  headers: readonly string[],
  body = '',
): Promise<{ status: number; body: unknown }> {
  const server = http.createServer(app).listen(0, '127.0.0.1');
  await once(server, 'listening');
  try {
    const socket = net.connect((server.address() as AddressInfo).port, '127.0.0.1');
    const head = ['Host: localhost', 'Connection: close', ...headers].map((line) => `${line}\r\n`).join('');
    socket.end(`POST ${path} HTTP/1.1\r\n${head}\r\n${body}`);
    const chunks: Buffer[] = [];
    for await (const chunk of socket) chunks.push(chunk as Buffer);
    const [statusLine, answer] = Buffer.concat(chunks).toString('utf8').split('\r\n\r\n', 2) as [string, string];
    return { status: Number(statusLine.split(' ')[1]), body: JSON.parse(answer) as unknown };
  } finally {
    server.close();
  }
}
