import { alertOf, clip, type ChannelProvider } from './provider';

/**
 * Microsoft Teams through a Workflows webhook ("When a Teams webhook request is received"): a message with one
 * Adaptive Card (title, check, cause, locations; buttons to tracer and, when there is one, to acknowledge).
 */
export const msteams: ChannelProvider = {
  type: 'MSTEAMS',
  required: ['url'],
  optional: [],
  request(ctx) {
    const { alert, check, locations } = alertOf(ctx.payload);
    const facts: Array<{ title: string; value: string }> = [];
    if (check) facts.push({ title: 'Check', value: clip(`${check.name} (${check.kind.toLowerCase()} ${check.id})`, 500) });
    if (alert) facts.push({ title: 'Cause', value: clip(alert.cause, 2000) });
    if (locations.length) facts.push({ title: 'Locations', value: locations.join(', ') });
    const body: unknown[] = [{ type: 'TextBlock', text: clip(ctx.readable.title, 500), weight: 'Bolder', size: 'Medium', wrap: true }];
    if (facts.length) body.push({ type: 'FactSet', facts });
    else body.push({ type: 'TextBlock', text: clip(ctx.readable.lines.join('\n'), 2000) || ' ', wrap: true });
    const actions: unknown[] = [{ type: 'Action.OpenUrl', title: 'Open in tracer', url: ctx.readable.link }];
    if (ctx.readable.ackUrl) actions.push({ type: 'Action.OpenUrl', title: 'Acknowledge', url: ctx.readable.ackUrl });
    return {
      url: ctx.url!,
      headers: {},
      body: {
        type: 'message',
        attachments: [
          {
            contentType: 'application/vnd.microsoft.card.adaptive',
            contentUrl: null,
            content: { $schema: 'http://adaptivecards.io/schemas/adaptive-card.json', type: 'AdaptiveCard', version: '1.4', body, actions },
          },
        ],
      },
    };
  },
  gone(status) {
    if (status === 404 || status === 410) return `Teams answered ${status}: the workflow's URL no longer exists`;
    if (status === 401 || status === 403) return `Teams answered ${status}: the workflow's URL is no longer allowed to post`;
    return undefined;
  },
};
