import { slackMessage } from '../render';
import type { ChannelProvider } from './provider';

/** A Slack incoming webhook: the message's `text` and blocks (render.ts), the acknowledge link among them. */
export const slack: ChannelProvider = {
  type: 'SLACK',
  required: ['url'],
  optional: [],
  request: (ctx) => ({ url: ctx.url!, headers: {}, body: slackMessage(ctx.readable) }),
  gone: () => undefined,
};
