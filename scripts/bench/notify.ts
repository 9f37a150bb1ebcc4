/**
 * The notifications' rows of `npm run bench` (BENCH_ONLY=notify runs only these), on PostgreSQL (DATABASE_URL):
 * an API-only instance and two worker processes, a receiver in this process that verifies every webhook with the
 * standardwebhooks package.
 *
 * 1. Latency: monitors whose first run fails (one alert each, slots spread over 20 s); for each webhook, the time
 *    from the failing run's finish (the alert's openedAt) to the signed request's arrival: p50 / p99.
 * 2. Storm: 500 monitors failing in the same slot (500 alerts at once) while a steady check load runs; the receiver
 *    answers 500 to the first two attempts of every webhook-id; one of the two workers is killed (SIGKILL) and
 *    replaced during it. Counted: webhook-ids delivered (answered 200), delivered more than once, deliveries not
 *    DELIVERED; and the steady load's checks/s and lag during the storm against the same load just before it.
 */
import * as http from 'node:http';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { Webhook } from 'standardwebhooks';
import { cli, pct, readyz, startProcess, type Proc } from './common';
import { WORKER_BENCH_ENV } from './engine';

export interface NotifyRow {
  name: string;
  value: string;
  target: string;
  ok: boolean;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Receiver {
  url: string;
  /** webhook-id → answers given (status codes), in order. */
  answers: Map<string, number[]>;
  /** receivedAt − openedAt of the first request of each webhook-id, ms. */
  latencies: number[];
  badSignatures: number;
  failFirst: number;
  secret: string;
  close(): Promise<void>;
}

async function startReceiver(): Promise<Receiver> {
  const r: Receiver = { url: '', answers: new Map(), latencies: [], badSignatures: 0, failFirst: 0, secret: '', close: async () => {} };
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const at = Date.now();
      const id = String(req.headers['webhook-id']);
      try {
        new Webhook(r.secret).verify(body, req.headers as Record<string, string>);
      } catch {
        r.badSignatures++;
      }
      const seen = r.answers.get(id) ?? [];
      if (!seen.length) {
        const opened = (JSON.parse(body) as { data?: { alert?: { openedAt?: string } } }).data?.alert?.openedAt;
        if (opened) r.latencies.push(at - Date.parse(opened));
      }
      const status = seen.length < r.failFirst ? 500 : 200;
      seen.push(status);
      r.answers.set(id, seen);
      res.writeHead(status).end();
    });
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  r.url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  r.close = () => new Promise((done) => { server.closeAllConnections(); server.close(() => done()); });
  return r;
}

/** A target for the checks: /down answers 500, anything else 200. */
export async function startTarget(): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => res.writeHead(req.url === '/down' ? 500 : 200).end());
  server.keepAliveTimeout = 1000;
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, close: () => new Promise((done) => { server.closeAllConnections(); server.close(() => done()); }) };
}

/** Monitors in one statement: `count` of them, their first slots spread over `spreadS` seconds from `startInS`. */
export async function seed(db: Client, org: string, prefix: string, count: number, url: string, o: { interval: number; threshold: number; startInS: number; spreadS: number }) {
  await db.query(
    `with m as (insert into monitors (id, organization_id, name, url, method, headers, body, expected_status_codes, assertions, interval_seconds, timeout_ms,
                           failure_threshold, paused, status, consecutive_failures, last_run_at, next_run_at, created_at, updated_at, locations, min_failed_locations)
     select $6 || lpad(i::text, 8, '0'), $1, $6 || i, $2, 'GET', '[]', null, '["200-299"]', '[]', $3, 5000,
            $4, false, 'PENDING', 0, null, now() + make_interval(secs => $7 + (i % 1000) * $8 / 1000.0), now(), now(), '{local}', 1
       from generate_series(0, $5 - 1) as i
     returning id, organization_id)
     insert into checks (id, organization_id, kind) select id, organization_id, 'monitor' from m`,
    [org, url, o.interval, o.threshold, count, prefix, o.startInS, o.spreadS],
  );
}

async function checkRate(db: Client, prefix: string, from: Date, to: Date) {
  const { rows } = await db.query<{ lag: number }>(
    `select extract(epoch from started_at - scheduled_at) * 1000 as lag from runs where check_id like $3 and scheduled_at >= $1 and scheduled_at < $2`,
    [from, to, `${prefix}%`],
  );
  const lags = rows.map((r) => Number(r.lag)).sort((a, b) => a - b);
  return { perSec: rows.length / ((to.getTime() - from.getTime()) / 1000), p99: Math.round(pct(lags, 99) ?? 0) };
}

export async function benchNotify(databaseUrl: string, log: (s: string) => void): Promise<NotifyRow[]> {
  const rows: NotifyRow[] = [];
  const rx = await startReceiver();
  const target = await startTarget();
  const env: Record<string, string> = {
    DATABASE_URL: databaseUrl,
    SECRETS_KEY: randomBytes(32).toString('base64'),
    ...WORKER_BENCH_ENV,
    NOTIFY_CONCURRENCY: '50',
    NOTIFY_TIMEOUT_MS: '5000',
    // The default schedule's shape (each step longer), scaled down so the run fits in a bench.
    NOTIFY_RETRY_SCHEDULE_MS: '1000,2000,4000,8000,16000',
  };
  const procs: Proc[] = [];
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    const made = JSON.parse(await cli(['dist/src/cli/keys.js', 'create', '--org', 'Notify Bench', '--name', 'bench', '--permissions', 'all', '--json'], env)) as { key: string; organizationId: string };
    await cli(['dist/src/cli/orgs.js', 'set-plan', '--org', 'Notify Bench', '--plan', 'UNLIMITED'], env);
    const api = await startProcess('dist/src/server.js', { ...env, WORKER: 'false' }, readyz);
    procs.push(api);
    const res = await fetch(`${api.url}/v1/notification-channels`, {
      method: 'POST',
      headers: { authorization: `Bearer ${made.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'bench', type: 'WEBHOOK', url: `${rx.url}/hook`, events: ['ALERT_OPENED'] }),
    });
    rx.secret = ((await res.json()) as { data: { secret: string } }).data.secret;
    // Ready once its heartbeat row is in (rows of killed workers stay: count them all).
    let workersStarted = 0;
    const worker = () => {
      const expected = ++workersStarted;
      return startProcess('dist/src/worker.js', env, async () => (await db.query<{ n: number }>('select count(*)::int as n from workers')).rows[0].n >= expected);
    };
    const w1 = await worker();
    const w2 = await worker();
    procs.push(w1, w2);

    // 1. Latency.
    const n = 100;
    log(`notify: ${n} monitors whose first run fails (slots over 20 s): alert opened → signed webhook received`);
    await seed(db, made.organizationId, 'mon_lat', n, `${target.url}/down`, { interval: 3600, threshold: 1, startInS: 2, spreadS: 20 });
    for (let i = 0; i < 600 && rx.answers.size < n; i++) await sleep(100);
    const lat = [...rx.latencies].sort((a, b) => a - b);
    rows.push({
      name: `alert opened → signed webhook received (${lat.length} of ${n} alerts, 2 workers)`,
      value: `p50 ${pct(lat, 50)} ms, p99 ${pct(lat, 99)} ms, max ${lat.at(-1)} ms; bad signatures ${rx.badSignatures}`,
      target: 'p99 ≤ 1000 ms',
      ok: lat.length === n && pct(lat, 99) <= 1000 && rx.badSignatures === 0,
    });

    // 2. Storm under a steady check load.
    rx.answers.clear();
    rx.failFirst = 2;
    const steady = 400;
    await seed(db, made.organizationId, 'mon_bg', steady, `${target.url}/ok`, { interval: 10, threshold: 2, startInS: 1, spreadS: 10 });
    log(`notify: steady load ${steady} monitors / 10 s; 12 s warm-up, 20 s without notifications`);
    await sleep(12_000);
    const quietFrom = new Date();
    await sleep(20_000);
    const quietTo = new Date();
    const storm = 500;
    log(`notify: ${storm} alerts at once (receiver answers 500 twice per webhook-id), one worker SIGKILLed and replaced`);
    await seed(db, made.organizationId, 'mon_storm', storm, `${target.url}/down`, { interval: 3600, threshold: 1, startInS: 1, spreadS: 0 });
    const stormFrom = new Date();
    await sleep(3000);
    w1.child.kill('SIGKILL');
    procs.push(await worker());
    await sleep(17_000);
    const stormTo = new Date();
    for (let i = 0; i < 900 && [...rx.answers.values()].filter((a) => a.includes(200)).length < storm; i++) await sleep(100);
    await sleep(3000); // anything sent twice arrives
    const delivered = [...rx.answers.values()].filter((a) => a.includes(200)).length;
    const twice = [...rx.answers.values()].filter((a) => a.filter((s) => s === 200).length > 1).length;
    const { rows: left } = await db.query<{ n: number }>(
      `select count(*)::int as n from notification_deliveries d join alerts a on a.id = (d.payload->'data'->'alert'->>'id') where a.check_id like 'mon_storm%' and d.status <> 'DELIVERED'`,
    );
    const { rows: attempts } = await db.query<{ max: number; avg: number }>(
      `select max(d.attempts)::int as max, avg(d.attempts)::float as avg from notification_deliveries d join alerts a on a.id = (d.payload->'data'->'alert'->>'id') where a.check_id like 'mon_storm%'`,
    );
    const elapsed = Math.round((Date.now() - stormFrom.getTime()) / 1000);
    rows.push({
      name: `${storm} alerts at once, receiver answers 500 to the first two attempts, a worker SIGKILLed and replaced`,
      value: `${delivered} of ${storm} webhook-ids delivered (within ${elapsed} s), ${twice} answered 200 twice, ${left[0].n} deliveries not DELIVERED, attempts max ${attempts[0].max} avg ${Math.round(attempts[0].avg * 100) / 100}; bad signatures ${rx.badSignatures}`,
      target: 'every webhook-id delivered, none lost',
      ok: delivered === storm && left[0].n === 0,
    });
    const quiet = await checkRate(db, 'mon_bg', quietFrom, quietTo);
    const busy = await checkRate(db, 'mon_bg', stormFrom, stormTo);
    const ratio = Math.round((busy.perSec / quiet.perSec) * 100) / 100;
    rows.push({
      name: `steady check load during the storm (${steady} monitors / 10 s, same 2 workers)`,
      value: `${Math.round(busy.perSec * 10) / 10} checks/s (lag p99 ${busy.p99} ms) vs ${Math.round(quiet.perSec * 10) / 10} (lag p99 ${quiet.p99} ms) just before: ${ratio}×`,
      target: '≥ 0.8×',
      ok: ratio >= 0.8,
    });
  } finally {
    await Promise.all(procs.map((p) => p.stop()));
    await db.end();
    await rx.close();
    await target.close();
  }
  return rows;
}

/** Rows measured against a target, as a Markdown table (the notifications' rows; the live rows reuse it). */
export function notifyTable(rows: NotifyRow[], title = 'notifications row'): string {
  return [`| ${title} | measured | target | met |`, '| --- | --- | --- | --- |', ...rows.map((r) => `| ${r.name} | ${r.value} | ${r.target} | ${r.ok ? 'yes' : '**no**'} |`)].join('\n');
}
