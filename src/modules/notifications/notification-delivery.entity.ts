import { Entity, Index, ManyToOne, PrimaryKey, Property, type Ref } from '@mikro-orm/core';
import { Organization } from '../organization/organization.entity';
import { newId } from '../common/ids';
import { NotificationChannel } from './notification-channel.entity';

/** SKIPPED: never sent, by rule (an EMAIL channel not confirmed yet); `error` says why. */
export const DELIVERY_STATUSES = ['PENDING', 'DELIVERED', 'FAILED', 'SKIPPED'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/**
 * One notification to one channel, and what became of it: the delivery log. Written in the same transaction as
 * the change it tells of (an alert opening…), together with its first job, so a rollback sends nothing and a commit
 * loses nothing. `webhookId` is chosen then and sent on every attempt, so receivers can de-duplicate.
 */
@Entity({ tableName: 'notification_deliveries' })
@Index({ properties: ['organization', 'createdAt', 'id'] })
@Index({ properties: ['channel', 'createdAt'] })
// The unfinished deliveries of one (channel, alert), in the order they were made: a later one waits for them (ADR 0070).
@Index({
  name: 'notification_deliveries_order_index',
  expression: `create index "notification_deliveries_order_index" on "notification_deliveries" ("channel_id", "alert_id", "seq") where "status" = 'PENDING' and "alert_id" is not null`,
})
// The unfinished deliveries by due time: the lost-delivery sweep reads those due longer ago than a job can live.
@Index({
  name: 'notification_deliveries_pending_due_index',
  expression: `create index "notification_deliveries_pending_due_index" on "notification_deliveries" ((coalesce("next_attempt_at", "created_at"))) where "status" = 'PENDING'`,
})
export class NotificationDelivery {
  @PrimaryKey({ type: 'string', length: 24 })
  id: string = newId('ndl');

  @ManyToOne(() => Organization, { ref: true, deleteRule: 'cascade' })
  organization!: Ref<Organization>;

  @ManyToOne(() => NotificationChannel, { ref: true, deleteRule: 'cascade' })
  channel!: Ref<NotificationChannel>;

  /** The webhook `type`: `alert.opened`, `alert.acknowledged`, `alert.resolved`, `quota.exhausted`, `api_key.expiring`, `test`. */
  @Property({ type: 'string', length: 32 })
  event!: string;

  /** `msg_…`: the Standard Webhooks `webhook-id`, the same on every attempt. */
  @Property({ type: 'string', length: 40, unique: true })
  webhookId!: string;

  /** The alert it tells of (its payload's `data.alert.id`), or null: deliveries of one (channel, alert) go in `seq` order. */
  @Property({ type: 'string', length: 24, nullable: true })
  alertId: string | null = null;

  /** Creation order (one sequence for every delivery): of one channel and alert, a later one is not sent before an earlier one is done. */
  @Property({ type: 'bigint', autoincrement: true })
  seq!: string;

  /** The whole webhook body (`{ type, timestamp, data }`); never a secret. */
  @Property({ type: 'json' })
  payload!: Record<string, unknown>;

  @Property({ type: 'string', length: 10 })
  status: DeliveryStatus = 'PENDING';

  /** Attempts started (one killed half-way counts). */
  @Property({ type: 'integer', default: 0 })
  attempts: number = 0;

  @Property({ type: 'integer', nullable: true })
  lastResponseStatus: number | null = null;

  @Property({ type: 'text', nullable: true })
  error: string | null = null;

  /** When the next attempt is due; null once DELIVERED, FAILED or SKIPPED. */
  @Property({ type: 'Date', columnType: 'timestamptz(3)', nullable: true })
  nextAttemptAt: Date | null = null;

  @Property({ type: 'Date', columnType: 'timestamptz(3)' })
  createdAt!: Date;

  /**
   * When a delivery that waited behind an earlier one of its channel and alert (ADR 0070) was released; null for one
   * that never waited. The circuit breaker's give-up clock runs from here (else from `createdAt`): a delivery is not
   * given up on for the hours it waited its turn.
   */
  @Property({ type: 'Date', columnType: 'timestamptz(3)', nullable: true })
  dueSince: Date | null = null;

  @Property({ type: 'Date', columnType: 'timestamptz(3)', nullable: true })
  deliveredAt: Date | null = null;
}
