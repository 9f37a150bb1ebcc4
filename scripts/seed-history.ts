/**
 * `npm run seed:history -- --monitors 50 --days 30 [--interval 60] [--org "History Inc"] [--plan UNLIMITED]`:
 * fills an organization with realistic run history fast, on PostgreSQL (DATABASE_URL) or the embedded database
 * (DATA_DIR; stop the server first, it holds the database): monitors (paused, so nothing runs them), one run per
 * interval per monitor made by `INSERT … SELECT … generate_series` one UTC day at a time, and the hourly and daily
 * rollups computed from those runs in SQL, as the recording transaction would have written them.
 */
import 'reflect-metadata';
import { parseArgs } from 'node:util';
import type { EntityManager } from '@mikro-orm/postgresql';
import { newId } from '../src/modules/common/ids';
import { isPlanName, PLAN_NAMES } from '../src/modules/common/plan-names';
import { bucketSql } from '../src/modules/stats/histogram';
import { ensurePartitions } from '../src/modules/runs/run-partitions';
import { runCli, UsageError, withServices } from '../src/cli/common';

const DAY_MS = 86_400_000;

export interface SeedOptions {
  organizationId: string;
  monitors: number;
  days: number;
  intervalSeconds: number;
  /** The history ends here (default now). */
  now?: Date;
  onDay?: (done: number, total: number) => void;
}

export interface SeedResult {
  monitorIds: string[];
  runs: number;
  rollups: number;
  runsMs: number;
  rollupsMs: number;
}

/** One day's rollups of `span`, from the runs of [from, to), merged into rows already there. */
function rollupSql(span: 'HOUR' | 'DAY'): string {
  const trunc = span === 'HOUR' ? `date_trunc('hour', started_at at time zone 'UTC') at time zone 'UTC'` : `date_trunc('day', started_at at time zone 'UTC') at time zone 'UTC'`;
  return `insert into run_rollups (check_id, span, bucket_start, location, organization_id, runs, failures, response_sum_ms, histogram)
    select check_id, '${span}', bucket_start, location, organization_id, sum(n)::int, sum(failures)::int, sum(sum_ms), jsonb_object_agg(bucket::text, n)
      from (
        select check_id, ${trunc} as bucket_start, location, organization_id, ${bucketSql('duration_ms')} as bucket,
               count(*) as n, count(*) filter (where status <> 'PASSED') as failures, sum(duration_ms) as sum_ms
          from runs
         where organization_id = ? and check_id = any(array[?]::text[]) and slot_at >= ? and slot_at < ?
         group by 1, 2, 3, 4, 5
      ) b
     group by check_id, bucket_start, location, organization_id
    on conflict (check_id, span, bucket_start, location) do update set
      runs = run_rollups.runs + excluded.runs,
      failures = run_rollups.failures + excluded.failures,
      response_sum_ms = run_rollups.response_sum_ms + excluded.response_sum_ms,
      histogram = run_rollups.histogram || (
        select jsonb_object_agg(e.key, e.value::int + coalesce((run_rollups.histogram ->> e.key)::int, 0)) from jsonb_each_text(excluded.histogram) e)`;
}

/**
 * The history: each monitor has a base latency (30–300 ms) with a long tail, about 0.3% failed runs, and one bad
 * hour every few days (slow and mostly failing), so charts and percentiles have something to show.
 */
export async function seedHistory(em: EntityManager, opts: SeedOptions): Promise<SeedResult> {
  const now = opts.now ?? new Date();
  const end = new Date(Math.floor(now.getTime() / (opts.intervalSeconds * 1000)) * opts.intervalSeconds * 1000);
  const start = new Date(end.getTime() - opts.days * DAY_MS);
  const conn = em.getConnection();
  const monitorIds = Array.from({ length: opts.monitors }, () => newId('mon'));
  // Each monitor with its `checks` row, as the service writes them.
  await conn.execute(
    `with m as (insert into monitors (id, organization_id, name, url, method, headers, expected_status_codes, assertions, interval_seconds, timeout_ms,
                           failure_threshold, paused, status, consecutive_failures, last_run_at, next_run_at, created_at, updated_at, locations, min_failed_locations)
     select m.id, ?, 'History ' || m.n, 'https://example.com/history/' || m.n, 'GET', '[]', '["200-299"]', '[]', ?, 10000,
            2, true, 'PAUSED', 0, ?, ?, ?, ?, '{local}', 1
       from unnest(array[?]::text[]) with ordinality as m(id, n)
     returning id, organization_id)
     insert into checks (id, organization_id, kind) select id, organization_id, 'monitor' from m`,
    [opts.organizationId, opts.intervalSeconds, end, end, start, end, monitorIds],
  );
  await ensurePartitions(em, start, end);
  let runs = 0;
  let rollups = 0;
  let runsMs = 0;
  let rollupsMs = 0;
  const days = Math.ceil((end.getTime() - start.getTime()) / DAY_MS) + 1;
  let done = 0;
  // UTC days, so each day's rollup rows are complete when written.
  for (let day = new Date(Math.floor(start.getTime() / DAY_MS) * DAY_MS); day < end; day = new Date(day.getTime() + DAY_MS)) {
    const from = new Date(Math.max(day.getTime(), start.getTime()));
    const to = new Date(Math.min(day.getTime() + DAY_MS, end.getTime()));
    let t0 = Date.now();
    const inserted = await conn.execute<{ affectedRows: number }>(
      `insert into runs (id, slot_at, organization_id, check_id, trigger, status, location, scheduled_at, started_at, finished_at, duration_ms, response_status, assertions)
       select 'run_' || substr(md5(m.id || s::text), 1, 16), s, ?, m.id, 'SCHEDULED', case when bad or random() < 0.003 then 'FAILED' else 'PASSED' end, 'local', s,
              s + interval '40 milliseconds', s + interval '40 milliseconds' + d * interval '1 millisecond', d,
              case when bad or random() < 0.003 then 500 else 200 end, '[]'
         from unnest(array[?]::text[]) with ordinality as m(id, n)
        cross join generate_series(?::timestamptz, ?::timestamptz - interval '1 millisecond', make_interval(secs => ?)) s
        cross join lateral (select (hashtext(m.id || date_trunc('hour', s)::text) % 97) = 0 as bad) b
        cross join lateral (select greatest(1, round((30 + (m.n * 37) % 270) * (case when bad then 8 else 1 end) / (1 - 0.97 * random()) ^ 0.35))::int as d) dd`,
      [opts.organizationId, monitorIds, from, to, opts.intervalSeconds],
      'run',
    );
    runs += inserted.affectedRows;
    runsMs += Date.now() - t0;
    t0 = Date.now();
    for (const span of ['HOUR', 'DAY'] as const) {
      const r = await conn.execute<{ affectedRows: number }>(rollupSql(span), [opts.organizationId, monitorIds, from, to], 'run');
      rollups += r.affectedRows;
    }
    rollupsMs += Date.now() - t0;
    opts.onDay?.(++done, days);
  }
  return { monitorIds, runs, rollups, runsMs, rollupsMs };
}

const USAGE = `Usage: npm run seed:history -- [--monitors 50] [--days 30] [--interval 60] [--org "History Inc"] [--plan ${PLAN_NAMES.join('|')}]`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      monitors: { type: 'string', default: '50' },
      days: { type: 'string', default: '30' },
      interval: { type: 'string', default: '60' },
      org: { type: 'string', default: 'History Inc' },
      plan: { type: 'string', default: 'UNLIMITED' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return void process.stdout.write(`${USAGE}\n`);
  const whole = (name: string, v: string, min: number, max: number) => {
    const n = Number(v);
    if (!/^\d+$/.test(v) || n < min || n > max) throw new UsageError(`--${name} must be a whole number from ${min} to ${max}.\n${USAGE}`);
    return n;
  };
  const monitors = whole('monitors', values.monitors!, 1, 10_000);
  const days = whole('days', values.days!, 1, 400);
  const intervalSeconds = whole('interval', values.interval!, 10, 86_400);
  const plan = values.plan!.toUpperCase();
  if (!isPlanName(plan)) throw new UsageError(`--plan must be one of ${PLAN_NAMES.join(', ')}.\n${USAGE}`);
  await withServices(process.env, async ({ database, services }) => {
    const em = database.orm.em.fork();
    const { org } = await services.organizations.findOrCreate(em, values.org!);
    // A plan keeping runs shorter than the history would have the maintenance job prune most of it at once.
    await services.billing.setPlan(em, org.id, plan);
    const began = Date.now();
    const result = await seedHistory(em, {
      organizationId: org.id,
      monitors,
      days,
      intervalSeconds,
      onDay: (done, total) => process.stderr.write(`\rday ${done}/${total}`),
    });
    process.stderr.write('\n');
    const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
    console.log(
      `Seeded ${org.name} (${org.id}, plan ${plan}): ${monitors} paused monitors, ${result.runs.toLocaleString('en-US')} runs over ${days} days ` +
        `every ${intervalSeconds} s, ${result.rollups.toLocaleString('en-US')} rollup rows, in ${s(Date.now() - began)} (runs ${s(result.runsMs)}, rollups ${s(result.rollupsMs)}).`,
    );
    console.log(`A key for it: npm run --silent keys -- create --org ${org.id} --name history --permissions all`);
  });
}

if (require.main === module) runCli(main);
