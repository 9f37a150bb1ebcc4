import { Webhook } from 'standardwebhooks';
import type { ChannelProvider } from './provider';

/**
 * tracer's own webhook: the notification's JSON as it is stored, signed by Standard Webhooks (the same `webhook-id`
 * on every attempt, this attempt's timestamp and signature). A status page subscriber's gets its unsubscribe link,
 * never the sealed token the log keeps.
 */
export const webhook: ChannelProvider = {
  type: 'WEBHOOK',
  required: ['url'],
  optional: [],
  request(ctx) {
    const payload = ctx.unsubscribeUrl ? { ...ctx.payload, data: { ...ctx.payload.data, unsubscribe: ctx.unsubscribeUrl } } : ctx.payload;
    // The signature is of these exact bytes: the body goes as this string.
    const body = JSON.stringify(payload);
    const headers = {
      'webhook-id': ctx.webhookId,
      'webhook-timestamp': String(Math.floor(ctx.at.getTime() / 1000)),
      'webhook-signature': new Webhook(ctx.secret!).sign(ctx.webhookId, ctx.at, body),
    };
    return { url: ctx.url!, headers, body };
  },
  // Any 4xx is a refusal of this notification (FAILED), not a sign that the endpoint is gone.
  gone: () => undefined,
};
