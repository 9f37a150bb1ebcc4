import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Database } from '../../db/database';
import { lockedDownPage } from '../../http/page-headers';
import { ACK_PATH } from './ack-link';
import type { AckService, AckState } from './ack.service';

/** Nothing loaded from anywhere, the form posts only here, never framed, never cached, no referrer. */
const HEADERS = lockedDownPage(["style-src 'unsafe-inline'", "form-action 'self'"], { 'cache-control': 'no-store' });

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const page = (title: string, body: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="robots" content="noindex">` +
  `<meta name="viewport" content="width=device-width, initial-scale=1"><title>${title}</title></head>` +
  `<body style="font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem"><h1>${title}</h1>${body}</body></html>`;

/** The answer for every state but `ready`: its status, title and words (fixed text, plus names escaped). */
const ENDED: Record<Exclude<AckState['state'], 'ready'>, [number, string, (by: string) => string]> = {
  acknowledged: [200, 'Alert acknowledged', (by) => `<p>Done: ${escapeHtml(by)}. Escalation has stopped. You can close this page.</p>`],
  'already-acknowledged': [200, 'Already acknowledged', (by) => `<p>Nothing changed: the alert was acknowledged already (${escapeHtml(by)}).</p>`],
  'not-valid': [404, 'Link not valid', () => '<p>Nothing changed: this acknowledge link is not valid (it was altered, or its alert no longer exists).</p>'],
  expired: [410, 'Link expired', () => '<p>Nothing changed: this acknowledge link expired (links work for 24 hours). Acknowledge the alert in the dashboard.</p>'],
  used: [409, 'Link used already', () => '<p>Nothing changed: this acknowledge link was used already.</p>'],
  resolved: [409, 'Alert resolved', () => '<p>Nothing changed: the alert is resolved already.</p>'],
  'other-alert': [400, 'Link for another alert', () => '<p>Nothing changed: this acknowledge link is for another alert.</p>'],
};

/**
 * `GET /alerts/ack?token=…` shows what the link would do and a button; it changes nothing (mail scanners follow
 * links). The button POSTs the token back (in the query, the form's own address): the token is the credential, so no
 * cookie is read and a cross-site form cannot do anything its sender could not do with the token itself. `alert`,
 * when given, must be the token's alert.
 */
export function registerAckRoute(fastify: FastifyInstance, database: Database, acks: AckService): void {
  const send = (reply: FastifyReply, state: AckState) => {
    if (state.state === 'ready') return;
    const [status, title, words] = ENDED[state.state];
    return reply.code(status).type('text/html; charset=utf-8').send(page(title, words(state.by ?? '')));
  };
  type Req = { Querystring: { token?: unknown; alert?: unknown } };
  const args = (q: Req['Querystring']) => ({ token: typeof q.token === 'string' ? q.token : '', alert: typeof q.alert === 'string' ? q.alert : undefined });

  void fastify.register(async (scope) => {
    // The form's body is empty (the token is in its address): read and ignored.
    scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 1024 }, (_req, _body, done) => done(null, undefined));
    scope.addHook('onRequest', async (_req, reply) => {
      reply.headers(HEADERS);
    });

    scope.get<Req>(ACK_PATH, async (req, reply) => {
      const { token, alert } = args(req.query);
      const state = await acks.inspect(database.orm.em.fork(), token, alert);
      if (state.state !== 'ready') return send(reply, state);
      const action = `ack?token=${encodeURIComponent(token)}${alert ? `&amp;alert=${encodeURIComponent(alert)}` : ''}`;
      return reply.type('text/html; charset=utf-8').send(
        page(
          'Acknowledge this alert?',
          `<p><strong>${escapeHtml(state.checkName)}</strong>: ${escapeHtml(state.cause)}</p>` +
            `<p>Acknowledging stops its escalation; it is recorded as acknowledged via link from ${escapeHtml(state.channelName)}.</p>` +
            `<form method="post" action="${action}"><button type="submit" style="font-size:1rem;padding:.5rem 1rem">Acknowledge</button></form>`,
        ),
      );
    });

    scope.post<Req>(ACK_PATH, async (req, reply) => {
      const { token, alert } = args(req.query);
      return send(reply, await acks.use(database.orm.em.fork(), token, req.ip ?? null, alert));
    });
  });
}
