import { Entity, Index, ManyToOne, PrimaryKey, Property, type Ref } from '@mikro-orm/core';
import { Organization } from '../organization/organization.entity';
import { newId } from '../common/ids';

/** One step of a policy: who hears an alert, and how long after its opening. */
export interface PolicyStep {
  afterMinutes: number;
  channelIds: string[];
}

/**
 * Who is told about a check's alert, and when, until someone acknowledges it: step 1 at the opening, each later step
 * `afterMinutes` after the opening, then every step's channels again every `repeatAfterMinutes`, at most
 * `maxRepeats` times. A check names its policy (`escalationPolicyId`); a check without one keeps the channels'
 * own subscriptions.
 */
@Entity({ tableName: 'escalation_policies' })
@Index({ properties: ['organization', 'createdAt', 'id'] })
export class EscalationPolicy {
  @PrimaryKey({ type: 'string', length: 24 })
  id: string = newId('esc');

  @ManyToOne(() => Organization, { ref: true, deleteRule: 'cascade' })
  organization!: Ref<Organization>;

  @Property({ type: 'string', length: 100 })
  name!: string;

  /** In order; the first one's afterMinutes is 0. */
  @Property({ type: 'json' })
  steps!: PolicyStep[];

  /** Null: no repeats. */
  @Property({ type: 'integer', nullable: true })
  repeatAfterMinutes: number | null = null;

  @Property({ type: 'integer', default: 0 })
  maxRepeats: number = 0;

  @Property({ type: 'Date', columnType: 'timestamptz(3)' })
  createdAt!: Date;

  @Property({ type: 'Date', columnType: 'timestamptz(3)' })
  updatedAt!: Date;
}
