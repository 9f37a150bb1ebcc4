import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  AlertsDocument,
  BillingDocument,
  CreateJourneyDocument,
  CreateMonitorDocument,
  JourneysDocument,
  MonitorsDocument,
  RunJourneyDocument,
  RunMonitorDocument,
} from '../../src/client/generated/graphql';
import { loadConfig } from '../../src/config';
import { migratorOf, openDatabase } from '../../src/db/database';
import { monthStart, nextMonthStart, PLANS, RUNS_PER_CHECK_MONTH } from '../../src/modules/billing/plans';
import type { Organization } from '../../src/modules/organization/organization.entity';
import { BillingService } from '../../src/modules/billing/billing.service';
import { CHECK_KINDS } from '../../src/modules/checks/kinds/registry';
import { monitorKind } from '../../src/modules/checks/kinds/monitor/monitor.kind';
import { Journey } from '../../src/modules/checks/kinds/journey/journey.entity';
import { startTestApp, type TestApp } from '../helpers/app';
import { onPostgres, openTestDatabase } from '../helpers/database';
import { json, startTarget, type Target } from '../helpers/target';

let t: TestApp;
let target: Target;

beforeAll(async () => {
  t = await startTestApp();
  target = await startTarget();
  target.route('/ok', json(200, {}));
});
afterAll(async () => {
  await target?.close();
  await t?.close();
});
afterEach(() => {
  t.clock.now = null;
});

const FREE_RUNS = PLANS.FREE.runsPerMonth!;
const em = () => t.db.orm.em.fork();
const billing = () => t.app.services.billing;

/** Sets this month's counter directly: filling an allowance with real runs would only measure the loop. */
async function setUsed(org: Organization, runs: number, period = monthStart(t.app.services.now())) {
  await t.db.orm.em.getConnection().execute(
    `insert into usage_counters (organization_id, period_start, runs) values (?, ?, ?)
     on conflict (organization_id, period_start) do update set runs = excluded.runs`,
    [org.id, period, runs],
  );
}

const counter = async (org: Organization) =>
  (await t.db.orm.em.getConnection().execute('select runs from usage_counters where organization_id = ? and period_start = ?', [org.id, monthStart(new Date())]))[0]
    ?.runs;

const quotaAlerts = (org: Organization) =>
  t.db.orm.em.getConnection().execute<{ id: string; status: string; resolved_by: string | null }[]>(
    `select id, status, resolved_by from alerts where organization_id = ? and subject = 'quota' order by opened_at`,
    [org.id],
  );

describe('usage is a counter, reserved atomically', () => {
  it('60 concurrent reservations with 5 runs left admit exactly 5', async () => {
    const org = await t.org('Race Co');
    await setUsed(org, FREE_RUNS - 5);
    const answers = await Promise.all(Array.from({ length: 60 }, () => billing().reserveRun(em(), org.id)));
    expect(answers.filter((a) => a.ok)).toHaveLength(5);
    expect(answers.filter((a) => !a.ok)).toHaveLength(55);
    expect(answers.find((a) => !a.ok)).toEqual({ ok: false, plan: 'FREE', limit: FREE_RUNS, used: FREE_RUNS });
    expect(answers.filter((a) => a.ok).map((a) => a.used).sort()).toEqual([1, 2, 3, 4, 5].map((i) => FREE_RUNS - 5 + i));
    expect(await counter(org)).toBe(FREE_RUNS);
  });

  it('a reservation is one statement, admitted or refused', async () => {
    const org = await t.org('One Statement Co');
    const fork = em();
    t.queries.length = 0;
    expect(await billing().reserveRun(fork, org.id)).toEqual({ ok: true, plan: 'FREE', used: 1, limit: FREE_RUNS });
    expect(t.requestQueries()).toHaveLength(1);
    await setUsed(org, FREE_RUNS);
    t.queries.length = 0;
    expect((await billing().reserveRun(fork, org.id)).ok).toBe(false);
    expect(t.requestQueries()).toHaveLength(1);
  });

  it('billing.usage.runs reads the counter, which manual runs fill and a new month starts from zero', async () => {
    const org = await t.org('Counter Co');
    const k = await t.key(org, ['monitors:write', 'monitors:read', 'monitors:run', 'billing:read']);
    const m = (await k.client.gql(CreateMonitorDocument, { input: { name: 'x', url: `${target.url}/ok` } })).data!.createMonitor;
    await k.client.gql(RunMonitorDocument, { id: m.id });
    await k.client.gql(RunMonitorDocument, { id: m.id });
    expect(await counter(org)).toBe(2);
    t.queries.length = 0;
    const b = (await k.client.gql(BillingDocument)).data!.billing;
    expect(b).toMatchObject({ plan: 'FREE', usage: { runs: 2, monitors: 1, journeys: 0 }, quotaExhausted: false, runsRemaining: FREE_RUNS - 2 });
    expect(t.requestQueries().join('\n')).not.toMatch(/count\(\*\)[^;]*from "?runs"?/i);
    t.clock.now = new Date(nextMonthStart(new Date()).getTime() + 1000);
    const next = (await k.client.gql(BillingDocument)).data!.billing;
    expect(next.usage).toMatchObject({ runs: 0, periodStart: nextMonthStart(new Date()).toISOString() });
  });
});

describe('quota exhaustion is never silent', () => {
  it('billing, the checks and one organization alert say so; a plan change resolves the alert', async () => {
    const org = await t.org('Exhausted Co');
    const k = await t.key(org, ['all']);
    const m = (await k.client.gql(CreateMonitorDocument, { input: { name: 'api', url: `${target.url}/ok` } })).data!.createMonitor;
    const j = (await k.client.gql(CreateJourneyDocument, { input: { name: 'flow', steps: [{ name: 's', request: { method: 'GET', url: `${target.url}/ok` } }] } }))
      .data!.createJourney;
    expect(m.quotaExhausted).toBe(false);
    await setUsed(org, FREE_RUNS - 1);
    expect((await k.client.gql(BillingDocument)).data!.billing).toMatchObject({ quotaExhausted: false, runsRemaining: 1 });

    expect((await k.client.gql(RunMonitorDocument, { id: m.id })).status).toBe(200); // the last run of the month
    expect((await k.client.gql(BillingDocument)).data!.billing).toMatchObject({ quotaExhausted: true, runsRemaining: 0, usage: { runs: FREE_RUNS } });
    expect((await k.client.gql(MonitorsDocument, {})).data!.monitors.nodes[0]).toMatchObject({ id: m.id, quotaExhausted: true });
    expect((await k.client.gql(JourneysDocument, {})).data!.journeys.nodes[0]).toMatchObject({ id: j.id, quotaExhausted: true });
    expect(await quotaAlerts(org)).toEqual([]); // nothing was refused yet

    const refused = await k.client.gql(RunMonitorDocument, { id: m.id });
    expect(refused.status).toBe(402);
    expect(refused.errors?.[0].extensions).toMatchObject({ code: 'PLAN_LIMIT_EXCEEDED', plan: 'FREE', limit: FREE_RUNS, used: FREE_RUNS, suggestedPlan: 'TEAM' });
    expect(refused.errors?.[0].message).toBe(
      `The FREE plan includes ${FREE_RUNS} runs a month, all used; change the plan with \`npm run orgs -- set-plan --org ${org.id} --plan TEAM\` (DEFAULT_PLAN sets the plan of new organizations)`,
    );
    expect((await k.client.rest('POST', `/v1/journeys/${j.id}/runs`)).status).toBe(402);
    expect((await k.client.gql(RunJourneyDocument, { id: j.id })).status).toBe(402);
    // The engine calls quotaExhausted for every refused run: still one alert.
    const opened = await Promise.all(Array.from({ length: 10 }, () => billing().quotaExhausted(em(), org.id, { plan: 'FREE', limit: FREE_RUNS, used: FREE_RUNS })));
    expect(opened).toEqual(Array(10).fill(false));
    expect(await counter(org)).toBe(FREE_RUNS);

    const alerts = (await k.client.gql(AlertsDocument, { status: 'OPEN' })).data!.alerts.nodes;
    expect(alerts).toHaveLength(1);
    const now = new Date();
    const month = (d: Date) => d.toLocaleString('en-US', { month: 'long', timeZone: 'UTC' });
    const next = nextMonthStart(now);
    expect(alerts[0]).toMatchObject({
      status: 'OPEN',
      source: { kind: 'ORGANIZATION', id: org.id, name: 'Exhausted Co', subject: 'quota' },
      cause: `The FREE plan's 120,000 runs for ${month(now)} ${now.getUTCFullYear()} are used up; checks are paused until 1 ${month(next)} ${next.getUTCFullYear()} or an upgrade`,
    });
    const rest = await k.client.rest('GET', '/v1/alerts?status=OPEN');
    expect(rest.body.data).toMatchObject({ nodes: [{ id: alerts[0].id, source: { kind: 'ORGANIZATION', id: org.id, subject: 'quota' } }] });

    await billing().setPlan(em(), org.id, 'TEAM');
    expect(await quotaAlerts(org)).toEqual([{ id: alerts[0].id, status: 'RESOLVED', resolved_by: 'system' }]);
    expect((await k.client.gql(BillingDocument)).data!.billing).toMatchObject({
      plan: 'TEAM',
      quotaExhausted: false,
      runsRemaining: PLANS.TEAM.runsPerMonth! - FREE_RUNS,
    });
    expect((await k.client.gql(MonitorsDocument, {})).data!.monitors.nodes[0].quotaExhausted).toBe(false);
    expect((await k.client.gql(RunMonitorDocument, { id: m.id })).status).toBe(200);
  });

  it('a plan that still leaves nothing resolves nothing', async () => {
    const org = await t.org('Still Over Co');
    await t.db.orm.em.fork().nativeUpdate('Organization', { id: org.id }, { plan: 'TEAM' });
    await setUsed(org, PLANS.TEAM.runsPerMonth!);
    const refused = await billing().reserveRun(em(), org.id);
    expect(refused).toEqual({ ok: false, plan: 'TEAM', limit: PLANS.TEAM.runsPerMonth, used: PLANS.TEAM.runsPerMonth });
    expect(await billing().quotaExhausted(em(), org.id, refused.ok ? never() : refused)).toBe(true);
    await billing().setPlan(em(), org.id, 'FREE'); // a downgrade: 3.5 M used of 120,000
    expect((await quotaAlerts(org)).map((a) => a.status)).toEqual(['OPEN']);
    expect((await billing().quotaState(em(), org.id)).exhausted).toBe(true);
  });

  it('the first admitted run of a new month resolves the alert, in the reservation statement itself', async () => {
    const org = await t.org('New Month Co');
    await setUsed(org, FREE_RUNS);
    const refused = await billing().reserveRun(em(), org.id);
    expect(refused.ok).toBe(false);
    expect(await billing().quotaExhausted(em(), org.id, refused.ok ? never() : refused)).toBe(true);
    expect((await quotaAlerts(org)).map((a) => a.status)).toEqual(['OPEN']);

    t.clock.now = new Date(nextMonthStart(new Date()).getTime() + 1000);
    const fork = em();
    t.queries.length = 0;
    expect(await billing().reserveRun(fork, org.id)).toMatchObject({ ok: true, used: 1 });
    expect(t.requestQueries()).toHaveLength(1);
    expect(await quotaAlerts(org)).toEqual([{ id: expect.any(String), status: 'RESOLVED', resolved_by: 'system' }]);
  });

  it('a refusal that a plan change overtook opens nothing; an acknowledged alert stays the one alert', async () => {
    const org = await t.org('Raced Co');
    await setUsed(org, FREE_RUNS);
    const refused = await billing().reserveRun(em(), org.id);
    await billing().setPlan(em(), org.id, 'BUSINESS');
    expect(await billing().quotaExhausted(em(), org.id, refused.ok ? never() : refused)).toBe(false);
    expect(await quotaAlerts(org)).toEqual([]);

    await billing().setPlan(em(), org.id, 'FREE');
    expect(await billing().quotaExhausted(em(), org.id, { plan: 'FREE', limit: FREE_RUNS, used: FREE_RUNS })).toBe(true);
    const k = await t.key(org, ['alerts:read', 'alerts:write']);
    const [alert] = await quotaAlerts(org);
    expect((await k.client.rest('POST', `/v1/alerts/${alert.id}/acknowledge`)).status).toBe(200);
    expect(await billing().quotaExhausted(em(), org.id, { plan: 'FREE', limit: FREE_RUNS, used: FREE_RUNS })).toBe(false);
    expect((await quotaAlerts(org)).map((a) => a.status)).toEqual(['ACKNOWLEDGED']);
  });
});

describe('plans that add up', () => {
  it("every allowance covers the plan's monitors and journeys at the default interval from every location for 31 days", () => {
    expect(RUNS_PER_CHECK_MONTH).toBe(8928);
    for (const [name, p] of Object.entries(PLANS)) {
      if (name === 'UNLIMITED') {
        expect(p).toEqual({ monitors: null, journeys: null, runsPerMonth: null, locationsPerCheck: null, minIntervalSeconds: 10, runRetentionDays: null, maxConcurrentChecksPerLocation: null });
        continue;
      }
      const needed = (p.monitors! + p.journeys!) * p.locationsPerCheck! * ((31 * 86_400) / 300);
      expect(p.runsPerMonth, name).toBeGreaterThanOrEqual(needed);
      expect(p.runsPerMonth! / needed, `${name}: headroom, not a different plan`).toBeLessThan(1.1);
    }
    expect([PLANS.FREE.locationsPerCheck, PLANS.TEAM.locationsPerCheck, PLANS.BUSINESS.locationsPerCheck]).toEqual([1, 3, 5]);
  });

  it('UNLIMITED has no limits but 10 s; FREE refuses 10 s with PLAN_LIMIT_EXCEEDED naming intervalSeconds', async () => {
    const unlimited = await t.org('Self Hosted');
    await billing().setPlan(em(), unlimited.id, 'UNLIMITED');
    const k = await t.key(unlimited, ['all']);
    for (let i = 0; i < PLANS.FREE.monitors! + 1; i++) {
      const res = await k.client.gql(CreateMonitorDocument, { input: { name: `m${i}`, url: `${target.url}/ok`, intervalSeconds: 10 } });
      expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
      expect(res.data!.createMonitor.intervalSeconds).toBe(10);
    }
    const b = (await k.client.gql(BillingDocument)).data!.billing;
    expect(b).toMatchObject({
      plan: 'UNLIMITED',
      limits: { monitors: null, journeys: null, minIntervalSeconds: 10, runsPerMonth: null, locationsPerCheck: null, maxConcurrentChecksPerLocation: null },
      quotaExhausted: false,
      runsRemaining: null,
    });
    expect(await billing().reserveRun(em(), unlimited.id)).toEqual({ ok: true, plan: 'UNLIMITED', used: 1, limit: null });
    const tooShort = await k.client.gql(CreateMonitorDocument, { input: { name: 'x', url: `${target.url}/ok`, intervalSeconds: 9 } });
    expect(tooShort.status).toBe(400);
    expect(tooShort.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', fields: [{ field: 'intervalSeconds' }] });

    const free = await t.key(await t.org('Free Interval Co'), ['monitors:read', 'monitors:write']);
    for (const intervalSeconds of [10, 29, 299]) {
      const res = await free.client.gql(CreateMonitorDocument, { input: { name: 'x', url: `${target.url}/ok`, intervalSeconds } });
      expect(res.status, String(intervalSeconds)).toBe(402);
      expect(res.errors?.[0].extensions).toMatchObject({ code: 'PLAN_LIMIT_EXCEEDED', plan: 'FREE', field: 'intervalSeconds', limit: 300 });
    }
  });

  it('counts every kind of an allowance against it, as a new kind counting as monitors would be', async () => {
    const org = await t.org('Shared Allowance Co');
    const k = await t.key(org, ['all']);
    for (let i = 0; i < PLANS.FREE.monitors! - 1; i++)
      expect((await k.client.gql(CreateMonitorDocument, { input: { name: `m${i}`, url: `${target.url}/ok` } })).errors).toBeUndefined();
    expect((await k.client.gql(CreateJourneyDocument, { input: { name: 'j', steps: [{ name: 's', request: { method: 'GET', url: `${target.url}/ok` } }] } })).errors).toBeUndefined();
    // A third kind with the monitors' allowance, stored (here) in the journeys' table: its checks count as monitors.
    const shared = new BillingService(() => new Date(), 90, undefined, [...CHECK_KINDS, { allowance: 'monitors', table: 'journeys', entity: Journey }]);
    expect(await billing().usage(em(), org.id)).toMatchObject({ monitors: PLANS.FREE.monitors! - 1, journeys: 1 });
    expect(await shared.usage(em(), org.id)).toMatchObject({ monitors: PLANS.FREE.monitors!, journeys: 1 });
    await expect(em().transactional((tx) => billing().assertCanCreate(tx, org.id, monitorKind))).resolves.toBeUndefined();
    await expect(em().transactional((tx) => shared.assertCanCreate(tx, org.id, monitorKind))).rejects.toMatchObject({
      code: 'PLAN_LIMIT_EXCEEDED',
      details: { plan: 'FREE', limit: PLANS.FREE.monitors, used: PLANS.FREE.monitors },
    });
  });

  it('every plan error names the plan, its limit, and the command that changes the plan to one that fits', async () => {
    const org = await t.org('Hint Co');
    const k = await t.key(org, ['all']);
    const change = (plan: string) => `; change the plan with \`npm run orgs -- set-plan --org ${org.id} --plan ${plan}\` (DEFAULT_PLAN sets the plan of new organizations)`;
    const create = (input: Record<string, unknown>) => k.client.gql(CreateMonitorDocument, { input: { name: 'm', url: `${target.url}/ok`, ...input } as never });
    // 60 s fits TEAM, 30 s BUSINESS, 10 s only UNLIMITED: the hint names the smallest plan that allows it.
    for (const [intervalSeconds, plan] of [[60, 'TEAM'], [30, 'BUSINESS'], [10, 'UNLIMITED']] as const) {
      const res = await create({ intervalSeconds });
      expect(res.status).toBe(402);
      expect(res.errors![0].message).toBe(`The FREE plan allows intervals of at least 300 s${change(plan)}`);
      expect(res.errors![0].extensions).toMatchObject({ plan: 'FREE', suggestedPlan: plan });
    }
    const rest = await k.client.rest('POST', '/v1/monitors', { name: 'm', url: `${target.url}/ok`, interval_seconds: 60 });
    expect(rest.status).toBe(402);
    expect(rest.body.error).toMatchObject({ code: 'PLAN_LIMIT_EXCEEDED', message: `The FREE plan allows intervals of at least 300 s${change('TEAM')}` });

    for (let i = 0; i < PLANS.FREE.monitors!; i++) expect((await create({})).status).toBe(200);
    const full = await create({});
    expect(full.errors![0].message).toBe(`The FREE plan allows ${PLANS.FREE.monitors} monitors${change('TEAM')}`);

    await billing().setPlan(em(), org.id, 'TEAM');
    // (this app knows one location, so four are asked of the rule itself)
    await expect(billing().assertLocations(em(), org.id, 4)).rejects.toMatchObject({
      code: 'PLAN_LIMIT_EXCEEDED',
      message: `The TEAM plan runs a check in at most 3 locations${change('BUSINESS')}`,
      details: { plan: 'TEAM', field: 'locations', suggestedPlan: 'BUSINESS' },
    });
  });

  it('DEFAULT_PLAN decides the plan of new organizations: UNLIMITED unless set (self-hosted), FREE when a hosted deployment sets it', async () => {
    expect(loadConfig({}).DEFAULT_PLAN).toBe('UNLIMITED');
    expect(loadConfig({ DEFAULT_PLAN: 'free' }).DEFAULT_PLAN).toBe('FREE');
    expect(loadConfig({ DEFAULT_PLAN: 'unlimited' }).DEFAULT_PLAN).toBe('UNLIMITED');
    expect(() => loadConfig({ DEFAULT_PLAN: 'GOLD' })).toThrow(/DEFAULT_PLAN/);
    const other = await startTestApp({ DEFAULT_PLAN: 'UNLIMITED' });
    try {
      const org = await other.org('Made Unlimited');
      expect(org.plan).toBe('UNLIMITED');
      const k = await other.key(org, ['billing:read']);
      expect((await k.client.gql(BillingDocument)).data!.billing).toMatchObject({ plan: 'UNLIMITED', limits: { runsPerMonth: null } });
    } finally {
      await other.close();
    }
  });
});

describe('the migration seeds the counter', () => {
  it("with this month's runs, the month starting at midnight UTC whatever the session's time zone", async () => {
    const db = await openTestDatabase();
    let orm = db.orm;
    let second: Awaited<ReturnType<typeof openDatabase>> | undefined;
    try {
      await (await migratorOf(orm)).down({ to: 'Migration20261201102315' }); // this migration and any after it
      const conn = orm.em.getConnection();
      const start = monthStart(new Date());
      await conn.execute(`insert into organizations (id, name, plan, created_at) values ('org_seed1', 'A', 'FREE', now()), ('org_seed2', 'B', 'FREE', now())`);
      await conn.execute(
        `insert into runs (id, organization_id, trigger, status, started_at, finished_at, duration_ms, assertions)
         select 'run_seed' || g, case when g <= 3 then 'org_seed1' else 'org_seed2' end, 'SCHEDULED', 'PASSED', t, t, 1, '[]'
           from (values (1, ?::timestamptz), (2, ?::timestamptz), (3, now()), (4, ?::timestamptz)) as v(g, t)`,
        [new Date(start.getTime() - 1), start, new Date(start.getTime() - 86_400_000)],
      );
      // UTC+14: a month truncated in the session's zone would begin 14 hours early and count the run 1 ms before.
      if (onPostgres()) {
        await conn.execute(`alter database "${new URL(db.url).pathname.slice(1)}" set timezone to 'Pacific/Kiritimati'`);
        second = await openDatabase({ url: db.url, migrate: false });
        orm = second.orm;
      } else {
        await conn.execute(`set timezone to 'Pacific/Kiritimati'`); // PGlite: one session
      }
      expect((await orm.em.getConnection().execute('show timezone'))[0].TimeZone).toBe('Pacific/Kiritimati');
      await (await migratorOf(orm)).up();
      const rows = await orm.em
        .getConnection()
        .execute('select organization_id, period_start = ?::timestamptz as at_month_start, runs from usage_counters order by organization_id', [start]);
      expect(rows).toEqual([{ organization_id: 'org_seed1', at_month_start: true, runs: 2 }]);
    } finally {
      await second?.close();
      await db.close();
    }
  });
});

function never(): never {
  throw new Error('unreachable');
}
