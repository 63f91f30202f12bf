import net from 'node:net';

/**
 * A TCP relay in front of PostgreSQL that can go silent, as a server does when it stops answering
 * (its processes stopped, a dead link) without closing any connection.
 */
export interface StallingProxy {
  /** The target's connection string, through the relay. */
  readonly url: string;
  /** From now on nothing is passed on, either way, until resume(). */
  stall(): void;
  /** Passes on the client's next message holding `marker`, then stalls: the server acts on it, its answer is held. */
  stallAfter(marker: string): void;
  /** Passes on what was held and everything after. */
  resume(): void;
  close(): Promise<void>;
}

export async function startStallingProxy(targetUrl: string): Promise<StallingProxy> {
  const target = new URL(targetUrl);
  let stalled = false;
  let marker: Buffer | undefined;
  const held: Array<() => void> = [];
  const sockets = new Set<net.Socket>();
  const pass = (write: () => void) => (stalled ? held.push(write) : write());
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port), target.hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => {
        sockets.delete(socket);
        client.destroy();
        upstream.destroy();
      });
    }
    client.on('data', (chunk: Buffer) => {
      pass(() => upstream.write(chunk));
      if (marker && chunk.includes(marker)) {
        marker = undefined;
        stalled = true;
      }
    });
    upstream.on('data', (chunk: Buffer) => pass(() => client.write(chunk)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = new URL(targetUrl);
  url.hostname = '127.0.0.1';
  url.port = String((server.address() as net.AddressInfo).port);
  return {
    url: url.toString(),
    stall: () => {
      stalled = true;
    },
    stallAfter: (text) => {
      marker = Buffer.from(text);
    },
    resume: () => {
      stalled = false;
      for (const write of held.splice(0)) write();
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
