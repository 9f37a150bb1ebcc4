import { createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Database } from '../../../db/database';
import type { SecretBox } from '../../checks/secret-box';
import { AppError, badInput } from '../../../errors';
import { sendRestError } from '../../../errors/rest';
import type { Actor } from '../../audit/audit';

/** Where PagerDuty's v3 webhook subscription posts (optionally `?channel=nch_…`, the channel whose secret signs it). */
export const PAGERDUTY_WEBHOOK_PATH = '/integrations/pagerduty/webhook';

/** What the route needs of the alerts: acknowledging and resolving one as an actor. */
export interface AlertTransitions {
  acknowledge(em: EntityManager, actor: Actor, id: string): Promise<unknown>;
  resolve(em: EntityManager, actor: Actor, id: string): Promise<unknown>;
}

interface WebhookEvent {
  event?: {
    event_type?: unknown;
    agent?: { summary?: unknown } | null;
    data?: { incident_key?: unknown; dedup_key?: unknown; alert_key?: unknown } | null;
  };
}

/** `v1=<hex>` signatures of the header (PagerDuty sends several, comma-separated, while a secret is rotated). */
export function signaturesOf(header: string | undefined): Buffer[] {
  if (!header) return [];
  return header
    .split(',')
    .map((s) => s.trim())
    .filter((s) => /^v1=[0-9a-f]{64}$/i.test(s))
    .map((s) => Buffer.from(s.slice(3), 'hex'));
}

/** Whether one of the signatures is the HMAC-SHA256 of the raw body with one of the secrets. */
export function signedBy(raw: Buffer, signatures: Buffer[], secrets: string[]): boolean {
  for (const secret of secrets) {
    const expected = createHmac('sha256', secret).update(raw).digest();
    if (signatures.some((s) => s.length === expected.length && timingSafeEqual(s, expected))) return true;
  }
  return false;
}

const NOT_SIGNED = () => new AppError('UNAUTHORIZED', 'The X-PagerDuty-Signature header is missing or matches no PAGERDUTY channel’s signing secret');

/**
 * PagerDuty's two-way sync: a v3 webhook (incident.acknowledged, incident.resolved) acknowledges or resolves the
 * tracer alert its incident was triggered for (`incident_key`, the `dedup_key` tracer sent: the alert's id). It is
 * verified by X-PagerDuty-Signature against the signing secret of a PAGERDUTY channel of the alert's organization
 * (or of the `channel` the URL names); no key. Unsigned or wrongly signed: 401 and nothing changes; an unknown
 * alert reads the same (nobody learns which alert ids exist). Other event types are answered 200 and ignored.
 */
export function registerPagerDutyWebhook(fastify: FastifyInstance, database: Database, secrets: SecretBox, alerts: AlertTransitions): void {
  void fastify.register(async (scope) => {
    // The raw bytes are what is signed: parsed here, after the signature is checked.
    scope.removeContentTypeParser('application/json');
    scope.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit: 256 * 1024 }, (_req, body, done) => done(null, body));
    scope.post<{ Querystring: { channel?: string } }>(PAGERDUTY_WEBHOOK_PATH, async (req, reply) => {
      const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const header = req.headers['x-pagerduty-signature'];
      const signatures = signaturesOf(typeof header === 'string' ? header : undefined);
      if (!signatures.length) return sendRestError(reply, NOT_SIGNED());
      let event: WebhookEvent;
      try {
        event = JSON.parse(raw.toString('utf8')) as WebhookEvent;
      } catch {
        return sendRestError(reply, badInput([{ field: 'body', message: 'must be a PagerDuty v3 webhook (JSON)' }]));
      }
      const data = event?.event?.data ?? {};
      const key = [data.incident_key, data.dedup_key, data.alert_key].find((k): k is string => typeof k === 'string' && /^alr_[A-Za-z0-9]{1,40}$/.test(k));
      const channelId = typeof req.query.channel === 'string' && /^nch_[A-Za-z0-9]{1,40}$/.test(req.query.channel) ? req.query.channel : undefined;
      const em = database.orm.em.fork();
      const conn = em.getConnection();
      // The channels whose secret may have signed it: the one named, or those of the alert's organization.
      const channels = channelId
        ? await conn.execute<{ organization_id: string; name: string; secret: string }[]>(
            `select organization_id, name, secret from notification_channels where id = ? and type = 'PAGERDUTY' and secret is not null`,
            [channelId],
          )
        : key
          ? await conn.execute<{ organization_id: string; name: string; secret: string }[]>(
              `select c.organization_id, c.name, c.secret from notification_channels c join alerts a on a.organization_id = c.organization_id
                where a.id = ? and c.type = 'PAGERDUTY' and c.secret is not null order by c.created_at`,
              [key],
            )
          : [];
      const signer = channels.find((c) => signedBy(raw, signatures, [secrets.open(c.secret)]));
      if (!signer) return sendRestError(reply, NOT_SIGNED());
      const type = event.event?.event_type;
      const verb = type === 'incident.acknowledged' ? 'acknowledge' : type === 'incident.resolved' ? 'resolve' : undefined;
      if (!verb || !key) return reply.send({ success: true, data: { changed: false, reason: 'not an acknowledgement or resolution of a tracer alert' } });
      const agent = typeof event.event?.agent?.summary === 'string' ? event.event.agent.summary.replace(/[\u0000-\u001f\u007f]/g, ' ').trim() : '';
      const actor: Actor = {
        keyId: 'pagerduty',
        organizationId: signer.organization_id,
        name: `${agent ? `${agent} via ` : ''}PagerDuty (${signer.name})`.slice(0, 100),
        ip: req.ip,
      };
      try {
        await alerts[verb](em, actor, key);
      } catch (e) {
        // Another organization's alert (a channel named in the URL), resolved already: nothing to change.
        if (e instanceof AppError && (e.code === 'NOT_FOUND' || e.code === 'CONFLICT')) return reply.send({ success: true, data: { changed: false, reason: e.message } });
        throw e;
      }
      return reply.send({ success: true, data: { changed: true, alertId: key, action: verb } });
    });
  });
}
