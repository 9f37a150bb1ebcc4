import type { FastifyInstance } from 'fastify';
import type { Database } from '../../db/database';
import type { NotificationService } from './notification.service';

/** The path of an EMAIL channel's confirmation link (`<PUBLIC_URL>/notifications/confirm/<token>`). */
export const CONFIRM_PATH = '/notifications/confirm/:token';

const page = (title: string, text: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="robots" content="noindex"><title>${title}</title></head>` +
  `<body style="font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto"><h1>${title}</h1><p>${text}</p></body></html>`;

/**
 * The confirmation link of an EMAIL channel: no key (whoever holds the mailbox holds the token). A token that
 * confirms nothing (opened already, replaced by a newer email, mistyped) is 404; the page says only that.
 */
export function registerConfirmRoute(fastify: FastifyInstance, database: Database, notifications: NotificationService): void {
  fastify.get<{ Params: { token: string } }>(CONFIRM_PATH, async (req, reply) => {
    const done = await notifications.confirm(database.orm.em.fork(), req.params.token);
    reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').header('referrer-policy', 'no-referrer');
    if (done) return page('Address confirmed', 'tracer will send notifications to this address from now on. You can close this page.');
    return reply.code(404).send(page('Link not valid', 'This confirmation link was used already, or a newer one replaced it.'));
  });
}
