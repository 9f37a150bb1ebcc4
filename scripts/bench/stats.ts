/**
 * The statistics rows (BENCH_ONLY=stats; DATABASE_URL for PostgreSQL, else embedded):
 * - `monitors(first: 50) { nodes { stats(window: LAST_30_DAYS) { … } recentRuns(limit: 20) { status } } }` on an
 *   organization with 30 days of 1-minute runs (2.16 M) against one with 1 day, same server, interleaved rounds;
 * - one monitor's 90-day `series(interval: DAY)`;
 * - recording a run with its rollup against recording it without (RunRecorder.record, in process).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { openDatabase } from '../../src/db/database';
import { OrganizationService } from '../../src/modules/organization/organization.service';
import { AlertService } from '../../src/modules/alerts/alert.service';
import { RunRecorder } from '../../src/modules/runs/run-recorder';
import { RollupWriter } from '../../src/modules/stats/rollup.writer';
import { Monitor } from '../../src/modules/checks/kinds/monitor/monitor.entity';
import { newId } from '../../src/modules/common/ids';
import { seedHistory } from '../seed-history';
import { cli, median, pct, readyz, startProcess, withPostgresDatabase, type Proc } from './common';

const LIST = `query { monitors(first: 50) { nodes { id stats(window: LAST_30_DAYS) { uptimePercent responseTime { p95 } } recentRuns(limit: 20) { status } } } }`;
const SERIES = `query($id: ID!) { monitor(id: $id) { series(window: LAST_90_DAYS, interval: DAY) { start runs uptimePercent p50 p95 } } }`;

export interface StatsBench {
  database: string;
  rows: { name: string; value: string; target: string; ok: boolean }[];
  notes: string[];
}

/**
 * Server time without asking the server for it: no timing header (Server-Timing would hand every client, also an
 * unauthenticated one, a clock on the authentication path). The bench's server logs at `info`, where Fastify writes
 * one `request completed` line per request with its own `responseTime` (ms from the request's routing to the end of
 * its response). Requests go one at a time, so the n-th line after a mark is the n-th request after it.
 */
const count = (text: string, msg: string) => text.split(`"msg":"${msg}"`).length - 1;

/** Waits until every request the server took is logged as completed; answers the output's length then (a mark). */
async function settled(server: Proc): Promise<number> {
  for (let i = 0; i < 500; i++) {
    const out = server.output();
    if (count(out, 'incoming request') === count(out, 'request completed') && out.endsWith('\n')) return out.length;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('the server did not log every request as completed');
}

/** Fastify's `responseTime` of the `n` requests since `mark`, in order. */
async function serverTimes(server: Proc, mark: number, n: number): Promise<number[]> {
  const end = await settled(server);
  const times = server
    .output()
    .slice(mark, end)
    .split('\n')
    .filter((line) => line.includes('"msg":"request completed"'))
    .map((line) => (JSON.parse(line) as { responseTime: number }).responseTime);
  if (times.length !== n) throw new Error(`expected ${n} logged requests, found ${times.length}`);
  return times;
}

const p = (xs: number[], q: number) => pct([...xs].sort((a, b) => a - b), q);
const ms = (x: number) => `${x.toFixed(1)} ms`;

async function timed(url: string, key: string, query: string, variables?: Record<string, unknown>): Promise<number> {
  const t0 = performance.now();
  const res = await fetch(`${url}/graphql`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify({ query, variables }) });
  const body = (await res.json()) as { errors?: unknown };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return performance.now() - t0;
}

export async function benchStats(databaseUrl: string | undefined, log: (s: string) => void): Promise<StatsBench> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tracer-bench-stats-'));
  const env: Record<string, string> = databaseUrl ? { DATABASE_URL: databaseUrl, SECRETS_KEY: randomBytes(32).toString('base64') } : { DATA_DIR: dataDir };
  const rows: StatsBench['rows'] = [];
  const notes: string[] = [];
  try {
    // History first (the embedded database belongs to one process at a time), then keys, then the server.
    for (const [org, monitors, days] of [['Day Inc', 50, 1], ['Month Inc', 50, 30], ['Quarter Inc', 1, 90]] as const) {
      const t0 = performance.now();
      const out = await cli(['dist/scripts/seed-history.js', '--org', org, '--monitors', String(monitors), '--days', String(days)], env);
      log(`seeded ${org} in ${Math.round((performance.now() - t0) / 1000)} s: ${out.split('\n')[0]}`);
    }
    const key = async (org: string) => (JSON.parse(await cli(['dist/src/cli/keys.js', 'create', '--org', org, '--name', 'bench', '--permissions', 'all', '--json'], { ...env, BCRYPT_COST: '4' })) as { key: string }).key;
    const [dayKey, monthKey, quarterKey] = [await key('Day Inc'), await key('Month Inc'), await key('Quarter Inc')];
    // LOG_REQUESTS=true: the server's own response times are read from its log (serverTimes).
    const server = await startProcess('dist/src/server.js', { ...env, BOOTSTRAP_KEY: 'false', SCHEDULING: 'false', WORKER: 'false', LOG_LEVEL: 'info', LOG_REQUESTS: 'true', RATE_LIMIT_PER_MINUTE: '1000000' }, readyz);
    try {
      for (let i = 0; i < 5; i++) {
        await timed(server.url, dayKey, LIST);
        await timed(server.url, monthKey, LIST);
      }
      const day: number[] = [];
      const month: number[] = [];
      let mark = await settled(server);
      for (let i = 0; i < 40; i++) {
        day.push(await timed(server.url, dayKey, LIST));
        month.push(await timed(server.url, monthKey, LIST));
      }
      const logged = await serverTimes(server, mark, 80);
      const [dayServer, monthServer] = [logged.filter((_, i) => i % 2 === 0), logged.filter((_, i) => i % 2 === 1)];
      const ratio = median(month) / median(day);
      rows.push({
        name: 'monitors(first: 50) { stats(LAST_30_DAYS) recentRuns(20) }: 30 days of 1-minute runs vs 1 day (client; server)',
        value: `${median(month).toFixed(1)} ms vs ${median(day).toFixed(1)} ms = ${ratio.toFixed(2)}×; server ${median(monthServer).toFixed(1)} vs ${median(dayServer).toFixed(1)} ms = ${(median(monthServer) / median(dayServer)).toFixed(2)}×`,
        target: '≤ 1.2×',
        ok: ratio <= 1.2,
      });
      const res = (await (await fetch(`${server.url}/graphql`, { method: 'POST', headers: { authorization: `Bearer ${quarterKey}`, 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ monitors(first: 1) { nodes { id } } }' }) })).json()) as {
        data: { monitors: { nodes: { id: string }[] } };
      };
      const id = res.data.monitors.nodes[0].id;
      for (let i = 0; i < 5; i++) await timed(server.url, quarterKey, SERIES, { id });
      const series: number[] = [];
      mark = await settled(server);
      for (let i = 0; i < 100; i++) series.push(await timed(server.url, quarterKey, SERIES, { id }));
      const seriesServer = await serverTimes(server, mark, 100);
      rows.push({
        name: "one monitor's series(LAST_90_DAYS, DAY), 90 days of 1-minute runs: server time p50 / p99 (client round trip p50 / p99)",
        value: `${ms(p(seriesServer, 50))} / ${ms(p(seriesServer, 99))} (${ms(p(series, 50))} / ${ms(p(series, 99))})`,
        target: '≤ 20 ms server time',
        ok: p(seriesServer, 50) <= 20,
      });
    } finally {
      await server.stop();
    }
    const recording = await benchRecording(databaseUrl ? databaseUrl : undefined, databaseUrl ? undefined : dataDir);
    rows.push({
      name: 'recording a run (RunRecorder.record: run row, status, alert rule) with its rollup vs without',
      value: `${recording.with.toFixed(2)} ms vs ${recording.without.toFixed(2)} ms = ${(recording.with / recording.without).toFixed(2)}×`,
      target: '≤ 1.3×',
      ok: recording.with / recording.without <= 1.3,
    });
    notes.push(
      'Client latencies are measured by a client on the same machine (server time plus the loopback round trip); server time is the responseTime Fastify logs for each request ("request completed", LOG_REQUESTS=true). The list: medians of 40 requests per organization; the series: 100 requests.',
    );
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
  return { database: databaseUrl ? 'postgresql' : 'embedded', rows, notes };
}

/** Median time of one recording transaction, with and without the rollup upsert, alternating. */
async function benchRecording(url: string | undefined, dataDir: string | undefined): Promise<{ with: number; without: number }> {
  const db = await openDatabase({ url, dataDir });
  try {
    const now = () => new Date();
    const em = db.orm.em.fork();
    const { org } = await new OrganizationService(now, 'UNLIMITED').findOrCreate(em, 'Recording Inc');
    const { monitorIds } = await seedHistory(em, { organizationId: org.id, monitors: 20, days: 1, intervalSeconds: 600 });
    const make = (rollups: RollupWriter | null) => new RunRecorder({ alerts: new AlertService(now), rollups });
    const services = { with: make(new RollupWriter()), without: make(null) };
    const times = { with: [] as number[], without: [] as number[] };
    let slot = Date.now() + 86_400_000;
    // Alternating run by run (not in blocks), so a burst of load from elsewhere on the machine falls on both.
    for (let round = 0; round < 20; round++)
      for (let i = 0; i < 50; i++)
        for (const mode of i % 2 ? (['with', 'without'] as const) : (['without', 'with'] as const)) {
          const monitorId = monitorIds[i % monitorIds.length];
          const entity = await db.orm.em.fork().findOneOrFail(Monitor, { id: monitorId });
          const startedAt = new Date((slot += 1000));
          const t0 = performance.now();
          await services[mode].record(
            db.orm.em.fork(),
            { kind: 'monitor', entity },
            { kind: 'monitor', checkId: monitorId, organizationId: org.id, location: 'local', scheduledAt: startedAt.toISOString(), runId: newId('run'), trigger: 'SCHEDULED' },
            { status: 'PASSED', responseStatus: 200, timings: { dns: 1, connect: 1, tls: null, firstByte: 20, total: 25 }, assertions: [], steps: null, error: null, startedAt, finishedAt: new Date(startedAt.getTime() + 25) },
          );
          if (round >= 2) times[mode].push(performance.now() - t0); // the first rounds warm up
        }
    return { with: median(times.with), without: median(times.without) };
  } finally {
    await db.close();
  }
}

export function statsTable(b: StatsBench): string {
  return [
    `| statistics row (${b.database}) | measured | target | |`,
    '| --- | --- | --- | --- |',
    ...b.rows.map((r) => `| ${r.name} | ${r.value} | ${r.target} | ${r.ok ? 'met' : 'NOT met'} |`),
    '',
    ...b.notes.map((n) => `- ${n}`),
  ].join('\n');
}

export const benchStatsOn = (databaseUrl: string | undefined, log: (s: string) => void) =>
  databaseUrl ? withPostgresDatabase(databaseUrl, (u) => benchStats(u, log)) : benchStats(undefined, log);
