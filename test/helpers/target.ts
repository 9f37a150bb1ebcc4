import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

export type Handler = (req: http.IncomingMessage, res: http.ServerResponse, body: string) => void;

export interface Target {
  url: string;
  /** Every request received: method, path, headers, body. */
  hits: Array<{ method: string; path: string; headers: http.IncomingHttpHeaders; body: string }>;
  route(path: string, handler: Handler): void;
  close(): Promise<void>;
}

/**
 * A real HTTP server on 127.0.0.1 for checks to hit: tests may only target loopback. `maxHeaderSize` raises Node's
 * 16 kB limit on request headers, for checks that send more (50 headers of 4 kB each).
 */
export async function startTarget(opts: { maxHeaderSize?: number } = {}): Promise<Target> {
  const routes = new Map<string, Handler>();
  const hits: Target['hits'] = [];
  const server = http.createServer({ maxHeaderSize: opts.maxHeaderSize }, (req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const path = (req.url ?? '/').split('?')[0];
      hits.push({ method: req.method ?? '', path, headers: req.headers, body });
      const handler = routes.get(path);
      if (handler) handler(req, res, body);
      else res.writeHead(404).end('not found');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    hits,
    route: (path, handler) => routes.set(path, handler),
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

export const json = (status: number, value: unknown, headers: Record<string, string> = {}): Handler => (_req, res) =>
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(value));
