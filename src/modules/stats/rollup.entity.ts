import { Entity, Index, ManyToOne, PrimaryKey, Property, type Ref } from '@mikro-orm/core';
import { Organization } from '../organization/organization.entity';
import { CheckRow } from '../checks/check-row.entity';
import type { Histogram } from './histogram';

export type RollupSpan = 'HOUR' | 'DAY';

/**
 * Runs of one check in one location over one hour or one UTC day, kept current as each run is recorded (one upsert
 * writes both rows). Statistics and series read these, never the runs, so their cost does not grow with history:
 * a 30-day window is about 30 day rows and up to 46 hour rows per check and location.
 */
@Entity({ tableName: 'run_rollups' })
// The organization overview reads an organization's last hours; retention prunes an organization's old rows.
@Index({ properties: ['organization', 'span', 'bucketStart'] })
export class RunRollup {
  /**
   * The check (any kind; its id's prefix tells which): the key the upsert and every read go by, and the reference
   * its delete cascades through (the primary key, which it leads, serves that).
   */
  @ManyToOne(() => CheckRow, { ref: true, primary: true, deleteRule: 'cascade' })
  check!: Ref<CheckRow>;

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

  @Property({ type: 'integer' })
  runs!: number;

  /** Runs that did not pass (FAILED or ERROR): uptime is passed runs over all runs. */
  @Property({ type: 'integer' })
  failures!: number;

  /** Runs that passed, but slower than their check's degradedResponseTimeMs (counted in runs, not in failures). */
  @Property({ type: 'integer', default: 0 })
  degraded: number = 0;

  @Property({ type: 'bigint' })
  responseSumMs!: number;

  /** `{ "<bucket>": count }` of run durations (histogram.ts). */
  @Property({ type: 'json' })
  histogram!: Histogram;
}
