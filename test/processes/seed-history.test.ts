/**
 * `npm run seed:history`: the generated history is what the engine would have recorded — runs per slot, rollups
 * that agree with those runs (counts exactly, percentiles within 5%) — and the command works on a real database.
 */
import * as fs from 'node:fs';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as ops from '../../src/client/generated/graphql';
import { seedHistory } from '../../scripts/seed-history';
import { startTestApp, type TestApp } from '../helpers/app';
import { onPostgres, openTestDatabase, migratedDataDir } from '../helpers/database';
import { runCli } from '../helpers/process';

let t: TestApp;
const sql = <T = Record<string, unknown>>(text: string, params: unknown[] = []) => t.db.orm.em.getConnection().execute<T[]>(text, params as never[]);

beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t?.close();
});

describe('seedHistory', () => {
  it('makes one run per slot per monitor, and rollups that agree with the runs', async () => {
    const org = await t.org('Seeded');
    await t.app.services.billing.setPlan(t.db.orm.em.fork(), org.id, 'UNLIMITED');
    const result = await seedHistory(t.db.orm.em.fork(), { organizationId: org.id, monitors: 3, days: 3, intervalSeconds: 300 });
    expect(result.runs).toBe(3 * 3 * 288);
    const [sums] = await sql<{ runs: number; hour: number; day: number; failures: number; rolled_failures: number }>(
      `select (select count(*)::int from runs where organization_id = ?) as runs,
              (select count(*) filter (where status <> 'PASSED')::int from runs where organization_id = ?) as failures,
              (select sum(runs)::int from run_rollups where organization_id = ? and span = 'HOUR') as hour,
              (select sum(runs)::int from run_rollups where organization_id = ? and span = 'DAY') as day,
              (select sum(failures)::int from run_rollups where organization_id = ? and span = 'DAY') as rolled_failures`,
      [org.id, org.id, org.id, org.id, org.id],
    );
    expect(sums).toMatchObject({ runs: result.runs, hour: result.runs, day: result.runs, rolled_failures: sums.failures });

    const { client } = await t.key(org, ['monitors:read']);
    const id = result.monitorIds[1];
    const stats = (await client.gql(ops.MonitorStatsDocument, { id, window: 'LAST_7_DAYS' })).data!.monitor.stats;
    const [exact] = await sql<{ n: number; p95: number; p50: number }>(
      `select count(*)::int as n, percentile_disc(0.95) within group (order by duration_ms) as p95, percentile_disc(0.5) within group (order by duration_ms) as p50
         from runs where check_id = ?`,
      [id],
    );
    expect(stats.runs).toBe(exact.n);
    expect(Math.abs(stats.responseTime.p95! - exact.p95)).toBeLessThanOrEqual(0.05 * exact.p95 + 0.5);
    expect(Math.abs(stats.responseTime.p50! - exact.p50)).toBeLessThanOrEqual(0.05 * exact.p50 + 0.5);
  });
});

describe('npm run seed:history', () => {
  it('fills a fresh database and says what it made; a bad flag is exit 1 with the usage', async () => {
    const dataDir = migratedDataDir('tracer-seed-');
    const pg = onPostgres() ? await openTestDatabase() : undefined;
    try {
      const env: Record<string, string> = pg ? { DATABASE_URL: pg.url!, SECRETS_KEY: randomBytes(32).toString('base64') } : { DATA_DIR: dataDir };
      const ok = await runCli(['--monitors', '2', '--days', '1', '--interval', '600'], env, 'seed-history');
      expect(ok.stderr.split('\r').at(-1)).not.toMatch(/error/i);
      expect(ok.code).toBe(0);
      expect(ok.stdout).toMatch(/^Seeded History Inc \(org_\w+, plan UNLIMITED\): 2 paused monitors, 288 runs over 1 days every 600 s, \d+ rollup rows, in [\d.]+ s/);
      const bad = await runCli(['--days', 'many'], env, 'seed-history');
      expect(bad.code).toBe(1);
      expect(bad.stderr).toMatch(/--days must be a whole number/);
    } finally {
      await pg?.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
