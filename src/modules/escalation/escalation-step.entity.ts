import { Entity, Index, ManyToOne, PrimaryKey, Property, Unique, type Ref } from '@mikro-orm/core';
import { Organization } from '../organization/organization.entity';
import { Alert } from '../alerts/alert.entity';
import { newId } from '../common/ids';

/** PLANNED: due at `dueAt`; SENT: its notifications were enqueued; CANCELLED: the alert was acknowledged or resolved first. */
export type EscalationStepStatus = 'PLANNED' | 'SENT' | 'CANCELLED';

/**
 * One planned notification of an alert's escalation: written when the alert opens (every step and repeat of its
 * policy, with the channels of the moment), claimed by the escalation scheduler when due. The unique
 * (alert, step, repeat) key and the claim (`for update skip locked`, then SENT in the transaction that enqueues the
 * deliveries) make each step go out once, whichever worker claims it and whenever one dies.
 */
@Entity({ tableName: 'escalation_steps' })
@Unique({ name: 'escalation_steps_alert_step_repeat_unique', properties: ['alert', 'step', 'repeat'] })
// The scheduler's claim: due planned rows, oldest first.
@Index({ name: 'escalation_steps_due_index', expression: `create index "escalation_steps_due_index" on "escalation_steps" ("due_at") where "status" = 'PLANNED'` })
@Index({ properties: ['organization'] })
@Index({ properties: ['alert'] })
export class EscalationStep {
  @PrimaryKey({ type: 'string', length: 24 })
  id: string = newId('ess');

  @ManyToOne(() => Organization, { ref: true, deleteRule: 'cascade' })
  organization!: Ref<Organization>;

  @ManyToOne(() => Alert, { ref: true, deleteRule: 'cascade' })
  alert!: Ref<Alert>;

  /** 1-based step of the policy; a repeat's row carries the last step's number. */
  @Property({ type: 'integer' })
  step!: number;

  /** 0 for the policy's first pass, then 1 … maxRepeats. */
  @Property({ type: 'integer' })
  repeat!: number;

  @Property({ type: 'string[]', columnType: 'text[]' })
  channelIds!: string[];

  @Property({ type: 'Date', columnType: 'timestamptz(3)' })
  dueAt!: Date;

  @Property({ type: 'string', length: 10 })
  status: EscalationStepStatus = 'PLANNED';

  @Property({ type: 'Date', columnType: 'timestamptz(3)', nullable: true })
  sentAt: Date | null = null;
}
