import { Entity, Index, ManyToOne, PrimaryKey, Property, type Ref } from '@mikro-orm/core';
import { Organization } from '../organization/organization.entity';

/**
 * Every check of every kind, one row each (the supertype of `monitors`, `journeys`, …: same id). The tables every
 * kind shares (runs, run_rollups, alerts, check_locations, check_session_runs) reference this row (`check_id`,
 * on delete cascade), so a new kind adds its own table and no column to them. The service base
 * (check.service-base.ts) writes and deletes it with the kind's row, in one transaction.
 */
@Entity({ tableName: 'checks' })
// An organization's delete cascades through it.
@Index({ properties: ['organization'] })
export class CheckRow {
  @PrimaryKey({ type: 'string', length: 24 })
  id!: string;

  @ManyToOne(() => Organization, { ref: true, deleteRule: 'cascade' })
  organization!: Ref<Organization>;

  /** Its kind's name (`monitor`, `journey`): what the id's prefix also says. */
  @Property({ type: 'string', length: 16 })
  kind!: string;
}
