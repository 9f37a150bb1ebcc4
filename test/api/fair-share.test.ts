/**
 * Fair shares of a location's check slots (engine/fair-share.ts), with the real queue, the real in-process worker
 * (WORKER_CONCURRENCY 50, WORKER_ORG_SHARE 0.5: 25 slots at most per organization) and a real local target that
 * never answers. Before, manual runs jumped every scheduled run of the location with no per-organization bound:
 * one organization's 10 hanging monitors and 10 `triggerChecks` (110 jobs of 10 s) delayed another organization's
 * new monitor's first run by ~18 s. And a journey's whole duration is bounded (JOURNEY_MAX_DURATION_MS).
 */
import type * as http from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CreateJourneyDocument, CreateMonitorDocument, RunJourneyDocument, TriggerChecksDocument } from '../../src/client/generated/graphql';
import { PLANS } from '../../src/modules/billing/plans';
import { startTestApp, type TestApp } from '../helpers/app';
import { json, startTarget, type Target } from '../helpers/target';

let t: TestApp;
let target: Target;
/** Requests the never-answering route holds; ended when the target closes. */
const hanging: http.ServerResponse[] = [];
const sql = <T = Record<string, unknown>>(text: string, params: unknown[] = []) => t.db.orm.em.getConnection().execute<T[]>(text, params as never[]);

const waitFor = async (what: string, ok: () => Promise<boolean>, ms = 30_000) => {
  const until = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
};

beforeAll(async () => {
  t = await startTestApp({ SCHEDULING: 'true', SCHEDULE_TICK_MS: '100', WORKER_POLL_MS: '50', WORKER_CONCURRENCY: '50', WORKER_ORG_SHARE: '0.5', JOURNEY_MAX_DURATION_MS: '2000', SHUTDOWN_TIMEOUT_MS: '1000' });
  target = await startTarget();
  target.route('/ok', json(200, { ok: true }));
  target.route('/hang', (_req, res) => void hanging.push(res));
  target.route('/slow', (req, res) => void setTimeout(() => json(200, { ok: true })(req, res, ''), 800));
});
afterAll(async () => {
  await t?.close();
  for (const res of hanging) res.destroy();
  await target?.close();
});

async function orgWithKey(name: string, plan: keyof typeof PLANS) {
  const org = await t.org(name);
  await t.app.services.billing.setPlan(t.db.orm.em.fork(), org.id, plan);
  return { org, admin: await t.key(org, ['all']) };
}

async function createMonitors(admin: Awaited<ReturnType<TestApp['key']>>, n: number, input: Record<string, unknown>): Promise<string[]> {
  const res = await Promise.all(Array.from({ length: n }, (_, i) => admin.client.gql(CreateMonitorDocument, { input: { name: `m${i}`, ...input } as never })));
  return res.map((r) => {
    expect(r.errors).toBeUndefined();
    return r.data!.createMonitor.id;
  });
}

/** Jobs of the organization in flight in the location's queue now. */
const inFlight = async (orgId: string) =>
  (await sql<{ n: number }>(`select count(*)::int as n from pgboss.job where name = 'checks-local' and state = 'active' and data->>'organizationId' = ?`, [orgId]))[0].n;

// Each test floods the location, and measures slots another flood would hold: the flood of a test before it (in
// whatever order they run) is stopped first: its monitors paused, its waiting jobs gone, its hanging checks timed out.
beforeEach(async () => {
  await sql('update monitors set paused = true');
  await sql(`delete from pgboss.job where name = 'checks-local' and state < 'active'`);
  await waitFor('an earlier flood to drain', async () => (await sql<{ n: number }>(`select count(*)::int as n from pgboss.job where name = 'checks-local' and state = 'active'`))[0].n === 0, 20_000);
});

describe("one organization's flood", () => {
  it("holds at most its share of the location's slots, and another organization's scheduled runs start within 2 s of their slot", async () => {
    const flood = await orgWithKey('Flood Inc', 'UNLIMITED');
    await createMonitors(flood.admin, 10, { url: `${target.url}/hang`, timeoutMs: 10_000, intervalSeconds: 60, tags: ['flood'] });
    for (let i = 0; i < 10; i++) {
      const res = await flood.admin.client.gql(TriggerChecksDocument, { input: { tags: ['flood'] } });
      expect(res.errors).toBeUndefined();
    }
    // A FREE organization flooding too: its plan allows 5 at a time per location.
    const free = await orgWithKey('Free Flood Inc', 'FREE');
    await createMonitors(free.admin, 8, { url: `${target.url}/hang`, timeoutMs: 10_000, tags: ['flood'] });
    await free.admin.client.gql(TriggerChecksDocument, { input: { tags: ['flood'] } });
    await waitFor('the flood to fill its share', async () => (await inFlight(flood.org.id)) >= 25);

    // Sampled while the other organization's checks come and go: never beyond the share.
    let sampling = true;
    const peaks = { flood: 0, free: 0 };
    const sampler = (async () => {
      while (sampling) {
        peaks.flood = Math.max(peaks.flood, await inFlight(flood.org.id));
        peaks.free = Math.max(peaks.free, await inFlight(free.org.id));
        await new Promise((r) => setTimeout(r, 100));
      }
    })();

    const other = await orgWithKey('Other Inc', 'UNLIMITED');
    const ids = await createMonitors(other.admin, 3, { url: `${target.url}/ok`, intervalSeconds: 60 });
    await waitFor('the other organization\'s first runs', async () => (await sql('select id from runs where organization_id = ?', [other.org.id])).length >= 3, 40_000);
    sampling = false;
    await sampler;
    const runs = await sql<{ check_id: string; scheduled_at: Date; started_at: Date }>('select check_id, scheduled_at, started_at from runs where organization_id = ?', [other.org.id]);
    expect(runs.map((r) => r.check_id).sort()).toEqual([...ids].sort());
    const lags = runs.map((r) => new Date(r.started_at).getTime() - new Date(r.scheduled_at).getTime());
    expect(Math.max(...lags), `first-run lags ${lags.join(', ')} ms`).toBeLessThan(2000);
    expect(peaks.flood).toBeLessThanOrEqual(25);
    expect(peaks.free).toBeGreaterThan(0);
    expect(peaks.free).toBeLessThanOrEqual(PLANS.FREE.maxConcurrentChecksPerLocation!);
    // The flood still waits in the queue: the share bounded it, nothing dropped it.
    const waiting = await sql<{ n: number }>(`select count(*)::int as n from pgboss.job where name = 'checks-local' and state < 'active' and data->>'organizationId' = ?`, [flood.org.id]);
    expect(waiting[0].n).toBeGreaterThan(50);
  });
});

describe('two organizations flooding at once', () => {
  it("leave the reserve free: a third organization's new monitor's first run starts within 2 s of its slot", async () => {
    // Two organizations, each allowed 25 of the 50 slots (WORKER_ORG_SHARE 0.5): 60 hanging jobs each. Without a
    // reserve they held all 50 and a third organization waited for a hanging check to time out (~9 s).
    const floods = [await orgWithKey('Flood A Inc', 'UNLIMITED'), await orgWithKey('Flood B Inc', 'UNLIMITED')];
    for (const f of floods) {
      await createMonitors(f.admin, 10, { url: `${target.url}/hang`, timeoutMs: 10_000, intervalSeconds: 60, tags: ['flood'] });
      for (let i = 0; i < 5; i++) expect((await f.admin.client.gql(TriggerChecksDocument, { input: { tags: ['flood'] } })).errors).toBeUndefined();
    }
    const total = async () => (await inFlight(floods[0].org.id)) + (await inFlight(floods[1].org.id));
    // All but the reserve (WORKER_RESERVED_SHARE 0.2: 10 of the 50 slots).
    await waitFor('the floods to fill the slots outside the reserve', async () => (await total()) >= 40);

    const other = await orgWithKey('Third Inc', 'UNLIMITED');
    const [id] = await createMonitors(other.admin, 1, { url: `${target.url}/ok`, intervalSeconds: 60 });
    await waitFor("the third organization's first run", async () => (await sql('select id from runs where check_id = ?', [id])).length >= 1, 20_000);
    const [run] = await sql<{ scheduled_at: Date; started_at: Date }>('select scheduled_at, started_at from runs where check_id = ?', [id]);
    const lag = new Date(run.started_at).getTime() - new Date(run.scheduled_at).getTime();
    expect(lag, `first-run lag ${lag} ms`).toBeLessThan(2000);
    // The floods still each at most their share, together no more than the slots outside the reserve.
    expect(await inFlight(floods[0].org.id)).toBeLessThanOrEqual(25);
    expect(await inFlight(floods[1].org.id)).toBeLessThanOrEqual(25);
    expect(await total()).toBeLessThanOrEqual(40);
  });
});

describe('a journey', () => {
  it('that would outlast JOURNEY_MAX_DURATION_MS is a FAILED run saying so, cut at the limit', async () => {
    const { admin } = await orgWithKey('Journeys Inc', 'UNLIMITED');
    const step = (i: number) => ({ name: `s${i}`, request: { method: 'GET', url: `${target.url}/slow`, headers: [] }, assertions: [], extractions: [] });
    // Five steps of ~0.8 s: ~4 s and PASSED without the bound. Each step's own timeout (10 s) is far past the bound,
    // so only the bound can end the run (with 1 s, a busy machine timed a step out before the bound was reached).
    const created = await admin.client.gql(CreateJourneyDocument, { input: { name: 'Long', timeoutMs: 10_000, intervalSeconds: 3600, steps: [1, 2, 3, 4, 5].map(step) } as never });
    expect(created.errors).toBeUndefined();
    const run = (await admin.client.gql(RunJourneyDocument, { id: created.data!.createJourney.id })).data!.runJourney;
    expect(run.status).toBe('FAILED');
    // Cut in step 3 (at ~2.0 s of ~0.8 s steps) on a quiet machine; a slow one may cut a step earlier or later.
    const m = /^Journey exceeded its maximum duration of 2000 ms (in|before) step (\d) \(s\d\)/.exec(run.error ?? '');
    expect(m, run.error ?? '').not.toBeNull();
    const k = Number(m![2]);
    expect(k).toBeLessThan(5);
    const statuses = run.steps.map((s) => s.status);
    expect(statuses).toEqual([...Array(k - 1).fill('PASSED'), m![1] === 'in' ? 'FAILED' : 'SKIPPED', ...Array(5 - k).fill('SKIPPED')]);
    // Cut at the 2 s bound, not run to its ~4 s end (the step in flight is cut, not waited for).
    expect(new Date(run.finishedAt).getTime() - new Date(run.startedAt).getTime()).toBeLessThan(3500);
  });
});
