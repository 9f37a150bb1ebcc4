import type { ChannelSettings, ChannelType } from '../notification-channel.entity';
import type { Readable } from '../render';

/** The input fields a channel type takes (ChannelInput's names). */
export type ChannelField = 'url' | 'email' | 'routingKey' | 'signingSecret' | 'apiKey' | 'region' | 'botToken' | 'chatId';

/** Where the providers' APIs are: their public endpoints by default, a local receiver in tests, a regional one. */
export interface ProviderEndpoints {
  /** PAGERDUTY_EVENTS_URL: the Events API v2 enqueue URL. */
  pagerdutyEventsUrl: string;
  /** OPSGENIE_API_URL, OPSGENIE_EU_API_URL: the Alert API's base for the channel's region. */
  opsgenieApiUrl: string;
  opsgenieEuApiUrl: string;
  /** TELEGRAM_API_URL: the Bot API's base (`…/bot<token>/sendMessage` is added). */
  telegramApiUrl: string;
}

/** The notification as stored (the webhook's body) and what a person reads of it. */
export interface SendContext {
  payload: { type: string; timestamp: string; data: Record<string, unknown> };
  readable: Readable;
  /** The delivery's `msg_…`: the same on every attempt. */
  webhookId: string;
  /** Opened: the channel's URL (WEBHOOK, SLACK, MSTEAMS, DISCORD) and credential (routing key, API key, bot token). */
  url: string | null;
  credential: string | null;
  /** Opened: a WEBHOOK's signing secret. */
  secret: string | null;
  settings: ChannelSettings;
  endpoints: ProviderEndpoints;
  /** This attempt's time (a signature's timestamp). */
  at: Date;
  /** A status page subscriber's one-click unsubscribe link. */
  unsubscribeUrl?: string;
}

/** One HTTP POST of a JSON body (a string: already serialised, sent as it is, e.g. because it is signed). */
export interface OutboundRequest {
  url: string;
  headers: Record<string, string>;
  body: unknown;
}

/** What every channel type says of its fields. */
export interface ChannelDefinition {
  type: ChannelType;
  /** Fields a channel of this type must have, and may have. */
  required: ChannelField[];
  optional: ChannelField[];
  /** Which input field is sealed into the channel's credential. */
  credentialField?: 'routingKey' | 'apiKey' | 'botToken';
  /** Format rules of its fields beyond the GraphQL types (field, message). */
  validate?(input: Partial<Record<ChannelField, string | null>>): Array<{ field: ChannelField; message: string }>;
}

/** What an email notification is made of. */
export interface MailContext {
  payload: SendContext['payload'];
  readable: Readable;
  /** The address is not confirmed yet. */
  unconfirmed: boolean;
  /** Opened: a confirmation email's link. */
  confirmationUrl?: string;
  unsubscribeUrl?: string;
}

/** A channel type sent as email, through the one SMTP transport: its message, or why it is not sent. */
export interface MailChannel extends ChannelDefinition {
  mail(ctx: MailContext): { subject: string; text: string; headers?: Record<string, string> } | { skip: string };
}

/**
 * A channel type sent by HTTP (tracer's webhook, Slack, or a provider's own API): how a notification becomes its request, and which of its
 * answers say the integration is gone (the channel is then BROKEN rather than retried). One file per type.
 */
export interface ChannelProvider extends ChannelDefinition {
  request(ctx: SendContext): OutboundRequest;
  /** A 4xx answer that says the integration no longer exists or is no longer allowed: why, in words; else undefined. */
  gone(status: number, body: string): string | undefined;
  /** A 429's wait when the provider says it in the body rather than in Retry-After, in milliseconds. */
  retryAfterMs?(body: string): number | undefined;
}

/** The JSON of an answer, or undefined. */
export function parseAnswer(body: string): Record<string, unknown> | undefined {
  try {
    const v = JSON.parse(body) as unknown;
    return v && typeof v === 'object' ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** The alert a notification is about, its check and locations, as the webhook payload carries them. */
export function alertOf(payload: SendContext['payload']) {
  const d = payload.data as {
    alert?: { id: string; cause: string; status: string; acknowledgedBy?: string | null; resolvedBy?: string | null };
    check?: { id: string; name: string; kind: string } | null;
    locations?: string[];
    apiKey?: { id: string };
  };
  return { alert: d.alert, check: d.check ?? null, locations: d.locations ?? [], apiKey: d.apiKey };
}

/**
 * The provider's key for this notification: the alert id for an alert (so trigger, acknowledge and resolve are one
 * incident), otherwise the event and what it is about.
 */
export function dedupKey(ctx: SendContext): string {
  const { alert, apiKey } = alertOf(ctx.payload);
  if (alert?.id) return alert.id;
  if (apiKey?.id) return `${ctx.payload.type}:${apiKey.id}`;
  return `${ctx.payload.type}:${ctx.webhookId}`;
}

/** What an answer's text may show in a reason: printable, short. */
export const clip = (s: string, max = 200) => s.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim().slice(0, max);

export const trimSlash = (url: string) => url.replace(/\/+$/, '');
