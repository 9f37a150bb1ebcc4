/**
 * Statistics from rollups: the histogram's percentiles against exact ones (pure, and through the database from runs
 * recorded with known durations), rollups written exactly once per recorded run, windows, series, location filter,
 * batching across a list, runs under maintenance left out, and the API's validation and scopes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as ops from '../../src/client/generated/graphql';
import { startTestApp, type TestApp } from '../helpers/app';
import { json, startTarget, type Target } from '../helpers/target';
import { bucketBounds, bucketOf, BUCKETS, exactPercentile, percentile, type Histogram } from '../../src/modules/stats/histogram';
import { RollupWriter } from '../../src/modules/stats/rollup.writer';
import { newId } from '../../src/modules/common/ids';
import { Monitor } from '../../src/modules/checks/kinds/monitor/monitor.entity';
import type { CheckJob } from '../../src/modules/runs/check-job';
import type { Organization } from '../../src/modules/organization/organization.entity';
import type { Client } from '../helpers/client';

const histogramOf = (values: number[]) => {
  const h: Histogram = {};
  for (const v of values) h[bucketOf(v)] = (h[bucketOf(v)] ?? 0) + 1;
  return h;
};
const within5 = (estimate: number | null, exact: number | null) => {
  expect(estimate).not.toBeNull();
  expect(Math.abs(estimate! - exact!)).toBeLessThanOrEqual(0.05 * exact! + 0.5); // + 0.5: answers are rounded to 1 ms
};

describe('histogram', () => {
  it('every bucket holds the values that map to it, and bounds grow by 5%', () => {
    for (let b = 32; b < BUCKETS - 1; b++) {
      const [lo, hi] = bucketBounds(b);
      expect(hi / lo).toBeCloseTo(1.05, 10);
      expect(bucketOf(Math.ceil(lo))).toBe(b);
      expect(bucketOf(Math.ceil(hi))).toBe(b + 1);
    }
    expect(bucketOf(10 * 3_600_000)).toBe(BUCKETS - 1);
  });

  it('p50, p95 and p99 read from it are within 5% of the exact nearest-rank percentiles', () => {
    const durations = fc.oneof(
      fc.array(fc.integer({ min: 0, max: 120_000 }), { minLength: 1, maxLength: 400 }),
      // Clustered like real response times: a base latency with a long tail.
      fc.array(fc.tuple(fc.integer({ min: 20, max: 400 }), fc.double({ min: 0, max: 1, noNaN: true })).map(([base, u]) => Math.round(base / (1 - 0.98 * u))), { minLength: 1, maxLength: 400 }),
    );
    fc.assert(
      fc.property(durations, (values) => {
        const h = histogramOf(values);
        for (const p of [50, 95, 99]) {
          const exact = exactPercentile(values, p)!;
          const estimate = percentile(h, p)!;
          if (Math.abs(estimate - exact) > 0.05 * exact) return false;
        }
        return true;
      }),
      { numRuns: 300 },
    );
  });
});

let t: TestApp;
let target: Target;
let org: Organization;
let admin: Client;
const sql = <T = Record<string, unknown>>(text: string, params: unknown[] = []) => t.db.orm.em.getConnection().execute<T[]>(text, params as never[]);

beforeAll(async () => {
  t = await startTestApp();
  target = await startTarget();
  target.route('/ok', json(200, { ok: true }));
  target.route('/down', json(500, { ok: false }));
  org = await t.org('Stats Inc');
  await t.app.services.billing.setPlan(t.db.orm.em.fork(), org.id, 'UNLIMITED');
  admin = (await t.key(org, ['all'])).client;
});
afterAll(async () => {
  await target?.close();
  await t?.close();
});

const createMonitor = async (input: Record<string, unknown> = {}) => {
  const res = await admin.gql(ops.CreateMonitorDocument, { input: { name: 'm', url: `${target.url}/ok`, intervalSeconds: 3600, ...input } as never });
  expect(res.errors).toBeUndefined();
  return res.data!.createMonitor;
};

/** A run stored as the engine stores one: the run and its rollups in the writer's one statement, in a transaction. */
async function storeRun(monitorId: string, at: Date, durationMs: number, status: 'PASSED' | 'FAILED' | 'ERROR', location = 'local', organizationId = org.id) {
  const writer = new RollupWriter();
  const finishedAt = new Date(at.getTime() + durationMs);
  await t.db.orm.em.fork().transactional(async (tx) => {
    const insert = {
      sql: `insert into runs (id, slot_at, organization_id, check_id, trigger, status, location, started_at, finished_at, duration_ms, assertions)
            values (?, ?, ?, ?, 'MANUAL', ?, ?, ?, ?, ?, '[]')`,
      params: [newId('run'), at, organizationId, monitorId, status, location, at, finishedAt, durationMs],
    };
    await writer.insertWithRun(tx, insert, { checkId: monitorId, organizationId, location, startedAt: at, finishedAt, passed: status === 'PASSED', durationMs });
  });
}

describe('rollups against raw runs', () => {
  it('stats over generated runs: counts exact, percentiles within 5% of the exact ones from the runs', async () => {
    const m = await createMonitor();
    // Deterministic, long-tailed durations over the last 40 hours (so the 7-day window reads day and hour rows).
    let seed = 42;
    const rand = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    const now = Date.now();
    const batch: Promise<void>[] = [];
    for (let i = 0; i < 1200; i++) {
      const duration = Math.round(40 + 60 * rand() + (rand() < 0.08 ? 3000 * rand() : 0));
      const status = rand() < 0.03 ? 'FAILED' : rand() < 0.01 ? 'ERROR' : 'PASSED';
      batch.push(storeRun(m.id, new Date(now - Math.floor(rand() * 40 * 3_600_000)), duration, status));
      if (batch.length === 8) await Promise.all(batch.splice(0));
    }
    await Promise.all(batch);

    // The windows are read at `now` (the app's clock pinned): a test that crossed an hour while it ran compared the
    // raw runs since one hour with the rollups since the next (698 against 731 runs, at 03:00).
    t.clock.now = new Date(now);
    for (const window of ['LAST_24_HOURS', 'LAST_7_DAYS'] as const) {
      const since =
        window === 'LAST_24_HOURS' ? new Date(Math.floor(now / 3_600_000) * 3_600_000 - 23 * 3_600_000) : new Date(Math.floor(now / 86_400_000) * 86_400_000 - 6 * 86_400_000);
      const [exact] = await sql<Record<string, number>>(
        `select count(*)::int as runs, count(*) filter (where status <> 'PASSED')::int as failures, avg(duration_ms)::float8 as avg,
                percentile_disc(0.5) within group (order by duration_ms) as p50,
                percentile_disc(0.95) within group (order by duration_ms) as p95,
                percentile_disc(0.99) within group (order by duration_ms) as p99
           from runs where check_id = ? and started_at >= ?`,
        [m.id, since],
      );
      const res = await admin.gql(ops.MonitorStatsDocument, { id: m.id, window });
      expect(res.errors).toBeUndefined();
      const stats = res.data!.monitor.stats;
      expect(stats.runs).toBe(exact.runs);
      expect(stats.failures).toBe(exact.failures);
      expect(stats.uptimePercent).toBeCloseTo((100 * (exact.runs - exact.failures)) / exact.runs, 2);
      expect(stats.responseTime.avg).toBe(Math.round(exact.avg));
      within5(stats.responseTime.p50, exact.p50);
      within5(stats.responseTime.p95, exact.p95);
      within5(stats.responseTime.p99, exact.p99);
    }
    // Asked again, the sealed days come from the process's cache: the same answer.
    const again = async () => (await admin.gql(ops.MonitorStatsDocument, { id: m.id, window: 'LAST_7_DAYS' })).data!.monitor.stats;
    expect(await again()).toEqual(await again());
    t.clock.now = null;
    // The 7-day window read day rows, the 24-hour one hour rows: both spans exist and agree.
    const spans = await sql<{ span: string; runs: number }>(`select span, sum(runs)::int as runs from run_rollups where check_id = ? group by span order by span`, [m.id]);
    expect(spans).toEqual([
      { span: 'DAY', runs: 1200 },
      { span: 'HOUR', runs: 1200 },
    ]);
  });

  it('a run recorded by the engine is rolled up once, however often its job runs', async () => {
    const m = await createMonitor();
    const job: CheckJob = { kind: 'monitor', checkId: m.id, organizationId: org.id, location: 'local', scheduledAt: new Date().toISOString(), runId: newId('run'), trigger: 'SCHEDULED' };
    expect(await t.app.services.runs.execute(t.db.orm.em.fork(), job)).toBe('recorded');
    expect(await t.app.services.runs.execute(t.db.orm.em.fork(), job)).toBe('duplicate');
    expect(await t.app.services.runs.execute(t.db.orm.em.fork(), { ...job, runId: newId('run') })).toBe('duplicate');
    const down = await createMonitor({ url: `${target.url}/down` });
    expect(await t.app.services.runs.execute(t.db.orm.em.fork(), { ...job, checkId: down.id, runId: newId('run') })).toBe('recorded');

    const [run] = await sql<{ duration_ms: number }>('select duration_ms from runs where id = ?', [job.runId]);
    const stats = (await admin.gql(ops.MonitorStatsDocument, { id: m.id, window: 'LAST_24_HOURS' })).data!.monitor.stats;
    expect(stats).toMatchObject({ uptimePercent: 100, runs: 1, failures: 0, responseTime: { avg: run.duration_ms } });
    within5(stats.responseTime.p99, run.duration_ms); // exact below 32 ms, within its bucket above
    const failing = (await admin.gql(ops.MonitorStatsDocument, { id: down.id, window: 'LAST_24_HOURS' })).data!.monitor.stats;
    expect(failing).toMatchObject({ uptimePercent: 0, runs: 1, failures: 1 });
  });

  it('recording writes the run and its rollups in one statement, whatever the run says', async () => {
    const m = await createMonitor();
    const entity = await t.db.orm.em.fork().findOneOrFail(Monitor, { id: m.id });
    const job: CheckJob = { kind: 'monitor', checkId: m.id, organizationId: org.id, location: 'local', scheduledAt: new Date().toISOString(), runId: newId('run'), trigger: 'SCHEDULED' };
    const error = `it's ? $1 ?? \\ "quoted" ${'x'.repeat(50)}`;
    const startedAt = new Date();
    const result = { status: 'FAILED' as const, responseStatus: 500, timings: null, assertions: [{ source: 'body', property: "a?'b", comparison: 'equals', target: '$2 ?', passed: false, actual: null }], steps: null, error, startedAt, finishedAt: new Date(startedAt.getTime() + 40) };
    t.queries.length = 0;
    expect(await t.app.services.recorder.record(t.db.orm.em.fork(), { kind: 'monitor', entity }, job, result as never)).toBe('recorded');
    expect(t.queries.filter((q) => q.includes('insert into "runs"'))).toEqual([expect.stringContaining('insert into run_rollups')]);
    expect(await t.app.services.recorder.record(t.db.orm.em.fork(), { kind: 'monitor', entity }, job, result as never)).toBe('duplicate');
    const [run] = await sql<{ error: string; assertions: unknown; duration_ms: number }>('select error, assertions, duration_ms from runs where id = ?', [job.runId]);
    expect(run).toEqual({ error, assertions: result.assertions, duration_ms: 40 });
    const stats = (await admin.gql(ops.MonitorStatsDocument, { id: m.id, window: 'LAST_24_HOURS' })).data!.monitor.stats;
    expect(stats).toMatchObject({ runs: 1, failures: 1, responseTime: { avg: 40, p50: 40 } });
  });

  it('a deleted monitor takes its rollups with it', async () => {
    const m = await createMonitor();
    await storeRun(m.id, new Date(), 10, 'PASSED');
    expect(await sql('select 1 from run_rollups where check_id = ?', [m.id])).toHaveLength(2);
    await admin.gql(ops.DeleteMonitorDocument, { id: m.id });
    expect(await sql('select 1 from run_rollups where check_id = ?', [m.id])).toHaveLength(0);
  });
});

describe('maintenance windows', () => {
  it("runs that finish inside a window of their check are recorded but left out of stats, series and the overview; other checks' and other organizations' windows change nothing", async () => {
    const o = await t.org('Maintenance Stats Inc');
    await t.app.services.billing.setPlan(t.db.orm.em.fork(), o.id, 'UNLIMITED');
    const { client } = await t.key(o, ['all']);
    const mk = async (path: string) => (await client.gql(ops.CreateMonitorDocument, { input: { name: path, url: `${target.url}${path}`, intervalSeconds: 3600 } })).data!.createMonitor.id;
    const deploying = await mk('/ok');
    const bystander = await mk('/down');
    const hour = 3_600_000;
    const now = Date.now();
    const startsAt = now - 2 * hour;
    const window = async (c: Client, input: Record<string, unknown>) => {
      const res = await c.gql(ops.CreateMaintenanceWindowDocument, { input: { name: 'Deploy', endsAt: new Date(now + hour).toISOString(), ...input } as never });
      expect(res.errors).toBeUndefined();
    };
    await window(client, { startsAt: new Date(startsAt).toISOString(), checkIds: [deploying] });
    // The whole organization, from 20 minutes ago.
    await window(client, { startsAt: new Date(now - hour / 3).toISOString() });
    // Another organization's windows: one for all its checks, and one (written directly, as the API refuses ids
    // of other organizations) naming ours.
    const foreign = await t.org('Foreign Maintenance Inc');
    await window((await t.key(foreign, ['all'])).client, { startsAt: new Date(now - 3 * hour).toISOString() });
    await sql(`insert into maintenance_windows (id, organization_id, name, starts_at, ends_at, check_ids, created_at) values (?, ?, 'x', ?, ?, ?::text[], ?)`, [
      newId('mnt'),
      foreign.id,
      new Date(now - 3 * hour),
      new Date(now + hour),
      `{${deploying},${bystander}}`,
      new Date(now),
    ]);

    await storeRun(deploying, new Date(now - 3 * hour), 50, 'PASSED', 'local', o.id); // before the window
    await storeRun(deploying, new Date(startsAt - 101), 100, 'FAILED', 'local', o.id); // finished 1 ms before it started
    await storeRun(deploying, new Date(startsAt - 100), 100, 'FAILED', 'local', o.id); // started before, finished at its start: inside
    await storeRun(deploying, new Date(now - hour), 300, 'FAILED', 'local', o.id); // inside
    await storeRun(bystander, new Date(now - hour), 200, 'FAILED', 'local', o.id); // the window names the other check only
    // Through the engine, during the organization-wide window: recorded, not counted.
    const job: CheckJob = { kind: 'monitor', checkId: bystander, organizationId: o.id, location: 'local', scheduledAt: new Date().toISOString(), runId: newId('run'), trigger: 'SCHEDULED' };
    expect(await t.app.services.runs.execute(t.db.orm.em.fork(), job)).toBe('recorded');

    const runsOf = async (id: string) => (await client.gql(ops.MonitorRunsDocument, { monitorId: id })).data!.monitorRuns.nodes.length;
    expect([await runsOf(deploying), await runsOf(bystander)]).toEqual([4, 2]);

    const stats = async (id: string) => (await client.gql(ops.MonitorStatsDocument, { id, window: 'LAST_24_HOURS' })).data!.monitor.stats;
    expect(await stats(deploying)).toMatchObject({ runs: 2, failures: 1, uptimePercent: 50, responseTime: { avg: 75 } });
    expect(await stats(bystander)).toMatchObject({ runs: 1, failures: 1, uptimePercent: 0, responseTime: { avg: 200 } });
    const week = (await client.gql(ops.MonitorStatsDocument, { id: deploying, window: 'LAST_7_DAYS' })).data!.monitor.stats;
    expect(week).toMatchObject({ runs: 2, failures: 1 });

    const hours = (await client.gql(ops.MonitorSeriesDocument, { id: deploying, window: 'LAST_24_HOURS', interval: 'HOUR' })).data!.monitor.series;
    const at = (ms: number) => hours.find((b) => new Date(b.start).getTime() === Math.floor(ms / hour) * hour)!;
    expect(at(now - hour)).toMatchObject({ runs: 0, failures: 0, uptimePercent: null });
    expect(at(now - 3 * hour)).toMatchObject({ runs: 1, failures: 0 });
    expect(hours.reduce((n, b) => n + b.runs, 0)).toBe(2);
    const days = (await client.gql(ops.MonitorSeriesDocument, { id: deploying, window: 'LAST_7_DAYS', interval: 'DAY' })).data!.monitor.series;
    expect(days.reduce((n, b) => n + b.runs, 0)).toBe(2);

    // 1 passed of 3 counted runs (of 6 recorded).
    const overview = (await client.gql(ops.OrganizationOverviewDocument)).data!.organization.overview;
    expect(overview.uptimePercent24h).toBeCloseTo(100 / 3, 2);
    const rest = await client.rest('GET', `/v1/monitors/${deploying}/stats?window=LAST_24_HOURS`);
    expect(rest.body).toMatchObject({ success: true, data: { runs: 2, failures: 1, uptime_percent: 50 } });
  });
});

describe('windows, series and locations', () => {
  it('no runs: uptime and response times are null, counts 0', async () => {
    const m = await createMonitor();
    const stats = (await admin.gql(ops.MonitorStatsDocument, { id: m.id, window: 'LAST_90_DAYS' })).data!.monitor.stats;
    expect(stats).toEqual({ uptimePercent: null, runs: 0, failures: 0, degraded: 0, responseTime: { p50: null, p95: null, p99: null, avg: null } });
  });

  it('series: every bucket of the window, oldest first, runs where they happened; per location', async () => {
    const m = await createMonitor({ locations: ['local'] });
    const now = Date.now();
    const hour = 3_600_000;
    await storeRun(m.id, new Date(now), 100, 'PASSED');
    await storeRun(m.id, new Date(now), 300, 'FAILED', 'eu');
    await storeRun(m.id, new Date(now - 5 * hour), 200, 'PASSED');
    await storeRun(m.id, new Date(now - 3 * 86_400_000), 50, 'PASSED');
    await storeRun(m.id, new Date(now - 100 * 86_400_000), 50, 'PASSED'); // outside every window

    const hours = (await admin.gql(ops.MonitorSeriesDocument, { id: m.id, window: 'LAST_24_HOURS', interval: 'HOUR' })).data!.monitor.series;
    expect(hours).toHaveLength(24);
    expect(new Date(hours[23].start).getTime()).toBe(Math.floor(now / hour) * hour);
    expect(hours[23]).toMatchObject({ runs: 2, failures: 1, uptimePercent: 50 });
    expect(hours[18]).toMatchObject({ runs: 1, failures: 0, uptimePercent: 100 });
    within5(hours[18].p50, 200); // an estimate from inside its 5% bucket
    expect(hours[18].p95).toBe(hours[18].p50);
    expect(hours[0]).toMatchObject({ runs: 0, failures: 0, uptimePercent: null, p50: null, p95: null });
    expect(hours.reduce((s, b) => s + b.runs, 0)).toBe(3);

    const days = (await admin.gql(ops.MonitorSeriesDocument, { id: m.id, window: 'LAST_90_DAYS', interval: 'DAY' })).data!.monitor.series;
    expect(days).toHaveLength(90);
    expect(new Date(days[89].start).toISOString().slice(11)).toBe('00:00:00.000Z');
    expect(days.reduce((s, b) => s + b.runs, 0)).toBe(4);

    const eu = (await admin.gql(ops.MonitorStatsDocument, { id: m.id, window: 'LAST_7_DAYS', location: 'eu' })).data!.monitor.stats;
    expect(eu).toMatchObject({ runs: 1, failures: 1, uptimePercent: 0, responseTime: { avg: 300 } });
    const all = (await admin.gql(ops.MonitorStatsDocument, { id: m.id, window: 'LAST_7_DAYS' })).data!.monitor.stats;
    expect(all).toMatchObject({ runs: 4, failures: 1, uptimePercent: 75 });

    const rest = await admin.rest('GET', `/v1/monitors/${m.id}/series?window=LAST_7_DAYS&interval=DAY&location=eu`);
    expect(rest.status).toBe(200);
    expect((rest.body.data as unknown[]).length).toBe(7);
    const restStats = await admin.rest('GET', `/v1/monitors/${m.id}/stats?window=LAST_7_DAYS`);
    expect(restStats.body).toMatchObject({ success: true, data: { runs: 4, failures: 1, uptime_percent: 75 } });
  });

  it('journeys have the same statistics', async () => {
    const j = (await admin.gql(ops.CreateJourneyDocument, { input: { name: 'j', steps: [{ name: 's', request: { method: 'GET', url: `${target.url}/ok`, headers: [] }, assertions: [], extractions: [] }] as never } })).data!.createJourney;
    const job: CheckJob = { kind: 'journey', checkId: j.id, organizationId: org.id, location: 'local', scheduledAt: new Date().toISOString(), runId: newId('run'), trigger: 'SCHEDULED' };
    expect(await t.app.services.runs.execute(t.db.orm.em.fork(), job)).toBe('recorded');
    const stats = (await admin.gql(ops.JourneyStatsDocument, { id: j.id, window: 'LAST_24_HOURS' })).data!.journey.stats;
    expect(stats).toMatchObject({ runs: 1, failures: 0, uptimePercent: 100 });
    const series = (await admin.gql(ops.JourneySeriesDocument, { id: j.id, window: 'LAST_7_DAYS', interval: 'DAY' })).data!.journey.series;
    expect(series.at(-1)).toMatchObject({ runs: 1 });
    const rest = await admin.rest('GET', `/v1/journeys/${j.id}/stats?window=LAST_30_DAYS`);
    expect(rest.body).toMatchObject({ success: true, data: { runs: 1 } });
  });
});

describe('a list costs a constant number of statements', () => {
  it('monitors { stats } for 3 monitors and for 12 runs the same statements', async () => {
    const other = await t.org('Batch Inc');
    await t.app.services.billing.setPlan(t.db.orm.em.fork(), other.id, 'UNLIMITED');
    const { client } = await t.key(other, ['all']);
    const count = async () => {
      await client.gql(ops.MonitorsUptimeDocument, {}); // warm the key cache
      t.queries.length = 0;
      const res = await client.gql(ops.MonitorsUptimeDocument, {});
      expect(res.errors).toBeUndefined();
      return { statements: t.requestQueries().length, nodes: res.data!.monitors.nodes.length };
    };
    for (let i = 0; i < 3; i++) await client.gql(ops.CreateMonitorDocument, { input: { name: `b${i}`, url: `${target.url}/ok` } });
    const few = await count();
    for (let i = 3; i < 12; i++) await client.gql(ops.CreateMonitorDocument, { input: { name: `b${i}`, url: `${target.url}/ok` } });
    const many = await count();
    expect([few.nodes, many.nodes]).toEqual([3, 12]);
    expect(many.statements).toBe(few.statements);
  });
});

describe('validation and scopes', () => {
  it('a window that is not one of the four is BAD_USER_INPUT (GraphQL variables and REST), a bad location too', async () => {
    const m = await createMonitor();
    const gql = await admin.gql(ops.MonitorStatsDocument, { id: m.id, window: 'LAST_YEAR' as never });
    expect(gql.errors![0].extensions!.code).toBe('BAD_USER_INPUT');
    const rest = await admin.rest('GET', `/v1/monitors/${m.id}/stats?window=LAST_YEAR`);
    expect(rest.status).toBe(400);
    expect(rest.body.error!.code).toBe('BAD_USER_INPUT');
    const interval = await admin.rest('GET', `/v1/monitors/${m.id}/series?interval=WEEK`);
    expect(interval.body.error!.code).toBe('BAD_USER_INPUT');
    const location = await admin.gql(ops.MonitorStatsDocument, { id: m.id, window: 'LAST_7_DAYS', location: 'x'.repeat(41) });
    expect(location.errors![0].extensions!.code).toBe('BAD_USER_INPUT');
  });

  it("stats follow the parent's read scope; another organization's check is NOT_FOUND", async () => {
    const m = await createMonitor();
    const reader = (await t.key(org, ['monitors:read'])).client;
    expect((await reader.gql(ops.MonitorStatsDocument, { id: m.id, window: 'LAST_24_HOURS' })).errors).toBeUndefined();
    const journeysOnly = (await t.key(org, ['journeys:read'])).client;
    const denied = await journeysOnly.gql(ops.MonitorStatsDocument, { id: m.id, window: 'LAST_24_HOURS' });
    expect(denied.status).toBe(403);
    expect(denied.errors![0].extensions!.missingScopes).toEqual(['monitors:read']);
    const stranger = (await t.key(await t.org('Elsewhere'), ['all'])).client;
    const res = await stranger.gql(ops.MonitorStatsDocument, { id: m.id, window: 'LAST_24_HOURS' });
    expect(res.errors![0].extensions!.code).toBe('NOT_FOUND');
    expect((await stranger.rest('GET', `/v1/monitors/${m.id}/series`)).status).toBe(404);
  });
});

describe('filters and the organization overview', () => {
  it('monitorRuns by since, until, status and location; REST the same', async () => {
    const m = await createMonitor();
    const now = Date.now();
    await storeRun(m.id, new Date(now - 3 * 3_600_000), 10, 'PASSED');
    await storeRun(m.id, new Date(now - 2 * 3_600_000), 10, 'FAILED', 'eu');
    await storeRun(m.id, new Date(now - 1 * 3_600_000), 10, 'FAILED');
    const list = async (vars: Record<string, unknown>) => {
      const res = await admin.gql(ops.MonitorRunsDocument, { monitorId: m.id, ...vars });
      expect(res.errors).toBeUndefined();
      return res.data!.monitorRuns.nodes.map((r) => [r.status, r.location]);
    };
    expect(await list({ status: 'FAILED' })).toEqual([['FAILED', 'local'], ['FAILED', 'eu']]);
    expect(await list({ location: 'eu' })).toEqual([['FAILED', 'eu']]);
    expect(await list({ since: new Date(now - 2.5 * 3_600_000).toISOString(), until: new Date(now - 1.5 * 3_600_000).toISOString() })).toEqual([['FAILED', 'eu']]);
    expect(await list({ status: 'PASSED', location: 'eu' })).toEqual([]);
    const bad = await admin.gql(ops.MonitorRunsDocument, { monitorId: m.id, since: new Date(now).toISOString(), until: new Date(now - 1000).toISOString() });
    expect(bad.errors![0].extensions!.code).toBe('BAD_USER_INPUT');
    const rest = await admin.rest('GET', `/v1/monitors/${m.id}/runs?status=FAILED&location=local`);
    expect((rest.body.data as { nodes: unknown[] }).nodes).toHaveLength(1);
  });

  it('alerts by checkId and since; the overview counts checks, unresolved alerts and 24-hour uptime', async () => {
    const o = await t.org('Overview Inc');
    await t.app.services.billing.setPlan(t.db.orm.em.fork(), o.id, 'UNLIMITED');
    const { client } = await t.key(o, ['all']);
    const empty = (await client.gql(ops.OrganizationOverviewDocument)).data!.organization.overview;
    expect(empty).toEqual({ checks: { up: 0, down: 0, degraded: 0, paused: 0, pending: 0 }, openAlerts: 0, uptimePercent24h: null });

    const mk = async (path: string) => (await client.gql(ops.CreateMonitorDocument, { input: { name: path, url: `${target.url}${path}`, failureThreshold: 1, intervalSeconds: 3600 } })).data!.createMonitor.id;
    const up = await mk('/ok');
    const down = await mk('/down');
    const paused = await mk('/ok');
    await mk('/ok'); // pending: never run
    await client.gql(ops.PauseMonitorDocument, { id: paused });
    for (const id of [up, down]) {
      const job: CheckJob = { kind: 'monitor', checkId: id, organizationId: o.id, location: 'local', scheduledAt: new Date().toISOString(), runId: newId('run'), trigger: 'SCHEDULED' };
      expect(await t.app.services.runs.execute(t.db.orm.em.fork(), job)).toBe('recorded');
    }
    const overview = (await client.gql(ops.OrganizationOverviewDocument)).data!.organization.overview;
    expect(overview).toEqual({ checks: { up: 1, down: 1, degraded: 0, paused: 1, pending: 1 }, openAlerts: 1, uptimePercent24h: 50 });
    const rest = await client.rest('GET', '/v1/organization/overview');
    expect(rest.body).toMatchObject({ success: true, data: { open_alerts: 1, uptime_percent24h: 50 } });

    const of = async (vars: Record<string, unknown>) => (await client.gql(ops.AlertsDocument, vars)).data!.alerts.nodes.map((a) => a.source.id);
    expect(await of({ checkId: down })).toEqual([down]);
    expect(await of({ checkId: up })).toEqual([]);
    expect(await of({ since: new Date(Date.now() + 60_000).toISOString() })).toEqual([]);
    expect(await of({ since: new Date(Date.now() - 60_000).toISOString() })).toEqual([down]);

    // The overview reads checks and alerts: it needs their read scopes besides organization:read.
    const orgOnly = (await t.key(o, ['organization:read'])).client;
    const denied = await orgOnly.gql(ops.OrganizationOverviewDocument);
    expect(denied.status).toBe(403);
    expect(denied.errors![0].extensions!.missingScopes).toEqual(expect.arrayContaining(['monitors:read', 'journeys:read', 'alerts:read']));
  });
});
