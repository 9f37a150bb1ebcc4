import { Entity, Index, ManyToOne, PrimaryKey, Property, type Ref } from '@mikro-orm/core';
import { Organization } from '../organization/organization.entity';
import { CheckRow } from '../checks/check-row.entity';
import { newId } from '../common/ids';

/** One `triggerChecks` call: the checks it started, and until when their runs are waited for. */
@Entity({ tableName: 'check_sessions' })
@Index({ properties: ['organization', 'createdAt'] })
export class CheckSession {
  @PrimaryKey({ type: 'string', length: 24 })
  id: string = newId('cks');

  @ManyToOne(() => Organization, { ref: true, deleteRule: 'cascade' })
  organization!: Ref<Organization>;

  /** The key that triggered it. */
  @Property({ type: 'string', length: 24 })
  createdBy!: string;

  /** The location asked for; null: each check's first. */
  @Property({ type: 'string', length: 40, nullable: true })
  location: string | null = null;

  /** The tags asked for (the checks they selected are in its runs). */
  @Property({ type: 'string[]', columnType: 'text[]', default: '{}' })
  tags: string[] = [];

  @Property({ type: 'Date', columnType: 'timestamptz(3)' })
  createdAt!: Date;

  /** A run not recorded by then counts as TIMED_OUT, so a session always ends. */
  @Property({ type: 'Date', columnType: 'timestamptz(3)' })
  deadlineAt!: Date;
}

/**
 * One run a session started. Its id is the run row's id, chosen when the job is enqueued: the worker records the
 * run under it, so the session's state is this table left-joined to `runs`.
 */
@Entity({ tableName: 'check_session_runs' })
@Index({ properties: ['session', 'position'] })
// Deleting a check deletes its session rows (cascade): these serve that delete.
@Index({ properties: ['check'] })
export class CheckSessionRun {
  @PrimaryKey({ type: 'string', length: 24 })
  runId!: string;

  @ManyToOne(() => CheckSession, { ref: true, deleteRule: 'cascade' })
  session!: Ref<CheckSession>;

  @Property({ type: 'integer' })
  position!: number;

  /** The check it ran (any kind: the id's prefix tells which). */
  @ManyToOne(() => CheckRow, { ref: true, deleteRule: 'cascade' })
  check!: Ref<CheckRow>;

  /** The check's name when it was triggered. */
  @Property({ type: 'string', length: 100 })
  name!: string;

  @Property({ type: 'string', length: 40 })
  location!: string;
}
