import { Entity, Index, ManyToOne, PrimaryKey, Property, type Ref } from '@mikro-orm/core';
import { Organization } from '../../../organization/organization.entity';
import { randomBase62 } from '../../../common/base62';
import { ScheduledCheck } from '../../scheduled-check';

/**
 * A heartbeat (push check): a job pings its URL; tracer records each ping as a run and notices when none arrives in
 * time. Nothing runs it on a schedule: `next_deadline_at` is when it is late, and the deadline watcher claims the
 * overdue ones with one indexed query (heartbeats/deadline-watcher.ts), so a waiting heartbeat costs no timer.
 */
@Entity({ tableName: 'heartbeats' })
@Index({ properties: ['organization', 'createdAt', 'id'] })
@Index({ name: 'heartbeats_tags_index', expression: 'create index "heartbeats_tags_index" on "heartbeats" using gin ("tags")' })
@Index({ name: 'heartbeats_deadline_index', expression: 'create index "heartbeats_deadline_index" on "heartbeats" ("next_deadline_at") where "paused" = false' })
export class Heartbeat extends ScheduledCheck {
  @PrimaryKey({ type: 'string', length: 24 })
  id: string = `hbt_${randomBase62(16)}`;

  @ManyToOne(() => Organization, { ref: true, deleteRule: 'cascade' })
  organization!: Ref<Organization>;

  @Property({ type: 'string', length: 100 })
  name!: string;

  /** Expected at least this often (seconds); null when `cron` says when. */
  @Property({ type: 'integer', nullable: true })
  periodSeconds: number | null = null;

  /** How late a ping may be before the heartbeat is DOWN (seconds). */
  @Property({ type: 'integer' })
  graceSeconds: number = 60;

  /** A cron expression (5 or 6 fields) read in `timezone`; null when `periodSeconds` says when. */
  @Property({ type: 'string', length: 120, nullable: true })
  cron: string | null = null;

  /** The IANA time zone of `cron` (`Europe/Paris`). */
  @Property({ type: 'string', length: 64 })
  timezone: string = 'UTC';

  /** SHA-256 (hex) of the ping token: how a ping finds its heartbeat. */
  @Property({ type: 'string', length: 64, unique: true })
  tokenHash!: string;

  /** The token sealed with SECRETS_KEY, so `pingUrl` can be shown again; never used to find a heartbeat. */
  @Property({ type: 'text' })
  tokenSealed!: string;

  @Property({ type: 'Date', columnType: 'timestamptz(3)', nullable: true })
  lastPingAt: Date | null = null;

  /** A `/start` ping not yet followed by a success or failure: the next one's duration is measured from it. */
  @Property({ type: 'Date', columnType: 'timestamptz(3)', nullable: true })
  startedAt: Date | null = null;

  /** When it is late: the last success (or creation) + period + grace, or the next cron instant + grace. */
  @Property({ type: 'Date', columnType: 'timestamptz(3)', nullable: true })
  nextDeadlineAt: Date | null = null;

  /** One missed deadline or failure ping opens the alert, as Healthchecks.io users expect. */
  @Property({ type: 'integer' })
  override failureThreshold: number = 1;
}
