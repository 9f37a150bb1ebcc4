import { clip, alertOf, dedupKey, parseAnswer, trimSlash, type ChannelProvider } from './provider';

const PRIORITY: Record<string, string> = { 'alert.opened': 'P1', 'quota.exhausted': 'P3', 'api_key.expiring': 'P3' };

/**
 * Opsgenie Alert API: an alert opening creates an Opsgenie alert whose `alias` is the tracer alert's id; its
 * acknowledgement and resolution acknowledge and close it (`/v2/alerts/:alias/acknowledge?identifierType=alias`).
 * `Authorization: GenieKey <the channel's API key>`, at the US or EU instance (the channel's region).
 */
export const opsgenie: ChannelProvider = {
  type: 'OPSGENIE',
  required: ['apiKey'],
  optional: ['region'],
  credentialField: 'apiKey',
  validate(input) {
    if (input.apiKey != null && !/^[A-Za-z0-9-]{8,100}$/.test(input.apiKey)) return [{ field: 'apiKey', message: 'must be an Opsgenie API key (letters, digits and dashes)' }];
    return [];
  },
  request(ctx) {
    const base = trimSlash(ctx.settings.region === 'EU' ? ctx.endpoints.opsgenieEuApiUrl : ctx.endpoints.opsgenieApiUrl);
    const headers = { authorization: `GenieKey ${ctx.credential}` };
    const alias = dedupKey(ctx);
    const { alert, check, locations } = alertOf(ctx.payload);
    if (ctx.payload.type === 'alert.acknowledged' || ctx.payload.type === 'alert.resolved') {
      const verb = ctx.payload.type === 'alert.acknowledged' ? 'acknowledge' : 'close';
      const by = ctx.payload.type === 'alert.acknowledged' ? alert?.acknowledgedBy : alert?.resolvedBy;
      return {
        url: `${base}/v2/alerts/${encodeURIComponent(alias)}/${verb}?identifierType=alias`,
        headers,
        body: { source: 'tracer', user: clip(by ?? 'tracer', 100), note: clip(`${ctx.readable.title} in tracer`, 25000) },
      };
    }
    const details: Record<string, string> = { link: ctx.readable.link };
    if (check) details.check = `${check.name} (${check.id})`;
    if (locations.length) details.locations = locations.join(', ');
    if (alert) details.cause = clip(alert.cause, 8000);
    return {
      url: `${base}/v2/alerts`,
      headers,
      body: {
        message: clip(ctx.readable.title, 130),
        alias: clip(alias, 512),
        description: clip([...ctx.readable.lines, ctx.readable.link].join('\n'), 15000),
        details,
        source: 'tracer',
        entity: check?.name ? clip(check.name, 512) : undefined,
        tags: ['tracer', ctx.payload.type],
        priority: PRIORITY[ctx.payload.type] ?? 'P5',
      },
    };
  },
  gone(status, text) {
    if (status === 401 || status === 403) return `Opsgenie answered ${status}: ${clip(String(parseAnswer(text)?.message ?? 'the API key is not valid or may not create alerts'))}`;
    return undefined;
  },
};
