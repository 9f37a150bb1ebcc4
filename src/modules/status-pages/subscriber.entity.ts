import { Entity, Index, ManyToOne, PrimaryKey, Property, type Ref } from '@mikro-orm/core';
import { Organization } from '../organization/organization.entity';
import { NotificationChannel } from '../notifications/notification-channel.entity';
import { StatusPage, statusId } from './status-page.entity';

/**
 * A visitor subscribed to a page: a notification channel of its own (email, confirmed by its link before anything
 * else is sent; or a signed webhook), so messages go through the delivery queue with its retries and log.
 */
@Entity({ tableName: 'status_subscribers' })
@Index({ properties: ['page', 'createdAt'] })
export class StatusSubscriber {
  @PrimaryKey({ type: 'string', length: 24 })
  id: string = statusId('sub');

  @ManyToOne(() => StatusPage, { ref: true, deleteRule: 'cascade' })
  page!: Ref<StatusPage>;

  @ManyToOne(() => Organization, { ref: true, deleteRule: 'cascade' })
  organization!: Ref<Organization>;

  @ManyToOne(() => NotificationChannel, { ref: true, deleteRule: 'cascade' })
  channel!: Ref<NotificationChannel>;

  /** sha256 (hex) of the unsubscribe token, to find the subscriber by its link. */
  @Property({ type: 'string', length: 64 })
  @Index()
  unsubscribeHash!: string;

  /** The token, sealed: put (sealed) in every message's payload, opened only to build the link. */
  @Property({ type: 'text', hidden: true })
  unsubscribeToken!: string;

  /** sha256 (hex) of the address or URL, lower case: the same one subscribed twice to a page is one subscriber. */
  @Property({ type: 'string', length: 64 })
  targetHash!: string;

  @Property({ type: 'Date', columnType: 'timestamptz(3)' })
  createdAt!: Date;
}
