import type { EntityManager } from '@mikro-orm/postgresql';
import { DAY_MS } from '../common/time';

/**
 * Weekly partitions of `runs` (PARTITION BY RANGE (slot_at)): `runs_pYYYYMMDD` holds the week starting that Monday
 * 00:00 UTC; `runs_default` catches anything no partition covers, so an insert never fails. The maintenance job
 * makes partitions ahead and drops whole ones past the longest retention (retention.service.ts).
 */
export const WEEK_MS = 7 * DAY_MS;
/** Weeks made ahead of the current one: the job may miss a few periods and inserts still land in a partition. */
export const WEEKS_AHEAD = 3;

/** Monday 00:00 UTC of the week `t` is in. */
export function weekStart(t: Date): Date {
  const day = new Date(Math.floor(t.getTime() / DAY_MS) * DAY_MS);
  return new Date(day.getTime() - ((day.getUTCDay() + 6) % 7) * DAY_MS);
}

export const partitionName = (monday: Date) => `runs_p${monday.toISOString().slice(0, 10).replace(/-/g, '')}`;

/** The weekly partitions that exist, by their Monday, oldest first. */
export async function listPartitions(em: EntityManager): Promise<Date[]> {
  const rows = await em.getConnection().execute<{ name: string }[]>(
    `select c.relname as name from pg_inherits i join pg_class c on c.oid = i.inhrelid where i.inhparent = 'runs'::regclass`,
  );
  return rows
    .map((r) => /^runs_p(\d{4})(\d{2})(\d{2})$/.exec(r.name))
    .filter((m): m is RegExpExecArray => !!m)
    .map((m) => new Date(`${m[1]}-${m[2]}-${m[3]}T00:00:00Z`))
    .sort((a, b) => a.getTime() - b.getTime());
}

/**
 * Makes every weekly partition from the week of `from` to the week of `to` that is missing; answers the names
 * made. Rows that landed in the default partition for such a week (the job was down for weeks) are moved into the
 * new partition in the same transaction, as attaching it requires.
 */
export async function ensurePartitions(em: EntityManager, from: Date, to: Date): Promise<string[]> {
  const existing = new Set((await listPartitions(em)).map((d) => d.getTime()));
  const made: string[] = [];
  for (let w = weekStart(from); w <= to; w = new Date(w.getTime() + WEEK_MS)) {
    if (existing.has(w.getTime())) continue;
    const name = partitionName(w);
    const end = new Date(w.getTime() + WEEK_MS);
    await em.transactional(async (tx) => {
      const conn = tx.getConnection();
      const ctx = tx.getTransactionContext();
      const [{ stray }] = await conn.execute<{ stray: boolean }[]>(
        'select exists (select 1 from runs_default where slot_at >= ? and slot_at < ?) as stray',
        [w, end],
        'all',
        ctx,
      );
      if (!stray) {
        await conn.execute(`create table if not exists "${name}" partition of runs for values from ('${w.toISOString()}') to ('${end.toISOString()}')`, [], 'run', ctx);
        return;
      }
      await conn.execute(`create table "${name}" (like runs including defaults)`, [], 'run', ctx);
      await conn.execute(
        `with moved as (delete from runs_default where slot_at >= ? and slot_at < ? returning *) insert into "${name}" select * from moved`,
        [w, end],
        'run',
        ctx,
      );
      await conn.execute(`alter table runs attach partition "${name}" for values from ('${w.toISOString()}') to ('${end.toISOString()}')`, [], 'run', ctx);
    });
    made.push(name);
  }
  return made;
}

/** Drops every weekly partition that ends at or before `cutoff` (all its runs are older); answers the names. */
export async function dropPartitionsBefore(em: EntityManager, cutoff: Date): Promise<string[]> {
  const dropped: string[] = [];
  for (const monday of await listPartitions(em)) {
    if (monday.getTime() + WEEK_MS > cutoff.getTime()) break;
    const name = partitionName(monday);
    await em.getConnection().execute(`drop table if exists "${name}"`);
    dropped.push(name);
  }
  return dropped;
}
