import { alertOf, clip, parseAnswer, type ChannelProvider } from './provider';

const COLORS: Record<string, number> = { 'alert.opened': 0xd92d20, 'alert.acknowledged': 0xf79009, 'alert.resolved': 0x12b76a };

/** A Discord incoming webhook: `content` (the title) and one embed (the lines, a link to tracer); no mentions. */
export const discord: ChannelProvider = {
  type: 'DISCORD',
  required: ['url'],
  optional: [],
  request(ctx) {
    const { check, locations } = alertOf(ctx.payload);
    const fields: Array<{ name: string; value: string; inline: boolean }> = [];
    if (check) fields.push({ name: 'Check', value: clip(check.name, 1024), inline: true });
    if (locations.length) fields.push({ name: 'Locations', value: clip(locations.join(', '), 1024), inline: true });
    return {
      url: ctx.url!,
      headers: {},
      body: {
        content: clip(ctx.readable.title, 2000),
        // A check name or an error saying @everyone pings nobody.
        allowed_mentions: { parse: [] },
        embeds: [
          {
            title: clip(ctx.readable.title, 256),
            description: clip(ctx.readable.lines.join('\n'), 4096) || undefined,
            url: ctx.readable.link,
            color: COLORS[ctx.payload.type] ?? 0x667085,
            fields,
            timestamp: ctx.payload.timestamp,
          },
        ],
      },
    };
  },
  gone(status, text) {
    const message = parseAnswer(text)?.message;
    if (status === 404 || status === 401) return `Discord answered ${status}: ${clip(String(message ?? 'Unknown Webhook'))}`;
    return undefined;
  },
};
