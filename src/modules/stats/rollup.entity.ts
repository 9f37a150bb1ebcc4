import { Entity, Index, ManyToOne, PrimaryKey, Property, type Ref } from '@mikro-orm/core';
import { Organization } from '../organization/organization.entity';
import { Monitor } from '../checks/kinds/monitor/monitor.entity';
import { Journey } from '../checks/kinds/journey/journey.entity';
import type { Histogram } from './histogram';
import { perCheckIndex } from '../../db/per-check-index';

export type RollupSpan = 'HOUR' | 'DAY';

/**
 * Runs of one check in one location over one hour or one UTC day, kept current as each run is recorded (one upsert
 * writes both rows). Statistics and series read these, never the runs, so their cost does not grow with history:
 * a 30-day window is about 30 day rows and up to 46 hour rows per check and location.
 */
@Entity({ tableName: 'run_rollups' })
// The organization overview reads an organization's last hours; retention prunes an organization's old rows.
@Index({ properties: ['organization', 'span', 'bucketStart'] })
// A check's delete cascades through these; partial, as most rows have one of the two null.
@Index(perCheckIndex('run_rollups', 'monitor'))
@Index(perCheckIndex('run_rollups', 'journey'))
export class RunRollup {
  /** The monitor's or the journey's id (their prefixes differ): the key the upsert and every read go by. */
  @PrimaryKey({ type: 'string', length: 24 })
  checkId!: string;

  @PrimaryKey({ type: 'string', length: 4 })
  span!: RollupSpan;

  /** The first instant of the hour or the UTC day. */
  @PrimaryKey({ type: 'Date', columnType: 'timestamptz(0)' })
  bucketStart!: Date;

  // Last in the key: a read of every location is one range of (check, span, time); one location filters it.
  @PrimaryKey({ type: 'string', length: 40 })
  location!: string;

  @ManyToOne(() => Organization, { ref: true, deleteRule: 'cascade' })
  organization!: Ref<Organization>;

  // The owning check, for its delete to cascade here; reads go by checkId.
  @ManyToOne(() => Monitor, { ref: true, nullable: true, deleteRule: 'cascade', index: false })
  monitor: Ref<Monitor> | null = null;

  @ManyToOne(() => Journey, { ref: true, nullable: true, deleteRule: 'cascade', index: false })
  journey: Ref<Journey> | null = null;

  @Property({ type: 'integer' })
  runs!: number;

  /** Runs that did not pass (FAILED or ERROR): uptime is passed runs over all runs. */
  @Property({ type: 'integer' })
  failures!: number;

  @Property({ type: 'bigint' })
  responseSumMs!: number;

  /** `{ "<bucket>": count }` of run durations (histogram.ts). */
  @Property({ type: 'json' })
  histogram!: Histogram;
}
