import type { EntityManager } from '@mikro-orm/postgresql';
import { newId } from '../common/ids';
import type { AlertTeller, AlertTelling } from '../alerts/alert-teller';
import type { Notifier } from '../notifications/notifier';
import type { PolicyStep } from './escalation-policy.entity';

type Sql = <T extends object[] = object[]>(text: string, params: unknown[]) => Promise<T>;
const sqlOf = (em: EntityManager): Sql => (text, params) => em.getConnection().execute(text, params as never[], 'all', em.getTransactionContext());

/** A text[] literal of ids made here or read from the database (no quoting needed: prefixed base62). */
const idArray = (ids: readonly string[]) => `{${ids.join(',')}}`;

/**
 * Tells the channels about a check's alert, in the transaction of the change, and keeps its timeline. An opening
 * under an escalation policy goes to step 1's channels and plans the later steps and repeats (escalation_steps,
 * sent by EscalationScheduler); without one, to the channels subscribed to it, as before policies, and those of
 * them with `remindEveryMinutes` are reminded while it stays open. An
 * acknowledgement or resolution cancels what is still planned and goes to the channels subscribed to it and, for an
 * alert escalated by a policy, every channel that heard the alert.
 */
export class AlertEscalation implements AlertTeller {
  constructor(
    private readonly notifier: Notifier,
    /** ESCALATION_MINUTE_MS: how long a policy's minute lasts (60000; tests shorten it). */
    private readonly minuteMs: number,
  ) {}

  async tell(em: EntityManager, t: AlertTelling): Promise<void> {
    const sql = sqlOf(em);
    const organizationId = t.alert.organization_id;
    const checkId = t.check?.id ?? null;
    if (t.event === 'ALERT_OPENED') {
      if (t.maintenance) return;
      const [policy] = t.policyId
        ? await sql<{ steps: PolicyStep[]; repeat_after_minutes: number | null; max_repeats: number }[]>(
            `select steps, repeat_after_minutes, max_repeats from escalation_policies where id = ? and organization_id = ?`,
            [t.policyId, organizationId],
          )
        : [];
      if (!policy) {
        const ids = await this.notifier.emit(em, { organizationId, event: t.event, checkId, data: t.data });
        const heard = await recordNotified(sql, t.alert.id, organizationId, ids, t.at, null, null);
        await this.planReminders(sql, t.alert.id, organizationId, t.at, heard);
        return;
      }
      const [first] = policy.steps;
      const ids = await this.notifier.emit(em, { organizationId, event: t.event, checkId, data: { ...t.data, escalation: { step: 1, repeat: 0 } }, channelIds: first.channelIds });
      await recordNotified(sql, t.alert.id, organizationId, ids, t.at, 1, 0);
      await this.plan(sql, t.alert.id, organizationId, new Date(t.alert.opened_at), t.at, policy);
      return;
    }
    // Whatever is still planned will not be sent: someone is on it, or it is over.
    await sql(`update escalation_steps set status = 'CANCELLED' where alert_id = ? and status = 'PLANNED'`, [t.alert.id]);
    if (t.maintenance) return;
    const channels = await sql<{ id: string }[]>(
      `select id from notification_channels c
        where c.organization_id = ? and not c.subscriber
          and ((? = any(c.events) ${checkId ? 'and (cardinality(c.check_ids) = 0 or ? = any(c.check_ids))' : ''})
               or (exists (select 1 from escalation_steps s where s.alert_id = ? and s.step > 0)
                   and exists (select 1 from alert_events e where e.alert_id = ? and e.type = 'NOTIFIED' and e.channel_id = c.id)))`,
      [organizationId, t.event, ...(checkId ? [checkId] : []), t.alert.id, t.alert.id],
    );
    if (!channels.length) return;
    const ids = await this.notifier.emit(em, { organizationId, event: t.event, checkId, data: t.data, channelIds: channels.map((c) => c.id) });
    await recordNotified(sql, t.alert.id, organizationId, ids, t.at, null, null);
  }

  /**
   * The first reminder of the channels that heard an opening without a policy and remind (`remindEveryMinutes`): one
   * row per interval (step = minus the interval in minutes, repeat = the reminder's number); the scheduler plans the
   * next when it sends one.
   */
  private async planReminders(sql: Sql, alertId: string, organizationId: string, at: Date, channelIds: string[]): Promise<void> {
    if (!channelIds.length) return;
    const groups = await sql<{ minutes: number; ids: string[] }[]>(
      `select remind_every_minutes as minutes, array_agg(id order by id) as ids from notification_channels
        where id = any(?::text[]) and remind_every_minutes is not null group by remind_every_minutes`,
      [idArray(channelIds)],
    );
    for (const g of groups) await planReminder(sql, alertId, organizationId, g.minutes, 1, g.ids, new Date(at.getTime() + g.minutes * this.minuteMs));
  }

  /**
   * Every later step and repeat, as rows due at their time, and step 1's row as SENT: the (alert, step, repeat) key
   * holds one row each. A repeat tells every step's channels again, at the last step's time plus `repeatAfterMinutes`
   * times its number.
   */
  private async plan(sql: Sql, alertId: string, organizationId: string, openedAt: Date, at: Date, p: { steps: PolicyStep[]; repeat_after_minutes: number | null; max_repeats: number }): Promise<void> {
    const minute = this.minuteMs;
    const rows: Array<{ step: number; repeat: number; channels: string[]; due: Date; sent: boolean }> = p.steps.map((s, i) => ({
      step: i + 1,
      repeat: 0,
      channels: s.channelIds,
      due: new Date(openedAt.getTime() + s.afterMinutes * minute),
      sent: i === 0,
    }));
    const last = p.steps[p.steps.length - 1];
    const everyone = [...new Set(p.steps.flatMap((s) => s.channelIds))];
    if (p.repeat_after_minutes)
      for (let r = 1; r <= p.max_repeats; r++)
        rows.push({ step: p.steps.length, repeat: r, channels: everyone, due: new Date(openedAt.getTime() + (last.afterMinutes + r * p.repeat_after_minutes) * minute), sent: false });
    await sql(
      `insert into escalation_steps (id, organization_id, alert_id, step, repeat, channel_ids, due_at, status, sent_at)
       values ${rows.map(() => '(?, ?, ?, ?, ?, ?::text[], ?, ?, ?)').join(', ')}
       on conflict (alert_id, step, repeat) do nothing`,
      rows.flatMap((r) => [newId('ess'), organizationId, alertId, r.step, r.repeat, idArray(r.channels), r.due, r.sent ? 'SENT' : 'PLANNED', r.sent ? at : null]),
    );
  }
}

/** Reminders stop after this many, acknowledged or not. */
export const MAX_REMINDERS = 100;

/** Reminder `n` of an alert for the channels reminding every `minutes` (unique per alert, interval and number). */
export async function planReminder(sql: Sql, alertId: string, organizationId: string, minutes: number, n: number, channelIds: string[], due: Date): Promise<void> {
  if (n > MAX_REMINDERS) return;
  await sql(
    `insert into escalation_steps (id, organization_id, alert_id, step, repeat, channel_ids, due_at, status) values (?, ?, ?, ?, ?, ?::text[], ?, 'PLANNED')
     on conflict (alert_id, step, repeat) do nothing`,
    [newId('ess'), organizationId, alertId, -minutes, n, idArray(channelIds), due],
  );
}

/** NOTIFIED lines of the timeline, one per delivery just written (with its channel); answers the channels. */
export async function recordNotified(sql: Sql, alertId: string, organizationId: string, deliveryIds: string[], at: Date, step: number | null, repeat: number | null): Promise<string[]> {
  if (!deliveryIds.length) return [];
  const rows = await sql<{ id: string; channel_id: string }[]>(`select id, channel_id from notification_deliveries where id = any(?::text[])`, [idArray(deliveryIds)]);
  await sql(
    `insert into alert_events (id, organization_id, alert_id, type, at, step, repeat, channel_id, delivery_id) values ${rows.map(() => `(?, ?, ?, 'NOTIFIED', ?, ?, ?, ?, ?)`).join(', ')}`,
    rows.flatMap((r) => [newId('ale'), organizationId, alertId, at, step, repeat, r.channel_id, r.id]),
  );
  return rows.map((r) => r.channel_id);
}
