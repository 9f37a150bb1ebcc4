import type { EntityManager } from '@mikro-orm/postgresql';
import type { Notifier } from './notifier';

/**
 * API_KEY_EXPIRING, seven days and one day before a key expires, once each. Any number of workers may sweep at the
 * same time: the notice's row (api_key_expiry_notices, primary key (key, days)) is inserted with the deliveries in
 * one transaction, and only the sweep whose insert took it sends. A key found already within a day gets only the
 * one-day notice; `daysLeft` is the whole days left, rounded up (a key first seen 3 days before says 3); revoked keys and keys replaced by a roll (their expiry is the grace period's end) get none.
 */
export class ExpirySweep {
  readonly name = 'API key expiry';

  constructor(
    private readonly notifier: Notifier,
    private readonly now: () => Date,
  ) {}

  async run(em: EntityManager): Promise<number> {
    const now = this.now();
    return em.transactional(async (tx) => {
      const rows = await tx.getConnection().execute<{ id: string; organization_id: string; name: string; expires_at: Date; days: number }[]>(
        `with due as (
           select id, organization_id, name, expires_at, case when expires_at <= ?::timestamptz + interval '1 day' then 1 else 7 end as days
             from api_keys
            where revoked_at is null and replaced_by is null and expires_at > ? and expires_at <= ?::timestamptz + interval '7 days'
         ), taken as (
           insert into api_key_expiry_notices (api_key_id, days, sent_at) select id, days, ? from due
           on conflict do nothing returning api_key_id, days
         )
         select due.* from due join taken on taken.api_key_id = due.id and taken.days = due.days`,
        [now, now, now, now],
        'all',
        tx.getTransactionContext(),
      );
      for (const k of rows)
        await this.notifier.emit(tx, {
          organizationId: k.organization_id,
          event: 'API_KEY_EXPIRING',
          checkId: null,
          // The notice is one of two (7, 1); the days it tells are the key's: a key first seen 3 days before says 3.
          data: { apiKey: { id: k.id, name: k.name, expiresAt: new Date(k.expires_at).toISOString() }, daysLeft: Math.ceil((new Date(k.expires_at).getTime() - now.getTime()) / 86_400_000) },
        });
      return rows.length;
    });
  }
}

