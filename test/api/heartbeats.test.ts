import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AlertsDocument,
  CreateHeartbeatDocument,
  DeleteHeartbeatDocument,
  HeartbeatDocument,
  HeartbeatRunsDocument,
  HeartbeatsDocument,
  HeartbeatPingUrlDocument,
  PauseHeartbeatDocument,
  ResumeHeartbeatDocument,
  RotateHeartbeatTokenDocument,
  RunHeartbeatDocument,
  UpdateHeartbeatDocument,
} from '../../src/client/generated/graphql';
import { startTestApp, type TestApp } from '../helpers/app';
import { monthStart } from '../../src/modules/billing/plans';

let t: TestApp;
let admin: Awaited<ReturnType<TestApp['key']>>;
let reader: Awaited<ReturnType<TestApp['key']>>;
let stranger: Awaited<ReturnType<TestApp['key']>>;

beforeAll(async () => {
  // The deadline watcher ticks every SCHEDULE_TICK_MS; a short tick keeps the late-heartbeat test short.
  t = await startTestApp({ SCHEDULE_TICK_MS: '250', HEARTBEAT_PINGS_PER_MINUTE: '40' });
  const org = await t.org('Acme Inc');
  admin = await t.key(org, ['monitors:read', 'monitors:write', 'monitors:run', 'alerts:read']);
  reader = await t.key(org, ['monitors:read']);
  stranger = await t.key(await t.org('Other Inc'), ['all']);
});
afterAll(async () => {
  await t?.close();
});

const tokenOf = (pingUrl: string) => pingUrl.split('/ping/')[1];
/** A real HTTP ping of the running server. */
async function ping(token: string, suffix = '', init: RequestInit = {}) {
  const res = await fetch(`${t.baseUrl}/ping/${token}${suffix}`, init);
  return { status: res.status, body: await res.text(), type: res.headers.get('content-type') };
}
async function create(input: Record<string, unknown>) {
  const res = await admin.client.gql(CreateHeartbeatDocument, { input: { name: 'Nightly backup', ...input } as never });
  expect(res.errors).toBeUndefined();
  return res.data!.createHeartbeat;
}
const runs = async (id: string) => (await admin.client.gql(HeartbeatRunsDocument, { heartbeatId: id, first: 50 })).data!.heartbeatRuns.nodes;
const heartbeat = async (id: string) => (await admin.client.gql(HeartbeatDocument, { id })).data!.heartbeat;
const alertsOf = async (id: string) => (await admin.client.gql(AlertsDocument, { checkId: id })).data!.alerts.nodes;
/** Waits (not a timed assertion: the bound only ends a hung test) until `f` answers something. */
async function eventually<T>(f: () => Promise<T | undefined>, ms = 20_000): Promise<T> {
  for (const until = Date.now() + ms; Date.now() < until; await new Promise((r) => setTimeout(r, 100))) {
    const v = await f();
    if (v !== undefined) return v;
  }
  throw new Error('never happened');
}

describe('heartbeats', () => {
  it('are created with a ping URL whose token is ≥128 bits and stored only hashed and sealed', async () => {
    const h = await create({ periodSeconds: 3600, graceSeconds: 300, tags: ['backup'] });
    expect(h).toMatchObject({ name: 'Nightly backup', status: 'PENDING', periodSeconds: 3600, graceSeconds: 300, cron: null, timezone: 'UTC', failureThreshold: 1, tags: ['backup'], lastPingAt: null });
    expect(h.id).toMatch(/^hbt_/);
    const token = tokenOf(h.pingUrl);
    expect(token).toMatch(/^[0-9A-Za-z]{32}$/); // 32 base62 ≈ 190 bits
    expect(new Date(h.nextDeadlineAt!).getTime() - new Date(h.nextExpectedAt!).getTime()).toBe(300_000);
    const [row] = await t.db.orm.em.fork().getConnection().execute(`select * from heartbeats where id = ?`, [h.id]);
    expect(JSON.stringify(row)).not.toContain(token);
    expect(row.token_hash).toMatch(/^[0-9a-f]{64}$/);
    // Listed, by tag, and over REST like monitors.
    expect((await reader.client.gql(HeartbeatsDocument, { tag: 'backup' })).data!.heartbeats.nodes.map((n) => n.id)).toContain(h.id);
    const rest = await reader.client.rest('GET', `/v1/heartbeats/${h.id}`);
    expect(rest.status).toBe(200);
    expect(rest.body.data).toMatchObject({ id: h.id, escalation_policy_id: null });
    // The ping URL writes (a success hides a dead job, /fail pages someone): a read-only key never sees it.
    expect(rest.body.data).not.toHaveProperty('ping_url');
    const hidden = await reader.client.gql(HeartbeatPingUrlDocument, { id: h.id });
    expect(hidden.errors?.[0].extensions).toMatchObject({ code: 'FORBIDDEN', missingScopes: ['monitors:write'] });
    expect(JSON.stringify(hidden.body)).not.toContain(token);
    expect((await admin.client.gql(HeartbeatPingUrlDocument, { id: h.id })).data!.heartbeat.pingUrl).toBe(h.pingUrl);
  });

  it('take GET, POST and HEAD pings as runs: success, log, /start duration, failure, exit codes; alerts open and resolve', async () => {
    const h = await create({ periodSeconds: 3600 });
    const token = tokenOf(h.pingUrl);
    expect(await ping(token)).toMatchObject({ status: 200, body: 'OK' });
    expect((await fetch(`${t.baseUrl}/ping/${token}`, { method: 'HEAD' })).status).toBe(200);
    const log = 'backup done\n' + 'x'.repeat(20_000);
    expect(await ping(token, '', { method: 'POST', body: log, headers: { 'content-type': 'text/plain' } })).toMatchObject({ status: 200, body: 'OK' });
    expect(await ping(token, '/start')).toMatchObject({ status: 200, body: 'OK' });
    await new Promise((r) => setTimeout(r, 300));
    expect((await ping(token, '/0')).status).toBe(200);
    let list = await runs(h.id);
    expect(list).toHaveLength(4); // HEAD is a GET: success, success, POST, exit 0 (a /start is no run)
    expect(list.every((r) => r.status === 'PASSED' && r.trigger === 'PING')).toBe(true);
    expect(list[0].ping).toMatchObject({ kind: 'EXIT_CODE', exitCode: 0 });
    expect(list[0].durationMs).toBeGreaterThanOrEqual(300); // measured from /start
    expect(list[1].ping!.log).toBe(log.slice(0, 10_000));
    expect((await heartbeat(h.id)).status).toBe('UP');

    expect((await ping(token, '/fail', { method: 'POST', body: 'disk full' })).status).toBe(200);
    list = await runs(h.id);
    expect(list[0]).toMatchObject({ status: 'FAILED', ping: { kind: 'FAIL', log: 'disk full' }, error: 'The job reported a failure' });
    expect((await heartbeat(h.id)).status).toBe('DOWN');
    expect((await alertsOf(h.id))[0]).toMatchObject({ status: 'OPEN', source: { kind: 'HEARTBEAT', id: h.id } });

    expect((await ping(token)).status).toBe(200);
    expect((await alertsOf(h.id))[0].status).toBe('RESOLVED');
    expect((await ping(token, '/3')).status).toBe(200);
    expect((await runs(h.id))[0]).toMatchObject({ status: 'FAILED', ping: { kind: 'EXIT_CODE', exitCode: 3 }, error: 'Exit code 3' });
    expect((await ping(token, '/256')).status).toBe(404);
    expect((await ping(token, '/01')).status).toBe(404);
  });

  it("docs/reference/heartbeats.md's curl lines work as written (one bash process)", async () => {
    const h = await create({ periodSeconds: 3600 });
    const page = readFileSync(join(__dirname, '../../docs/reference/heartbeats.md'), 'utf8');
    const block = /```sh\n([\s\S]*?)```/.exec(page)![1];
    // Async: the server answering the curls is in this process.
    await promisify(execFile)('bash', ['-euc', block], { env: { ...process.env, PING_URL: `${t.baseUrl}/ping/${tokenOf(h.pingUrl)}` } });
    const list = await runs(h.id);
    expect(list.map((r) => [r.status, r.ping?.kind, r.ping?.exitCode, r.ping?.log])).toEqual([
      ['PASSED', 'EXIT_CODE', 0, null],
      ['PASSED', 'SUCCESS', null, 'backup finished'],
    ]);
  });

  it('answers one 404 for every token that finds nothing, and a rotated token stops at once', async () => {
    const h = await create({ periodSeconds: 60 });
    const old = tokenOf(h.pingUrl);
    const rotated = (await admin.client.gql(RotateHeartbeatTokenDocument, { id: h.id })).data!.rotateHeartbeatToken;
    const fresh = tokenOf(rotated.pingUrl);
    expect(fresh).not.toBe(old);
    const answers = [await ping(old), await ping('A'.repeat(32)), await ping('short'), await ping(`${old}x`, '/fail'), await ping(old, '/start', { method: 'POST', body: 'x' })];
    for (const a of answers) expect(a).toEqual(answers[0]);
    expect(answers[0]).toMatchObject({ status: 404, body: 'Not found' });
    expect(await ping(fresh)).toMatchObject({ status: 200, body: 'OK' });
    await admin.client.gql(DeleteHeartbeatDocument, { id: h.id });
    expect(await ping(fresh)).toEqual(answers[0]);
  });

  it('rate-limits pings per token', async () => {
    const h = await create({ periodSeconds: 60 });
    const token = tokenOf(h.pingUrl);
    // The window is the clock's minute: 41 pings may straddle two, so up to 81 are sent until the first 429.
    const statuses: number[] = [];
    while (statuses.length < 81 && statuses.at(-1) !== 429) statuses.push((await ping(token, '/start')).status);
    expect(statuses.at(-1)).toBe(429);
    expect(statuses.length).toBeGreaterThanOrEqual(41);
    expect(statuses.slice(0, -1).every((s) => s === 200)).toBe(true);
    // Another heartbeat's budget is its own.
    expect((await ping(tokenOf((await create({ periodSeconds: 60 })).pingUrl))).status).toBe(200);
  });

  it('goes DOWN at its first missed deadline (period + grace), opens one alert, and the next ping resolves it', async () => {
    const h = await create({ periodSeconds: 2, graceSeconds: 1 });
    const token = tokenOf(h.pingUrl);
    expect((await ping(token)).status).toBe(200);
    const { nextDeadlineAt } = await heartbeat(h.id);
    const deadline = new Date(nextDeadlineAt!).getTime();
    const alert = await eventually(async () => (await alertsOf(h.id))[0]);
    const openedAt = new Date(alert.openedAt).getTime();
    expect(openedAt).toBeGreaterThanOrEqual(deadline);
    expect(openedAt - deadline).toBeLessThan(5_000); // the bound: exact within 5 s
    expect(alert.status).toBe('OPEN');
    const missed = (await runs(h.id)).filter((r) => r.ping?.kind === 'MISSED');
    expect(missed[missed.length - 1]).toMatchObject({ status: 'FAILED', trigger: 'SCHEDULED', scheduledAt: new Date(deadline).toISOString() });
    expect((await heartbeat(h.id)).status).toBe('DOWN');
    // Recording again (another worker, a restart) records nothing twice for a deadline.
    await t.app.services.heartbeats.recordMissed();
    const slots = (await runs(h.id)).filter((r) => r.ping?.kind === 'MISSED').map((r) => r.scheduledAt);
    expect(new Set(slots).size).toBe(slots.length);
    expect((await ping(token)).status).toBe(200);
    expect((await alertsOf(h.id))[0].status).toBe('RESOLVED');
    expect((await heartbeat(h.id)).status).toBe('UP');
    // Paused: no deadline, nothing recorded; resumed: counted from now.
    const paused = (await admin.client.gql(PauseHeartbeatDocument, { id: h.id })).data!.pauseHeartbeat;
    expect(paused).toMatchObject({ status: 'PAUSED', nextDeadlineAt: null });
    const resumed = (await admin.client.gql(ResumeHeartbeatDocument, { id: h.id })).data!.resumeHeartbeat;
    expect(new Date(resumed.nextDeadlineAt!).getTime()).toBeGreaterThan(Date.now());
    await admin.client.gql(DeleteHeartbeatDocument, { id: h.id });
  }, 30_000);

  it('a burst of missed deadlines, more than a batch, is recorded once each with its alert, and each next deadline is a period on', async () => {
    const org = await t.org('Burst Inc');
    await t.db.orm.em.fork().nativeUpdate('Organization', { id: org.id }, { plan: 'UNLIMITED' });
    const { client } = await t.key(org, ['monitors:read', 'monitors:write', 'alerts:read']);
    const ids: string[] = [];
    for (let i = 0; i < 60; i++) ids.push((await client.gql(CreateHeartbeatDocument, { input: { name: `Burst ${i}`, periodSeconds: 3600, graceSeconds: 1 } })).data!.createHeartbeat.id);
    // Every deadline passed at once (a burst), each its own instant.
    const deadlines = ids.map((_, i) => new Date(Date.now() - 2000 - i * 10));
    await t.db.orm.em.fork().getConnection().execute(
      `update heartbeats as h set next_deadline_at = v.at::timestamptz from unnest(?::text[], ?::text[]) as v(id, at) where h.id = v.id`,
      [`{${ids.join(',')}}`, `{${deadlines.map((d) => d.toISOString()).join(',')}}`],
    );
    // This call and the watcher's own ticks take batches side by side (skip locked): each deadline once, whoever records it.
    await t.app.services.heartbeats.recordMissed();
    const missedRuns = async () =>
      (await t.db.orm.em.fork().getConnection().execute<{ n: number }[]>(`select count(*)::int as n from runs where organization_id = ? and ping->>'kind' = 'MISSED'`, [org.id]))[0].n;
    await eventually(async () => ((await missedRuns()) >= ids.length ? true : undefined));
    expect(await t.app.services.heartbeats.recordMissed()).toBe(0);
    expect(await missedRuns()).toBe(ids.length);
    for (const [i, id] of ids.entries()) {
      const missed = (await client.gql(HeartbeatRunsDocument, { heartbeatId: id, first: 50 })).data!.heartbeatRuns.nodes.filter((r) => r.ping?.kind === 'MISSED');
      expect([id, missed.map((r) => r.scheduledAt)]).toEqual([id, [deadlines[i].toISOString()]]);
      expect([id, (await client.gql(AlertsDocument, { checkId: id })).data!.alerts.nodes.map((a) => a.status)]).toEqual([id, ['OPEN']]);
      // A period on from the deadline, or from the recording when that was later (ping.service.ts).
      const next = Date.parse((await client.gql(HeartbeatDocument, { id })).data!.heartbeat.nextDeadlineAt!);
      expect([id, next - deadlines[i].getTime() >= 3600_000, next <= Date.now() + 3600_000]).toEqual([id, true, true]);
    }
  }, 60_000);

  it("a burst of several organizations takes each one's usage counter once a batch, not once a deadline; one with fewer runs left records what its quota leaves and opens its quota alert", async () => {
    const sql = <T extends object[] = object[]>(text: string, params: unknown[] = []) => t.db.orm.em.fork().getConnection().execute<T>(text, params as never[]);
    const [a, b, full] = [await t.org('Burst A'), await t.org('Burst B'), await t.org('Burst Full')];
    await sql(`update organizations set plan = 'UNLIMITED' where id = any(?::text[])`, [`{${a.id},${b.id}}`]);
    // FREE: 120,000 runs a month; three left.
    await sql(`insert into usage_counters (organization_id, period_start, runs) values (?, ?, 119997)`, [full.id, monthStart(new Date())]);
    const owners = [...Array(30).fill(a.id), ...Array(30).fill(b.id), ...Array(6).fill(full.id)] as string[];
    const ids = owners.map((_, i) => `hbt_burst${String(i).padStart(8, '0')}`);
    // Inserted in SQL (as the bench does): FREE allows 10 monitors. Deadlines interleaved, so every batch holds all three.
    const deadlines = ids.map((_, i) => new Date(Date.now() - 2000 - ((i * 7) % ids.length) * 10).toISOString());
    await sql(`insert into checks (id, organization_id, kind) select r.id, r.org, 'heartbeat' from unnest(?::text[], ?::text[]) as r(id, org)`, [`{${ids.join(',')}}`, `{${owners.join(',')}}`]);
    t.queries.length = 0;
    await sql(
      `insert into heartbeats (id, organization_id, name, period_seconds, grace_seconds, token_hash, token_sealed, next_deadline_at, next_run_at, created_at, updated_at)
       select r.id, r.org, 'burst', 3600, 1, encode(sha256(r.id::bytea), 'hex'), 'x', r.at::timestamptz, now(), now(), now() from unnest(?::text[], ?::text[], ?::text[]) as r(id, org, at)`,
      [`{${ids.join(',')}}`, `{${owners.join(',')}}`, `{${deadlines.join(',')}}`],
    );
    // This call and the watcher's own ticks share the burst (skip locked); wait until every deadline has moved.
    await t.app.services.heartbeats.recordMissed();
    const moved = async () => (await sql<{ n: number }[]>(`select count(*)::int as n from heartbeats where id = any(?::text[]) and next_deadline_at > now()`, [`{${ids.join(',')}}`]))[0].n;
    await eventually(async () => ((await moved()) === ids.length ? true : undefined));
    const perOrg = async (table: string, org: string, where = '') => (await sql<{ n: number }[]>(`select count(*)::int as n from ${table} where organization_id = ? ${where}`, [org]))[0].n;
    for (const org of [a, b]) {
      expect([org.name, await perOrg('runs', org.id, `and ping->>'kind' = 'MISSED'`), await perOrg('alerts', org.id)]).toEqual([org.name, 30, 30]);
      expect([org.name, (await sql<{ runs: number }[]>(`select runs from usage_counters where organization_id = ?`, [org.id]))[0]?.runs]).toEqual([org.name, 30]);
      const twice = await sql(`select check_id from runs where organization_id = ? group by check_id having count(*) > 1`, [org.id]);
      expect(twice).toEqual([]);
    }
    // The last three runs of the month, then refusals: the quota alert, and every deadline moved on all the same.
    expect(await perOrg('runs', full.id, `and ping->>'kind' = 'MISSED'`)).toBe(3);
    expect((await sql<{ runs: number }[]>(`select runs from usage_counters where organization_id = ?`, [full.id]))[0].runs).toBe(120_000);
    expect(await perOrg('alerts', full.id, `and subject = 'quota' and status = 'OPEN'`)).toBe(1);
    // One reservation per organization per batch (plus the short organization's one by one), not one per deadline.
    const reservations = t.queries.filter((q) => /insert into usage_counters/.test(q)).length;
    expect(reservations).toBeLessThan(30);
  }, 60_000);

  it('reads a cron schedule in its time zone, and validates every input', async () => {
    const h = await create({ cron: '30 2 * * *', timezone: 'Europe/Paris', graceSeconds: 600 });
    expect(h).toMatchObject({ cron: '30 2 * * *', timezone: 'Europe/Paris', periodSeconds: null });
    const expected = new Date(h.nextExpectedAt!);
    const paris = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Paris', hour: '2-digit', minute: '2-digit' }).format(expected);
    expect(paris).toBe('02:30');
    // Giving a period replaces the cron expression.
    const updated = (await admin.client.gql(UpdateHeartbeatDocument, { id: h.id, input: { periodSeconds: 600 } })).data!.updateHeartbeat;
    expect(updated).toMatchObject({ cron: null, periodSeconds: 600 });

    const bad = async (input: Record<string, unknown>) => {
      const res = await admin.client.gql(CreateHeartbeatDocument, { input: { name: 'x', ...input } as never });
      expect(res.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
      return (res.errors![0].extensions!.fields as { field: string }[]).map((f) => f.field);
    };
    expect(await bad({ cron: '61 * * * *' })).toContain('cron');
    expect(await bad({ cron: '0 3 * * *', timezone: 'Mars/Olympus' })).toContain('timezone');
    expect(await bad({ cron: '0 3 * * *', periodSeconds: 60 })).toContain('cron');
    expect(await bad({ periodSeconds: 0 })).toContain('periodSeconds');
    expect(await bad({ name: '   ', periodSeconds: 60 })).toContain('name');
  });

  it('runHeartbeat judges it now: PASSED before its deadline', async () => {
    const h = await create({ periodSeconds: 3600 });
    const res = await admin.client.gql(RunHeartbeatDocument, { id: h.id });
    expect(res.errors).toBeUndefined();
    expect(res.data!.runHeartbeat).toMatchObject({ status: 'PASSED', trigger: 'MANUAL', heartbeatId: h.id });
  });

  it("are NOT_FOUND to another organization, and writes need monitors:write", async () => {
    const h = await create({ periodSeconds: 60 });
    for (const res of [
      await stranger.client.gql(HeartbeatDocument, { id: h.id }),
      await stranger.client.gql(UpdateHeartbeatDocument, { id: h.id, input: { name: 'mine' } }),
      await stranger.client.gql(RotateHeartbeatTokenDocument, { id: h.id }),
      await stranger.client.gql(DeleteHeartbeatDocument, { id: h.id }),
    ])
      expect(res.errors?.[0].extensions?.code).toBe('NOT_FOUND');
    expect((await stranger.client.rest('GET', `/v1/heartbeats/${h.id}`)).status).toBe(404);
    expect((await stranger.client.gql(HeartbeatsDocument, {})).data!.heartbeats.nodes).toEqual([]);
    const denied = await reader.client.gql(RotateHeartbeatTokenDocument, { id: h.id });
    expect(denied.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect((await admin.client.gql(HeartbeatPingUrlDocument, { id: h.id })).data!.heartbeat.pingUrl).toBe(h.pingUrl); // unchanged
  });
});
