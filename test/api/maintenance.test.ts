/**
 * Maintenance windows: during one, runs are recorded but no alert opens and no opening or acknowledgement is sent
 * for its checks; an alert already open stays open and its resolution is sent; checks outside it alert as usual. Plus the windows' own input rules.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AcknowledgeAlertDocument,
  AlertsDocument,
  CreateMaintenanceWindowDocument,
  CreateMonitorDocument,
  CreateNotificationChannelDocument,
  DeleteMaintenanceWindowDocument,
  MaintenanceWindowsDocument,
  MonitorRunsDocument,
  NotificationDeliveriesDocument,
  RunMonitorDocument,
} from '../../src/client/generated/graphql';
import { startTestApp, type TestApp } from '../helpers/app';
import { startTarget, type Target } from '../helpers/target';
import { startReceiver, type Receiver } from '../helpers/receiver';

let t: TestApp;
let target: Target;
let rx: Receiver;
let admin: Awaited<ReturnType<TestApp['key']>>;
let channelId: string;

beforeAll(async () => {
  t = await startTestApp({ WORKER_POLL_MS: '50' });
  target = await startTarget();
  target.route('/down', (_req, res) => res.writeHead(500).end());
  target.route('/up', (_req, res) => res.writeHead(200).end());
  rx = await startReceiver();
  const org = await t.org('Acme Inc');
  await t.db.orm.em.fork().nativeUpdate('Organization', { id: org.id }, { plan: 'BUSINESS' });
  admin = await t.key(org, ['all']);
  channelId = (await admin.client.gql(CreateNotificationChannelDocument, { input: { name: 'all', type: 'WEBHOOK', url: `${rx.url}/hook` } })).data!.createNotificationChannel.channel.id;
});
afterAll(async () => {
  await rx?.close();
  await target?.close();
  await t?.close();
});

const monitor = async (name: string, path = '/down') =>
  (await admin.client.gql(CreateMonitorDocument, { input: { name, url: `${target.url}${path}`, failureThreshold: 1, intervalSeconds: 3600 } })).data!.createMonitor.id;
const alertsOf = async (id: string) => (await admin.client.gql(AlertsDocument, { first: 100 })).data!.alerts.nodes.filter((a) => a.source.id === id);
const hour = 3_600_000;

describe('maintenance windows', () => {
  it('suppress opening alerts and notifications for their checks only; runs are still recorded', async () => {
    const quiet = await monitor('Deploying');
    const loud = await monitor('Not deploying');
    const ownChannel = (
      await admin.client.gql(CreateNotificationChannelDocument, { input: { name: 'these two', type: 'WEBHOOK', url: `${rx.url}/these-two`, checkIds: [quiet, loud] } })
    ).data!.createNotificationChannel.channel.id;
    const win = await admin.client.rest('POST', '/v1/maintenance-windows', {
      name: 'Deploy',
      starts_at: new Date(Date.now() - 60_000).toISOString(),
      ends_at: new Date(Date.now() + hour).toISOString(),
      check_ids: [quiet],
    });
    expect(win.status).toBe(201);
    expect(win.body.data).toMatchObject({ name: 'Deploy', check_ids: [quiet] });
    await admin.client.gql(RunMonitorDocument, { id: quiet });
    await admin.client.gql(RunMonitorDocument, { id: loud });
    expect((await admin.client.gql(MonitorRunsDocument, { monitorId: quiet })).data!.monitorRuns.nodes).toHaveLength(1);
    expect(await alertsOf(quiet)).toEqual([]);
    expect(await alertsOf(loud)).toHaveLength(1);
    const [hit] = await rx.waitFor((r) => r.body.includes(loud));
    expect(JSON.parse(hit.body)).toMatchObject({ type: 'alert.opened', data: { check: { id: loud } } });
    // Everything sent about these two is about `loud`: the window's check never got a delivery. (A channel of their
    // own: the organization's channel also hears the other tests' checks.)
    const sent = (await admin.client.gql(NotificationDeliveriesDocument, { channelId: ownChannel })).data!.notificationDeliveries.nodes;
    expect(sent).toHaveLength(1);
    expect(rx.received.filter((r) => r.body.includes(quiet))).toEqual([]);

    // Once the window is gone, the next failing run opens the alert.
    await admin.client.gql(DeleteMaintenanceWindowDocument, { id: (win.body.data as { id: string }).id });
    await admin.client.gql(RunMonitorDocument, { id: quiet });
    expect(await alertsOf(quiet)).toHaveLength(1);
    await rx.waitFor((r) => r.body.includes(quiet));
  });

  it('an alert already open stays open during a window (empty checkIds: every check); its acknowledgement is not sent, its resolution is', async () => {
    const m = await monitor('Open before');
    await admin.client.gql(RunMonitorDocument, { id: m });
    const [open] = await alertsOf(m);
    expect(open.status).toBe('OPEN');
    await rx.waitFor((r) => r.body.includes(m));
    const win = (
      await admin.client.gql(CreateMaintenanceWindowDocument, {
        input: { name: 'Everything', startsAt: new Date(Date.now() - 1000).toISOString(), endsAt: new Date(Date.now() + hour).toISOString() },
      })
    ).data!.createMaintenanceWindow;
    expect(win.checkIds).toEqual([]);
    t.queries.length = 0;
    await admin.client.gql(RunMonitorDocument, { id: m });
    expect((await alertsOf(m))[0]).toMatchObject({ id: open.id, status: 'OPEN' });
    // The run asked whether its check is under maintenance once, in the statement that writes it and its rollups
    // (which leaves it out of the statistics, test/api/stats.test.ts); the alert rule took that answer instead of asking
    // again in another snapshot, so a window committed in between cannot split the two.
    const asked = t.queries.filter((q) => q.includes('from maintenance_windows'));
    expect(asked).toHaveLength(1);
    expect(asked[0]).toContain('insert into run_rollups');
    await admin.client.gql(AcknowledgeAlertDocument, { id: open.id });
    // The target recovers during the window: the alert resolves, and the incident opened before the window is
    // closed where it was opened.
    await t.db.orm.em.fork().getConnection().execute(`update monitors set url = ? where id = ?`, [`${target.url}/up`, m]);
    await admin.client.gql(RunMonitorDocument, { id: m });
    expect((await alertsOf(m))[0]).toMatchObject({ id: open.id, status: 'RESOLVED' });
    const [resolved] = await rx.waitFor((r) => r.body.includes(m) && r.body.includes('alert.resolved'));
    expect(JSON.parse(resolved.body)).toMatchObject({ type: 'alert.resolved', data: { alert: { id: open.id } } });
    const deliveries = (await admin.client.gql(NotificationDeliveriesDocument, { channelId, first: 100 })).data!.notificationDeliveries.nodes;
    const about = rx.received.filter((r) => r.body.includes(m)).map((r) => JSON.parse(r.body).type);
    expect(about).toEqual(['alert.opened', 'alert.resolved']);
    expect(deliveries.filter((d) => d.event === 'alert.acknowledged')).toEqual([]);
    expect((await admin.client.gql(MaintenanceWindowsDocument, {})).data!.maintenanceWindows.nodes.map((w) => w.id)).toContain(win.id);
    await admin.client.gql(DeleteMaintenanceWindowDocument, { id: win.id });
  });

  it('a window that has not started yet suppresses nothing', async () => {
    const m = await monitor('Later');
    await admin.client.gql(CreateMaintenanceWindowDocument, {
      input: { name: 'Tonight', startsAt: new Date(Date.now() + hour).toISOString(), endsAt: new Date(Date.now() + 2 * hour).toISOString(), checkIds: [m] },
    });
    await admin.client.gql(RunMonitorDocument, { id: m });
    expect(await alertsOf(m)).toHaveLength(1);
  });

  it('input: every bad field in one BAD_USER_INPUT', async () => {
    const res = await admin.client.gql(CreateMaintenanceWindowDocument, {
      input: { name: '', startsAt: new Date(Date.now() + hour).toISOString(), endsAt: new Date(Date.now() - hour).toISOString(), checkIds: ['mon_nope'] },
    });
    expect(res.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    const fields = (res.errors![0].extensions!.fields as Array<{ field: string }>).map((f) => f.field).sort();
    expect(fields).toEqual(['endsAt', 'endsAt', 'name']);
    const unknown = await admin.client.gql(CreateMaintenanceWindowDocument, {
      input: { name: 'x', startsAt: new Date().toISOString(), endsAt: new Date(Date.now() + hour).toISOString(), checkIds: ['mon_nope'] },
    });
    expect(unknown.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', fields: [{ field: 'checkIds', message: 'no monitor or journey mon_nope in this organization' }] });
  });

  it('at most MAX_MAINTENANCE_WINDOWS_PER_ORGANIZATION current or future windows, also when created at the same time (CONFLICT); ended ones do not count', async () => {
    const capped = await startTestApp({ MAX_MAINTENANCE_WINDOWS_PER_ORGANIZATION: '3' });
    try {
      const org = await capped.org('Capped Co');
      const k = await capped.key(org, ['all']);
      const input = (i: number) => ({ name: `w${i}`, startsAt: new Date(Date.now() + hour).toISOString(), endsAt: new Date(Date.now() + 2 * hour).toISOString() });
      const results = await Promise.all(Array.from({ length: 6 }, (_, i) => k.client.gql(CreateMaintenanceWindowDocument, { input: input(i) })));
      expect(results.filter((r) => !r.errors)).toHaveLength(3);
      const refused = results.filter((r) => r.errors);
      expect(refused).toHaveLength(3);
      for (const r of refused) expect(r.errors![0].extensions?.code).toBe('CONFLICT');
      expect(refused[0].errors![0].message).toBe('The organization has 3 current or future maintenance windows, the most it may have (3); delete unused ones first');
      const rest = await k.client.rest('POST', '/v1/maintenance-windows', { name: 'one more', starts_at: input(9).startsAt, ends_at: input(9).endsAt });
      expect(rest.status).toBe(409);
      expect(rest.body).toMatchObject({ success: false, error: { code: 'CONFLICT' } });
      // Another organization has its own cap.
      const other = await capped.key(await capped.org('Other Co'), ['all']);
      expect((await other.client.gql(CreateMaintenanceWindowDocument, { input: input(0) })).errors).toBeUndefined();
      // A window that has ended no longer counts: one more can be made.
      const conn = capped.db.orm.em.fork().getConnection();
      await conn.execute(`update maintenance_windows set starts_at = now() - interval '2 hours', ends_at = now() - interval '1 hour' where id = (select id from maintenance_windows where organization_id = ? limit 1)`, [org.id]);
      expect((await k.client.gql(CreateMaintenanceWindowDocument, { input: input(7) })).errors).toBeUndefined();
      expect((await k.client.gql(CreateMaintenanceWindowDocument, { input: input(8) })).errors?.[0].extensions?.code).toBe('CONFLICT');
    } finally {
      await capped.close();
    }
  });
});
