import { Entity, ManyToOne, PrimaryKey, PrimaryKeyProp, Property, type Ref } from '@mikro-orm/core';
import { Organization } from '../organization/organization.entity';

/**
 * Runs an organization reserved in one calendar month (UTC): one row per organization and month, incremented by
 * `BillingService.reserveRun` in a single upsert. Reading usage is one row, whatever the run history's length.
 */
@Entity({ tableName: 'usage_counters' })
export class UsageCounter {
  [PrimaryKeyProp]?: ['organization', 'periodStart'];

  @ManyToOne(() => Organization, { ref: true, primary: true, deleteRule: 'cascade' })
  organization!: Ref<Organization>;

  /** `monthStart()` of the month counted: midnight UTC on its first day. */
  @PrimaryKey({ type: 'Date', columnType: 'timestamptz(3)' })
  periodStart!: Date;

  @Property({ type: 'integer' })
  runs!: number;
}
