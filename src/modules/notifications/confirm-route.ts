import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Database } from '../../db/database';
import type { NotificationService } from './notification.service';
import { lockedDownPage } from '../../http/page-headers';
import { AppError } from '../../errors';
import { restErrorBody } from '../../errors/rest';

/** The path of an EMAIL channel's confirmation link (`<PUBLIC_URL>/notifications/confirm/<token>`). */
export const CONFIRM_PATH = '/notifications/confirm/:token';

/**
 * The pages' headers: nothing loaded from anywhere (inline style only), the form posts only to this origin, never
 * framed (a framed button could be clicked for the owner), never cached, the token never sent on as a referrer.
 */
export const CONFIRM_HEADERS = lockedDownPage(["style-src 'unsafe-inline'", "form-action 'self'"], { 'cache-control': 'no-store' });

const NOT_VALID = 'This confirmation link was used already, or a newer one replaced it.';

/** `body` is markup written here; nothing a caller sent is put in it (the token only once it matched a channel). */
const page = (title: string, body: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="robots" content="noindex">` +
  `<meta name="viewport" content="width=device-width, initial-scale=1"><title>${title}</title></head>` +
  `<body style="font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem"><h1>${title}</h1>${body}</body></html>`;

/**
 * The confirmation link of an EMAIL channel: no key (whoever holds the mailbox holds the token). Opening it (GET)
 * confirms nothing: link scanners and mail proxies fetch every link of a message, so the page only asks, with a
 * button that POSTs to the same address; the POST confirms. A token that confirms nothing (opened already, replaced
 * by a newer email, mistyped) is 404 on either, and the page says only that, whatever the reason.
 */
export function registerConfirmRoute(fastify: FastifyInstance, database: Database, notifications: NotificationService): void {
  const notValid = (req: FastifyRequest, reply: FastifyReply) => {
    reply.code(404);
    if (wantsJson(req)) return reply.send(restErrorBody(new AppError('NOT_FOUND', `Link not valid. ${NOT_VALID}`), req.id));
    return reply.type('text/html; charset=utf-8').send(page('Link not valid', `<p>${NOT_VALID}</p>`));
  };

  // Its own scope: the form's body type is read (and ignored; the token is the path) only here.
  void fastify.register(async (scope) => {
    scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 1024 }, (_req, _body, done) => done(null, undefined));
    scope.addHook('onRequest', async (_req, reply) => {
      reply.headers(CONFIRM_HEADERS);
    });

    scope.get<{ Params: { token: string } }>(CONFIRM_PATH, async (req, reply) => {
      const { token } = req.params;
      if (!(await notifications.confirmable(database.orm.em.fork(), token))) return notValid(req, reply);
      // A relative action: the form posts to this very path (the token is its last segment), behind any prefix.
      const form =
        `<p>Confirm that tracer may send notifications to this address.</p>` +
        `<form method="post" action="${token}"><button type="submit" style="font-size:1rem;padding:.5rem 1rem">Confirm this address</button></form>` +
        `<p style="color:#555">If you did not expect this, close this page: nothing is sent to the address until it is confirmed.</p>`;
      return reply.type('text/html; charset=utf-8').send(page('Confirm this address', form));
    });

    scope.post<{ Params: { token: string } }>(CONFIRM_PATH, async (req, reply) => {
      if (!(await notifications.confirm(database.orm.em.fork(), req.params.token))) return notValid(req, reply);
      if (wantsJson(req)) return reply.send({ success: true, data: { confirmed: true } });
      return reply
        .type('text/html; charset=utf-8')
        .send(page('Address confirmed', '<p>tracer will send notifications to this address from now on. You can close this page.</p>'));
    });
  });
}

/** A JSON answer when asked for one (`Accept: application/json`) rather than a page. */
const wantsJson = (req: FastifyRequest) => {
  const accept = req.headers.accept ?? '';
  return /\bapplication\/json\b/i.test(accept) && !/\btext\/html\b/i.test(accept);
};
