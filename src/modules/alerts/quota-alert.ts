import type { EntityManager } from '@mikro-orm/postgresql';
import { newId } from '../common/ids';
import type { Notifier } from '../notifications/notifier';

/**
 * Resolves the organization's open quota alert (`?`: the time, the organization). Billing's statements end it with
 * their own `and …` condition (a run admitted, a plan with room), so the admitted path costs no round trip of its own.
 */
export const RESOLVE_QUOTA_ALERT = `update alerts set status = 'RESOLVED', resolved_at = ?, resolved_by = 'system', resolved_by_name = 'system'
  where organization_id = ? and subject = 'quota' and status <> 'RESOLVED'`;

/** Why runs are refused, as the alert and its notification tell it. */
export interface QuotaOpening {
  organizationId: string;
  at: Date;
  cause: string;
  plan: string;
  limit: number;
  used: number;
  /**
   * The organization as a row source of (id, name), empty unless its month is still used up (billing's to say):
   * a plan change between the refusal and the opening opens nothing.
   */
  exhausted: { sql: string; params: unknown[] };
}

/**
 * The organization's quota alert (subject `quota`): at most one unresolved per organization (a partial unique
 * index; `on conflict do nothing`), so opening it for every refused run is safe, and QUOTA_EXHAUSTED goes to the
 * organization's channels once, in the transaction that opens it.
 */
export class QuotaAlerts {
  constructor(private readonly notifier?: Notifier) {}

  /** Opens the quota alert unless one is open; answers whether this call opened it. */
  open(em: EntityManager, q: QuotaOpening): Promise<boolean> {
    return em.transactional(async (tx) => {
      const rows = await tx.getConnection().execute<{ id: string; cause: string }[]>(
        `insert into alerts (id, organization_id, subject, source_name, cause, cause_code, status, opened_at)
         select ?::varchar, p.id, 'quota', p.name, ?::text, 'QUOTA_EXHAUSTED', 'OPEN', ?::timestamptz from ${q.exhausted.sql}
         on conflict (organization_id, subject) where subject is not null and status <> 'RESOLVED' do nothing
         returning id, cause`,
        [newId('alr'), q.cause, q.at, ...q.exhausted.params] as never[],
        'all',
        tx.getTransactionContext(),
      );
      if (rows.length && this.notifier)
        await this.notifier.emit(tx, {
          organizationId: q.organizationId,
          event: 'QUOTA_EXHAUSTED',
          checkId: null,
          data: {
            alert: { id: rows[0].id, status: 'OPEN', cause: rows[0].cause, subject: 'quota', openedAt: q.at.toISOString() },
            check: null,
            locations: [],
            plan: q.plan,
            limit: q.limit,
            used: q.used,
          },
        });
      return rows.length > 0;
    });
  }
}
