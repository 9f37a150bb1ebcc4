import type { Server, ServerOptions } from 'node:http';
import type { FastifyServerOptions } from 'fastify';
import type { Config } from './config';

/**
 * Limits on slow and idle clients (README › Abuse limits). Node measures both timeouts from a request's first
 * byte (from the connection's start for the first request) until the request is fully received, not until it is
 * answered, so a long check (`runJourney` may take minutes) is never cut; an idle keep-alive connection is
 * governed by the keep-alive timeout alone. No socket inactivity timeout: that long check keeps its socket
 * silent. Node looks for expired requests every `connectionsCheckingInterval` (30 s by default, which let a
 * 10 s timeout fire at 40 s): a quarter of the shorter timeout, at most a second, makes it fire near its value.
 */
export function httpServerOptions(config: Config): Pick<FastifyServerOptions, 'requestTimeout' | 'keepAliveTimeout'> & { http: ServerOptions } {
  const { HTTP_REQUEST_TIMEOUT_MS: request, HTTP_HEADERS_TIMEOUT_MS: headers } = config;
  return {
    // Fastify sets server.requestTimeout and keepAliveTimeout itself after creating the server (to its own
    // defaults when not given), so they go through its options; the rest through Node's createServer options.
    requestTimeout: request,
    keepAliveTimeout: config.HTTP_KEEP_ALIVE_TIMEOUT_MS,
    http: { requestTimeout: request, headersTimeout: headers, connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(headers / 4))) },
  };
}

/** Beyond `max` open connections, Node closes new ones on arrival: file descriptors and memory stay bounded. */
export function capConnections(server: Server, max: number): void {
  server.maxConnections = max;
}
