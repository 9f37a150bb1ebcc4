import { clip, parseAnswer, trimSlash, type ChannelProvider } from './provider';

/** Telegram's HTML parse mode gives <, > and & meaning: a check name or an error is text. */
const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Answers that say the chat or the bot is gone (the bot removed, the chat deleted or migrated). */
const GONE_400 = /chat not found|bot was kicked|bot is not a member|group chat was upgraded|chat_id is empty|PEER_ID_INVALID|user is deactivated/i;

/**
 * The Telegram Bot API's `sendMessage` to the channel's chat, in HTML (title, lines, links to tracer and, when
 * there is one, to acknowledge). The bot token is the channel's credential: it is in the request's path only.
 */
export const telegram: ChannelProvider = {
  type: 'TELEGRAM',
  required: ['botToken', 'chatId'],
  optional: [],
  credentialField: 'botToken',
  validate(input) {
    const errors: ReturnType<NonNullable<ChannelProvider['validate']>> = [];
    if (input.botToken != null && !/^\d{1,20}:[A-Za-z0-9_-]{20,100}$/.test(input.botToken)) errors.push({ field: 'botToken', message: 'must be a bot token as BotFather gives it (`123456:ABC…`)' });
    if (input.chatId != null && !/^(-?\d{1,20}|@[A-Za-z][A-Za-z0-9_]{3,31})$/.test(input.chatId)) errors.push({ field: 'chatId', message: 'must be a chat id (a number) or a channel username (`@name`)' });
    return errors;
  },
  request(ctx) {
    const r = ctx.readable;
    const links = [`<a href="${escape(r.link)}">Open in tracer</a>`];
    if (r.ackUrl) links.push(`<a href="${escape(r.ackUrl)}">Acknowledge</a>`);
    const text = [`<b>${escape(clip(r.title, 300))}</b>`, ...r.lines.map((l) => escape(clip(l, 1000))), links.join(' · ')].join('\n');
    return {
      url: `${trimSlash(ctx.endpoints.telegramApiUrl)}/bot${ctx.credential}/sendMessage`,
      headers: {},
      body: { chat_id: ctx.settings.chatId, text, parse_mode: 'HTML', link_preview_options: { is_disabled: true } },
    };
  },
  retryAfterMs(text) {
    // `{"ok":false,"error_code":429,"parameters":{"retry_after":30}}`
    const seconds = (parseAnswer(text)?.parameters as { retry_after?: unknown } | undefined)?.retry_after;
    return typeof seconds === 'number' && seconds >= 0 ? seconds * 1000 : undefined;
  },
  gone(status, text) {
    const description = String(parseAnswer(text)?.description ?? '');
    if (status === 401) return `Telegram answered 401: ${clip(description || 'Unauthorized')} (the bot token is not valid)`;
    if (status === 403) return `Telegram answered 403: ${clip(description || 'Forbidden')}`;
    if (status === 400 && GONE_400.test(description)) return `Telegram answered 400: ${clip(description)}`;
    if (status === 404) return 'Telegram answered 404: the bot token is not valid';
    return undefined;
  },
};
