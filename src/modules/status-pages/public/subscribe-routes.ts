import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { MikroORM } from '@mikro-orm/postgresql';
import { lockedDownPage } from '../../../http/page-headers';
import { AppError, rateLimited } from '../../../errors';
import { restErrorBody } from '../../../errors/rest';
import { clientGroup } from '../../auth/client-address';
import { RequestRateLimiter } from '../../auth/rate-limit';
import { UNSUBSCRIBE_PATH } from '../../notifications/notifier';
import type { Subscribers } from '../subscribers';
import { escapeXml as x } from './escape';

/** Subscriptions one client address may ask for a minute (each may send a confirmation email). */
export const SUBSCRIBE_PER_ADDRESS_PER_MINUTE = 10;

const HEADERS = lockedDownPage(["style-src 'unsafe-inline'", "form-action 'self'"], { 'cache-control': 'no-store' });

const page = (title: string, body: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="robots" content="noindex">` +
  `<meta name="viewport" content="width=device-width, initial-scale=1"><title>${title}</title></head>` +
  `<body style="font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem"><h1>${title}</h1>${body}</body></html>`;

const wantsJson = (req: FastifyRequest) => /\bapplication\/json\b/i.test(req.headers['content-type'] ?? '') || /\bapplication\/json\b/i.test(req.headers.accept ?? '');

/**
 * `POST /status/:slug/subscribe` (the page's form, or JSON `{ email }` / `{ url }`), and the unsubscribe link
 * `/status/unsubscribe/:token`: GET shows a button (link scanners open links), POST unsubscribes — also RFC 8058's
 * one-click POST (`List-Unsubscribe=One-Click`) from a mail client. No key.
 */
export function registerSubscribeRoutes(fastify: FastifyInstance, orm: MikroORM, subscribers: Subscribers): void {
  const limiter = new RequestRateLimiter(SUBSCRIBE_PER_ADDRESS_PER_MINUTE, Date.now);
  void fastify.register(async (scope) => {
    scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 2048 }, (_req, body, done) =>
      done(null, Object.fromEntries(new URLSearchParams(body as string))),
    );
    scope.addHook('onRequest', async (_req, reply) => {
      reply.headers(HEADERS);
    });

    const fail = (req: FastifyRequest, reply: FastifyReply, e: AppError) => {
      reply.code(e.status).headers(e.headers);
      if (wantsJson(req)) return reply.send(restErrorBody(e, req.id));
      return reply.type('text/html; charset=utf-8').send(page('Not subscribed', `<p>${x(e.message)}</p>`));
    };

    scope.post<{ Params: { slug: string }; Body: { email?: unknown; url?: unknown } | undefined }>('/status/:slug/subscribe', async (req, reply) => {
      const decision = limiter.take(`subscribe:${clientGroup(req.ip)}`);
      if (!decision.allowed) return fail(req, reply, rateLimited(decision.reset, 'Too many subscriptions from this address; retry later'));
      const body = req.body && typeof req.body === 'object' ? req.body : {};
      const str = (v: unknown) => (typeof v === 'string' && v ? v : null);
      try {
        const { found, secret } = await subscribers.subscribe(orm.em.fork(), req.params.slug, { email: str(body.email), url: str(body.url) });
        if (!found) return fail(req, reply, new AppError('NOT_FOUND', 'Status page not found'));
        // The same answer for a new subscriber and one already there: nobody learns who subscribed.
        if (wantsJson(req)) return reply.send({ success: true, data: { subscribed: true, ...(secret ? { secret } : {}) } });
        return reply
          .type('text/html; charset=utf-8')
          .send(page('Check your inbox', '<p>If this address is not subscribed yet, an email with a confirmation link is on its way. Nothing else is sent before the link is followed.</p>'));
      } catch (e) {
        if (e instanceof AppError) return fail(req, reply, e);
        throw e;
      }
    });

    scope.get<{ Params: { token: string } }>(`${UNSUBSCRIBE_PATH}/:token`, async (req, reply) =>
      reply
        .type('text/html; charset=utf-8')
        .send(page('Unsubscribe', `<form method="post" action="${x(req.params.token)}"><button type="submit" style="font-size:1rem;padding:.5rem 1rem">Unsubscribe</button></form>`)),
    );

    scope.post<{ Params: { token: string } }>(`${UNSUBSCRIBE_PATH}/:token`, async (req, reply) => {
      const done = await subscribers.unsubscribe(orm.em.fork(), req.params.token);
      if (!done) return fail(req, reply, new AppError('NOT_FOUND', 'This link unsubscribes nobody (used already?)'));
      if (wantsJson(req)) return reply.send({ success: true, data: { unsubscribed: true } });
      return reply.type('text/html; charset=utf-8').send(page('Unsubscribed', '<p>Nothing more will be sent to you from this page.</p>'));
    });
  });
}
