import { Entity, Index, ManyToOne, PrimaryKey, Property, type Ref } from '@mikro-orm/core';
import { Organization } from '../organization/organization.entity';
import { Alert } from '../alerts/alert.entity';
import { newId } from '../common/ids';

/** The opening, acknowledgement and resolution are the alert's own columns; these are what happens in between. */
export const ALERT_EVENT_TYPES = ['NOTIFIED', 'ESCALATED'] as const;
export type AlertEventType = (typeof ALERT_EVENT_TYPES)[number];

/**
 * One line of an alert's timeline, written in the transaction of what it tells (a notification, an escalation step). A NOTIFIED line names its delivery: its status is read from the delivery log
 * when the timeline is.
 */
@Entity({ tableName: 'alert_events' })
@Index({ properties: ['alert', 'at'] })
@Index({ properties: ['organization'] })
export class AlertEvent {
  @PrimaryKey({ type: 'string', length: 24 })
  id: string = newId('ale');

  @ManyToOne(() => Organization, { ref: true, deleteRule: 'cascade' })
  organization!: Ref<Organization>;

  @ManyToOne(() => Alert, { ref: true, deleteRule: 'cascade' })
  alert!: Ref<Alert>;

  @Property({ type: 'string', length: 16 })
  type!: AlertEventType;

  @Property({ type: 'Date', columnType: 'timestamptz(3)' })
  at!: Date;

  /** NOTIFIED, ESCALATED: the policy's step (null for a notification sent without a policy). */
  @Property({ type: 'integer', nullable: true })
  step: number | null = null;

  /** NOTIFIED, ESCALATED: 0 for the first pass, then the repeat's number. */
  @Property({ type: 'integer', nullable: true })
  repeat: number | null = null;

  /** NOTIFIED: the channel (its name is read with the timeline; a deleted channel's stays null). */
  @Property({ type: 'string', length: 24, nullable: true })
  channelId: string | null = null;

  /** NOTIFIED: the delivery in the log. */
  @Property({ type: 'string', length: 24, nullable: true })
  deliveryId: string | null = null;
}
