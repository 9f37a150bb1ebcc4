import { Entity, Index, ManyToOne, PrimaryKey, Property, type Ref } from '@mikro-orm/core';
import { Organization } from '../organization/organization.entity';
import { newId } from '../common/ids';
import type { Assertion, Header } from '../checks/check.types';

export type CheckStatus = 'UP' | 'DOWN' | 'PAUSED' | 'PENDING';

@Entity({ tableName: 'monitors' })
@Index({ properties: ['organization', 'createdAt', 'id'] })
@Index({ name: 'monitors_due_index', expression: 'create index "monitors_due_index" on "monitors" ("next_run_at") where "paused" = false' })
export class Monitor {
  @PrimaryKey({ type: 'string', length: 24 })
  id: string = newId('mon');

  @ManyToOne(() => Organization, { ref: true, deleteRule: 'cascade' })
  organization!: Ref<Organization>;

  @Property({ type: 'string', length: 100 })
  name!: string;

  @Property({ type: 'text' })
  url!: string;

  @Property({ type: 'string', length: 8 })
  method: string = 'GET';

  @Property({ type: 'json' })
  headers: Header[] = [];

  @Property({ type: 'text', nullable: true })
  body: string | null = null;

  @Property({ type: 'json' })
  expectedStatusCodes: string[] = ['200-299'];

  @Property({ type: 'json' })
  assertions: Assertion[] = [];

  @Property({ type: 'integer' })
  intervalSeconds: number = 300;

  @Property({ type: 'integer' })
  timeoutMs: number = 10_000;

  @Property({ type: 'integer' })
  failureThreshold: number = 2;

  @Property({ type: 'boolean' })
  paused: boolean = false;

  @Property({ type: 'string', length: 8 })
  status: CheckStatus = 'PENDING';

  /** Failed runs in a row; the alert opens when it reaches failureThreshold. */
  @Property({ type: 'integer' })
  consecutiveFailures: number = 0;

  @Property({ type: 'Date', columnType: 'timestamptz(3)', nullable: true })
  lastRunAt: Date | null = null;

  /** When the scheduler runs it next; advanced in the same transaction that claims it. */
  @Property({ type: 'Date', columnType: 'timestamptz(3)' })
  nextRunAt: Date = new Date();

  @Property({ type: 'Date', columnType: 'timestamptz(3)' })
  createdAt: Date = new Date();

  @Property({ type: 'Date', columnType: 'timestamptz(3)', onUpdate: () => new Date() })
  updatedAt: Date = new Date();
}
