import type PgBoss from 'pg-boss';
import type { EntityManager } from '@mikro-orm/postgresql';
import { randomBase62 } from '../common/base62';
import { newId } from '../common/ids';
import { jobId } from '../queue/job-id';
import { ormDb } from '../queue/pg-boss-db';
import type { NotificationEvent } from './notification-channel.entity';

/** The notifications' own queue: any worker of any location takes its jobs. */
export const NOTIFY_QUEUE = 'notification-delivery';

/** The webhook `type` of each event. */
export const EVENT_TYPES: Record<NoticeEvent, string> = {
  ALERT_OPENED: 'alert.opened',
  ALERT_ACKNOWLEDGED: 'alert.acknowledged',
  ALERT_RESOLVED: 'alert.resolved',
  QUOTA_EXHAUSTED: 'quota.exhausted',
  API_KEY_EXPIRING: 'api_key.expiring',
  CHECK_DEGRADED: 'check.degraded',
  TEST: 'test',
  EMAIL_CONFIRMATION: 'email.confirmation',
  INCIDENT_CREATED: 'incident.created',
  INCIDENT_UPDATED: 'incident.updated',
  INCIDENT_RESOLVED: 'incident.resolved',
  MAINTENANCE_SCHEDULED: 'maintenance.scheduled',
  MAINTENANCE_CANCELLED: 'maintenance.cancelled',
};

/** What a notice can be about: a subscribable event, a test, or an EMAIL channel's confirmation email. */
export type NoticeEvent = NotificationEvent | 'TEST' | 'EMAIL_CONFIRMATION' | StatusPageEvent;

/** What a status page sends its subscribers (status-pages/subscribers.ts); never heard by an organization's channels. */
export type StatusPageEvent = 'INCIDENT_CREATED' | 'INCIDENT_UPDATED' | 'INCIDENT_RESOLVED' | 'MAINTENANCE_SCHEDULED' | 'MAINTENANCE_CANCELLED';

/** The path of a subscriber's one-click unsubscribe link (`<PUBLIC_URL>/status/unsubscribe/<token>`, RFC 8058). */
export const UNSUBSCRIBE_PATH = '/status/unsubscribe';

/** Why a delivery to an EMAIL channel not confirmed yet is SKIPPED (at emit, and again at its attempt). */
export const UNCONFIRMED_EMAIL = 'Not sent: the email address is not confirmed yet (open the link in the confirmation email sent to it and press Confirm)';

export interface Notice {
  organizationId: string;
  event: NoticeEvent;
  /** The monitor or journey it is about: channels listing checkIds hear only theirs. Null: the organization. */
  checkId: string | null;
  data: Record<string, unknown>;
  /** Only this channel (a test, a confirmation). */
  channelId?: string;
  /** Exactly these channels of the organization, whatever they subscribe to (an escalation policy's step). */
  channelIds?: string[];
}

export interface DeliveryJob {
  deliveryId: string;
  /** Which attempt (from 1) the job makes; jobs enqueued before it was written have none. */
  attempt?: number;
  /** Whose and where to: the worker's in-flight caps and circuit breaker (delivery-gate.ts) judge by them unread. */
  organizationId?: string;
  channelId?: string;
}

/** One attempt's job to write. `deferral`: a new job for an attempt whose job was put off (its own id, inserted once). */
export interface AttemptJob {
  deliveryId: string;
  attempt: number;
  /** When it is due; none: at once, by the database's clock (whatever this process's clock says). */
  startAfter?: Date;
  organizationId?: string;
  channelId?: string;
  deferral?: string;
}

/**
 * pg-boss's re-runs of one attempt's job (its lease ran out: a killed worker; or the worker's own failure), each
 * after JOB_RETRY_DELAY_SECONDS. The delivery's own retries (the backoff schedule) are new jobs, one per attempt.
 * Past them the job is `failed` and its delivery would stay PENDING: lost-delivery-sweep.ts ends it.
 */
export const JOB_RETRY_LIMIT = 10;
export const JOB_RETRY_DELAY_SECONDS = 1;

/** `msg_` + 24 base62 characters (≈143 bits): the Standard Webhooks message id. */
const newWebhookId = () => `msg_${randomBase62(24)}`;

/**
 * Turns an event into deliveries: one row per channel that hears it, and the first attempt's job, written with
 * `em` — the caller's transaction (the run's recording, an acknowledgement), so a rollback sends nothing and a
 * commit loses nothing. pg-boss inserts through the same connection (ormDb).
 */
export class Notifier {
  constructor(
    private readonly boss: PgBoss,
    private readonly now: () => Date,
    /** A delivery job's lease: the attempt's timeout and a margin (a killed worker's attempt is re-run after it). */
    private readonly leaseSeconds: number,
    /** Told after each emit that enqueued something (this process's delivery worker looks at once). */
    private readonly onEnqueued: () => void = () => {},
  ) {}

  async emit(em: EntityManager, notice: Notice): Promise<string[]> {
    const sql = <T extends object[]>(text: string, params: unknown[]) =>
      em.getConnection().execute<T>(text, params as never[], 'all', em.getTransactionContext());
    // An EMAIL channel not confirmed yet gets its confirmation email and nothing else: the rest is logged SKIPPED.
    type Target = { id: string; unconfirmed: boolean };
    const unconfirmed = `type = 'EMAIL' and confirmed_at is null as unconfirmed`;
    const channels = notice.channelIds
      ? await sql<Target[]>(`select id, ${unconfirmed} from notification_channels where id = any(?::text[]) and organization_id = ? and not subscriber`, [`{${notice.channelIds.join(',')}}`, notice.organizationId])
      : notice.channelId
      ? await sql<Target[]>(`select id, ${unconfirmed} from notification_channels where id = ? and organization_id = ?`, [notice.channelId, notice.organizationId])
      : await sql<Target[]>(
          `select id, ${unconfirmed} from notification_channels where organization_id = ? and ? = any(events)
             ${notice.checkId ? `and (cardinality(check_ids) = 0 or ? = any(check_ids))` : ''}`,
          [notice.organizationId, notice.event, ...(notice.checkId ? [notice.checkId] : [])],
        );
    if (!channels.length) return [];
    const at = this.now();
    const type = EVENT_TYPES[notice.event];
    // Of one channel and alert, deliveries go in the order they are made (their seq): see DeliveryAttempts.run.
    const alert = notice.data.alert as { id?: unknown } | undefined;
    const alertId = typeof alert?.id === 'string' ? alert.id : null;
    const rows = channels.map((c) => ({
      id: newId('ndl'),
      channel: c.id,
      webhookId: newWebhookId(),
      skip: c.unconfirmed && notice.event !== 'EMAIL_CONFIRMATION',
    }));
    await sql(
      `insert into notification_deliveries (id, organization_id, channel_id, alert_id, event, webhook_id, payload, status, error, attempts, next_attempt_at, created_at)
       values ${rows.map(() => `(?, ?, ?, ?, ?, ?, ?::jsonb, ?, ?, 0, ?, ?)`).join(', ')}`,
      rows.flatMap((r) => [
        r.id,
        notice.organizationId,
        r.channel,
        alertId,
        type,
        r.webhookId,
        // The timestamp is the event's; each attempt signs its own webhook-timestamp.
        JSON.stringify({ type, timestamp: at.toISOString(), data: { organizationId: notice.organizationId, ...notice.data } }),
        r.skip ? 'SKIPPED' : 'PENDING',
        r.skip ? UNCONFIRMED_EMAIL : null,
        r.skip ? null : at,
        at,
      ]),
    );
    const due = rows.filter((r) => !r.skip);
    if (due.length) {
      await this.enqueue(em, due.map((r) => ({ deliveryId: r.id, attempt: 1, startAfter: at, organizationId: notice.organizationId, channelId: r.channel })));
      this.onEnqueued();
    }
    return rows.map((r) => r.id);
  }

  /** Says jobs were enqueued outside an emit (a delivery let go after the one before it): this process's worker looks. */
  enqueued(): void {
    this.onEnqueued();
  }

  /** Completes an attempt's job through `em`'s connection (and transaction). */
  complete(em: EntityManager, ids: string | string[]): Promise<void> {
    // complete(name, id, data, options): the connection goes in the fourth argument (a third one is the job's output).
    // pg-boss takes an id or an array of them there (mapCompletionIdArg); its types give arrays no data argument.
    return this.boss.complete(NOTIFY_QUEUE, ids as string, {}, { db: ormDb(em) });
  }

  /** Jobs for attempts, through `em`'s connection and transaction. */
  async enqueue(em: EntityManager, attempts: AttemptJob[]): Promise<void> {
    const jobs: PgBoss.JobInsert<DeliveryJob>[] = attempts.map((a) => ({
      // One job per (delivery, attempt), or per deferral of one: enqueuing it twice inserts one job.
      id: jobId(a.deliveryId, NOTIFY_QUEUE, a.deferral ? `${a.attempt}/${a.deferral}` : String(a.attempt)),
      name: NOTIFY_QUEUE,
      data: { deliveryId: a.deliveryId, attempt: a.attempt, organizationId: a.organizationId, channelId: a.channelId },
      startAfter: a.startAfter?.toISOString(),
      expireInSeconds: this.leaseSeconds,
      retryLimit: JOB_RETRY_LIMIT,
      retryDelay: JOB_RETRY_DELAY_SECONDS,
    }));
    await this.boss.insert(jobs, { db: ormDb(em) });
  }
}
