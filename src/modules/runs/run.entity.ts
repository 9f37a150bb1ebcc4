import { Entity, Index, ManyToOne, PrimaryKey, Property, type Ref } from '@mikro-orm/core';
import { Organization } from '../organization/organization.entity';
import { Monitor } from '../monitors/monitor.entity';
import { Journey } from '../journeys/journey.entity';
import { newId } from '../common/ids';
import type { AssertionResult } from '../checks/assertions';
import type { Timings } from '../checks/http-client';

export type RunTrigger = 'SCHEDULED' | 'MANUAL';
/** PASSED / FAILED: the target's verdict (a timeout or a refused connection is FAILED). ERROR: tracer could not run it. */
export type RunStatus = 'PASSED' | 'FAILED' | 'ERROR';

export interface StepResult {
  name: string;
  request: { method: string; url: string; headers: { name: string; value: string }[] };
  status: 'PASSED' | 'FAILED' | 'SKIPPED';
  responseStatus: number | null;
  timings: Timings | null;
  assertions: AssertionResult[];
  extracted: { name: string; value: string | null }[];
  error: string | null;
}

@Entity({ tableName: 'runs' })
@Index({ properties: ['monitor', 'startedAt', 'id'] })
@Index({ properties: ['journey', 'startedAt', 'id'] })
@Index({ properties: ['organization', 'startedAt'] })
// Execution is at least once (a worker that dies mid-run is replaced), recording exactly once: one run per check,
// location and slot, whatever retries or schedulers did. Manual runs have no slot; their job carries the run id.
@Index({
  name: 'runs_one_per_monitor_slot',
  expression: `create unique index "runs_one_per_monitor_slot" on "runs" ("monitor_id", "location", "scheduled_at") where "scheduled_at" is not null and "monitor_id" is not null`,
})
@Index({
  name: 'runs_one_per_journey_slot',
  expression: `create unique index "runs_one_per_journey_slot" on "runs" ("journey_id", "location", "scheduled_at") where "scheduled_at" is not null and "journey_id" is not null`,
})
export class Run {
  @PrimaryKey({ type: 'string', length: 24 })
  id: string = newId('run');

  @ManyToOne(() => Organization, { ref: true, deleteRule: 'cascade' })
  organization!: Ref<Organization>;

  @ManyToOne(() => Monitor, { ref: true, nullable: true, deleteRule: 'cascade' })
  monitor: Ref<Monitor> | null = null;

  @ManyToOne(() => Journey, { ref: true, nullable: true, deleteRule: 'cascade' })
  journey: Ref<Journey> | null = null;

  @Property({ type: 'string', length: 10 })
  trigger!: RunTrigger;

  @Property({ type: 'string', length: 8 })
  status!: RunStatus;

  /** Where the check ran: the worker's LOCATION. */
  @Property({ type: 'string', length: 40, default: 'local' })
  location: string = 'local';

  /** The slot this run is for (its due time); null for manual runs. `startedAt − scheduledAt` is the lag. */
  @Property({ type: 'Date', columnType: 'timestamptz(3)', nullable: true })
  scheduledAt: Date | null = null;

  @Property({ type: 'Date', columnType: 'timestamptz(3)' })
  startedAt!: Date;

  @Property({ type: 'Date', columnType: 'timestamptz(3)' })
  finishedAt!: Date;

  @Property({ type: 'integer' })
  durationMs!: number;

  @Property({ type: 'integer', nullable: true })
  responseStatus: number | null = null;

  @Property({ type: 'json', nullable: true })
  timings: Timings | null = null;

  @Property({ type: 'json' })
  assertions: AssertionResult[] = [];

  @Property({ type: 'json', nullable: true })
  steps: StepResult[] | null = null;

  @Property({ type: 'text', nullable: true })
  error: string | null = null;
}
