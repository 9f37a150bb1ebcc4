import * as net from 'node:net';

export interface TcpProxy {
  url: string;
  /** Like a database server going down: every open connection is cut and new ones are refused. */
  stop(): Promise<void>;
  /** Accept connections again on the same port. */
  start(): Promise<void>;
  /**
   * Like a frozen network path (a NAT that dropped its state, a partitioned link): nothing is forwarded in either
   * direction and nothing is closed, no FIN and no RST. New connections are accepted and then hear nothing.
   */
  freeze(): void;
  /** Forward again (what arrived while frozen is lost, as on a real frozen path). */
  thaw(): void;
  close(): Promise<void>;
}

/**
 * A TCP relay between the app and its PostgreSQL server. Stopping it looks to the app exactly like the server
 * going away (connections reset, connects refused) without stopping the machine's PostgreSQL, which the other
 * test files running at the same time are using; freezing it looks like a path that silently stopped carrying.
 */
export async function startTcpProxy(upstreamUrl: string): Promise<TcpProxy> {
  const upstream = new URL(upstreamUrl);
  const sockets = new Set<net.Socket>();
  let frozen = false;
  const server = net.createServer((client) => {
    const remote = net.connect(Number(upstream.port || 5432), upstream.hostname);
    for (const s of [client, remote]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {
        client.destroy();
        remote.destroy();
      });
    }
    client.on('data', (chunk) => void (frozen || remote.write(chunk)));
    remote.on('data', (chunk) => void (frozen || client.write(chunk)));
    // While frozen nothing is closed either: a peer's FIN is not passed on.
    client.on('end', () => void (frozen || remote.end()));
    remote.on('end', () => void (frozen || client.end()));
  });
  const listen = (port: number) => new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', () => resolve()));
  await listen(0);
  const port = (server.address() as net.AddressInfo).port;
  const url = new URL(upstreamUrl);
  url.hostname = '127.0.0.1';
  url.port = String(port);
  let running = true;
  const stop = async () => {
    if (!running) return;
    running = false;
    const closed = new Promise<void>((r) => server.close(() => r()));
    for (const s of sockets) s.resetAndDestroy();
    await closed;
  };
  return {
    url: url.toString(),
    stop,
    async start() {
      if (running) return;
      await listen(port);
      running = true;
    },
    freeze: () => void (frozen = true),
    thaw: () => void (frozen = false),
    close: async () => {
      frozen = false;
      await stop();
    },
  };
}
