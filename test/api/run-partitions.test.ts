/**
 * Runs partitioned by time: the migration moves existing runs into the partitioned table, weekly partitions are made
 * ahead (rows that fell into the default partition moved into theirs), pruning drops whole partitions past the
 * longest retention, and recording stays exactly once (the unique keys include the partition key).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as ops from '../../src/client/generated/graphql';
import { migratorOf } from '../../src/db/database';
import { startTestApp, type TestApp } from '../helpers/app';
import { openTestDatabase } from '../helpers/database';
import { json, startTarget, type Target } from '../helpers/target';
import { ensurePartitions, listPartitions, partitionName, weekStart, WEEK_MS } from '../../src/modules/runs/run-partitions';
import { RetentionService } from '../../src/modules/retention/retention.service';
import { newId } from '../../src/modules/common/ids';
import type { CheckJob } from '../../src/modules/runs/check-job';

const DAY = 86_400_000;
let t: TestApp;
let target: Target;
const sql = <T = Record<string, unknown>>(text: string, params: unknown[] = []) => t.db.orm.em.getConnection().execute<T[]>(text, params as never[]);

beforeAll(async () => {
  t = await startTestApp();
  target = await startTarget();
  target.route('/ok', json(200, { ok: true }));
});
afterAll(async () => {
  await target?.close();
  await t?.close();
});

/** A monitor of the organization, made through the API: the check the hand-made runs belong to. */
async function monitorOf(org: Awaited<ReturnType<TestApp['org']>>): Promise<string> {
  const { client } = await t.key(org, ['all']);
  return (await client.gql(ops.CreateMonitorDocument, { input: { name: 'm', url: `${target.url}/ok`, intervalSeconds: 3600 } })).data!.createMonitor.id;
}

describe('the migration', () => {
  it('moves existing runs into the partitioned table, slot_at from the slot or the start', async () => {
    const db = await openTestDatabase();
    try {
      await (await migratorOf(db.orm)).down({ to: 'Migration20261201123854' });
      const conn = db.orm.em.getConnection();
      await conn.execute(`insert into organizations (id, name, plan, created_at) values ('org_p1', 'P', 'FREE', now())`);
      await conn.execute(
        `insert into monitors (id, organization_id, name, url, headers, expected_status_codes, assertions, next_run_at, created_at, updated_at)
         values ('mon_p1', 'org_p1', 'm', 'https://example.com/', '[]', '["200-299"]', '[]', now(), now(), now())`,
      );
      await conn.execute(
        `insert into runs (id, organization_id, monitor_id, trigger, status, location, scheduled_at, started_at, finished_at, duration_ms, assertions) values
          ('run_old1', 'org_p1', 'mon_p1', 'SCHEDULED', 'PASSED', 'local', now() - interval '20 days', now() - interval '20 days' + interval '1 second', now() - interval '20 days' + interval '2 seconds', 5, '[]'),
          ('run_old2', 'org_p1', 'mon_p1', 'MANUAL', 'FAILED', 'local', null, now() - interval '1 hour', now() - interval '1 hour', 7, '[]')`,
      );
      await (await migratorOf(db.orm)).up();
      const rows = await conn.execute(
        `select id, slot_at = coalesce(scheduled_at, started_at) as keyed, tableoid::regclass::text as part from runs order by id`,
      );
      expect(rows.map((r) => [r.id, r.keyed, /^runs_p\d{8}$/.test(r.part as string)])).toEqual([
        ['run_old1', true, true],
        ['run_old2', true, true],
      ]);
      const [{ partitioned }] = await conn.execute(`select count(*)::int as partitioned from pg_partitioned_table where partrelid = 'runs'::regclass`);
      expect(partitioned).toBe(1);
      // Later migrations kept them: one check id for every kind (Migration20261205220000), indexed on the parent.
      expect(await conn.execute(`select id, check_id from runs order by id`)).toEqual([
        { id: 'run_old1', check_id: 'mon_p1' },
        { id: 'run_old2', check_id: 'mon_p1' },
      ]);
      const indexes = await conn.execute(`select indexname from pg_indexes where tablename = 'runs' and indexdef like '%check_id%' order by 1`);
      expect(indexes.map((i) => i.indexname)).toEqual(['runs_check_id_started_at_id_index', 'runs_one_per_check_slot']);
    } finally {
      await db.close();
    }
  });
});

describe('partitions', () => {
  it('exist for this week and the weeks ahead; a default partition catches the rest', async () => {
    const weeks = (await listPartitions(t.db.orm.em.fork())).map((d) => d.getTime());
    const thisWeek = weekStart(new Date()).getTime();
    for (let i = 0; i <= 3; i++) expect(weeks).toContain(thisWeek + i * WEEK_MS);
    expect(await sql(`select 1 from pg_class where relname = 'runs_default'`)).toHaveLength(1);
  });

  it('a week made later takes the rows the default partition held for it', async () => {
    const org = await t.org('Far Future');
    const check = await monitorOf(org);
    const at = new Date('2040-03-14T12:00:00Z');
    await sql(
      `insert into runs (id, slot_at, organization_id, check_id, trigger, status, location, started_at, finished_at, duration_ms, assertions) values (?, ?, ?, ?, 'MANUAL', 'PASSED', 'local', ?, ?, 1, '[]')`,
      ['run_future00000001', at, org.id, check, at, at],
    );
    expect((await sql<{ p: string }>(`select tableoid::regclass::text as p from runs where id = 'run_future00000001'`))[0].p).toBe('runs_default');
    const made = await ensurePartitions(t.db.orm.em.fork(), at, at);
    expect(made).toEqual([partitionName(weekStart(at))]);
    expect((await sql<{ p: string }>(`select tableoid::regclass::text as p from runs where id = 'run_future00000001'`))[0].p).toBe('runs_p20400312');
    expect(await ensurePartitions(t.db.orm.em.fork(), at, at)).toEqual([]); // already there
  });

  it('pruning drops whole partitions past the longest retention, and keeps younger ones', async () => {
    const org = await t.org('Old Runs');
    await t.app.services.billing.setPlan(t.db.orm.em.fork(), org.id, 'BUSINESS');
    const check = await monitorOf(org);
    const old = new Date(Date.now() - 200 * DAY);
    const young = new Date(Date.now() - 80 * DAY);
    await ensurePartitions(t.db.orm.em.fork(), old, old);
    await ensurePartitions(t.db.orm.em.fork(), young, young);
    for (const [id, at] of [['run_old000000000001', old], ['run_young0000000001', young]] as const)
      await sql(`insert into runs (id, slot_at, organization_id, check_id, trigger, status, location, started_at, finished_at, duration_ms, assertions) values (?, ?, ?, ?, 'MANUAL', 'PASSED', 'local', ?, ?, 1, '[]')`, [id, at, org.id, check, at, at]);
    const result = await new RetentionService(() => new Date(), 90).prune(t.db.orm.em.fork());
    expect(result.partitionsDropped).toContain(partitionName(weekStart(old)));
    expect(result.partitionsDropped).not.toContain(partitionName(weekStart(young)));
    expect((await sql<{ id: string }>(`select id from runs where organization_id = ?`, [org.id])).map((r) => r.id)).toEqual(['run_young0000000001']);
  });

  it('the maintenance work makes the weeks ahead and says what it did', async () => {
    const later = new Date(Date.now() + 10 * WEEK_MS);
    const result = await new RetentionService(() => later, 90).maintain(t.db.orm.em.fork());
    expect(result.partitionsMade).toContain(partitionName(weekStart(new Date(later.getTime() + 3 * WEEK_MS))));
  });
});

describe('exactly once, with the partition key in every unique key', () => {
  it('a manual job run twice records one run; a slot run twice records one run', async () => {
    const org = await t.org('Once Inc');
    await t.app.services.billing.setPlan(t.db.orm.em.fork(), org.id, 'UNLIMITED');
    const { client } = await t.key(org, ['all']);
    const m = (await client.gql(ops.CreateMonitorDocument, { input: { name: 'm', url: `${target.url}/ok`, intervalSeconds: 3600 } })).data!.createMonitor;
    const manual: CheckJob = { kind: 'monitor', checkId: m.id, organizationId: org.id, location: 'local', scheduledAt: null, requestedAt: new Date().toISOString(), runId: newId('run'), trigger: 'MANUAL', admitted: true };
    expect(await t.app.services.runs.execute(t.db.orm.em.fork(), manual)).toBe('recorded');
    expect(await t.app.services.runs.execute(t.db.orm.em.fork(), manual)).toBe('duplicate'); // retried after its worker died
    const slot: CheckJob = { ...manual, scheduledAt: new Date().toISOString(), requestedAt: undefined, runId: newId('run'), trigger: 'SCHEDULED', admitted: false };
    expect(await t.app.services.runs.execute(t.db.orm.em.fork(), slot)).toBe('recorded');
    expect(await t.app.services.runs.execute(t.db.orm.em.fork(), { ...slot, runId: newId('run') })).toBe('duplicate');
    expect(await sql('select id from runs where check_id = ?', [m.id])).toHaveLength(2);
    const stats = (await client.gql(ops.MonitorStatsDocument, { id: m.id, window: 'LAST_24_HOURS' })).data!.monitor.stats;
    expect(stats.runs).toBe(2);
  });
});
