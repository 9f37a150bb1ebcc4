import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { RequestRateLimiter } from '../auth/rate-limit';
import { PING_LOG_BYTES, type Ping, type PingService } from './ping.service';

/** The largest ping body read (its first PING_LOG_BYTES are kept); a bigger one is 413. */
const BODY_LIMIT = 1_048_576;
/** The one answer to any ping that finds no heartbeat, whatever the reason (unknown, rotated, deleted, malformed). */
const NOT_FOUND_BODY = 'Not found';

/** `/ping/:token/<what>`: start, fail, or an exit code 0-255 (0 passes). Anything else finds nothing. */
function pingOf(what: string | undefined): Ping | null {
  if (what === undefined) return { route: 'success' };
  if (what === 'start' || what === 'fail') return { route: what };
  if (/^(0|[1-9][0-9]{0,2})$/.test(what) && Number(what) <= 255) return { route: 'exit', exitCode: Number(what) };
  return null;
}

/**
 * The ping URLs: no API key (the token in the path is the credential), GET, POST or HEAD, answering 200 `OK` once
 * recorded, or the same 404 for any token that finds nothing; at most `perMinute` pings per token a minute (429).
 * A POST body's first 10 kB are the run's log.
 */
export function registerPingRoutes(fastify: FastifyInstance, pings: PingService, perMinute: number): void {
  const limiter = new RequestRateLimiter(perMinute, Date.now);
  const handle = async (req: FastifyRequest<{ Params: { token: string; what?: string } }>, reply: FastifyReply) => {
    reply.header('cache-control', 'no-store').header('referrer-policy', 'no-referrer').type('text/plain; charset=utf-8');
    const { token, what } = req.params;
    const ping = pingOf(what);
    if (!ping) return reply.code(404).send(NOT_FOUND_BODY);
    const decision = limiter.take(token);
    if (!decision.allowed) return reply.code(429).header('retry-after', String(decision.reset)).send('Rate limited');
    const body = Buffer.isBuffer(req.body) && req.body.length ? req.body.subarray(0, PING_LOG_BYTES).toString('utf8').replace(/\uFFFD+$/, '') : null;
    if (!(await pings.ping(token, ping, body))) return reply.code(404).send(NOT_FOUND_BODY);
    return reply.code(200).send('OK');
  };

  void fastify.register(async (scope) => {
    // Whatever a job sends is its log: read as bytes, never parsed.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: BODY_LIMIT }, (_req, body, done) => done(null, body));
    scope.route({ method: ['GET', 'POST'], url: '/ping/:token', handler: handle });
    scope.route({ method: ['GET', 'POST'], url: '/ping/:token/:what', handler: handle });
  });
}
