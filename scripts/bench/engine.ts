/**
 * The check engine's rows of `npm run bench`: sustained checks/s, schedule lag (startedAt − scheduledAt) p50/p99,
 * duplicated and missed slots counted in the database, `me` on an API-only instance during the load against the
 * same instance idle, and a worker killed with SIGKILL mid-load. Every role is a process of its own on 127.0.0.1,
 * checking a local target server.
 *
 * PostgreSQL (DATABASE_URL): monitors spread over two locations `a` and `b`, a worker process each (both
 * scheduling), an API-only instance. Embedded: one `npm start` process (API + worker), as a fresh install runs.
 * Knobs: BENCH_ENGINE_SECONDS (measured window, default 60), BENCH_ENGINE_MONITORS (default 2000 on PostgreSQL,
 * 600 embedded; every monitor runs every 10 s).
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import autocannon from 'autocannon';
import { Client } from 'pg';
import { openDatabase } from '../../src/db/database';
import { ormDb } from '../../src/modules/queue/pg-boss-db';
import { cli, pct, readyz, startProcess, type Proc } from './common';

export interface EngineRow {
  name: string;
  checksPerSec: number;
  lagP50Ms: number;
  lagP99Ms: number;
  duplicated: number;
  missed: number;
  note?: string;
}

const SECONDS = Number(process.env.BENCH_ENGINE_SECONDS ?? 60);
const INTERVAL = 10;

/** Workers started per location so far: the next one is ready when that many have announced themselves. */
const started = new Map<string, number>();

/** A worker-only process (`npm run worker`): ready once its first heartbeat is in the database. */
function startWorker(env: Record<string, string>, db: Client, location: string): Promise<Proc> {
  const expected = (started.get(location) ?? 0) + 1;
  started.set(location, expected);
  return startProcess('dist/src/worker.js', { ...env, LOCATION: location }, async () => {
    const { rows } = await db.query<{ n: number }>('select count(*)::int as n from workers where location = $1', [location]);
    return rows[0].n >= expected;
  });
}

/** A target answering every check at once, in this process. */
async function startTarget(): Promise<{ url: string; hits: () => number; close(): Promise<void> }> {
  let hits = 0;
  const server = http.createServer((_req, res) => {
    hits++;
    res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}/health`, hits: () => hits, close: () => new Promise((r) => server.close(() => r())) };
}

/** Monitors inserted in one statement, their first slots spread evenly over the interval. */
/** What the rows read and write with: a pg Client (PostgreSQL), or the embedded database's one connection. */
type Sql = { query<T = Record<string, unknown>>(text: string, values?: unknown[]): Promise<{ rows: T[] }> };

async function seedMonitors(db: Sql, organizationId: string, count: number, url: string, locations: (i: number) => string): Promise<void> {
  const locs = Array.from({ length: count }, (_, i) => locations(i));
  await db.query(
    `with m as (insert into monitors (id, organization_id, name, url, method, headers, body, expected_status_codes, assertions, interval_seconds, timeout_ms,
                           failure_threshold, paused, status, consecutive_failures, last_run_at, next_run_at, created_at, updated_at, locations, min_failed_locations)
     select 'mon_bench' || lpad(i::text, 11, '0'), $1, 'bench ' || i, $2, 'GET', '[]', null, '["200-299"]', '[]', $3, 5000,
            2, false, 'PENDING', 0, null, now() + make_interval(secs => 5 + (i % 1000) * $3 / 1000.0), now(), now(), ($4::text[])[i + 1 : i + 1], 1
       from generate_series(0, $5 - 1) as i
     returning id, organization_id)
     insert into checks (id, organization_id, kind) select id, organization_id, 'monitor' from m`,
    [organizationId, url, INTERVAL, locs, count],
  );
  // ($4)[i+1:i+1] is a one-element slice of the location list: each monitor gets its own location.
}

interface Window {
  from: Date;
  to: Date;
}

/** Counts what the database recorded for slots due in the window: runs, lag, duplicated and missed slots. */
async function measure(db: Sql, w: Window, where = 'true'): Promise<Omit<EngineRow, 'name'>> {
  const { rows: runs } = await db.query<{ lag: number }>(
    `select extract(epoch from started_at - scheduled_at) * 1000 as lag from runs
      where scheduled_at >= $1 and scheduled_at < $2 and ${where}`,
    [w.from, w.to],
  );
  const lags = runs.map((r) => Number(r.lag)).sort((a, b) => a - b);
  const { rows: dup } = await db.query<{ n: number }>(
    `select count(*)::int as n from (select 1 from runs where scheduled_at >= $1 and scheduled_at < $2 and ${where}
       group by check_id, location, scheduled_at having count(*) > 1) d`,
    [w.from, w.to],
  );
  // Missed: slots of the window that have no run, from the gaps between a check's consecutive recorded slots
  // (every check runs every INTERVAL s: two runs 20 s apart are one slot missed).
  const { rows: missed } = await db.query<{ n: number }>(
    `select coalesce(sum(round(extract(epoch from gap) / $3) - 1), 0)::int as n from (
       select scheduled_at - lag(scheduled_at) over (partition by check_id, location order by scheduled_at) as gap
         from runs where scheduled_at >= $1 and scheduled_at < $2 and ${where}) g
      where gap > make_interval(secs => $3 * 1.5)`,
    [w.from, w.to, INTERVAL],
  );
  const seconds = (w.to.getTime() - w.from.getTime()) / 1000;
  return {
    checksPerSec: Math.round((runs.length / seconds) * 10) / 10,
    lagP50Ms: Math.round(pct(lags, 50) ?? 0),
    lagP99Ms: Math.round(pct(lags, 99) ?? 0),
    duplicated: dup[0].n,
    missed: missed[0].n,
  };
}

const dbNow = async (db: Client) => (await db.query<{ now: Date }>('select now()')).rows[0].now;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function meReqPerSec(url: string, key: string, seconds: number): Promise<number> {
  const r = await autocannon({
    url: `${url}/graphql`,
    connections: 10,
    duration: seconds,
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ query: '{ me { organization { id name } key { name permissions expiresAt } } }' }),
  });
  return Math.round(r.requests.average);
}

/** The settings every bench that runs workers shares: quick ticks, polls and leases, no rate limit, a local target. */
export const WORKER_BENCH_ENV: Record<string, string> = {
  LOG_LEVEL: 'warn',
  BOOTSTRAP_KEY: 'false',
  ALLOW_PRIVATE_TARGETS: 'true',
  RATE_LIMIT_PER_MINUTE: '10000000',
  SCHEDULE_TICK_MS: '500',
  WORKER_POLL_MS: '100',
  QUEUE_MAINTENANCE_SECONDS: '1',
  LEASE_MARGIN_SECONDS: '3',
  WORKER_HEARTBEAT_MS: '1000',
  WORKER_CONCURRENCY: '100',
};

export async function benchEngine(databaseUrl: string | undefined, log: (s: string) => void): Promise<{ rows: EngineRow[]; notes: string[] }> {
  const rows: EngineRow[] = [];
  const notes: string[] = [];
  const target = await startTarget();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tracer-bench-engine-'));
  const env: Record<string, string> = {
    ...(databaseUrl ? { DATABASE_URL: databaseUrl, SECRETS_KEY: randomBytes(32).toString('base64') } : { DATA_DIR: dataDir }),
    ...WORKER_BENCH_ENV,
  };
  const procs: Proc[] = [];
  try {
    const made = JSON.parse(await cli(['dist/src/cli/keys.js', 'create', '--org', 'Engine Bench', '--name', 'bench', '--permissions', 'all', '--json'], env)) as {
      key: string;
      organizationId: string;
    };
    await cli(['dist/src/cli/orgs.js', 'set-plan', '--org', 'Engine Bench', '--plan', 'UNLIMITED'], env);

    if (databaseUrl) {
      const db = new Client({ connectionString: databaseUrl });
      await db.connect();
      try {
        const monitors = Number(process.env.BENCH_ENGINE_MONITORS ?? 2000);
        const api = await startProcess('dist/src/server.js', { ...env, WORKER: 'false' }, readyz);
        procs.push(api);
        log(`engine: \`me\` on an API-only instance, idle (10 s)`);
        const idle = await meReqPerSec(api.url, made.key, 10);
        const a = await startWorker(env, db, 'a');
        const b = await startWorker(env, db, 'b');
        procs.push(a, b);
        await seedMonitors(db, made.organizationId, monitors, target.url, (i) => (i % 2 ? 'b' : 'a'));
        log(`engine: ${monitors} monitors every ${INTERVAL} s over locations a and b (${monitors / INTERVAL} checks/s offered); warm-up, then ${SECONDS} s`);
        await sleep(15_000);
        const from = await dbNow(db);
        const loaded = (async () => {
          await sleep((SECONDS / 2 - 5) * 1000);
          return meReqPerSec(api.url, made.key, 10);
        })();
        await sleep(SECONDS * 1000);
        const to = await dbNow(db);
        const during = await loaded;
        await sleep(3000); // slots of the window still running
        const m = await measure(db, { from, to });
        rows.push({ name: `PostgreSQL: ${monitors} monitors / ${INTERVAL} s, locations a + b, a worker process each`, ...m });
        notes.push(
          `\`me\` on an API-only instance: idle ${idle} req/s, during the check load ${during} req/s (${Math.round((during / idle) * 100) / 100}×)`,
        );

        log('engine: a second worker of location a, then SIGKILL the first mid-load');
        const a2 = await startWorker({ ...env, SCHEDULING: 'false' }, db, 'a');
        procs.push(a2);
        await sleep(5000);
        const killAt = await dbNow(db);
        a.child.kill('SIGKILL');
        await sleep(30_000);
        const after = await dbNow(db);
        await sleep(3000);
        const k = await measure(db, { from: new Date(killAt.getTime() - 5000), to: after }, `location = 'a'`);
        const { rows: worst } = await db.query<{ max: number }>(
          `select max(extract(epoch from started_at - scheduled_at) * 1000) as max from runs where location = 'a' and scheduled_at >= $1 and scheduled_at < $2`,
          [new Date(killAt.getTime() - 5000), after],
        );
        rows.push({
          name: 'PostgreSQL: SIGKILL one of two workers of location a mid-load (its slots, 5 s before to 30 s after)',
          ...k,
          note: `worst lag ${Math.round(Number(worst[0].max))} ms (the killed worker's jobs re-run after their lease: timeout 5 s + margin 3 s)`,
        });
      } finally {
        await db.end();
      }
    } else {
      const monitors = Number(process.env.BENCH_ENGINE_MONITORS ?? 600);
      // The embedded database belongs to one process at a time: seeded and measured while no server runs.
      const withEmbedded = async <T>(fn: (db: Sql) => Promise<T>): Promise<T> => {
        const emb = await openDatabase({ dataDir });
        const queue = ormDb(emb.orm.em); // its single connection is MikroORM's: speak through it
        try {
          return await fn({ query: (text, values) => queue.executeSql(text, values ?? []) as never });
        } finally {
          await emb.close();
        }
      };
      await withEmbedded((db) => seedMonitors(db, made.organizationId, monitors, target.url, () => 'local'));
      const full = await startProcess('dist/src/server.js', env, readyz); // `npm start`: API + worker
      procs.push(full);
      log(`engine (embedded): ${monitors} monitors every ${INTERVAL} s in one npm start process; warm-up, then ${SECONDS} s`);
      await sleep(15_000);
      const from = new Date();
      await sleep(SECONDS * 1000);
      const to = new Date();
      await sleep(3000);
      await full.stop();
      const m = await withEmbedded((db) => measure(db, { from, to }));
      rows.push({ name: `embedded: ${monitors} monitors / ${INTERVAL} s, one npm start process (API + worker)`, ...m });
    }
  } finally {
    await Promise.all(procs.map((p) => p.stop()));
    await target.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
  return { rows, notes };
}

export function engineTable(rows: EngineRow[], notes: string[]): string {
  const n = (x: number) => (Number.isFinite(x) ? String(x) : '—');
  return [
    '| engine row | checks/s | lag p50 ms | lag p99 ms | duplicated slots | missed slots | note |',
    '| --- | ---: | ---: | ---: | ---: | ---: | --- |',
    ...rows.map((r) => `| ${r.name} | ${r.checksPerSec} | ${n(r.lagP50Ms)} | ${n(r.lagP99Ms)} | ${n(r.duplicated)} | ${n(r.missed)} | ${r.note ?? ''} |`),
    '',
    ...notes.map((x) => `- ${x}`),
  ].join('\n');
}
