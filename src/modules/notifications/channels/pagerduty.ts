import { alertOf, clip, dedupKey, parseAnswer, type ChannelProvider } from './provider';

const ACTIONS: Record<string, 'trigger' | 'acknowledge' | 'resolve'> = { 'alert.acknowledged': 'acknowledge', 'alert.resolved': 'resolve' };
const SEVERITY: Record<string, 'critical' | 'error' | 'warning' | 'info'> = { 'alert.opened': 'critical', 'quota.exhausted': 'warning', 'api_key.expiring': 'warning' };

/**
 * PagerDuty Events API v2 (`POST /v2/enqueue`): an alert opening triggers an incident whose `dedup_key` is the
 * tracer alert's id; its acknowledgement and resolution acknowledge and resolve that incident. The routing key is
 * the channel's credential. Two-way: see pagerduty-webhook.ts.
 */
export const pagerduty: ChannelProvider = {
  type: 'PAGERDUTY',
  required: ['routingKey'],
  optional: ['signingSecret'],
  credentialField: 'routingKey',
  validate(input) {
    if (input.routingKey != null && !/^[A-Za-z0-9]{20,64}$/.test(input.routingKey)) return [{ field: 'routingKey', message: 'must be the integration key of a PagerDuty Events API v2 integration (32 letters and digits)' }];
    return [];
  },
  request(ctx) {
    const action = ACTIONS[ctx.payload.type] ?? 'trigger';
    const { check, locations } = alertOf(ctx.payload);
    const body: Record<string, unknown> = { routing_key: ctx.credential, event_action: action, dedup_key: dedupKey(ctx) };
    if (action === 'trigger') {
      body.payload = {
        summary: clip(`${ctx.readable.title}${ctx.readable.lines.length ? ` — ${ctx.readable.lines.join('; ')}` : ''}`, 1024),
        source: check ? check.name : 'tracer',
        severity: SEVERITY[ctx.payload.type] ?? 'info',
        timestamp: ctx.payload.timestamp,
        component: check?.id,
        class: ctx.payload.type,
        // The alert as the webhook carries it; never a one-click acknowledge link (PagerDuty has its own).
        custom_details: { ...ctx.payload.data, ackUrl: undefined, locations },
      };
      body.client = 'tracer';
      body.client_url = ctx.readable.link;
      body.links = [{ href: ctx.readable.link, text: 'Open in tracer' }];
    }
    return { url: ctx.endpoints.pagerdutyEventsUrl, headers: {}, body };
  },
  gone(status, text) {
    // 400 is also a malformed event (tracer's fault, failed without BROKEN); only a key PagerDuty does not know is.
    if (status === 400) {
      const answer = parseAnswer(text);
      const said = [answer?.message, ...((answer?.errors as unknown[]) ?? [])].filter((x) => typeof x === 'string').join('; ');
      if (/routing.?key|integration key/i.test(said)) return `PagerDuty answered 400: ${clip(said)}`;
    }
    if (status === 404) return 'PagerDuty answered 404: no such integration';
    return undefined;
  },
};
