import { Ctx, Field, FieldResolver, ID, Int, ObjectType, Resolver, Root, registerEnumType } from 'type-graphql';
import type { RequestContext } from '../../context/request-context';
import { RequiresScope } from '../../authorization/directives';
import { AlertView } from '../alerts/alert.types';
import { DeliveryStatusEnum } from '../notifications/notification.types';
import { timelineOf, type TimelineEntry } from './timeline';

export enum AlertTimelineTypeEnum {
  OPENED = 'OPENED',
  NOTIFIED = 'NOTIFIED',
  ESCALATED = 'ESCALATED',
  ACKNOWLEDGED = 'ACKNOWLEDGED',
  RESOLVED = 'RESOLVED',
}
registerEnumType(AlertTimelineTypeEnum, {
  name: 'AlertTimelineType',
  valuesConfig: {
    NOTIFIED: { description: 'A notification to one channel (its delivery in the delivery log).' },
    ESCALATED: { description: 'An escalation policy’s later step (or repeat) came due while the alert was open.' },
  },
});

export enum AlertActorTypeEnum {
  KEY = 'KEY',
  MEMBER = 'MEMBER',
  LINK = 'LINK',
  SYSTEM = 'SYSTEM',
}
registerEnumType(AlertActorTypeEnum, {
  name: 'AlertActorType',
  valuesConfig: { LINK: { description: 'The one-click acknowledge link of a notification.' }, SYSTEM: { description: 'A passing run (or, for a quota alert, an admitted run).' } },
});

@ObjectType('AlertTimelineEntry')
export class AlertTimelineEntryView {
  @Field(() => AlertTimelineTypeEnum) type!: string;
  @Field() at!: Date;
  @Field(() => Int, { nullable: true, description: 'NOTIFIED, ESCALATED: the escalation policy’s step (null without a policy).' }) step!: number | null;
  @Field(() => Int, { nullable: true, description: 'NOTIFIED, ESCALATED: 0 for the first pass of the steps, then the repeat’s number.' }) repeat!: number | null;
  @Field(() => ID, { nullable: true }) channelId!: string | null;
  @Field(() => String, { nullable: true, description: 'Null once the channel is deleted.' }) channelName!: string | null;
  @Field(() => ID, { nullable: true }) deliveryId!: string | null;
  @Field(() => DeliveryStatusEnum, { nullable: true, description: 'The delivery’s status now.' }) deliveryStatus!: string | null;
  @Field(() => AlertActorTypeEnum, { nullable: true, description: 'ACKNOWLEDGED, RESOLVED: who.' }) actorType!: string | null;
  @Field(() => String, { nullable: true, description: 'The key’s or member’s name, or “acknowledged via link from <channel name>”.' }) actorName!: string | null;
}

@Resolver(() => AlertView)
export class AlertTimelineResolver {
  @FieldResolver(() => [AlertTimelineEntryView], { description: 'Opened, each notification sent (channel, step, delivery status), escalations, acknowledged (by whom), resolved; oldest first.' })
  @RequiresScope('alerts:read')
  timeline(@Root() alert: AlertView, @Ctx() { reader, principal }: RequestContext): Promise<TimelineEntry[]> {
    return timelineOf(reader, principal.organizationId, alert);
  }
}
