import { isIP } from 'node:net';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { lockedDownPage } from '../../../http/page-headers';
import { AppError, rateLimited } from '../../../errors';
import { restErrorBody } from '../../../errors/rest';
import { clientGroup } from '../../auth/client-address';
import { RequestRateLimiter } from '../../auth/rate-limit';
import { STYLE_SOURCE } from './html';
import type { PublicStatus, Variant } from './public-status';

/** The public page: nothing but its own inline style (by hash); no script, image, font, frame or other origin. */
const HTML_HEADERS = lockedDownPage([`style-src ${STYLE_SOURCE}`, "form-action 'self'"]);
/** Feeds and JSON: no active content at all; JSON readable from any origin, as Statuspage's is. */
const DATA_HEADERS = lockedDownPage([]);
/** Every visitor revalidates (the ETag makes that a 304), so nobody sees a state older than the server's cache. */
const CACHE_CONTROL = 'public, no-cache';

const NOT_FOUND_HTML =
  '<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">' +
  '<title>Not found</title></head><body><h1>Not found</h1><p>There is no status page here.</p></body></html>';

/** Whether `If-None-Match` names this ETag (weak or strong, or `*`). */
function matches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header.split(',').some((t) => {
    const tag = t.trim().replace(/^W\//, '');
    return tag === '*' || tag === etag;
  });
}

/**
 * `GET /status/:slug` (the HTML page), `/status/:slug/history.atom`, `/status/:slug/api/v2/*.json` (the
 * Statuspage-compatible API), and the same paths at the root of a request whose Host is a page's custom domain.
 * No key. Answers come from PublicStatus's cache; every address is limited to `perMinute` requests a minute.
 */
export function registerPublicStatusRoutes(fastify: FastifyInstance, status: PublicStatus, opts: { perMinute: number }): void {
  const limiter = new RequestRateLimiter(opts.perMinute, Date.now);

  /** Takes one request from the address's budget; false: the 429 is sent. */
  const admit = (req: FastifyRequest, reply: FastifyReply): boolean => {
    const decision = limiter.take(`status:${clientGroup(req.ip)}`);
    if (decision.allowed) return true;
    reply.headers(DATA_HEADERS).header('cache-control', 'no-store').code(429);
    const e = rateLimited(decision.reset, 'Too many requests from this address; retry later');
    reply.headers(e.headers);
    void reply.send(restErrorBody(e, req.id));
    return false;
  };

  const serve = async (req: FastifyRequest, reply: FastifyReply, slug: string, document: string, variant: Variant, admitted = false) => {
    if (!admitted && !admit(req, reply)) return reply;
    const found = await status.body(slug, document, variant);
    if (!found) {
      reply.code(404).header('cache-control', 'no-store');
      if (document === '') return reply.headers(lockedDownPage([])).type('text/html; charset=utf-8').send(NOT_FOUND_HTML);
      return reply.headers(DATA_HEADERS).send(restErrorBody(new AppError('NOT_FOUND', 'Status page not found'), req.id));
    }
    reply.headers(document === '' ? HTML_HEADERS : DATA_HEADERS).header('cache-control', CACHE_CONTROL).header('etag', found.etag);
    if (document.startsWith('api/')) reply.header('access-control-allow-origin', '*');
    if (matches(req.headers['if-none-match'], found.etag)) return reply.code(304).send();
    return reply.type(found.type).send(found.body);
  };

  fastify.get<{ Params: { slug: string } }>('/status/:slug', (req, reply) => serve(req, reply, req.params.slug, '', 'path'));
  fastify.get<{ Params: { slug: string } }>('/status/:slug/history.atom', (req, reply) => serve(req, reply, req.params.slug, 'history.atom', 'path'));
  fastify.get<{ Params: { slug: string; '*': string } }>('/status/:slug/api/v2/*', (req, reply) => serve(req, reply, req.params.slug, `api/v2/${req.params['*']}`, 'path'));

  // A page's custom domain: `/`, `/history.atom` and `/api/v2/…` of a request whose Host names it. Any other host
  // goes on to the usual routes (the dashboard's `/`).
  fastify.addHook('onRequest', async (req, reply) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return;
    const path = req.url.split('?', 1)[0];
    const document = path === '/' ? '' : path === '/history.atom' ? 'history.atom' : path.startsWith('/api/v2/') ? path.slice(1) : null;
    if (document === null) return;
    const host = (req.headers.host ?? '').toLowerCase().replace(/:\d+$/, '');
    // tracer's own host stays tracer's (the dashboard's `/`) even if a page named it as its custom domain
    if (!host.includes('.') || isIP(host) || host === status.ownHost) return;
    const known = status.cachedSlugOfHost(host);
    if (known === null) return;
    if (known !== undefined) {
      await serve(req, reply, known, document, 'domain');
      return reply;
    }
    // A host not looked up lately costs a query: the address pays for it from its budget first, so a flood of
    // made-up Host names is refused before it reaches the database.
    if (!admit(req, reply)) return reply;
    const slug = await status.slugOfHost(host);
    if (!slug) return;
    await serve(req, reply, slug, document, 'domain', true);
    return reply;
  });
}
