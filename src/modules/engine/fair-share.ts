import type PgBoss from 'pg-boss';
import type { MikroORM } from '@mikro-orm/postgresql';
import { PLANS } from '../billing/plans';
import { PLAN_NAMES } from '../common/plan-names';
import { QUEUE_SCHEMA } from '../queue/pg-boss-db';
import type { CheckJob } from '../runs/check-job';

/**
 * Fair shares of a location's check slots (docs/explanation/check-engine.md). pg-boss 10 has no per-group concurrency
 * (its `singletonKey` and `singleton`/`stately` policies allow one job per key, not n), so tracer takes a location's
 * jobs itself, in one statement that pg-boss's own fetch would otherwise run:
 *
 * - an organization holds at most its share of the location's slots in flight: the smaller of its plan's
 *   `maxConcurrentChecksPerLocation` and `WORKER_ORG_SHARE` × the location's slots (`WORKER_CONCURRENCY` × its live
 *   workers), at least one. The jobs in flight are counted where they are, in pg-boss's job table (state `active`,
 *   by a partial index of its own), so every worker of the location sees the same count; fetches of one location
 *   take a transaction-scoped advisory lock, so two workers cannot both give an organization its last slot.
 * - a reserve of the location's slots (`WORKER_RESERVED_SHARE` × its slots, at least one) is kept for organizations
 *   holding none: an organization already holding a slot of the location takes no slot that would leave fewer
 *   than the reserve free, one holding none may take a reserved one (its first; its second is a holder's). Shares
 *   alone do not keep a slot free: two organizations at a share of 0.5 hold them all, and a third waited for a
 *   hanging check to time out. With the reserve a newly due organization starts at once as long as fewer
 *   organizations than the reserve arrive together (idle slots are the price of that bound).
 * - among organizations under their share, jobs are taken round-robin, fewest in flight first: an organization's
 *   next job ranks by what it runs already plus its place among its due jobs, earliest due first within a rank,
 *   so an idle organization goes before a near-full one. The reserve counts the jobs taken in that order.
 * - manual runs (priority) go first only within their own organization's share.
 *
 * The rows chosen are locked `for update skip locked`, as pg-boss's fetch locks them, so a row another
 * transaction holds (pg-boss's cancel, archive or delete) is left for a later fetch instead of blocking this one
 * while it holds the location's lock.
 *
 * The jobs taken are marked active exactly as pg-boss's fetch marks them (state, started_on, retry_count), so its
 * expiry, retries, completion and cancellation work on them unchanged (which ties this to pg-boss 10's job table;
 * the version is pinned). Fetching with pg-boss and handing back the jobs over a share was not chosen: the flood
 * handed back comes first again on every fetch, and a second count kept elsewhere would have to stay in step with
 * pg-boss's expiry and retries. The price: a fetch ranks every due job of the location (its backlog), once per
 * fetch that finds something due; an idle poll is one read of pg-boss's fetch index.
 */

/** Each plan's `maxConcurrentChecksPerLocation` in SQL (an unknown plan is FREE, as planLimits(); null: no cap). */
const PLAN_CAP = `case o.plan ${PLAN_NAMES.map((n) => `when '${n}' then ${PLANS[n].maxConcurrentChecksPerLocation ?? 'null'}`).join(' ')} else ${PLANS.FREE.maxConcurrentChecksPerLocation} end`;

const FAIR_FETCH = `
with location_slots as (
  select ?::int * greatest(1, (select count(*) from workers where location = ? and last_seen_at > now() - make_interval(secs => ?)))::int as n
), in_flight as (
  select data->>'organizationId' as org, count(*)::int as n
    from ${QUEUE_SCHEMA}.job where name = ? and state = 'active' group by 1
), bounds as (
  -- the slots an organization already holding one may fill: all but the reserve
  select s.n - greatest(1, floor(?::float8 * s.n)::int) - (select coalesce(sum(n), 0)::int from in_flight) as holders_room,
         greatest(1, floor(?::float8 * s.n)::int) as share
    from location_slots s
), ranked as (
  select j.id, j.start_after, j.created_on, j.data->>'organizationId' as org,
         row_number() over (partition by j.data->>'organizationId' order by j.priority desc, j.created_on, j.id) as rank
    from ${QUEUE_SCHEMA}.job j
   where j.name = ? and j.state < 'active' and j.start_after < now()
), candidates as (
  select r.id, coalesce(f.n, 0) = 0 and r.rank = 1 as newcomer,
         row_number() over (order by coalesce(f.n, 0) + r.rank, r.start_after, r.created_on, r.id) as pos
    from ranked r
    left join in_flight f on f.org = r.org
    left join organizations o on o.id = r.org
   where r.rank <= least(coalesce(${PLAN_CAP}, 2147483647), (select share from bounds)) - coalesce(f.n, 0)
), allowed as (
  select c.id from candidates c
   where c.newcomer or c.pos <= (select holders_room from bounds)
   order by c.pos
   limit ?
), locked as (
  select id from ${QUEUE_SCHEMA}.job
   where name = ? and id in (select id from allowed) and state < 'active'
     for update skip locked
)
update ${QUEUE_SCHEMA}.job j set
  state = 'active',
  started_on = now(),
  retry_count = case when j.started_on is not null then j.retry_count + 1 else j.retry_count end
  from locked
 where j.name = ? and j.id = locked.id and j.state < 'active'
returning j.id, j.name, j.data, extract(epoch from j.expire_in) as "expireInSeconds"`;

export interface FairShareOptions {
  location: string;
  queue: string;
  /** WORKER_CONCURRENCY: the slots of each worker of the location (all are taken to have the same). */
  concurrency: number;
  /** WORKER_ORG_SHARE: the largest fraction of the location's slots one organization may hold. */
  orgShare: number;
  /** WORKER_RESERVED_SHARE: the fraction of the location's slots only an organization holding none may take. */
  reservedShare: number;
  /** A worker is live (its slots count) while its heartbeat is this recent, in seconds. */
  liveWindowSeconds: number;
}

/** Is any job of the queue due? One read of pg-boss's fetch index, without a transaction or a lock. */
const ANY_DUE = `select exists (select 1 from ${QUEUE_SCHEMA}.job where name = ? and state < 'active' and start_after < now()) as due`;

/**
 * Takes up to `room` due jobs of the location, each organization within its share. An idle worker's poll is one
 * plain read, as pg-boss's fetch was; the lock and the transaction are taken only when something is due.
 */
export async function fetchFair(orm: MikroORM, opts: FairShareOptions, room: number): Promise<PgBoss.Job<CheckJob>[]> {
  const [any] = await orm.em.getConnection().execute<Array<{ due: boolean }>>(ANY_DUE, [opts.queue]);
  if (!any?.due) return [];
  return orm.em.fork().transactional(async (tx) => {
    const conn = tx.getConnection();
    const ctx = tx.getTransactionContext();
    await conn.execute('select pg_advisory_xact_lock(hashtext(?))', [`tracer:${opts.queue}`], 'all', ctx);
    const rows = await conn.execute<Array<{ id: string; name: string; data: CheckJob | string; expireInSeconds: number | string }>>(
      FAIR_FETCH,
      [opts.concurrency, opts.location, opts.liveWindowSeconds, opts.queue, opts.reservedShare, opts.orgShare, opts.queue, room, opts.queue, opts.queue],
      'all',
      ctx,
    );
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      data: typeof r.data === 'string' ? (JSON.parse(r.data) as CheckJob) : r.data,
      expireInSeconds: Number(r.expireInSeconds),
    })) as PgBoss.Job<CheckJob>[];
  });
}
