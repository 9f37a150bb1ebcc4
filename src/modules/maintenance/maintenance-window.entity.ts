import { Entity, Index, ManyToOne, PrimaryKey, Property, type Ref } from '@mikro-orm/core';
import { Organization } from '../organization/organization.entity';
import { newId } from '../common/ids';

/** A planned pause of alerting (a deploy): runs are recorded, but no alert opens and no opening or acknowledgement is sent. */
@Entity({ tableName: 'maintenance_windows' })
@Index({ properties: ['organization', 'createdAt', 'id'] })
@Index({ properties: ['organization', 'endsAt'] })
export class MaintenanceWindow {
  @PrimaryKey({ type: 'string', length: 24 })
  id: string = newId('mnt');

  @ManyToOne(() => Organization, { ref: true, deleteRule: 'cascade' })
  organization!: Ref<Organization>;

  @Property({ type: 'string', length: 100 })
  name!: string;

  @Property({ type: 'Date', columnType: 'timestamptz(3)' })
  startsAt!: Date;

  @Property({ type: 'Date', columnType: 'timestamptz(3)' })
  endsAt!: Date;

  /** Monitors and journeys it covers; empty: every check of the organization. */
  @Property({ type: 'string[]', columnType: 'text[]', default: '{}' })
  checkIds: string[] = [];

  @Property({ type: 'Date', columnType: 'timestamptz(3)' })
  createdAt!: Date;
}
