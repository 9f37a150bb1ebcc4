/**
 * The `checks` supertype table: every monitor and journey has its row there (same id), and the tables every kind
 * shares (runs, run_rollups, alerts, check_locations, check_session_runs) reference it by `check_id`. The migration
 * that made it, on a database with data of every kind; a check's two rows written and deleted together.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as ops from '../../src/client/generated/graphql';
import { migratorOf } from '../../src/db/database';
import { startTestApp, type TestApp } from '../helpers/app';
import { openTestDatabase } from '../helpers/database';
import { startTarget, type Target } from '../helpers/target';

const SHARED = ['runs', 'run_rollups', 'alerts', 'check_locations', 'check_session_runs'] as const;
const BEFORE = 'Migration20261205192328';

describe('the migration', () => {
  it('gives every monitor and journey its checks row and points every shared row at it; down gives the columns back', async () => {
    const db = await openTestDatabase();
    try {
      await (await migratorOf(db.orm)).down({ to: BEFORE });
      const conn = db.orm.em.getConnection();
      const sql = (text: string) => conn.execute(text);
      await sql(`insert into organizations (id, name, plan, created_at) values ('org_s1', 'S', 'FREE', now())`);
      await sql(
        `insert into monitors (id, organization_id, name, url, headers, expected_status_codes, assertions, next_run_at, created_at, updated_at)
         values ('mon_s1', 'org_s1', 'm', 'https://example.com/', '[]', '["200-299"]', '[]', now(), now(), now())`,
      );
      await sql(`insert into journeys (id, organization_id, name, steps, next_run_at, created_at, updated_at) values ('jrn_s1', 'org_s1', 'j', '[]', now(), now(), now())`);
      await sql(
        `insert into runs (id, slot_at, organization_id, monitor_id, journey_id, trigger, status, location, scheduled_at, started_at, finished_at, duration_ms, assertions) values
          ('run_s1', now() - interval '1 hour', 'org_s1', 'mon_s1', null, 'SCHEDULED', 'PASSED', 'local', now() - interval '1 hour', now() - interval '1 hour', now(), 5, '[]'),
          ('run_s2', now(), 'org_s1', 'mon_s1', null, 'MANUAL', 'FAILED', 'local', null, now(), now(), 7, '[]'),
          ('run_s3', now(), 'org_s1', null, 'jrn_s1', 'MANUAL', 'PASSED', 'local', null, now(), now(), 9, '[]')`,
      );
      await sql(
        `insert into run_rollups (check_id, span, bucket_start, location, organization_id, monitor_id, journey_id, runs, failures, response_sum_ms, histogram) values
          ('mon_s1', 'HOUR', date_trunc('hour', now()), 'local', 'org_s1', 'mon_s1', null, 2, 1, 12, '{}'),
          ('jrn_s1', 'HOUR', date_trunc('hour', now()), 'local', 'org_s1', null, 'jrn_s1', 1, 0, 9, '{}')`,
      );
      await sql(
        `insert into alerts (id, organization_id, monitor_id, journey_id, subject, source_name, cause, status, opened_at) values
          ('alr_s1', 'org_s1', 'mon_s1', null, null, 'm', 'down', 'OPEN', now()),
          ('alr_s2', 'org_s1', null, 'jrn_s1', null, 'j', 'down', 'RESOLVED', now()),
          ('alr_s3', 'org_s1', null, null, 'quota', 'S', 'quota', 'OPEN', now())`,
      );
      await sql(
        `insert into check_locations (check_id, location, monitor_id, journey_id, consecutive_failures, last_status, last_run_at) values
          ('mon_s1', 'local', 'mon_s1', null, 1, 'FAILED', now()), ('jrn_s1', 'local', null, 'jrn_s1', 0, 'PASSED', now())`,
      );
      await sql(`insert into check_sessions (id, organization_id, created_by, created_at, deadline_at) values ('cks_s1', 'org_s1', 'key_s1', now(), now())`);
      await sql(
        `insert into check_session_runs (run_id, session_id, position, monitor_id, journey_id, name, location) values
          ('run_s2', 'cks_s1', 0, 'mon_s1', null, 'm', 'local'), ('run_s3', 'cks_s1', 1, null, 'jrn_s1', 'j', 'local')`,
      );

      await (await migratorOf(db.orm)).up();
      expect(await sql(`select id, organization_id, kind from checks order by id`)).toEqual([
        { id: 'jrn_s1', organization_id: 'org_s1', kind: 'journey' },
        { id: 'mon_s1', organization_id: 'org_s1', kind: 'monitor' },
      ]);
      expect(await sql(`select id, check_id from runs order by id`)).toEqual([
        { id: 'run_s1', check_id: 'mon_s1' },
        { id: 'run_s2', check_id: 'mon_s1' },
        { id: 'run_s3', check_id: 'jrn_s1' },
      ]);
      expect(await sql(`select check_id, runs from run_rollups order by check_id`)).toEqual([
        { check_id: 'jrn_s1', runs: 1 },
        { check_id: 'mon_s1', runs: 2 },
      ]);
      expect(await sql(`select id, check_id, subject from alerts order by id`)).toEqual([
        { id: 'alr_s1', check_id: 'mon_s1', subject: null },
        { id: 'alr_s2', check_id: 'jrn_s1', subject: null },
        { id: 'alr_s3', check_id: null, subject: 'quota' },
      ]);
      expect(await sql(`select check_id, consecutive_failures from check_locations order by check_id`)).toEqual([
        { check_id: 'jrn_s1', consecutive_failures: 0 },
        { check_id: 'mon_s1', consecutive_failures: 1 },
      ]);
      expect(await sql(`select run_id, check_id from check_session_runs order by position`)).toEqual([
        { run_id: 'run_s2', check_id: 'mon_s1' },
        { run_id: 'run_s3', check_id: 'jrn_s1' },
      ]);
      // No kind's column is left in a shared table, and each references checks, cascading.
      const list = SHARED.map((t) => `'${t}'`).join(', ');
      expect(await sql(`select table_name, column_name from information_schema.columns where table_name in (${list}) and column_name in ('monitor_id', 'journey_id')`)).toEqual([]);
      const fks = await sql(
        `select conrelid::regclass::text as t, confdeltype as del from pg_constraint where contype = 'f' and confrelid = 'checks'::regclass and conparentid = 0 order by 1`,
      );
      expect(fks).toEqual([...SHARED].sort().map((t) => ({ t, del: 'c' })));

      // One row of checks deleted takes every row of that check with it, and nothing of the other.
      await sql(`delete from checks where id = 'mon_s1'`);
      for (const table of SHARED) {
        const left = await sql(`select distinct check_id from ${table} where check_id is not null order by 1`);
        expect(left, table).toEqual([{ check_id: 'jrn_s1' }]);
      }

      // Down gives each row its kind's column back, from the checks row's kind.
      await (await migratorOf(db.orm)).down({ to: BEFORE });
      expect(await sql(`select id, monitor_id, journey_id from runs order by id`)).toEqual([{ id: 'run_s3', monitor_id: null, journey_id: 'jrn_s1' }]);
      expect(await sql(`select id, monitor_id, journey_id, subject from alerts order by id`)).toEqual([
        { id: 'alr_s2', monitor_id: null, journey_id: 'jrn_s1', subject: null },
        { id: 'alr_s3', monitor_id: null, journey_id: null, subject: 'quota' },
      ]);
      expect(await sql(`select count(*)::int as n from pg_class where relname = 'checks'`)).toEqual([{ n: 0 }]);
    } finally {
      await db.close();
    }
  });
});

describe('a check is two rows', () => {
  let t: TestApp;
  let target: Target;
  let healthy = false;
  const sql = <T = Record<string, unknown>>(text: string, params: unknown[] = []) => t.db.orm.em.getConnection().execute<T[]>(text, params as never[]);
  /** Every row anywhere that belongs to the check. */
  const rowsOf = async (id: string) => {
    const counts: Record<string, number> = {};
    for (const table of ['checks', 'monitors', 'journeys'])
      counts[table] = (await sql<{ n: number }>(`select count(*)::int as n from ${table} where id = ?`, [id]))[0].n;
    for (const table of SHARED) counts[table] = (await sql<{ n: number }>(`select count(*)::int as n from ${table} where check_id = ?`, [id]))[0].n;
    return counts;
  };

  beforeAll(async () => {
    t = await startTestApp();
    target = await startTarget();
    target.route('/flappy', (_req, res) => res.writeHead(healthy ? 200 : 500).end());
  });
  afterAll(async () => {
    await target?.close();
    await t?.close();
  });

  it('created together, of its kind and organization', async () => {
    const org = await t.org('Two Rows');
    const { client } = await t.key(org, ['all']);
    const m = (await client.gql(ops.CreateMonitorDocument, { input: { name: 'm', url: `${target.url}/flappy` } })).data!.createMonitor;
    const j = (await client.gql(ops.CreateJourneyDocument, { input: { name: 'j', steps: [{ name: 's', request: { method: 'GET', url: `${target.url}/flappy` } }] } })).data!
      .createJourney;
    expect(await sql(`select id, organization_id, kind from checks where organization_id = ? order by kind`, [org.id])).toEqual([
      { id: j.id, organization_id: org.id, kind: 'journey' },
      { id: m.id, organization_id: org.id, kind: 'monitor' },
    ]);
  });

  it("a run list by one kind's id field answers that kind's runs only, as when each kind had its column", async () => {
    const org = await t.org('By Kind');
    const { client } = await t.key(org, ['all']);
    healthy = true;
    const m = (await client.gql(ops.CreateMonitorDocument, { input: { name: 'm', url: `${target.url}/flappy` } })).data!.createMonitor;
    const j = (await client.gql(ops.CreateJourneyDocument, { input: { name: 'j', steps: [{ name: 's', request: { method: 'GET', url: `${target.url}/flappy` } }] } })).data!
      .createJourney;
    const mr = (await client.gql(ops.RunMonitorDocument, { id: m.id })).data!.runMonitor.id;
    const jr = (await client.gql(ops.RunJourneyDocument, { id: j.id })).data!.runJourney.id;
    const runs = async (args: string) =>
      client.gql(`{ runs(${args}) { nodes { id __typename ... on MonitorRun { monitorId } ... on JourneyRun { journeyId } } } }`) as Promise<{
        data: { runs: { nodes: Array<Record<string, string>> } } | null;
        errors?: Array<{ extensions?: Record<string, unknown> }>;
      }>;
    expect((await runs(`monitorId: "${m.id}"`)).data!.runs.nodes).toEqual([{ id: mr, __typename: 'MonitorRun', monitorId: m.id }]);
    expect((await runs(`journeyId: "${j.id}"`)).data!.runs.nodes).toEqual([{ id: jr, __typename: 'JourneyRun', journeyId: j.id }]);
    // Another kind's id: no such monitor (or journey), as before.
    expect((await runs(`monitorId: "${j.id}"`)).errors?.[0].extensions?.code).toBe('NOT_FOUND');
    expect((await runs(`journeyId: "${m.id}"`)).errors?.[0].extensions?.code).toBe('NOT_FOUND');
    // And the list itself, asked directly, has no runs of this kind for it (check_id alone would find the other's).
    const list = (args: Record<string, string>) => t.app.services.runs.list(t.db.orm.em.fork(), org.id, { first: 20, ...args });
    expect((await list({ monitorId: j.id })).nodes).toEqual([]);
    expect((await list({ journeyId: m.id })).nodes).toEqual([]);
    expect((await list({ journeyId: j.id })).nodes.map((r) => r.id)).toEqual([jr]);
  });

  for (const refused of ['monitors', 'checks'] as const)
    it(`neither row is written when the database refuses the ${refused} row`, async () => {
      const org = await t.org(`Refused ${refused}`);
      const { client } = await t.key(org, ['all']);
      await sql(`alter table ${refused} add constraint refused_here check (organization_id <> '${org.id}')`);
      try {
        const res = await client.gql(ops.CreateMonitorDocument, { input: { name: 'm', url: `${target.url}/flappy` } });
        expect(res.errors?.[0].extensions?.code).toBe('INTERNAL_SERVER_ERROR');
      } finally {
        await sql(`alter table ${refused} drop constraint refused_here`);
      }
      for (const table of ['checks', 'monitors']) expect(await sql(`select id from ${table} where organization_id = ?`, [org.id]), table).toEqual([]);
    });

  it('deleted together, with its runs, rollups, alerts, locations and session runs', async () => {
    const org = await t.org('Delete All');
    const { client } = await t.key(org, ['all']);
    healthy = false;
    const m = (await client.gql(ops.CreateMonitorDocument, { input: { name: 'm', url: `${target.url}/flappy`, failureThreshold: 1, tags: ['gone'] } })).data!.createMonitor;
    const other = (await client.gql(ops.CreateMonitorDocument, { input: { name: 'kept', url: `${target.url}/flappy`, failureThreshold: 1 } })).data!.createMonitor;
    for (const id of [m.id, other.id]) expect((await client.gql(ops.RunMonitorDocument, { id })).data!.runMonitor.status).toBe('FAILED');
    const session = (await client.gql(ops.TriggerChecksDocument, { input: { checkIds: [m.id, other.id] } })).data!.triggerChecks;
    for (let i = 0; i < 100 && (await client.gql(ops.CheckSessionDocument, { id: session.id })).data!.checkSession.status === 'RUNNING'; i++)
      await new Promise((r) => setTimeout(r, 50));
    const before = await rowsOf(m.id);
    for (const table of ['checks', 'monitors', ...SHARED]) expect(before[table], table).toBeGreaterThan(0);

    expect((await client.gql(ops.DeleteMonitorDocument, { id: m.id })).errors).toBeUndefined();
    expect(Object.values(await rowsOf(m.id)).every((n) => n === 0), JSON.stringify(await rowsOf(m.id))).toBe(true);
    // The other check keeps all of its own.
    const kept = await rowsOf(other.id);
    for (const table of ['checks', 'monitors', ...SHARED]) expect(kept[table], table).toBeGreaterThan(0);
    healthy = true;
  });
});
