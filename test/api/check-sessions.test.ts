/**
 * Tags on checks, and check sessions (`triggerChecks` / `checkSession`, the CI trigger): real runs by the in-process
 * worker against a real local target, scopes decided by what a session selects, quota as for manual runs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CheckSessionDocument,
  CreateJourneyDocument,
  CreateMonitorDocument,
  JourneysDocument,
  MonitorsDocument,
  RunDocument,
  TriggerChecksDocument,
  UpdateMonitorDocument,
  type CheckSessionFieldsFragment,
} from '../../src/client/generated/graphql';
import { monthStart, PLANS } from '../../src/modules/billing/plans';
import { startTestApp, type TestApp } from '../helpers/app';
import type { Client } from '../helpers/client';
import { json, startTarget, type Target } from '../helpers/target';
import type { Organization } from '../../src/modules/organization/organization.entity';

let t: TestApp;
let target: Target;
let org: Organization;
let admin: Awaited<ReturnType<TestApp['key']>>;
let ids: { ok: string; failing: string; journey: string; paused: string; untagged: string };
/** One per request the held route holds: called to let it answer. */
const held: Array<() => void> = [];

beforeAll(async () => {
  t = await startTestApp();
  target = await startTarget();
  target.route('/ok', json(200, { status: 'ok' }));
  target.route('/fail', json(500, { error: 'boom' }));
  // Each answers once: a release after the answer (or after the check gave up) does nothing.
  target.route('/held', (req, res) => held.push(() => void (!res.headersSent && !res.destroyed && json(200, { status: 'late' })(req, res, ''))));
  org = await t.org('Acme Inc');
  await t.db.orm.em.fork().nativeUpdate('Organization', { id: org.id }, { plan: 'TEAM' });
  admin = await t.key(org, ['all']);
  const monitor = async (name: string, path: string, tags: string[], paused = false) => {
    const res = await admin.client.gql(CreateMonitorDocument, { input: { name, url: `${target.url}${path}`, tags, paused } });
    expect(res.errors).toBeUndefined();
    return res.data!.createMonitor.id;
  };
  const journey = await admin.client.gql(CreateJourneyDocument, {
    input: {
      name: 'Smoke journey',
      tags: ['smoke', 'team:web'],
      steps: [{ name: 'ok', request: { method: 'GET', url: `${target.url}/ok` }, assertions: [{ source: 'STATUS_CODE', comparison: 'EQUALS', target: '200' }] }],
    },
  });
  expect(journey.errors).toBeUndefined();
  ids = {
    ok: await monitor('Home', '/ok', ['smoke', 'prod']),
    failing: await monitor('Checkout', '/fail', ['checkout']),
    journey: journey.data!.createJourney.id,
    paused: await monitor('Paused smoke', '/ok', ['smoke'], true),
    untagged: await monitor('Untagged', '/ok', []),
  };
});
afterAll(async () => {
  for (const r of held) r();
  await target?.close();
  await t?.close();
});

/** Reads the session until it is no longer RUNNING (each read is a real request; the worker runs meanwhile). */
async function finished(client: Client, id: string): Promise<CheckSessionFieldsFragment> {
  for (let i = 0; i < 600; i++) {
    const res = await client.gql(CheckSessionDocument, { id });
    expect(res.errors).toBeUndefined();
    if (res.data!.checkSession.status !== 'RUNNING') return res.data!.checkSession;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`session ${id} still RUNNING`);
}

const sessionRows = async () => Number((await t.db.orm.em.getConnection().execute('select count(*)::int as n from check_sessions'))[0].n);
const usedRuns = async () =>
  Number(
    (await t.db.orm.em.getConnection().execute('select runs from usage_counters where organization_id = ? and period_start = ?', [org.id, monthStart(t.app.services.now())]))[0]?.runs ?? 0,
  );

describe('tags on monitors and journeys', () => {
  it('are stored, read back, replaced by an update, and filter the lists (GraphQL and REST)', async () => {
    const smoke = (await admin.client.gql(MonitorsDocument, { tag: 'smoke' })).data!.monitors.nodes.map((m) => m.name);
    expect(smoke.sort()).toEqual(['Home', 'Paused smoke']);
    expect((await admin.client.gql(JourneysDocument, { tag: 'team:web' })).data!.journeys.nodes.map((j) => j.tags)).toEqual([['smoke', 'team:web']]);
    const rest = await admin.client.rest('GET', '/v1/monitors?tag=checkout');
    expect((rest.body.data as { nodes: { name: string; tags: string[] }[] }).nodes).toEqual([expect.objectContaining({ name: 'Checkout', tags: ['checkout'] })]);

    const updated = await admin.client.gql(UpdateMonitorDocument, { id: ids.untagged, input: { tags: ['nightly'] } });
    expect(updated.data!.updateMonitor.tags).toEqual(['nightly']);
    expect((await admin.client.gql(UpdateMonitorDocument, { id: ids.untagged, input: { tags: [] } })).data!.updateMonitor.tags).toEqual([]);
  });

  it.each([
    [['Smoke'], 'tags'],
    [['has space'], 'tags'],
    [['-leading'], 'tags'],
    [['x'.repeat(41)], 'tags'],
    [['a', 'a'], 'tags'],
    [Array.from({ length: 21 }, (_, i) => `t${i}`), 'tags'],
  ])('refuses tags %j with BAD_USER_INPUT on %s, storing nothing', async (tags, field) => {
    const res = await admin.client.gql(CreateMonitorDocument, { input: { name: 'bad tags', url: `${target.url}/ok`, tags } });
    expect(res.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', fields: [expect.objectContaining({ field })] });
    expect((await admin.client.gql(MonitorsDocument, { first: 100 })).data!.monitors.nodes.some((m) => m.name === 'bad tags')).toBe(false);
  });

  it('refuses a malformed tag filter', async () => {
    expect((await admin.client.gql(MonitorsDocument, { tag: 'NOT A TAG' })).errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
  });
});

describe('triggerChecks and checkSession', () => {
  it('runs every active check with the tag once, answers RUNNING at once, and ends PASSED', async () => {
    const before = await usedRuns();
    const res = await admin.client.gql(TriggerChecksDocument, { input: { tags: ['smoke'] } });
    expect(res.errors).toBeUndefined();
    const session = res.data!.triggerChecks;
    expect(session.id).toMatch(/^cks_/);
    expect(session.tags).toEqual(['smoke']);
    // The paused monitor is not selected by its tag; the monitor comes before the journey.
    expect(session.runs.map((r) => [r.name, r.checkType, r.location])).toEqual([
      ['Home', 'MONITOR', 'local'],
      ['Smoke journey', 'JOURNEY', 'local'],
    ]);
    expect(await usedRuns()).toBe(before + 2); // admitted against the quota like manual runs

    const done = await finished(admin.client, session.id);
    expect(done.status).toBe('PASSED');
    expect(done.runs.map((r) => [r.checkId, r.status, r.responseStatus])).toEqual([
      [ids.ok, 'PASSED', 200],
      [ids.journey, 'PASSED', 200], // a journey's last step
    ]);
    // The session's run ids are the recorded runs.
    const run = await admin.client.gql(RunDocument, { id: done.runs[0].runId });
    expect(run.data?.run).toMatchObject({ status: 'PASSED', trigger: 'MANUAL' });
  });

  it('does not wait for the runs: a target that has not answered yet still gets the session back, RUNNING', async () => {
    const slow = (await admin.client.gql(CreateMonitorDocument, { input: { name: 'Slow', url: `${target.url}/held` } })).data!.createMonitor.id;
    const before = held.length;
    const res = await admin.client.gql(TriggerChecksDocument, { input: { checkIds: [slow] } });
    expect(res.data!.triggerChecks.status).toBe('RUNNING');
    expect(res.data!.triggerChecks.runs[0].status).toBe('RUNNING');
    // The target has the request (or soon will) and holds it; only then is it let go.
    for (let i = 0; i < 600 && held.length === before; i++) await new Promise((r) => setTimeout(r, 20));
    held.at(-1)!();
    expect((await finished(admin.client, res.data!.triggerChecks.id)).status).toBe('PASSED');
  });

  it('is FAILED when any run failed; ids run even when paused, together with tags, each check once', async () => {
    const res = await admin.client.gql(TriggerChecksDocument, { input: { checkIds: [ids.failing, ids.paused, ids.ok], tags: ['prod'] } });
    expect(res.errors).toBeUndefined();
    expect(res.data!.triggerChecks.runs.map((r) => r.checkId)).toEqual([ids.failing, ids.paused, ids.ok]);
    const done = await finished(admin.client, res.data!.triggerChecks.id);
    expect(done.status).toBe('FAILED');
    expect(done.runs.map((r) => r.status)).toEqual(['FAILED', 'PASSED', 'PASSED']);
    expect(done.runs[0]).toMatchObject({ responseStatus: 500, error: expect.any(String) });
  });

  it('a run not recorded by the deadline is TIMED_OUT and the session FAILED', async () => {
    const never = (await admin.client.gql(CreateMonitorDocument, { input: { name: 'Never', url: `${target.url}/held` } })).data!.createMonitor.id;
    const session = (await admin.client.gql(TriggerChecksDocument, { input: { checkIds: [never] } })).data!.triggerChecks;
    t.clock.now = new Date(new Date(session.deadlineAt).getTime() + 1);
    try {
      const read = (await admin.client.gql(CheckSessionDocument, { id: session.id })).data!.checkSession;
      expect(read.status).toBe('FAILED');
      expect(read.runs[0]).toMatchObject({ status: 'TIMED_OUT', error: expect.stringMatching(/deadline/) });
    } finally {
      t.clock.now = null;
    }
  });

  it('nothing selected, a tag nothing has, a bad id or a location a check lacks: BAD_USER_INPUT, and no session', async () => {
    const before = await sessionRows();
    for (const [input, field] of [
      [{}, 'checkIds'],
      [{ checkIds: [], tags: [] }, 'checkIds'],
      [{ tags: ['nothing-has-this'] }, 'tags'],
      [{ checkIds: ['key_abc'] }, 'checkIds'],
      [{ checkIds: [ids.ok], location: 'mars' }, 'location'],
    ] as const) {
      const res = await admin.client.gql(TriggerChecksDocument, { input: input as never });
      expect(res.errors?.[0].extensions, JSON.stringify(input)).toMatchObject({ code: 'BAD_USER_INPUT', fields: [expect.objectContaining({ field })] });
    }
    expect(await sessionRows()).toBe(before);
  });

  it('needs monitors:run for monitors and journeys:run for journeys, answered as the scope check answers', async () => {
    const monitorsOnly = await t.key(org, ['monitors:run']);
    const before = { sessions: await sessionRows(), runs: await usedRuns() };
    const denied = await monitorsOnly.client.gql(TriggerChecksDocument, { input: { tags: ['smoke'] } }); // selects a journey too
    expect(denied.status).toBe(403);
    expect(denied.errors?.[0]).toMatchObject({
      message: 'Insufficient permissions for this action',
      extensions: { code: 'FORBIDDEN', missingScopes: ['journeys:run'], paths: ['triggerChecks'] },
    });
    const rest = await monitorsOnly.client.rest('POST', '/v1/check-sessions', { tags: ['smoke'] });
    expect(rest.status).toBe(403);
    expect(rest.body.error).toMatchObject({ code: 'FORBIDDEN', missing_scopes: ['journeys:run'] });
    expect({ sessions: await sessionRows(), runs: await usedRuns() }).toEqual(before); // nothing written, nothing counted

    const allowed = await monitorsOnly.client.gql(TriggerChecksDocument, { input: { tags: ['prod'] } }); // monitors only
    expect(allowed.errors).toBeUndefined();
    const id = allowed.data!.triggerChecks.id;
    expect((await finished(monitorsOnly.client, id)).status).toBe('PASSED');

    // Reading a session needs what triggering it needed.
    const journeysOnly = await t.key(org, ['journeys:run', 'journeys:read']);
    const read = await journeysOnly.client.gql(CheckSessionDocument, { id });
    expect(read.errors?.[0].extensions).toMatchObject({ code: 'FORBIDDEN', missingScopes: ['monitors:run'], paths: ['checkSession'] });
    const none = await t.key(org, ['alerts:read']);
    expect((await none.client.gql(TriggerChecksDocument, { input: { checkIds: [ids.ok] } })).errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect((await t.client().gql(TriggerChecksDocument, { input: { checkIds: [ids.ok] } })).status).toBe(401);
  });

  it("another organization's session or check is NOT_FOUND", async () => {
    const other = await t.key(await t.org('Other Corp'), ['all']);
    const mine = (await admin.client.gql(TriggerChecksDocument, { input: { checkIds: [ids.ok] } })).data!.triggerChecks;
    await finished(admin.client, mine.id);
    expect((await other.client.gql(CheckSessionDocument, { id: mine.id })).errors?.[0].extensions?.code).toBe('NOT_FOUND');
    expect((await other.client.rest('GET', `/v1/check-sessions/${mine.id}`)).status).toBe(404);
    expect((await other.client.gql(TriggerChecksDocument, { input: { checkIds: [ids.ok] } })).errors?.[0].extensions?.code).toBe('NOT_FOUND');
    expect((await other.client.gql(CheckSessionDocument, { id: 'cks_doesnotexist' })).errors?.[0].extensions?.code).toBe('NOT_FOUND');
  });

  it('over REST: POST /v1/check-sessions answers 201 with the session, GET /v1/check-sessions/:id follows it', async () => {
    const created = await admin.client.rest('POST', '/v1/check-sessions', { check_ids: [ids.ok], tags: ['checkout'] });
    expect(created.status).toBe(201);
    const data = created.body.data as { id: string; status: string; runs: { check_id: string; check_type: string }[] };
    expect(data.runs.map((r) => [r.check_id, r.check_type])).toEqual([
      [ids.ok, 'MONITOR'],
      [ids.failing, 'MONITOR'],
    ]);
    await finished(admin.client, data.id);
    const read = await admin.client.rest('GET', `/v1/check-sessions/${data.id}`);
    expect(read.body).toMatchObject({ success: true, data: { id: data.id, status: 'FAILED' } });
  });

  it('the quota admits every run of a session or none, and opens the quota alert', async () => {
    const small = await t.org('Small Co'); // FREE
    const key = await t.key(small, ['all']);
    const mk = async (name: string) =>
      (await key.client.gql(CreateMonitorDocument, { input: { name, url: `${target.url}/ok`, tags: ['ci'] } })).data!.createMonitor.id;
    await mk('a');
    await mk('b');
    const limit = PLANS.FREE.runsPerMonth!;
    const period = monthStart(t.app.services.now());
    await t.db.orm.em.getConnection().execute('insert into usage_counters (organization_id, period_start, runs) values (?, ?, ?)', [small.id, period, limit - 1]);
    const before = await sessionRows();
    const res = await key.client.gql(TriggerChecksDocument, { input: { tags: ['ci'] } });
    expect(res.status).toBe(402);
    expect(res.errors?.[0].extensions).toMatchObject({ code: 'PLAN_LIMIT_EXCEEDED', plan: 'FREE', limit, needed: 2 });
    const used = async () =>
      Number((await t.db.orm.em.getConnection().execute('select runs from usage_counters where organization_id = ? and period_start = ?', [small.id, period]))[0].runs);
    expect(await used()).toBe(limit - 1); // the one that fitted was given back with the rest
    expect(await sessionRows()).toBe(before);
    const quotaAlerts = () => t.db.orm.em.getConnection().execute(`select status from alerts where organization_id = ? and subject = 'quota'`, [small.id]);
    expect(await quotaAlerts()).toEqual([]); // one run is still left this month

    await t.db.orm.em.getConnection().execute('update usage_counters set runs = ? where organization_id = ?', [limit, small.id]);
    expect((await key.client.gql(TriggerChecksDocument, { input: { tags: ['ci'] } })).status).toBe(402);
    expect(await quotaAlerts()).toEqual([{ status: 'OPEN' }]); // used up: the quota alert says so, as for manual runs
    expect(await used()).toBe(limit);
  });
});
