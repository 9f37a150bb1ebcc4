import { Entity, Index, ManyToOne, PrimaryKey, PrimaryKeyProp, Property, type Ref } from '@mikro-orm/core';
import { Organization } from '../organization/organization.entity';
import { CheckRow } from '../checks/check-row.entity';
import { newId } from '../common/ids';
import type { AssertionResult } from '../checks/assertions';
import type { Timings } from '../checks/http-client';
import type { RunStatus, StepResult } from '../checks/check-runner';
import type { TlsInfo } from '../checks/tls-info';
import type { PingDetail } from '../checks/kinds/heartbeat/ping.types';

export type RunTrigger = 'SCHEDULED' | 'MANUAL' | 'PING';

/**
 * Runs are partitioned by time: `PARTITION BY RANGE (slot_at)`, one partition a week (`runs_pYYYYMMDD`, from its
 * Monday 00:00 UTC) made ahead by the maintenance job, and `runs_default` so an insert never fails
 * (runs/run-partitions.ts; the migration that made it: Migration20261201130000). The schema diff reads the parent
 * table only; its columns, keys and indexes are what is declared here.
 */
@Entity({ tableName: 'runs' })
// A check's runs newest first (its run list, recentRuns); also serves its delete cascading here.
@Index({ properties: ['check', 'startedAt', 'id'] })
@Index({ properties: ['organization', 'startedAt'] })
// Execution is at least once (a worker that dies mid-run is replaced), recording exactly once: one run per check,
// location and slot, whatever retries or schedulers did. A unique key of a partitioned table must include the
// partition key: for a scheduled run `slot_at` IS its slot, so (check, location, slot_at) is the same rule. Manual
// runs have no slot; their job carries the run id and the request time, so a retried manual job hits the primary
// key (id, slot_at).
@Index({
  name: 'runs_one_per_check_slot',
  expression: `create unique index "runs_one_per_check_slot" on "runs" ("check_id", "location", "slot_at") where "scheduled_at" is not null`,
})
export class Run {
  [PrimaryKeyProp]?: ['id', 'slotAt'];

  @PrimaryKey({ type: 'string', length: 24 })
  id: string = newId('run');

  /**
   * The partition key: the slot of a scheduled run, the request time of a manual one (from its job, so a job run
   * twice writes the same value), else the start. Within a lease of `startedAt`.
   */
  @PrimaryKey({ type: 'Date', columnType: 'timestamptz(3)' })
  slotAt!: Date;

  @ManyToOne(() => Organization, { ref: true, deleteRule: 'cascade' })
  organization!: Ref<Organization>;

  /** The check it is a run of (any kind: the id's prefix tells which). */
  @ManyToOne(() => CheckRow, { ref: true, deleteRule: 'cascade' })
  check!: Ref<CheckRow>;

  @Property({ type: 'string', length: 10 })
  trigger!: RunTrigger;

  /** The key that started a manual run (its id, `key_…`); null for scheduled runs. */
  @Property({ type: 'string', length: 24, nullable: true })
  triggeredBy: string | null = null;

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

  /** What the kind records of its own (CheckOutcome.detail): a DNS run's answers, what a TCP server sent. */
  @Property({ type: 'json', nullable: true })
  detail: Record<string, unknown> | null = null;
  /** A PASSED run slower than its check's degradedResponseTimeMs. */
  @Property({ type: 'boolean', default: false })
  degraded: boolean = false;

  /** Attempts made in the slot: 1, plus the retries a failed attempt took (the check's retry policy). */
  @Property({ type: 'smallint', default: 1 })
  attempts: number = 1;

  /** The error of each attempt that failed, in order (null on runs recorded before retries existed: none). */
  @Property({ type: 'json', nullable: true })
  attemptErrors: string[] | null = null;

  /** The peer certificate of an HTTPS run (its first HTTPS connection). */
  @Property({ type: 'json', nullable: true })
  tls: TlsInfo | null = null;

  /** A heartbeat's run: which ping (or MISSED), its exit code and the first 10 kB of its body. */
  @Property({ type: 'json', nullable: true })
  ping: PingDetail | null = null;
}
