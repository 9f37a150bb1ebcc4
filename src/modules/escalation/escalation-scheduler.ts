import type { MikroORM, EntityManager } from '@mikro-orm/postgresql';
import type { FastifyBaseLogger } from 'fastify';
import type { Consumer } from '../queue/consumer';
import type { Notifier } from '../notifications/notifier';
import { alertData } from '../alerts/alert.service';
import type { AlertRow } from '../alerts/alert-teller';
import { kindOfCheckId } from '../checks/kinds/registry';
import { newId } from '../common/ids';
import { planReminder, recordNotified } from './alert-escalation';

/** Due steps claimed per statement. */
const BATCH = 100;

interface DueStep extends AlertRow {
  step_id: string;
  /** A policy's step; negative: a reminder, minus its interval in minutes. */
  step: number;
  due_at: Date;
  repeat: number;
  channel_ids: string[];
  check_id: string | null;
  source_name: string;
  /** The end of the latest maintenance window covering the check now; null when none does. */
  maintenance_until: Date | null;
}

/**
 * Sends the escalation steps that are due, in every worker process, every ESCALATION_TICK_MS. One indexed query
 * claims due PLANNED rows (`for update skip locked`: two workers never take the same row); each is marked SENT in the
 * transaction that writes its deliveries and their jobs, so a worker dying before the commit leaves the row
 * PLANNED for the next tick, and one dying after has sent it once. A step of an alert no longer open is CANCELLED;
 * one due while its check is under maintenance waits until the window ends. The alert's row is claimed too (skipped
 * while locked): a step taken while an acknowledgement is being written would read the alert still OPEN, send, and
 * plan the next reminder after the acknowledgement's cancelling had looked.
 */
export class EscalationScheduler implements Consumer {
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<number> | undefined;
  private stopping = false;
  /** Steps sent since start (tests read it). */
  sent = 0;

  constructor(
    private readonly orm: MikroORM,
    private readonly notifier: Notifier,
    private readonly log: FastifyBaseLogger,
    private readonly now: () => Date,
    /** `minuteMs`: ESCALATION_MINUTE_MS (a reminder's next time). */
    private readonly opts: { tickMs: number; minuteMs: number },
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.tick().catch((err) => this.log.warn({ err: (err as Error).message }, 'escalation tick failed; the next one tries again')), this.opts.tickMs);
    this.timer.unref();
  }

  /** Sends what is due now; answers how many steps it sent. */
  tick(): Promise<number> {
    if (this.stopping) return Promise.resolve(0);
    this.ticking ??= this.sendDue(this.orm.em.fork()).finally(() => (this.ticking = undefined));
    return this.ticking;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.timer);
    await this.ticking?.catch(() => {});
  }

  private async sendDue(em: EntityManager): Promise<number> {
    const at = this.now();
    // Most ticks find nothing: one read of the partial index, no transaction, until something is due.
    const [any] = await em.execute<{ due: number }[]>(`select 1 as due from escalation_steps where status = 'PLANNED' and due_at <= ? limit 1`, [at]);
    if (!any) return 0;
    return em.transactional(async (tx) => {
      const sql = <T extends object[] = object[]>(text: string, params: unknown[]) => tx.getConnection().execute<T>(text, params as never[], 'all', tx.getTransactionContext());
      const due = await sql<DueStep[]>(
        `select s.id as step_id, s.step, s.repeat, s.channel_ids, s.due_at, a.id, a.organization_id, a.subject, a.cause, a.cause_code, a.status, a.locations, a.opened_at,
                a.acknowledged_at, a.acknowledged_by_name, a.resolved_at, a.resolved_by_name, a.check_id, a.source_name,
                (select max(mw.ends_at) from maintenance_windows mw
                  where a.check_id is not null and mw.organization_id = a.organization_id and mw.starts_at <= ? and mw.ends_at > ?
                    and (cardinality(mw.check_ids) = 0 or a.check_id = any(mw.check_ids))) as maintenance_until
           from escalation_steps s join alerts a on a.id = s.alert_id
          where s.status = 'PLANNED' and s.due_at <= ?
          order by s.due_at
          limit ${BATCH}
          for update of s skip locked
          for no key update of a skip locked`,
        [at, at, at],
      );
      let sent = 0;
      for (const d of due) {
        if (d.status !== 'OPEN') {
          await sql(`update escalation_steps set status = 'CANCELLED' where id = ?`, [d.step_id]);
          continue;
        }
        if (d.maintenance_until) {
          await sql(`update escalation_steps set due_at = ? where id = ?`, [d.maintenance_until, d.step_id]);
          continue;
        }
        const check = d.check_id ? { id: d.check_id, name: d.source_name, kind: kindOfCheckId(d.check_id).enumValue } : null;
        const reminder = d.step < 0;
        const ids = await this.notifier.emit(tx, {
          organizationId: d.organization_id,
          event: 'ALERT_OPENED',
          checkId: d.check_id,
          data: { ...alertData(d, check), ...(reminder ? { reminder: { number: d.repeat } } : { escalation: { step: d.step, repeat: d.repeat } }) },
          channelIds: d.channel_ids,
        });
        if (reminder) {
          await recordNotified(sql, d.id, d.organization_id, ids, at, null, d.repeat);
          // One interval after this one's time; after one sent more than half an interval late (no worker ran),
          // half an interval from now: missed reminders are not sent in a burst.
          const every = -d.step * this.opts.minuteMs;
          const next = Math.max(new Date(d.due_at).getTime() + every, at.getTime() + every / 2);
          await planReminder(sql, d.id, d.organization_id, -d.step, d.repeat + 1, d.channel_ids, new Date(next));
        } else {
          await sql(`insert into alert_events (id, organization_id, alert_id, type, at, step, repeat) values (?, ?, ?, 'ESCALATED', ?, ?, ?)`, [newId('ale'), d.organization_id, d.id, at, d.step, d.repeat]);
          await recordNotified(sql, d.id, d.organization_id, ids, at, d.step, d.repeat);
        }
        await sql(`update escalation_steps set status = 'SENT', sent_at = ? where id = ?`, [at, d.step_id]);
        sent++;
      }
      this.sent += sent;
      return sent;
    });
  }
}
