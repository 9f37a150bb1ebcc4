import type { EntityManager } from '@mikro-orm/postgresql';
import type { FastifyBaseLogger } from 'fastify';
import { QUEUE_SCHEMA } from '../queue/pg-boss-db';
import { WAITING, type DeliveryAttempts } from './delivery';
import { JOB_RETRY_DELAY_SECONDS, JOB_RETRY_LIMIT, NOTIFY_QUEUE } from './notifier';

/** Deliveries ended by one sweep at most (the rest by the next one). */
const SWEEP_BATCH = 100;

/** What a delivery ended by the sweep says in the log (after its last error, if it had one). */
export const JOB_LOST = 'gave up: its job was lost';

/**
 * The longest an attempt's job can legitimately live once due, when workers run: each of its 1 + JOB_RETRY_LIMIT
 * runs may hold the lease (`leaseSeconds`: the attempt's timeout and a margin) until pg-boss's maintenance (every
 * `maintenanceSeconds`) notices it ran out, then waits JOB_RETRY_DELAY_SECONDS for the next. Measured from the
 * attempt's due time (`next_attempt_at`), not the delivery's creation: every retry, Retry-After, deferral (the
 * circuit, or no room) and release writes a new due time, and counted from creation those have no bound (a flood
 * defers for as long as it lasts). Defaults: (1 + 10) × (20 s + 2 s + 1 s) = 253 s.
 */
export function deliveryJobLifetimeMs(leaseSeconds: number, maintenanceSeconds: number): number {
  return (JOB_RETRY_LIMIT + 1) * (leaseSeconds + maintenanceSeconds + JOB_RETRY_DELAY_SECONDS) * 1000;
}

/**
 * Deliveries PENDING with no live job behind them (pg-boss's job state `created`, `retry` or `active`) whose
 * attempt was due longer ago than the job's whole lifetime: their job failed past its retries (workers killed
 * mid-attempt again and again), or was deleted (a purge, pg-boss's retention of a job never started). Nothing would
 * ever end them, and of one channel and alert the later deliveries wait for them (ADR 0070). They are marked
 * FAILED (JOB_LOST) and the next one of their channel and alert is released by the one release rule
 * (DeliveryAttempts.wakeNext). A delivery parked behind an earlier PENDING one is not a candidate: it goes when that
 * one ends. Any number of workers may sweep at once: candidates are locked `for update skip locked` in the
 * statement that finds them, so each is ended by one sweep, once (a FAILED one is no longer a candidate).
 * Index: notification_deliveries_pending_due_index (the PENDING rows by due time); the job lookup by pg-boss's
 * job_live_by_delivery (engine/queue.ts).
 */
export class LostDeliverySweep {
  readonly name = 'lost deliveries';

  constructor(
    private readonly attempts: DeliveryAttempts,
    private readonly log: FastifyBaseLogger,
    private readonly now: () => Date,
    private readonly lifetimeMs: number,
    private readonly notifyEnqueued: () => void,
  ) {}

  async run(em: EntityManager): Promise<number> {
    const cutoff = new Date(this.now().getTime() - this.lifetimeMs);
    let woke = false;
    const ended = await em.transactional(async (tx) => {
      const sql = <T extends object[]>(text: string, params: unknown[]) => tx.getConnection().execute<T>(text, params as never[], 'all', tx.getTransactionContext());
      const rows = await sql<{ id: string; organization_id: string; channel_id: string; alert_id: string | null; attempts: number }[]>(
        `select d.id, d.organization_id, d.channel_id, d.alert_id, d.attempts from notification_deliveries d
          where d.status = 'PENDING' and coalesce(d.next_attempt_at, d.created_at) < ?
            and not exists (select 1 from notification_deliveries e
                             where d.alert_id is not null and e.channel_id = d.channel_id and e.alert_id = d.alert_id and e.status = 'PENDING' and e.seq < d.seq)
            and not exists (select 1 from ${QUEUE_SCHEMA}.job j where j.name = ? and j.state < 'completed' and j.data->>'deliveryId' = d.id)
          order by coalesce(d.next_attempt_at, d.created_at)
          limit ?
          for update of d skip locked`,
        [cutoff, NOTIFY_QUEUE, SWEEP_BATCH],
      );
      if (!rows.length) return rows;
      await sql(
        `update notification_deliveries set status = 'FAILED', next_attempt_at = null,
                error = case when error is null or error = ? then ? else error || ' (' || ? || ')' end
          where id = any(?::text[])`,
        [WAITING, JOB_LOST.charAt(0).toUpperCase() + JOB_LOST.slice(1), JOB_LOST, `{${rows.map((r) => r.id).join(',')}}`],
      );
      for (const r of rows) woke = (await this.attempts.wakeNext(tx, r.channel_id, r.alert_id)) || woke;
      return rows;
    });
    if (woke) this.notifyEnqueued();
    for (const r of ended)
      this.log.warn({ deliveryId: r.id, channelId: r.channel_id, organizationId: r.organization_id, alertId: r.alert_id, attempts: r.attempts, reason: 'job lost' }, 'notification delivery failed for good');
    return ended.length;
  }
}
