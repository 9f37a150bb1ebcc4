/**
 * The check engine in process, on the suite's database (PGlite or PostgreSQL): slots enqueued and run once per
 * location, lag recorded, location routing, manual runs through the queue, the alert rule across locations, and
 * quota exhaustion that is never silent. Several processes sharing PostgreSQL: test/processes/workers.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertsDocument, BillingDocument, CreateMonitorDocument, LocationsDocument, MonitorDocument, RunMonitorDocument } from '../../src/client/generated/graphql';
import { createApp, type App } from '../../src/app';
import { loadConfig } from '../../src/config';
import { startTestApp, TEST_SECRETS_KEY, type TestApp } from '../helpers/app';
import { json, startTarget, type Target } from '../helpers/target';
import type { Organization } from '../../src/modules/organization/organization.entity';
import { Monitor } from '../../src/modules/checks/kinds/monitor/monitor.entity';
import type { CheckJob } from '../../src/modules/runs/check-job';
import { newId } from '../../src/modules/common/ids';
import { phaseMs } from '../../src/modules/checks/phase';

let t: TestApp;
let eu: App;
let target: Target;
let org: Organization;
let admin: Awaited<ReturnType<TestApp['key']>>;

const waitFor = async (what: string, ok: () => Promise<boolean>, ms = 15_000) => {
  const until = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
};
const sql = <T = Record<string, unknown>>(text: string, params: unknown[] = []) => t.db.orm.em.getConnection().execute<T[]>(text, params as never[]);

beforeAll(async () => {
  // This app: API + worker of `local` + scheduler. A second app on the same database: a worker of `eu` only.
  t = await startTestApp({ SCHEDULING: 'true', SCHEDULE_TICK_MS: '100', WORKER_POLL_MS: '50' });
  eu = await createApp(
    loadConfig({ LOG_LEVEL: 'silent', BOOTSTRAP_KEY: 'false', SCHEDULING: 'false', ALLOW_PRIVATE_TARGETS: 'true', LOCATION: 'eu', WORKER_POLL_MS: '50' }),
    { database: t.db, secretsKey: TEST_SECRETS_KEY },
  );
  target = await startTarget();
  target.route('/ok', json(200, { ok: true }));
  target.route('/down', json(500, { ok: false }));
  org = await t.org('Engine Inc');
  await t.app.services.billing.setPlan(t.db.orm.em.fork(), org.id, 'UNLIMITED');
  admin = await t.key(org, ['all']);
});
afterAll(async () => {
  await eu?.close();
  await target?.close();
  await t?.close();
});

const create = async (input: Record<string, unknown>) => {
  const res = await admin.client.gql(CreateMonitorDocument, { input: { name: 'm', url: `${target.url}/ok`, intervalSeconds: 3600, ...input } as never });
  expect(res.errors).toBeUndefined();
  return res.data!.createMonitor;
};

describe('locations', () => {
  it('lists known locations with their live workers; any valid key may ask', async () => {
    const reader = await t.key(org, ['billing:read']);
    const res = await reader.client.gql(LocationsDocument);
    expect(res.status).toBe(200);
    const byName = Object.fromEntries(res.data!.locations.map((l) => [l.name, l.workers]));
    expect(byName).toMatchObject({ local: 1, eu: 1 });
    const rest = await reader.client.rest('GET', '/v1/locations');
    expect(rest.body).toMatchObject({ success: true, data: expect.arrayContaining([expect.objectContaining({ name: 'eu', workers: 1 })]) });
  });

  it('refuses an unknown location, and more locations than the plan allows', async () => {
    const res = await admin.client.gql(CreateMonitorDocument, { input: { name: 'x', url: `${target.url}/ok`, locations: ['mars'] } });
    expect(res.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', fields: [expect.objectContaining({ field: 'locations' })] });
    const free = await t.org('Free Inc');
    const freeAdmin = await t.key(free, ['all']);
    const refused = await freeAdmin.client.gql(CreateMonitorDocument, { input: { name: 'x', url: `${target.url}/ok`, locations: ['local', 'eu'] } });
    expect(refused.errors![0].extensions).toMatchObject({ code: 'PLAN_LIMIT_EXCEEDED', field: 'locations', limit: 1 });
    const stored = await sql<{ n: number }>('select count(*)::int as n from monitors where organization_id = ?', [free.id]);
    expect(stored[0].n).toBe(0);
  });
});

describe('scheduled slots', () => {
  it('run once in every location of the check, by the worker of that location, with slot and lag recorded', async () => {
    const m = await create({ locations: ['local', 'eu'] });
    await waitFor('both locations to run the first slot', async () => (await sql('select id from runs where check_id = ?', [m.id])).length >= 2);
    await new Promise((r) => setTimeout(r, 500)); // time for any duplicate to show up
    const states = async () => (await sql<{ state: string }>(`select state from pgboss.job where data->>'checkId' = ?`, [m.id])).map((j) => j.state);
    await waitFor('both jobs to be completed', async () => (await states()).join() === 'completed,completed', 3000);
    const runs = await sql<{ location: string; trigger: string; scheduled_at: Date; started_at: Date }>(
      'select location, trigger, scheduled_at, started_at from runs where check_id = ? order by location',
      [m.id],
    );
    expect(runs.map((r) => [r.location, r.trigger])).toEqual([
      ['eu', 'SCHEDULED'],
      ['local', 'SCHEDULED'],
    ]);
    expect(new Date(runs[0].scheduled_at).getTime()).toBe(new Date(runs[1].scheduled_at).getTime()); // the same slot
    for (const r of runs) expect(new Date(r.started_at).getTime()).toBeGreaterThanOrEqual(new Date(r.scheduled_at).getTime() - 5);
    const view = (await admin.client.gql(MonitorDocument, { id: m.id })).data!.monitor;
    expect(view).toMatchObject({ status: 'UP', locations: ['local', 'eu'] });
  });

  it('after downtime a check runs once now, not once per missed slot', async () => {
    const m = await create({ intervalSeconds: 60 });
    await waitFor('its first slot', async () => (await sql('select id from runs where check_id = ?', [m.id])).length === 1);
    // As if every scheduler had been down for an hour: 60 slots missed.
    await sql(`update monitors set next_run_at = now() - interval '1 hour' where id = ?`, [m.id]);
    await waitFor('the catch-up run', async () => (await sql('select id from runs where check_id = ?', [m.id])).length >= 2);
    await new Promise((r) => setTimeout(r, 800));
    const runs = await sql<{ scheduled_at: Date }>('select scheduled_at from runs where check_id = ? order by scheduled_at', [m.id]);
    expect(runs).toHaveLength(2);
    expect(Date.now() - new Date(runs[1].scheduled_at).getTime()).toBeLessThan(10_000); // the slot is now, not an hour ago
    const [next] = await sql<{ next_run_at: Date }>('select next_run_at from monitors where id = ?', [m.id]);
    // Then its phased slots again (checks/phase.ts): the first at least half an interval after the catch-up.
    const gap = new Date(next.next_run_at).getTime() - new Date(runs[1].scheduled_at).getTime();
    expect(gap).toBeGreaterThanOrEqual(30_000);
    expect(gap).toBeLessThan(90_000);
    expect(new Date(next.next_run_at).getTime() % 60_000).toBe(phaseMs(m.id, 60));
  });

  it("a check in a location with no worker is never run by another location's worker", async () => {
    await sql(`insert into locations (name, first_seen_at, last_seen_at) values ('us', now(), now()) on conflict do nothing`);
    const m = await create({ locations: ['us'] });
    const local = t.app.engine.worker!.completed;
    const euDone = eu.engine.worker!.completed;
    await new Promise((r) => setTimeout(r, 1500));
    expect(await sql('select id from runs where check_id = ?', [m.id])).toHaveLength(0);
    const queued = await sql<{ n: number }>(`select count(*)::int as n from pgboss.job where name = 'checks-us' and data->>'checkId' = ?`, [m.id]);
    expect(queued[0].n).toBe(1); // waiting for a worker of its own location
    expect(t.app.engine.worker!.completed - local + eu.engine.worker!.completed - euDone).toBeLessThan(50);
    // A manual run there is refused at once: nothing would take it.
    const res = await admin.client.gql(RunMonitorDocument, { id: m.id });
    expect(res.status).toBe(503);
    expect(res.errors![0].message).toMatch(/No worker is running in location "us"/);
  });
});

describe('manual runs', () => {
  it('go through the queue to the location asked for (the first by default) and answer the finished run', async () => {
    const m = await create({ locations: ['eu', 'local'], intervalSeconds: 3600 });
    await waitFor('the scheduled slots', async () => (await sql('select id from runs where check_id = ?', [m.id])).length >= 2);
    const first = await admin.client.gql(RunMonitorDocument, { id: m.id });
    expect(first.data!.runMonitor).toMatchObject({ trigger: 'MANUAL', location: 'eu', scheduledAt: null, status: 'PASSED' });
    const local = await admin.client.gql(RunMonitorDocument, { id: m.id, location: 'local' });
    expect(local.data!.runMonitor).toMatchObject({ location: 'local', status: 'PASSED' });
    const rest = await admin.client.rest('POST', `/v1/monitors/${m.id}/runs`, { location: 'eu' });
    expect(rest.status).toBe(201);
    expect(rest.body).toMatchObject({ success: true, data: { location: 'eu', trigger: 'MANUAL' } });
    // Each job was completed in the queue, not left to expire and run again.
    const state = async () => (await sql<{ state: string }>(`select state from pgboss.job where data->>'runId' = ?`, [first.data!.runMonitor.id])).map((j) => j.state);
    await waitFor('the job to be completed', async () => (await state())[0] === 'completed', 3000);
    expect(await state()).toEqual(['completed']);
    const wrong = await admin.client.gql(RunMonitorDocument, { id: m.id, location: 'us' });
    expect(wrong.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', fields: [expect.objectContaining({ field: 'location' })] });
  });
});

describe('alerts across locations', () => {
  it('open when minFailedLocations locations failed failureThreshold slots in a row, name them, and resolve when all pass', async () => {
    // Locations with no worker: only the outcomes this test applies reach the rule (no scheduled run races them).
    await sql(`insert into locations (name, first_seen_at, last_seen_at) values ('x-local', now(), now()), ('x-eu', now(), now()) on conflict do nothing`);
    const m = await create({ locations: ['x-local', 'x-eu'], minFailedLocations: 2, failureThreshold: 2 });
    const entity = await t.db.orm.em.fork().findOneOrFail(Monitor, { id: m.id });
    const apply = async (location: string, status: 'PASSED' | 'FAILED') => {
      const job: CheckJob = { kind: 'monitor', checkId: m.id, organizationId: org.id, location, scheduledAt: null, requestedAt: new Date().toISOString(), runId: newId('run'), trigger: 'MANUAL' };
      const result = { status, responseStatus: status === 'FAILED' ? 500 : 200, timings: null, assertions: [], steps: null, error: status === 'FAILED' ? 'Status 500' : null, startedAt: new Date(), finishedAt: new Date() };
      expect(await t.app.services.recorder.record(t.db.orm.em.fork(), { kind: 'monitor', entity }, job, result)).toBe('recorded');
    };
    const open = async () => (await admin.client.gql(AlertsDocument, { status: 'OPEN' })).data!.alerts.nodes.filter((a) => a.source.id === m.id);
    await apply('x-local', 'FAILED');
    await apply('x-local', 'FAILED'); // one location reached the threshold, but one is not enough
    expect(await open()).toEqual([]);
    expect((await admin.client.gql(MonitorDocument, { id: m.id })).data!.monitor.status).toBe('DOWN');
    await apply('x-eu', 'FAILED');
    expect(await open()).toEqual([]);
    await apply('x-eu', 'FAILED');
    const alerts = await open();
    expect(alerts).toHaveLength(1);
    expect(alerts[0].locations).toEqual(['x-eu', 'x-local']);
    expect(alerts[0].cause).toMatch(/in 2 locations \(x-eu, x-local\)/);
    await apply('x-local', 'PASSED'); // one location passes: still open, naming what still fails
    expect((await open())[0].locations).toEqual(['x-eu']);
    await apply('x-eu', 'PASSED');
    expect(await open()).toEqual([]);
    expect((await admin.client.gql(MonitorDocument, { id: m.id })).data!.monitor.status).toBe('UP');
  });
});

describe('exactly-once recording', () => {
  it('a job run twice (a worker died after recording) records one run and applies it once', async () => {
    const m = await create({ failureThreshold: 5 });
    const job: CheckJob = { kind: 'monitor', checkId: m.id, organizationId: org.id, location: 'local', scheduledAt: new Date().toISOString(), runId: newId('run'), trigger: 'SCHEDULED' };
    expect(await t.app.services.runs.execute(t.db.orm.em.fork(), job)).toBe('recorded');
    expect(await t.app.services.runs.execute(t.db.orm.em.fork(), job)).toBe('duplicate');
    // Another job for the same slot (a second scheduler that did not see the first): still one run.
    expect(await t.app.services.runs.execute(t.db.orm.em.fork(), { ...job, runId: newId('run') })).toBe('duplicate');
    expect(await sql('select id from runs where check_id = ? and scheduled_at = ?', [m.id, job.scheduledAt])).toHaveLength(1);
  });
});

describe('runs of one check recorded at the same moment', () => {
  it('two locations finishing together are applied one after the other, never a deadlock', async () => {
    const m = await create({ locations: ['local', 'eu'], failureThreshold: 3 });
    for (let i = 0; i < 15; i++) {
      const slot = new Date(Date.now() + i).toISOString();
      const job = (location: string): CheckJob => ({ kind: 'monitor', checkId: m.id, organizationId: org.id, location, scheduledAt: slot, runId: newId('run'), trigger: 'SCHEDULED' });
      const results = await Promise.all(['local', 'eu', 'local', 'eu'].map((l, k) => t.app.services.runs.execute(t.db.orm.em.fork(), k < 2 ? job(l) : { ...job(l) })));
      expect(results.filter((r) => r === 'recorded')).toHaveLength(2); // one per location; the repeats record nothing
    }
    const [state] = await sql<{ n: number }>('select count(*)::int as n from check_locations where check_id = ?', [m.id]);
    expect(state.n).toBe(2);
  });
});

describe('quota exhaustion is never silent', () => {
  it('a scheduled slot beyond the allowance runs nothing, opens the quota alert, and billing and the check say so', async () => {
    const capped = await t.org('Capped Inc');
    const capAdmin = await t.key(capped, ['all']);
    const m = (await capAdmin.client.gql(CreateMonitorDocument, { input: { name: 'c', url: `${target.url}/ok`, intervalSeconds: 3600 } })).data!.createMonitor;
    // The month is used up (as if by earlier runs).
    await sql(
      `insert into usage_counters (organization_id, period_start, runs) values (?, date_trunc('month', now() at time zone 'utc') at time zone 'utc', 120000)
       on conflict (organization_id, period_start) do update set runs = 120000`,
      [capped.id],
    );
    const job: CheckJob = { kind: 'monitor', checkId: m.id, organizationId: capped.id, location: 'local', scheduledAt: new Date().toISOString(), runId: newId('run'), trigger: 'SCHEDULED' };
    expect(await t.app.services.runs.execute(t.db.orm.em.fork(), job)).toBe('quota');
    expect(await sql('select id from runs where id = ?', [job.runId])).toHaveLength(0);
    const billing = (await capAdmin.client.gql(BillingDocument)).data!.billing;
    expect(billing).toMatchObject({ quotaExhausted: true, runsRemaining: 0 });
    const alerts = (await capAdmin.client.gql(AlertsDocument, { status: 'OPEN' })).data!.alerts.nodes;
    expect(alerts.map((a) => a.source.kind)).toContain('ORGANIZATION');
    expect((await capAdmin.client.gql(MonitorDocument, { id: m.id })).data!.monitor.quotaExhausted).toBe(true);
    // A manual run says so to its caller.
    const manual = await capAdmin.client.gql(RunMonitorDocument, { id: m.id });
    expect(manual.status).toBe(402);
    expect(manual.errors![0].extensions!.code).toBe('PLAN_LIMIT_EXCEEDED');
  });
});
