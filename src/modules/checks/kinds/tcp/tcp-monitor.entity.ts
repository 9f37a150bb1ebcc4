import { Entity, Index, ManyToOne, PrimaryKey, Property, type Ref } from '@mikro-orm/core';
import { Organization } from '../../../organization/organization.entity';
import { newId } from '../../../common/ids';
import { ProbedCheck } from '../../probed-check';

/** A TCP check: connect to host:port, optionally send a line and expect a substring of what comes back. */
@Entity({ tableName: 'tcp_monitors' })
@Index({ properties: ['organization', 'createdAt', 'id'] })
@Index({ name: 'tcp_monitors_tags_index', expression: 'create index "tcp_monitors_tags_index" on "tcp_monitors" using gin ("tags")' })
@Index({ name: 'tcp_monitors_due_index', expression: 'create index "tcp_monitors_due_index" on "tcp_monitors" ("next_run_at") where "paused" = false' })
export class TcpMonitor extends ProbedCheck {
  @PrimaryKey({ type: 'string', length: 24 })
  id: string = newId('tcp');

  @ManyToOne(() => Organization, { ref: true, deleteRule: 'cascade' })
  organization!: Ref<Organization>;

  @Property({ type: 'string', length: 100 })
  name!: string;

  @Property({ type: 'string', length: 255 })
  host!: string;

  @Property({ type: 'integer' })
  port!: number;

  /** A line sent once connected (CRLF appended), or null to only connect. */
  @Property({ type: 'text', nullable: true })
  send: string | null = null;

  /** A substring the server must send back (after `send`, if any), or null to pass on connect. */
  @Property({ type: 'text', nullable: true })
  expect: string | null = null;
}
