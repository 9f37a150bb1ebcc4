import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BillingDocument, CreateMonitorDocument } from '../src/client/generated/graphql';
import { loadConfig } from '../src/config';
import { PLANS, RUNS_PER_CHECK_MONTH } from '../src/modules/billing/plans';
import { startTestApp, type TestApp } from './helpers/app';
import { json, startTarget, type Target } from './helpers/target';

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

describe('plans that add up', () => {
  it("every allowance covers the plan's monitors and journeys at the default interval from every location for 31 days", () => {
    expect(RUNS_PER_CHECK_MONTH).toBe(8928);
    for (const [name, p] of Object.entries(PLANS)) {
      if (name === 'UNLIMITED') {
        expect(p).toEqual({ monitors: null, journeys: null, runsPerMonth: null, locationsPerCheck: null, minIntervalSeconds: 10 });
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
    await t.db.orm.em.fork().nativeUpdate('Organization', { id: unlimited.id }, { plan: 'UNLIMITED' });
    const k = await t.key(unlimited, ['all']);
    for (let i = 0; i < PLANS.FREE.monitors! + 1; i++) {
      const res = await k.client.gql(CreateMonitorDocument, { input: { name: `m${i}`, url: `${target.url}/ok`, intervalSeconds: 10 } });
      expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
      expect(res.data!.createMonitor.intervalSeconds).toBe(10);
    }
    const b = (await k.client.gql(BillingDocument)).data!.billing;
    expect(b).toMatchObject({
      plan: 'UNLIMITED',
      limits: { monitors: null, journeys: null, minIntervalSeconds: 10, runsPerMonth: null, locationsPerCheck: null },
    });
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

  it('DEFAULT_PLAN decides the plan of new organizations', async () => {
    expect(loadConfig({}).DEFAULT_PLAN).toBe('FREE');
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
