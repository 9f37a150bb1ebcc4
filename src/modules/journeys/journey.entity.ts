import { Entity, Index, ManyToOne, PrimaryKey, Property, type Ref } from '@mikro-orm/core';
import { Organization } from '../organization/organization.entity';
import { newId } from '../common/ids';
import type { Assertion, Extraction, Header } from '../checks/check.types';
import type { CheckStatus } from '../monitors/monitor.entity';

export interface JourneyStep {
  name: string;
  request: { method: string; url: string; headers: Header[]; body: string | null };
  assertions: Assertion[];
  extractions: Extraction[];
}

@Entity({ tableName: 'journeys' })
@Index({ properties: ['organization', 'createdAt', 'id'] })
@Index({ name: 'journeys_due_index', expression: 'create index "journeys_due_index" on "journeys" ("next_run_at") where "paused" = false' })
export class Journey {
  @PrimaryKey({ type: 'string', length: 24 })
  id: string = newId('jrn');

  @ManyToOne(() => Organization, { ref: true, deleteRule: 'cascade' })
  organization!: Ref<Organization>;

  @Property({ type: 'string', length: 100 })
  name!: string;

  @Property({ type: 'json' })
  steps: JourneyStep[] = [];

  @Property({ type: 'integer' })
  intervalSeconds: number = 300;

  /** Per step. */
  @Property({ type: 'integer' })
  timeoutMs: number = 10_000;

  @Property({ type: 'integer' })
  failureThreshold: number = 2;

  @Property({ type: 'boolean' })
  paused: boolean = false;

  @Property({ type: 'string', length: 8 })
  status: CheckStatus = 'PENDING';

  @Property({ type: 'integer' })
  consecutiveFailures: number = 0;

  @Property({ type: 'Date', columnType: 'timestamptz(3)', nullable: true })
  lastRunAt: Date | null = null;

  @Property({ type: 'Date', columnType: 'timestamptz(3)' })
  nextRunAt: Date = new Date();

  @Property({ type: 'Date', columnType: 'timestamptz(3)' })
  createdAt: Date = new Date();

  @Property({ type: 'Date', columnType: 'timestamptz(3)', onUpdate: () => new Date() })
  updatedAt: Date = new Date();
}
