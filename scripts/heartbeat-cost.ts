/**
 * `npm run build:server && node dist/scripts/heartbeat-cost.js [--heartbeats 10000] [--seconds 60]`: what waiting
 * heartbeats cost and how exactly late ones are noticed, on a fresh embedded database (or DATABASE_URL), with the
 * real app (API + worker role, deadline watcher at SCHEDULE_TICK_MS).
 *
 * 1. Memory: heap and RSS before and after N heartbeats exist (inserted in SQL, deadlines an hour away).
 * 2. Database work while they wait: the statements the watcher runs per minute (counted), and the time of its one
 *    claiming query over N rows (EXPLAIN ANALYZE: it must be an index scan).
 * 3. Deadline accuracy: 200 heartbeats whose deadlines fall over the next 10 s; each missed run's recording time
 *    minus its deadline (p50, p99, max), then the same across a restart (the app stopped while deadlines pass).
 */
import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createApp, type App } from '../src/app';
import { loadConfig } from '../src/config';
import { randomBase62 } from '../src/modules/common/base62';

const { values } = parseArgs({ options: { heartbeats: { type: 'string', default: '10000' }, seconds: { type: 'string', default: '60' } } });
const N = Number(values.heartbeats);
const WAIT_S = Number(values.seconds);
const dataDir = mkdtempSync(join(tmpdir(), 'tracer-hb-'));
const env = { DATA_DIR: dataDir, LOG_LEVEL: 'silent', BOOTSTRAP_KEY: 'false', PORT: '0', ...process.env };
const mb = (n: number) => `${(n / 1048576).toFixed(1)} MB`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function memory() {
  global.gc?.();
  await sleep(200);
  global.gc?.();
  return process.memoryUsage();
}

async function insert(app: App, org: string, count: number, deadline: (i: number) => Date, prefix: string) {
  const conn = app.database.orm.em.fork().getConnection();
  for (let from = 0; from < count; from += 1000) {
    const ids = Array.from({ length: Math.min(1000, count - from) }, () => `hbt_${prefix}${randomBase62(12)}`);
    const rows = ids.map((id, k) => [id, deadline(from + k).toISOString(), randomBase62(64)] as const);
    await conn.execute(`insert into checks (id, organization_id, kind) select unnest(?::text[]), ?, 'heartbeat'`, [`{${ids.join(',')}}`, org]);
    await conn.execute(
      `insert into heartbeats (id, organization_id, name, period_seconds, grace_seconds, token_hash, token_sealed, next_deadline_at, next_run_at, created_at, updated_at)
       select r.id, ?, 'cost', 60, 1, r.hash, 'x', r.deadline::timestamptz, now(), now(), now()
         from unnest(?::text[], ?::text[], ?::text[]) as r(id, deadline, hash)`,
      [org, `{${rows.map((r) => r[0]).join(',')}}`, `{${rows.map((r) => r[1]).join(',')}}`, `{${rows.map((r) => r[2]).join(',')}}`],
    );
  }
}

async function lateness(app: App, org: string) {
  const rows = await app.database.orm.em.fork().getConnection().execute<{ ms: number }[]>(
    `select extract(epoch from (r.finished_at - r.scheduled_at)) * 1000 as ms from runs r join heartbeats h on h.id = r.check_id
      where h.organization_id = ? and r.scheduled_at is not null order by ms`,
    [org],
  );
  const ms = rows.map((r) => Number(r.ms));
  const at = (q: number) => ms[Math.min(ms.length - 1, Math.floor(q * ms.length))];
  return { recorded: ms.length, p50: Math.round(at(0.5)), p99: Math.round(at(0.99)), max: Math.round(ms[ms.length - 1] ?? NaN), min: Math.round(ms[0] ?? NaN) };
}

async function main() {
  const config = loadConfig(env);
  let app = await createApp(config);
  const org = (await app.services.organizations.findOrCreate(app.database.orm.em.fork(), 'Cost Inc')).org.id;
  await app.database.orm.em.fork().nativeUpdate('Organization', { id: org }, { plan: 'UNLIMITED' });

  const before = await memory();
  await insert(app, org, N, () => new Date(Date.now() + 3_600_000), 'w');
  const after = await memory();
  console.log(`memory, ${N} heartbeats waiting: heap ${mb(before.heapUsed)} -> ${mb(after.heapUsed)}, rss ${mb(before.rss)} -> ${mb(after.rss)}`);

  const explain = async () => (await app.database.orm.em.fork().getConnection().execute<Record<string, string>[]>(
    `explain analyze select id, next_deadline_at from heartbeats where paused = false and next_deadline_at <= now() order by next_deadline_at limit 500`,
  )).map((r) => Object.values(r)[0]).join(' | ');
  const tick = async () => {
    const t0 = performance.now();
    for (let i = 0; i < 100; i++) await app.services.heartbeats.recordMissed();
    return ((performance.now() - t0) / 100).toFixed(2);
  };
  console.log(`before statistics: one tick ${await tick()} ms; plan: ${await explain()}`);
  // What autovacuum (PostgreSQL) or the first ANALYZE gives the planner: then it is an index scan.
  await app.database.orm.em.fork().getConnection().execute('analyze heartbeats');
  const plan = await app.database.orm.em.fork().getConnection().execute<Record<string, string>[]>(
    `explain analyze select id, next_deadline_at from heartbeats where paused = false and next_deadline_at <= now() order by next_deadline_at limit 500`,
  );
  console.log('claiming query:', plan.map((r) => Object.values(r)[0]).join(' | '));
  const t0 = performance.now();
  for (let i = 0; i < 100; i++) await app.services.heartbeats.recordMissed();
  console.log(`one watcher tick with nothing due over ${N} rows: ${((performance.now() - t0) / 100).toFixed(2)} ms`);

  // Statements while waiting: pg_stat_statements is not on PGlite; count the watcher's own calls over WAIT_S instead.
  const statements = { n: 0 };
  const conn = app.database.orm.em.getConnection();
  const original = conn.execute.bind(conn);
  (conn as { execute: typeof conn.execute }).execute = ((...args: Parameters<typeof conn.execute>) => {
    if (String(args[0]).includes('from heartbeats')) statements.n++;
    return original(...args);
  }) as typeof conn.execute;
  await sleep(WAIT_S * 1000);
  (conn as { execute: typeof conn.execute }).execute = original;
  console.log(`heartbeat statements while ${N} wait: ${((statements.n * 60) / WAIT_S).toFixed(0)} per minute (tick ${config.SCHEDULE_TICK_MS} ms)`);
  const waiting = await memory();
  console.log(`memory after waiting ${WAIT_S} s: heap ${mb(waiting.heapUsed)}, rss ${mb(waiting.rss)}`);

  // Accuracy while running: a steady trickle (2 deadlines a second), then a burst (200 within 10 s). Each missed
  // deadline opens an alert (and its notification jobs): the whole recording, not just a row.
  for (const [label, count, every, wait] of [['trickle, 20 deadlines 500 ms apart', 20, 500, 14_000], ['burst, 200 deadlines 50 ms apart', 200, 50, 40_000]] as const) {
    const start = Date.now() + 1000;
    const accOrg = (await app.services.organizations.findOrCreate(app.database.orm.em.fork(), `Accuracy ${count}`)).org.id;
    await app.database.orm.em.fork().nativeUpdate('Organization', { id: accOrg }, { plan: 'UNLIMITED' });
    await insert(app, accOrg, count, (i) => new Date(start + i * every), `a${count}`);
    await sleep(wait);
    console.log(`deadline accuracy (ms after the deadline), ${label}:`, await lateness(app, accOrg));
  }

  // Across a restart: deadlines falling while the app is stopped are recorded when it starts again.
  const rOrg = (await app.services.organizations.findOrCreate(app.database.orm.em.fork(), 'Restart Inc')).org.id;
  await app.database.orm.em.fork().nativeUpdate('Organization', { id: rOrg }, { plan: 'UNLIMITED' });
  const rStart = Date.now() + 2000;
  await insert(app, rOrg, 20, (i) => new Date(rStart + i * 20), 'r');
  await app.close();
  await sleep(3000);
  const down = Date.now();
  app = await createApp(config);
  const up = Date.now();
  await sleep(10_000);
  console.log(`across a restart (stopped while deadlines passed; start took ${up - down} ms):`, await lateness(app, rOrg));
  await app.close();
  rmSync(dataDir, { recursive: true, force: true });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
