import type { IncomingMessage, Server, ServerOptions, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyServerOptions } from 'fastify';
import type { Config } from './config';

/**
 * Node's server options for slow and idle clients (docs/reference/limits.md). Node's own request and headers timeouts
 * are off: they could not be relied on (a lone slow connection was kept 8-30 s in a bare server and past 95 s in
 * tracer, while two or three at once were cut on time), so `cutSlowClients` enforces HTTP_HEADERS_TIMEOUT_MS and
 * HTTP_REQUEST_TIMEOUT_MS itself, one mechanism with one behaviour. An idle keep-alive connection is governed by
 * the keep-alive timeout alone. No socket inactivity timeout: a long check (`runJourney` may take minutes) keeps
 * its socket silent.
 */
export function httpServerOptions(config: Config): Pick<FastifyServerOptions, 'requestTimeout' | 'keepAliveTimeout'> & { http: ServerOptions } {
  return {
    // Fastify sets server.requestTimeout and keepAliveTimeout itself after creating the server (to its own
    // defaults when not given), so they go through its options; the rest through Node's createServer options.
    requestTimeout: 0,
    keepAliveTimeout: config.HTTP_KEEP_ALIVE_TIMEOUT_MS,
    http: { requestTimeout: 0, headersTimeout: 0 },
  };
}

/** Beyond `max` open connections, Node closes new ones on arrival: file descriptors and memory stay bounded. */
export function capConnections(server: Server, max: number): void {
  server.maxConnections = max;
}

/** A connection as `cutSlowClients` follows it. */
interface Tracked {
  socket: Socket;
  /** When the request being received began: its first byte seen (the connection's start for the first request). */
  since: number | undefined;
  /** The request whose headers arrived, and its response, until the response is finished. */
  req: IncomingMessage | undefined;
  res: ServerResponse | undefined;
  /** `socket.bytesRead` when the last response finished: more means the next request has begun. */
  idleBytes: number;
}

const REQUEST_TIMEOUT = 'HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n';
const kTracked = Symbol('tracked connection');

/** Between requests: idle until more bytes arrive than had when its last request ended. */
function idle(tracked: Tracked): void {
  tracked.req = tracked.res = tracked.since = undefined;
  tracked.idleBytes = tracked.socket.bytesRead;
}

/**
 * A response's 'finish' (one function for every response): its connection is idle until more bytes arrive. Not
 * when the answer came before the request's body had arrived (Fastify answers 415 to a Content-Type nothing parses
 * without reading the body; Node then reads and drops the rest): that request is still timed, and the sweep sees
 * it idle once its body is in.
 */
function responseFinished(this: ServerResponse & { [kTracked]?: Tracked }): void {
  const tracked = this[kTracked];
  if (!tracked || tracked.res !== this || !tracked.req?.complete) return;
  idle(tracked);
}

/**
 * Closes every connection that has not delivered its request within `headersMs` (headers) or `requestMs` (the
 * whole request, body included), counted from the request's first byte: `408 Request Timeout` when no answer has
 * begun, then the socket is destroyed. One sweep over the open connections every `sweepMs` (no timer per socket or
 * per request), so a connection is cut at most about 2 × `sweepMs` after its limit, alone or among thousands.
 *
 * A request whose body has fully arrived (`req.complete`) is no longer timed, however long its answer takes (a
 * journey run); one answered before its body arrived still is, until the body is in (a client that stops sending
 * after an early 415 is cut at `requestMs` like any other). An idle keep-alive connection between requests is left
 * to the keep-alive timeout. The next request
 * on it is seen beginning by its socket's byte count having grown since the last answer finished (Node reads the
 * socket itself, so no data listener can be added). Not covered: bytes of a next request sent before the previous
 * answer finished (HTTP pipelining), or in the same packet as the end of an early-answered request's body, are not
 * seen as its beginning; the keep-alive timeout still bounds them. Nor is a client that never reads its answer: a
 * received request is not timed while it is answered, and an answer larger than the socket buffers never finishes
 * while the client does not read; nothing but the client closing ends that connection (no socket inactivity timeout,
 * see `httpServerOptions`).
 * Returns a function that stops the sweeps (the server's `close` also does).
 */
export function cutSlowClients(
  server: Server,
  { headersMs, requestMs, sweepMs = Math.max(20, Math.min(250, Math.floor(headersMs / 8))) }: { headersMs: number; requestMs: number; sweepMs?: number },
): () => void {
  const open = new Map<Socket, Tracked>();
  server.on('connection', (socket: Socket) => {
    open.set(socket, { socket, since: Date.now(), req: undefined, res: undefined, idleBytes: 0 });
    socket.once('close', () => open.delete(socket));
  });
  // An upgraded connection (a WebSocket) is no longer HTTP: never timed, never answered 408 (those bytes would land
  // in the WebSocket stream as a malformed frame).
  server.on('upgrade', (req: IncomingMessage) => open.delete(req.socket as Socket));
  server.on('request', (req: IncomingMessage, res: ServerResponse & { [kTracked]?: Tracked }) => {
    const tracked = open.get(req.socket as Socket);
    if (!tracked) return;
    // A request that follows one still being answered (pipelined) is timed from its headers.
    if (tracked.req || tracked.since === undefined) tracked.since = Date.now();
    tracked.req = req;
    tracked.res = res;
    res[kTracked] = tracked;
    // `on`, not `once` (a response finishes once): with `once`'s wrapper on this path, V8 pretenured an allocation
    // site, and from the old space every response, its request and their headers were held past two scavenges and
    // promoted, ~6 KB a request: under `me` load the old space grew ~15 MB/s between major collections (none with
    // `on`, nor with `--no-allocation-site-pretenuring`; --trace-gc-nvp, bench/results/memory-api-role.md).
    res.on('finish', responseFinished);
  });
  const cut = (socket: Socket, tracked: Tracked) => {
    open.delete(socket);
    if (socket.writable && !tracked.res?.headersSent) socket.write(REQUEST_TIMEOUT);
    socket.destroy();
  };
  const sweep = () => {
    const now = Date.now();
    for (const [socket, tracked] of open) {
      if (tracked.req) {
        // Received: being answered, which is never cut (a long run); else timed as a whole request, answered or not.
        if (!tracked.req.complete) {
          if (now - tracked.since! > requestMs) cut(socket, tracked);
        } else if (tracked.res?.writableFinished) {
          idle(tracked); // answered early, and its body has arrived since
        }
      } else if (tracked.since !== undefined) {
        if (now - tracked.since > headersMs) cut(socket, tracked);
      } else if (socket.bytesRead > tracked.idleBytes) {
        tracked.since = now;
      }
    }
  };
  const timer = setInterval(sweep, sweepMs).unref();
  const stop = () => clearInterval(timer);
  server.once('close', stop);
  return stop;
}
