import { Entity, ManyToOne, PrimaryKey, Property, type Ref } from '@mikro-orm/core';
import { Monitor } from './kinds/monitor/monitor.entity';
import { Journey } from './kinds/journey/journey.entity';

/**
 * A check's state in one location: its failed slots in a row there. The alert rule reads these rows ("at least
 * minFailedLocations locations failed failureThreshold slots in a row"); the check's own status and failure count
 * are derived from them in the same transaction as the run.
 */
@Entity({ tableName: 'check_locations' })
export class CheckLocation {
  /** A monitor's or a journey's id (their prefixes keep them apart). */
  @PrimaryKey({ type: 'string', length: 24 })
  checkId!: string;

  @PrimaryKey({ type: 'string', length: 40 })
  location!: string;

  // Only so that deleting the check deletes its rows.
  @ManyToOne(() => Monitor, { ref: true, nullable: true, deleteRule: 'cascade' })
  monitor: Ref<Monitor> | null = null;

  @ManyToOne(() => Journey, { ref: true, nullable: true, deleteRule: 'cascade' })
  journey: Ref<Journey> | null = null;

  @Property({ type: 'integer' })
  consecutiveFailures: number = 0;

  @Property({ type: 'string', length: 8 })
  lastStatus!: string;

  @Property({ type: 'Date', columnType: 'timestamptz(3)' })
  lastRunAt!: Date;
}
