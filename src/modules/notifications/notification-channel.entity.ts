import { Entity, Index, ManyToOne, PrimaryKey, Property, type Ref } from '@mikro-orm/core';
import { Organization } from '../organization/organization.entity';
import { newId } from '../common/ids';

export const CHANNEL_TYPES = ['WEBHOOK', 'SLACK', 'EMAIL', 'PAGERDUTY', 'OPSGENIE', 'MSTEAMS', 'DISCORD', 'TELEGRAM'] as const;
export type ChannelType = (typeof CHANNEL_TYPES)[number];

/** What a channel can subscribe to (a test delivery is sent on request, to any channel). */
export const NOTIFICATION_EVENTS = ['ALERT_OPENED', 'ALERT_ACKNOWLEDGED', 'ALERT_RESOLVED', 'QUOTA_EXHAUSTED', 'API_KEY_EXPIRING', 'CHECK_DEGRADED'] as const;
export type NotificationEvent = (typeof NOTIFICATION_EVENTS)[number];
/** A channel made without `events` hears these: all but CHECK_DEGRADED, which a channel chooses (slowness is not an incident). */
export const DEFAULT_EVENTS: readonly NotificationEvent[] = NOTIFICATION_EVENTS.filter((e) => e !== 'CHECK_DEGRADED');

/** Non-secret settings of the on-call channel types. */
export interface ChannelSettings {
  /** OPSGENIE: which Opsgenie instance (default US). */
  region?: 'US' | 'EU';
  /** TELEGRAM: the chat to post to (a number, or `@channelname`). */
  chatId?: string;
}

/**
 * Where an organization's notifications go. The URL (a Slack incoming-webhook URL is itself a credential, and a
 * webhook URL may carry user:password) and the signing secret are stored sealed with the secrets key, like
 * credential headers; views show the URL masked and never the secret.
 */
@Entity({ tableName: 'notification_channels' })
@Index({ properties: ['organization', 'createdAt', 'id'] })
export class NotificationChannel {
  @PrimaryKey({ type: 'string', length: 24 })
  id: string = newId('nch');

  @ManyToOne(() => Organization, { ref: true, deleteRule: 'cascade' })
  organization!: Ref<Organization>;

  @Property({ type: 'string', length: 100 })
  name!: string;

  @Property({ type: 'string', length: 10 })
  type!: ChannelType;

  /** Sealed (`enc:v1:…`); WEBHOOK, SLACK, MSTEAMS and DISCORD. */
  @Property({ type: 'text', nullable: true })
  url: string | null = null;

  /** The URL as views show it (mask-url.ts): scheme, registrable host and port, the path `/…`. */
  @Property({ type: 'string', length: 2100, nullable: true })
  maskedUrl: string | null = null;

  @Property({ type: 'string', length: 254, nullable: true })
  email: string | null = null;

  @Property({ type: 'string[]', columnType: 'text[]' })
  events: NotificationEvent[] = [];

  /** Monitors and journeys whose alerts it hears; empty: every check of the organization. */
  @Property({ type: 'string[]', columnType: 'text[]', default: '{}' })
  checkIds: string[] = [];

  /**
   * EMAIL: when the address was confirmed through the link of its confirmation email; until then nothing but that
   * email is sent to it. Null for WEBHOOK and SLACK (nothing to confirm).
   */
  @Property({ type: 'Date', columnType: 'timestamptz(3)', nullable: true })
  confirmedAt: Date | null = null;

  /** EMAIL, unconfirmed: sha256 (hex) of the token in the confirmation link; the token itself is never stored. */
  @Property({ type: 'string', length: 64, nullable: true, hidden: true })
  @Index({ name: 'notification_channels_confirm_token_hash_index' })
  confirmTokenHash: string | null = null;

  /**
   * Sealed. WEBHOOK: `whsec_…`, signs every delivery, shown once by the create call. PAGERDUTY: the signing secret
   * of the PagerDuty webhook subscription (given by the caller), which verifies its v3 webhooks; never shown.
   */
  @Property({ type: 'text', nullable: true, hidden: true })
  secret: string | null = null;

  /**
   * Sealed: the provider's credential (PAGERDUTY: the integration's routing key; OPSGENIE: the API key; TELEGRAM: the
   * bot token). Never shown.
   */
  @Property({ type: 'text', nullable: true, hidden: true })
  credential: string | null = null;

  /** What a provider needs that is not secret: OPSGENIE `region` (US, EU), TELEGRAM `chatId`. */
  @Property({ type: 'json', columnType: 'jsonb', default: '{}' })
  settings: ChannelSettings = {};

  /**
   * Set when a receiver said the integration is gone (a 4xx such as PagerDuty's invalid routing key or Discord's
   * unknown webhook): its deliveries other than tests are SKIPPED until the channel is updated, which clears it.
   */
  @Property({ type: 'Date', columnType: 'timestamptz(3)', nullable: true })
  brokenAt: Date | null = null;

  @Property({ type: 'string', length: 500, nullable: true })
  brokenReason: string | null = null;

  @Property({ type: 'Date', columnType: 'timestamptz(3)' })
  createdAt!: Date;

  @Property({ type: 'Date', columnType: 'timestamptz(3)' })
  updatedAt!: Date;
}
