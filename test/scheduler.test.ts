import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateMonitorDocument, MonitorRunsDocument, PauseMonitorDocument } from '../src/client/generated/graphql';
import { createApp } from '../src/app';
import { loadConfig } from '../src/config';
import { openDatabase } from '../src/db/database';
import { startTestApp, TEST_SECRETS_KEY, type TestApp } from './helpers/app';
import { onPostgres } from './helpers/database';
import { json, startTarget, type Target } from './helpers/target';

let t: TestApp;
let target: Target;
let admin: Awaited<ReturnType<TestApp['key']>>;

beforeAll(async () => {
  t = await startTestApp({ SCHEDULER_CONCURRENCY: '10' });
  target = await startTarget();
  target.route('/ok', json(200, { ok: true }));
  const org = await t.org('Acme Inc');
  await t.db.orm.em.fork().nativeUpdate('Organization', { id: org.id }, { plan: 'BUSINESS' });
  admin = await t.key(org, ['all']);
});
afterAll(async () => {
  await target?.close();
  await t?.close();
});

const createDue = async (n: number) => {
  const ids: string[] = [];
  for (let i = 0; i < n; i++)
    ids.push((await admin.client.gql(CreateMonitorDocument, { input: { name: `m${i}`, url: `${target.url}/ok`, intervalSeconds: 3600 } })).data!.createMonitor.id);
  return ids;
};

describe('scheduler', () => {
  it('runs what is due once per interval, and skips paused checks', async () => {
    const [due, paused] = await createDue(2);
    await admin.client.gql(PauseMonitorDocument, { id: paused });
    let claimed = 0;
    for (let n; (n = await t.app.scheduler.tick()) > 0; ) claimed += n;
    await t.app.scheduler.idle();
    expect(claimed).toBe(1);
    const runs = (await admin.client.gql(MonitorRunsDocument, { monitorId: due })).data!.monitorRuns.nodes;
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ trigger: 'SCHEDULED', status: 'PASSED' });
    expect((await admin.client.gql(MonitorRunsDocument, { monitorId: paused })).data!.monitorRuns.nodes).toHaveLength(0);
    expect(await t.app.scheduler.tick()).toBe(0); // next run is an interval away
  });

  it.runIf(onPostgres())('two schedulers on one PostgreSQL database run each due check exactly once', async () => {
    const ids = await createDue(30);
    const second = await openDatabase({ url: t.db.url!, migrate: false });
    const other = await createApp(loadConfig({ LOG_LEVEL: 'silent', BOOTSTRAP_KEY: 'false', SCHEDULER: 'false', ALLOW_PRIVATE_TARGETS: 'true', SCHEDULER_CONCURRENCY: '10' }), { database: second, secretsKey: TEST_SECRETS_KEY });
    try {
      const hitsBefore = target.hits.length;
      const claimed = [0, 0];
      // Both tick at the same moment, again and again, until neither finds anything due even when idle.
      for (let quiet = 0; quiet < 2; ) {
        const [a, b] = await Promise.all([t.app.scheduler.tick(), other.scheduler.tick()]);
        claimed[0] += a;
        claimed[1] += b;
        if (a === 0 && b === 0) {
          quiet++;
          await Promise.all([t.app.scheduler.idle(), other.scheduler.idle()]);
        } else quiet = 0;
      }
      await Promise.all([t.app.scheduler.idle(), other.scheduler.idle()]);
      expect(claimed[0] + claimed[1]).toBe(30);
      expect(claimed[0]).toBeGreaterThan(0);
      expect(claimed[1]).toBeGreaterThan(0);
      expect(target.hits.length - hitsBefore).toBe(30);
      for (const id of ids) expect((await admin.client.gql(MonitorRunsDocument, { monitorId: id })).data!.monitorRuns.nodes).toHaveLength(1);
    } finally {
      await other.close();
      await second.close();
    }
  });

  it('stops cleanly: stop() waits for the runs in flight', async () => {
    await createDue(3);
    expect(await t.app.scheduler.tick()).toBe(3);
    await t.app.scheduler.stop();
    expect(await t.app.scheduler.tick()).toBe(0);
  });
});
