import { ArrayMaxSize, IsEmail, IsOptional, Length, MaxLength } from 'class-validator';
import { ArgsType, Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { RequiresScope } from '../../authorization/directives';
import { connectionOf, PageArgs } from '../common/pagination';
import type { FieldError } from '../../errors';
import type { ServiceRules } from '../../graphql/validation';
import type { NotificationService } from './notification.service';
import type { NotificationChannel } from './notification-channel.entity';
import type { NotificationDelivery } from './notification-delivery.entity';
import { maskUrl } from './mask-url';
import { NoControlCharacters } from '../common/names';

export enum NotificationChannelTypeEnum {
  WEBHOOK = 'WEBHOOK',
  SLACK = 'SLACK',
  EMAIL = 'EMAIL',
  PAGERDUTY = 'PAGERDUTY',
  OPSGENIE = 'OPSGENIE',
  MSTEAMS = 'MSTEAMS',
  DISCORD = 'DISCORD',
  TELEGRAM = 'TELEGRAM',
}
registerEnumType(NotificationChannelTypeEnum, {
  name: 'NotificationChannelType',
  valuesConfig: {
    WEBHOOK: { description: 'A JSON POST signed per the Standard Webhooks specification (webhook-id, webhook-timestamp, webhook-signature).' },
    SLACK: { description: 'A Slack incoming-webhook URL: a readable message with the check, locations, error and a link.' },
    EMAIL: { description: 'An email through the SMTP server of SMTP_URL, once its address is confirmed through the link of the confirmation email sent when it is set.' },
    PAGERDUTY: {
      description:
        'PagerDuty Events API v2 (`routingKey`): trigger, acknowledge and resolve with `dedup_key` = the alert id. With a `signingSecret`, PagerDuty’s v3 webhooks to POST /integrations/pagerduty/webhook acknowledge and resolve the alert.',
    },
    OPSGENIE: { description: 'Opsgenie Alert API (`apiKey`, `region` US or EU): create with `alias` = the alert id, acknowledge, close.' },
    MSTEAMS: { description: 'A Microsoft Teams Workflows webhook `url`: a message with an Adaptive Card.' },
    DISCORD: { description: 'A Discord incoming webhook `url`: `content` and an embed.' },
    TELEGRAM: { description: 'The Telegram Bot API `sendMessage` to `chatId` with `botToken` (sealed, never shown).' },
  },
});

export enum OpsgenieRegionEnum {
  US = 'US',
  EU = 'EU',
}
registerEnumType(OpsgenieRegionEnum, { name: 'OpsgenieRegion', description: 'Which Opsgenie instance: api.opsgenie.com (US) or api.eu.opsgenie.com (EU).' });

export enum NotificationChannelStatusEnum {
  ACTIVE = 'ACTIVE',
  BROKEN = 'BROKEN',
}
registerEnumType(NotificationChannelStatusEnum, {
  name: 'NotificationChannelStatus',
  valuesConfig: {
    BROKEN: {
      description:
        'The receiver said the integration is gone (PagerDuty: invalid routing key; Discord: unknown webhook; Telegram: chat not found, bot blocked or token revoked; Opsgenie: key refused; Teams: workflow gone). Deliveries other than tests are SKIPPED until the channel is updated, which clears it.',
    },
  },
});

export enum NotificationEventEnum {
  ALERT_OPENED = 'ALERT_OPENED',
  ALERT_ACKNOWLEDGED = 'ALERT_ACKNOWLEDGED',
  ALERT_RESOLVED = 'ALERT_RESOLVED',
  QUOTA_EXHAUSTED = 'QUOTA_EXHAUSTED',
  API_KEY_EXPIRING = 'API_KEY_EXPIRING',
  CHECK_DEGRADED = 'CHECK_DEGRADED',
}
registerEnumType(NotificationEventEnum, {
  name: 'NotificationEvent',
  valuesConfig: {
    API_KEY_EXPIRING: { description: 'Seven days and one day before a key of the organization expires, once each.' },
    CHECK_DEGRADED: { description: 'A check became DEGRADED: a passing run slower than its degradedResponseTimeMs (once, until it is UP or DOWN again).' },
  },
});

export enum DeliveryStatusEnum {
  PENDING = 'PENDING',
  DELIVERED = 'DELIVERED',
  FAILED = 'FAILED',
  SKIPPED = 'SKIPPED',
}
registerEnumType(DeliveryStatusEnum, {
  name: 'NotificationDeliveryStatus',
  valuesConfig: { SKIPPED: { description: 'Never sent, by rule: an EMAIL channel whose address is not confirmed yet (`error` says so).' } },
});

@ObjectType('NotificationChannel', { description: 'Where notifications go. Its URL reads back masked; its secret never.' })
@RequiresScope('organization:read')
export class NotificationChannelView {
  @Field(() => ID) id!: string;
  @Field() name!: string;
  @Field(() => NotificationChannelTypeEnum) type!: NotificationChannelTypeEnum;
  @Field(() => String, { nullable: true, description: 'Masked: the scheme, the registrable host (labels left of it read `*`) and the port; a path or query reads `/…`; never credentials. `https://*.pipedream.net/…`' }) url!: string | null;
  @Field(() => String, { nullable: true }) email!: string | null;
  @Field(() => NotificationChannelStatusEnum) status!: NotificationChannelStatusEnum;
  @Field(() => String, { nullable: true, description: 'BROKEN: what the receiver said.' }) brokenReason!: string | null;
  @Field(() => Date, { nullable: true, description: 'BROKEN: since when.' }) brokenAt!: Date | null;
  @Field(() => OpsgenieRegionEnum, { nullable: true, description: 'OPSGENIE: the instance alerts go to.' }) region!: OpsgenieRegionEnum | null;
  @Field(() => String, { nullable: true, description: 'TELEGRAM: the chat messages go to.' }) chatId!: string | null;
  @Field({ description: 'PAGERDUTY, OPSGENIE, TELEGRAM: whether the routing key, API key or bot token is set (it is never shown).' }) hasCredential!: boolean;
  @Field({ description: 'PAGERDUTY: whether a webhook signing secret is set, so PagerDuty’s webhooks can acknowledge and resolve alerts (it is never shown).' })
  hasSigningSecret!: boolean;
  @Field({
    description:
      'EMAIL: whether the address was confirmed through the link of the confirmation email sent to it; until then nothing else is sent to it (deliveries are SKIPPED). WEBHOOK and SLACK: always true.',
  })
  confirmed!: boolean;
  @Field(() => Date, { nullable: true, description: 'EMAIL: when its address was confirmed.' }) confirmedAt!: Date | null;
  @Field(() => [NotificationEventEnum]) events!: NotificationEventEnum[];
  @Field(() => [ID], { description: 'Monitors and journeys it hears about; empty: every check of the organization.' }) checkIds!: string[];
  @Field() createdAt!: Date;
  @Field() updatedAt!: Date;

  static from(c: NotificationChannel): NotificationChannelView {
    return Object.assign(new NotificationChannelView(), {
      id: c.id,
      name: c.name,
      type: c.type as NotificationChannelTypeEnum,
      // Masked again on the way out: rows stored before the current rule read back by it too.
      url: c.maskedUrl === null ? null : maskUrl(c.maskedUrl),
      email: c.email,
      status: c.brokenAt ? NotificationChannelStatusEnum.BROKEN : NotificationChannelStatusEnum.ACTIVE,
      brokenReason: c.brokenReason,
      brokenAt: c.brokenAt,
      region: c.type === 'OPSGENIE' ? ((c.settings?.region ?? 'US') as OpsgenieRegionEnum) : null,
      chatId: c.settings?.chatId ?? null,
      hasCredential: c.credential !== null,
      hasSigningSecret: c.type === 'PAGERDUTY' && c.secret !== null,
      confirmed: c.type !== 'EMAIL' || c.confirmedAt !== null,
      confirmedAt: c.confirmedAt,
      events: c.events as NotificationEventEnum[],
      checkIds: c.checkIds,
      createdAt: c.createdAt,
      updatedAt: c.updatedAt,
    });
  }
}

export const NotificationChannelConnection = connectionOf(NotificationChannelView, 'NotificationChannelConnection');

// Scoped like the channel it carries, so the scope table says what a create with its channel needs.
@ObjectType()
@RequiresScope('organization:read')
export class CreateNotificationChannelPayload {
  @Field(() => NotificationChannelView)
  channel!: NotificationChannelView;

  @Field(() => String, { nullable: true, description: 'WEBHOOK: the signing secret (`whsec_…`). Shown once: store it now, it cannot be read again.' })
  secret!: string | null;
}

@ObjectType('NotificationDelivery', { description: 'One notification to one channel: the delivery log. Never a secret.' })
@RequiresScope('alerts:read')
export class NotificationDeliveryView {
  @Field(() => ID) id!: string;
  @Field(() => ID) channelId!: string;
  @Field({ description: 'The webhook `type`: alert.opened, alert.acknowledged, alert.resolved, quota.exhausted, api_key.expiring, test or email.confirmation (an EMAIL channel’s confirmation email).' }) event!: string;
  @Field({ description: 'The `webhook-id` (`msg_…`), the same on every attempt.' }) webhookId!: string;
  @Field(() => DeliveryStatusEnum) status!: DeliveryStatusEnum;
  @Field(() => Int, { description: 'Attempts started.' }) attempts!: number;
  @Field(() => Int, { nullable: true, description: 'The HTTP status of the last answer; null for email or when nothing answered.' }) lastResponseStatus!: number | null;
  @Field(() => String, { nullable: true }) error!: string | null;
  @Field(() => Date, { nullable: true, description: 'When the next attempt is due; null once DELIVERED, FAILED or SKIPPED.' }) nextAttemptAt!: Date | null;
  @Field() createdAt!: Date;
  @Field(() => Date, { nullable: true }) deliveredAt!: Date | null;

  static from(d: NotificationDelivery): NotificationDeliveryView {
    return Object.assign(new NotificationDeliveryView(), {
      id: d.id,
      channelId: d.channel.id,
      event: d.event,
      webhookId: d.webhookId,
      status: d.status as DeliveryStatusEnum,
      attempts: d.attempts,
      lastResponseStatus: d.lastResponseStatus,
      error: d.error,
      nextAttemptAt: d.status === 'PENDING' ? d.nextAttemptAt : null,
      createdAt: d.createdAt,
      deliveredAt: d.deliveredAt,
    });
  }
}

export const NotificationDeliveryConnection = connectionOf(NotificationDeliveryView, 'NotificationDeliveryConnection');

@ArgsType()
export class NotificationDeliveriesArgs extends PageArgs {
  @Field(() => ID, { nullable: true })
  channelId?: string | null;

  @Field(() => DeliveryStatusEnum, { nullable: true })
  status?: DeliveryStatusEnum | null;
}

@InputType()
abstract class ChannelFields implements ServiceRules {
  abstract name?: string | null;

  @Field(() => String, { nullable: true, description: 'WEBHOOK, SLACK, MSTEAMS and DISCORD: the http(s) URL to POST to (the same target rules as checks).' })
  @IsOptional()
  @Length(1, 2048, { message: 'must be 1 to 2048 characters' })
  url?: string | null;

  @Field(() => String, { nullable: true, description: 'EMAIL: the address to write to.' })
  @IsOptional()
  @MaxLength(254, { message: 'must be at most 254 characters' })
  @IsEmail({}, { message: 'must be an email address' })
  email?: string | null;

  @Field(() => String, { nullable: true, description: 'PAGERDUTY: the integration key of an Events API v2 integration. Sealed at rest, never shown.' })
  @IsOptional()
  @Length(1, 64, { message: 'must be 1 to 64 characters' })
  routingKey?: string | null;

  @Field(() => String, { nullable: true, description: 'PAGERDUTY: the signing secret of the PagerDuty webhook subscription pointed at POST /integrations/pagerduty/webhook. Sealed, never shown.' })
  @IsOptional()
  @Length(8, 200, { message: 'must be 8 to 200 characters' })
  signingSecret?: string | null;

  @Field(() => String, { nullable: true, description: 'OPSGENIE: an API key of an API integration (GenieKey). Sealed at rest, never shown.' })
  @IsOptional()
  @Length(1, 100, { message: 'must be 1 to 100 characters' })
  apiKey?: string | null;

  @Field(() => OpsgenieRegionEnum, { nullable: true, description: 'OPSGENIE: US (the default) or EU.' })
  @IsOptional()
  region?: OpsgenieRegionEnum | null;

  @Field(() => String, { nullable: true, description: 'TELEGRAM: the bot token from BotFather. Sealed at rest, never shown.' })
  @IsOptional()
  @Length(1, 130, { message: 'must be 1 to 130 characters' })
  botToken?: string | null;

  @Field(() => String, { nullable: true, description: 'TELEGRAM: the chat id (a number) or channel username (`@name`).' })
  @IsOptional()
  @Length(1, 40, { message: 'must be 1 to 40 characters' })
  chatId?: string | null;

  @Field(() => [ID], { nullable: true, description: 'Only alerts of these monitors and journeys; empty (the default): every check.' })
  @IsOptional()
  @ArrayMaxSize(100, { message: 'at most 100 checks' })
  checkIds?: string[] | null;

  serviceErrors(services: { notifications: Pick<NotificationService, 'inputErrors'> }): FieldError[] {
    return services.notifications.inputErrors(this);
  }
}

@InputType()
export class CreateNotificationChannelInput extends ChannelFields {
  @Field({ description: '1 to 100 characters.' })
  @Length(1, 100, { message: 'must be 1 to 100 characters' })
  @NoControlCharacters()
  name!: string;

  @Field(() => NotificationChannelTypeEnum)
  type!: NotificationChannelTypeEnum;

  @Field(() => [NotificationEventEnum], { nullable: true, description: 'Default: every event but CHECK_DEGRADED, which a channel chooses.' })
  @IsOptional()
  @ArrayMaxSize(10)
  events?: NotificationEventEnum[] | null;
}

@InputType()
export class UpdateNotificationChannelInput extends ChannelFields {
  @Field(() => String, { nullable: true })
  @IsOptional()
  @Length(1, 100, { message: 'must be 1 to 100 characters' })
  @NoControlCharacters()
  name?: string | null;

  @Field(() => [NotificationEventEnum], { nullable: true })
  @IsOptional()
  @ArrayMaxSize(10)
  events?: NotificationEventEnum[] | null;
}
