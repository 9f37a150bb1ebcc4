import { Entity, ManyToOne, PrimaryKey, Property, type Ref } from '@mikro-orm/core';
import { CheckRow } from './check-row.entity';

/**
 * A check's state in one location: its failed slots in a row there. The alert rule reads these rows ("at least
 * minFailedLocations locations failed failureThreshold slots in a row"); the check's own status and failure count
 * are derived from them in the same transaction as the run.
 */
@Entity({ tableName: 'check_locations' })
export class CheckLocation {
  /** The check (any kind), whose delete cascades here through the primary key it leads. */
  @ManyToOne(() => CheckRow, { ref: true, primary: true, deleteRule: 'cascade' })
  check!: Ref<CheckRow>;

  @PrimaryKey({ type: 'string', length: 40 })
  location!: string;

  @Property({ type: 'integer' })
  consecutiveFailures: number = 0;

  @Property({ type: 'string', length: 8 })
  lastStatus!: string;

  @Property({ type: 'Date', columnType: 'timestamptz(3)' })
  lastRunAt!: Date;
}
