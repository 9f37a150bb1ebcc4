/**
 * Fair shares with two workers of one location on one database (engine/fair-share.ts): the share is of the
 * location's slots (WORKER_CONCURRENCY × live workers) and the jobs in flight are counted in the queue's table, so
 * the two workers together hold an organization to it. Each worker runs 50; the share is 0.8 × 100 = 80, more than
 * either worker alone could hold: a peak above 50 shows both took part, one at or below 80 that they shared a count.
 */
import type * as http from 'node:http';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CreateMonitorDocument, TriggerChecksDocument } from '../../src/client/generated/graphql';
import { createApp, type App } from '../../src/app';
import { loadConfig } from '../../src/config';
import { startTestApp, TEST_SECRETS_KEY, type TestApp } from '../helpers/app';
import { startTarget, type Target } from '../helpers/target';

let t: TestApp;
let second: App;
let target: Target;
const hanging: http.ServerResponse[] = [];
const sql = <T = Record<string, unknown>>(text: string, params: unknown[] = []) => t.db.orm.em.getConnection().execute<T[]>(text, params as never[]);
const share = { WORKER_CONCURRENCY: '50', WORKER_ORG_SHARE: '0.8', WORKER_POLL_MS: '50', SHUTDOWN_TIMEOUT_MS: '1000' };

beforeAll(async () => {
  t = await startTestApp({ ...share, SCHEDULING: 'true', SCHEDULE_TICK_MS: '100' });
  second = await createApp(loadConfig({ LOG_LEVEL: 'silent', BOOTSTRAP_KEY: 'false', SCHEDULING: 'false', ALLOW_PRIVATE_TARGETS: 'true', ...share }), {
    database: t.db,
    secretsKey: TEST_SECRETS_KEY,
  });
  target = await startTarget();
  target.route('/hang', (_req, res) => void hanging.push(res));
});
afterAll(async () => {
  await second?.close();
  await t?.close();
  for (const res of hanging) res.destroy();
  await target?.close();
});

it("two workers of a location hold an organization to its share of the location's slots together", async () => {
  const org = await t.org('Flood Inc');
  await t.app.services.billing.setPlan(t.db.orm.em.fork(), org.id, 'UNLIMITED');
  const admin = await t.key(org, ['all']);
  const created = await Promise.all(
    Array.from({ length: 10 }, (_, i) =>
      admin.client.gql(CreateMonitorDocument, { input: { name: `m${i}`, url: `${target.url}/hang`, timeoutMs: 10_000, intervalSeconds: 60, tags: ['flood'] } }),
    ),
  );
  for (const c of created) expect(c.errors).toBeUndefined();
  for (let i = 0; i < 10; i++) expect((await admin.client.gql(TriggerChecksDocument, { input: { tags: ['flood'] } })).errors).toBeUndefined();
  let peak = 0;
  const until = Date.now() + 6000;
  while (Date.now() < until) {
    const [row] = await sql<{ n: number }>(`select count(*)::int as n from pgboss.job where name = 'checks-local' and state = 'active' and data->>'organizationId' = ?`, [org.id]);
    peak = Math.max(peak, row.n);
    await new Promise((r) => setTimeout(r, 100));
  }
  expect(peak).toBeGreaterThan(50);
  expect(peak).toBeLessThanOrEqual(80);
});
