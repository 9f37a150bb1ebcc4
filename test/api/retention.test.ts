/**
 * Retention: runs kept per plan (`billing.limits.runRetentionDays`; UNLIMITED from RUN_RETENTION_DAYS), rollups and
 * audit events 400 days; and the maintenance job on the queue, run once per period however many workers offer it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import type { FastifyBaseLogger } from 'fastify';
import * as ops from '../../src/client/generated/graphql';
import { createApp, type App } from '../../src/app';
import { loadConfig } from '../../src/config';
import { startTestApp, TEST_SECRETS_KEY, type TestApp } from '../helpers/app';
import { RetentionService } from '../../src/modules/retention/retention.service';
import { MaintenanceJob } from '../../src/modules/engine/maintenance';
import { RollupWriter } from '../../src/modules/stats/rollup.writer';
import { newId } from '../../src/modules/common/ids';
import type { Organization } from '../../src/modules/organization/organization.entity';

const DAY = 86_400_000;
let t: TestApp;
let second: App;
const sql = <T = Record<string, unknown>>(text: string, params: unknown[] = []) => t.db.orm.em.getConnection().execute<T[]>(text, params as never[]);

beforeAll(async () => {
  t = await startTestApp({ RUN_RETENTION_DAYS: '45' });
  second = await createApp(loadConfig({ LOG_LEVEL: 'silent', BOOTSTRAP_KEY: 'false', SCHEDULING: 'false', LOCATION: 'other' }), { database: t.db, secretsKey: TEST_SECRETS_KEY });
});
afterAll(async () => {
  await second?.close();
  await t?.close();
});

async function orgOn(plan: 'FREE' | 'TEAM' | 'BUSINESS' | 'UNLIMITED'): Promise<{ org: Organization; monitorId: string }> {
  const org = await t.org(`${plan} ${Math.random().toString(36).slice(2)}`);
  await t.app.services.billing.setPlan(t.db.orm.em.fork(), org.id, plan);
  const { client } = await t.key(org, ['all']);
  const monitorId = (await client.gql(ops.CreateMonitorDocument, { input: { name: 'm', url: 'http://127.0.0.1:9/x', intervalSeconds: 300 } })).data!.createMonitor.id;
  return { org, monitorId };
}

/** A run `daysAgo` old, with its rollups, as the engine records one. */
async function runAt(org: Organization, monitorId: string, daysAgo: number) {
  const at = new Date(Date.now() - daysAgo * DAY);
  await t.db.orm.em.fork().transactional(async (tx) => {
    const insert = {
      sql: `insert into runs (id, slot_at, organization_id, check_id, trigger, status, location, started_at, finished_at, duration_ms, assertions)
            values (?, ?, ?, ?, 'MANUAL', 'PASSED', 'local', ?, ?, 20, '[]')`,
      params: [newId('run'), at, org.id, monitorId, at, at],
    };
    await new RollupWriter().insertWithRun(tx, insert, { checkId: monitorId, organizationId: org.id, location: 'local', startedAt: at, finishedAt: new Date(at.getTime() + 20), passed: true, durationMs: 20 });
  });
}

const ages = async (monitorId: string) =>
  (await sql<{ d: number }>(`select round(extract(epoch from now() - started_at) / 86400)::int as d from runs where check_id = ? order by d`, [monitorId])).map((r) => r.d);

describe('retention by plan', () => {
  it('billing says how long runs are kept: FREE 7, TEAM 30, BUSINESS 90, UNLIMITED RUN_RETENTION_DAYS', async () => {
    for (const [plan, days] of [['FREE', 7], ['TEAM', 30], ['BUSINESS', 90], ['UNLIMITED', 45]] as const) {
      const { org } = await orgOn(plan);
      const { client } = await t.key(org, ['billing:read']);
      expect((await client.gql(ops.BillingDocument)).data!.billing.limits.runRetentionDays, plan).toBe(days);
    }
  });

  it("pruning removes each organization's runs past its plan, rollups and audit events past 400 days, nothing newer", async () => {
    const free = await orgOn('FREE');
    const team = await orgOn('TEAM');
    const unlimited = await orgOn('UNLIMITED');
    for (const o of [free, team, unlimited]) for (const d of [1, 8, 31, 46]) await runAt(o.org, o.monitorId, d);
    await runAt(free.org, free.monitorId, 401); // its rollups are past 400 days too
    await sql(`insert into audit_events (id, organization_id, action, actor_key_id, actor_type, actor_name, target, created_at) values (?, ?, 'monitor.created', 'cli', 'SYSTEM', 'cli', 'x', now() - interval '401 days'), (?, ?, 'monitor.created', 'cli', 'SYSTEM', 'cli', 'y', now() - interval '399 days')`, [newId('aud'), free.org.id, newId('aud'), free.org.id]);

    const retention = new RetentionService(() => new Date(), 45);
    const pruned = await retention.prune(t.db.orm.em.fork());
    expect(await ages(free.monitorId)).toEqual([1]);
    expect(await ages(team.monitorId)).toEqual([1, 8]);
    expect(await ages(unlimited.monitorId)).toEqual([1, 8, 31]);
    expect(pruned.runs).toBeGreaterThanOrEqual(3 + 2 + 1 + 1);
    expect(pruned.rollups).toBeGreaterThanOrEqual(2);
    expect(await sql(`select target from audit_events where organization_id = ? and action = 'monitor.created' and actor_key_id = 'cli'`, [free.org.id])).toEqual([{ target: 'y' }]);

    // Statistics outlive the raw runs: FREE keeps 7 days of runs and 400 of rollups.
    const { client } = await t.key(free.org, ['monitors:read']);
    const stats = (await client.gql(ops.MonitorStatsDocument, { id: free.monitorId, window: 'LAST_90_DAYS' })).data!.monitor.stats;
    expect(stats.runs).toBe(4);
  });
});

describe('the maintenance job', () => {
  // The test app's own scheduling worker offers the real maintenance job on the same queue every minute; if its look
  // came between these tests' steps it could take their job. These tests drive the queue alone.
  beforeAll(async () => {
    await t.app.engine.maintenance?.stop();
  });

  it('offered by two workers many times in one period runs once; the next period once again', async () => {
    const log = pino({ level: 'silent' }) as unknown as FastifyBaseLogger;
    let now = new Date('2030-01-01T10:05:00Z');
    let runs = 0;
    const task = async () => {
      runs++;
      return {};
    };
    const opts = { intervalMs: 3_600_000, now: () => now };
    const a = new MaintenanceJob(t.app.engine.boss, t.db.orm, log, task, opts);
    const b = new MaintenanceJob(second.engine.boss, t.db.orm, log, task, opts);
    for (let i = 0; i < 3; i++) await Promise.all([a.tick(), b.tick()]);
    expect(runs).toBe(1);
    now = new Date('2030-01-01T11:00:01Z');
    for (let i = 0; i < 3; i++) await Promise.all([a.tick(), b.tick()]);
    expect(runs).toBe(2);
    expect(a.ran + b.ran).toBe(2);
  });

  it('a task that fails is retried by the next look, and then runs once', async () => {
    const log = pino({ level: 'silent' }) as unknown as FastifyBaseLogger;
    const now = new Date('2031-06-01T00:00:00Z');
    let calls = 0;
    const job = new MaintenanceJob(t.app.engine.boss, t.db.orm, log, async () => {
      if (++calls === 1) throw new Error('database went away');
      return {};
    }, { intervalMs: 3_600_000, now: () => now });
    await job.tick();
    expect(job.ran).toBe(0);
    // pg-boss holds a failed job back for its retry delay; make it due now, as time would. Under load a look can come
    // before the retry is due by the database's clock, so the next looks are taken until one runs it (at most 20).
    for (let look = 0; look < 20 && job.ran === 0; look++) {
      await sql(`update pgboss.job set start_after = now() - interval '1 second' where name = 'maintenance' and state = 'retry'`);
      await job.tick();
    }
    await job.tick();
    expect([calls, job.ran]).toEqual([2, 1]);
  });
});
