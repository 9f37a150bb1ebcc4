import { Arg, Args, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import { RequiresScope } from '../../authorization/directives';
import { PageArgs } from '../common/pagination';
import type { RequestContext } from '../../context/request-context';
import {
  CreateNotificationChannelInput,
  CreateNotificationChannelPayload,
  NotificationChannelConnection,
  NotificationChannelView,
  NotificationDeliveriesArgs,
  NotificationDeliveryConnection,
  NotificationDeliveryView,
  UpdateNotificationChannelInput,
} from './notification.types';

@Resolver()
export class NotificationResolver {
  @Query(() => NotificationChannelConnection, { description: 'Newest first.' })
  @RequiresScope('organization:read')
  async notificationChannels(@Args() args: PageArgs, @Ctx() { em, principal, services }: RequestContext) {
    const page = await services.notifications.list(em, principal.organizationId, args);
    return { nodes: page.nodes.map(NotificationChannelView.from), pageInfo: page.pageInfo };
  }

  @Query(() => NotificationChannelView)
  @RequiresScope('organization:read')
  async notificationChannel(@Arg('id', () => ID) id: string, @Ctx() { em, principal, services }: RequestContext) {
    return NotificationChannelView.from(await services.notifications.get(em, principal.organizationId, id));
  }

  @Mutation(() => CreateNotificationChannelPayload, {
    description:
      'A WEBHOOK channel’s signing secret is in the answer, once. The events also need `alerts:read` (ALERT_*) and `billing:read` (QUOTA_EXHAUSTED) of the key: FORBIDDEN names what is missing.',
  })
  @RequiresScope('organization:write')
  async createNotificationChannel(@Arg('input') input: CreateNotificationChannelInput, @Ctx() { em, principal, actor, services }: RequestContext) {
    const { channel, secret } = await services.notifications.create(em, principal, actor, input);
    return { channel: NotificationChannelView.from(channel), secret };
  }

  @Mutation(() => NotificationChannelView, {
    description:
      'Only the fields given change; the type and the secret do not. The channel’s events (as they are after the change) need `alerts:read` (ALERT_*) and `billing:read` (QUOTA_EXHAUSTED) of the key.',
  })
  @RequiresScope('organization:write')
  async updateNotificationChannel(
    @Arg('id', () => ID) id: string,
    @Arg('input') input: UpdateNotificationChannelInput,
    @Ctx() { em, principal, actor, services }: RequestContext,
  ) {
    return NotificationChannelView.from(await services.notifications.update(em, principal, actor, id, input));
  }

  @Mutation(() => ID, { description: 'Deletes the channel with its delivery log; answers its id.' })
  @RequiresScope('organization:write')
  async deleteNotificationChannel(@Arg('id', () => ID) id: string, @Ctx() { em, actor, services }: RequestContext) {
    return services.notifications.delete(em, actor, id);
  }

  @Mutation(() => NotificationDeliveryView, {
    description:
      'Sends a `test` event to the channel through the queue and answers its delivery (PENDING at first; SKIPPED for an EMAIL channel not confirmed yet). At most NOTIFY_TESTS_PER_CHANNEL_PER_MINUTE a channel: beyond, RATE_LIMITED with `retryAfter`.',
  })
  @RequiresScope('organization:write')
  async testNotificationChannel(@Arg('id', () => ID) id: string, @Ctx() { em, actor, services }: RequestContext) {
    return NotificationDeliveryView.from(await services.notifications.test(em, actor, id));
  }

  @Query(() => NotificationDeliveryConnection, { description: 'The delivery log, newest first.' })
  @RequiresScope('alerts:read')
  async notificationDeliveries(@Args() args: NotificationDeliveriesArgs, @Ctx() { em, principal, services }: RequestContext) {
    const page = await services.notifications.deliveries(em, principal.organizationId, args);
    return { nodes: page.nodes.map(NotificationDeliveryView.from), pageInfo: page.pageInfo };
  }
}
