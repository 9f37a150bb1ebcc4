/**
 * Notifications end to end on the real app: alerts opening, acknowledged and resolved reach a real local receiver
 * as Standard Webhooks that the `standardwebhooks` package verifies; retries keep the webhook-id; a 4xx fails at once;
 * Retry-After is honoured; Slack gets a readable message; the quota and key-expiry events go once; a rolled-back
 * transaction sends nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AcknowledgeAlertDocument,
  AlertsDocument,
  CreateMonitorDocument,
  CreateNotificationChannelDocument,
  NotificationChannelDocument,
  NotificationChannelsDocument,
  NotificationDeliveriesDocument,
  RunMonitorDocument,
  TestNotificationChannelDocument,
  UpdateNotificationChannelDocument,
  DeleteNotificationChannelDocument,
  AuditEventsDocument,
} from '../../src/client/generated/graphql';
import { startTestApp, type TestApp } from '../helpers/app';
import { startTarget, type Target } from '../helpers/target';
import { eventually, startReceiver, verify, type Receiver } from '../helpers/receiver';
import { Notifier } from '../../src/modules/notifications/notifier';
import { NotificationWorker } from '../../src/modules/notifications/notification-worker';
import { ExpirySweep } from '../../src/modules/notifications/expiry-sweep';
import { monthStart } from '../../src/modules/billing/plans';
import type { Organization } from '../../src/modules/organization/organization.entity';

let t: TestApp;
let target: Target;
let rx: Receiver;
let org: Organization;
let admin: Awaited<ReturnType<TestApp['key']>>;
let healthy = false;

beforeAll(async () => {
  // Short retry steps: the schedule's shape is what is tested, not its length.
  t = await startTestApp({ NOTIFY_RETRY_SCHEDULE_MS: '20,20,20,20,20', WORKER_POLL_MS: '50' });
  target = await startTarget();
  target.route('/flappy', (_req, res) => res.writeHead(healthy ? 200 : 500).end());
  rx = await startReceiver();
  org = await t.org('Acme Inc');
  await t.db.orm.em.fork().nativeUpdate('Organization', { id: org.id }, { plan: 'BUSINESS' });
  admin = await t.key(org, ['all']);
});
afterAll(async () => {
  for (const res of rx?.held ?? []) res.destroy();
  await rx?.close();
  await target?.close();
  await t?.close();
});

const channel = async (input: Record<string, unknown>) => {
  const res = await admin.client.gql(CreateNotificationChannelDocument, { input: { name: 'hook', type: 'WEBHOOK', ...input } as never });
  expect(res.errors).toBeUndefined();
  return res.data!.createNotificationChannel;
};
const monitor = async (name: string) =>
  (await admin.client.gql(CreateMonitorDocument, { input: { name, url: `${target.url}/flappy`, failureThreshold: 1, intervalSeconds: 3600 } })).data!.createMonitor.id;
const deliveries = async (channelId: string) =>
  (await admin.client.gql(NotificationDeliveriesDocument, { channelId, first: 100 })).data!.notificationDeliveries.nodes;
const settled = (channelId: string, count = 1) =>
  eventually(async () => {
    const list = await deliveries(channelId);
    return list.length >= count && list.every((d) => d.status !== 'PENDING') && list;
  });
/** Jobs of a delivery still waiting or running in the queue. */
const pendingJobs = async (deliveryId: string) =>
  (
    await t.db.orm.em
      .fork()
      .getConnection()
      .execute(`select id from pgboss.job where name = 'notification-delivery' and state < 'completed' and data->>'deliveryId' = ?`, [deliveryId])
  ).length;

describe('webhook channels', () => {
  it('the secret is shown once, the URL masked, and an opening alert arrives signed (standardwebhooks verifies it)', async () => {
    const m = await monitor('Checkout API');
    const made = await channel({ name: 'On-call', url: `${rx.url.replace('http://', 'http://bot:pa55@')}/hooks/a?token=s3cret`, checkIds: [m] });
    expect(made.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(made.secret!.slice(6), 'base64')).toHaveLength(32);
    expect(made.channel).toMatchObject({ name: 'On-call', type: 'WEBHOOK', checkIds: [m], events: ['ALERT_OPENED', 'ALERT_ACKNOWLEDGED', 'ALERT_RESOLVED', 'QUOTA_EXHAUSTED', 'API_KEY_EXPIRING'] });
    expect(made.channel.url).toBe(`${rx.url}/…`);
    // Never read back: not by get, list or REST.
    const reads = JSON.stringify([
      (await admin.client.gql(NotificationChannelDocument, { id: made.channel.id })).body,
      (await admin.client.gql(NotificationChannelsDocument, {})).body,
      (await admin.client.rest('GET', `/v1/notification-channels/${made.channel.id}`)).body,
      (await admin.client.rest('GET', '/v1/notification-channels')).body,
    ]);
    for (const secret of [made.secret!, made.secret!.slice(6), 'pa55', 's3cret']) expect(reads).not.toContain(secret);
    // …nor stored in clear.
    const [row] = await t.db.orm.em.fork().getConnection().execute(`select url, secret from notification_channels where id = ?`, [made.channel.id]);
    expect(JSON.stringify(row)).not.toMatch(/pa55|s3cret|whsec_/);

    healthy = false;
    await admin.client.gql(RunMonitorDocument, { id: m });
    const [hit] = await rx.waitFor((r) => r.path === '/hooks/a');
    expect(hit.headers.authorization).toBe(`Basic ${Buffer.from('bot:pa55').toString('base64')}`);
    expect(hit.headers['webhook-id']).toMatch(/^msg_[A-Za-z0-9]{24}$/);
    expect(hit.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    const body = verify(made.secret!, hit);
    const alert = (await admin.client.gql(AlertsDocument, { status: 'OPEN' })).data!.alerts.nodes.find((a) => a.source.id === m)!;
    expect(body).toMatchObject({
      type: 'alert.opened',
      data: { organizationId: org.id, alert: { id: alert.id, status: 'OPEN', cause: alert.cause }, check: { id: m, name: 'Checkout API', kind: 'MONITOR' }, locations: ['local'] },
    });
    expect(() => verify(`whsec_${Buffer.alloc(32, 1).toString('base64')}`, hit)).toThrow();
    const [d] = await settled(made.channel.id);
    expect(d).toMatchObject({ event: 'alert.opened', status: 'DELIVERED', attempts: 1, lastResponseStatus: 200, error: null, nextAttemptAt: null, webhookId: hit.headers['webhook-id'] });

    // A second failing run opens nothing new: nothing is sent.
    await admin.client.gql(RunMonitorDocument, { id: m });
    await admin.client.gql(AcknowledgeAlertDocument, { id: alert.id });
    const [ack] = await rx.waitFor((r) => r.path === '/hooks/a' && r.body.includes('alert.acknowledged'));
    expect(verify(made.secret!, ack)).toMatchObject({ type: 'alert.acknowledged', data: { alert: { id: alert.id, status: 'ACKNOWLEDGED' } } });
    healthy = true;
    await admin.client.gql(RunMonitorDocument, { id: m });
    const [resolved] = await rx.waitFor((r) => r.path === '/hooks/a' && r.body.includes('alert.resolved'));
    expect(verify(made.secret!, resolved)).toMatchObject({ type: 'alert.resolved', data: { alert: { id: alert.id, status: 'RESOLVED', resolvedBy: 'system' } } });
    expect((await settled(made.channel.id, 3)).map((x) => x.event)).toEqual(['alert.resolved', 'alert.acknowledged', 'alert.opened']);
  });

  it('retries 5xx with the same webhook-id until delivered (500, 500, 200: attempts 3)', async () => {
    const m = await monitor('Flaky receiver');
    const made = await channel({ url: `${rx.url}/hooks/retry`, checkIds: [m], events: ['ALERT_OPENED'] });
    rx.answer = (r, n) => (r.path === '/hooks/retry' && n <= 2 ? { status: 500 } : { status: 200 });
    healthy = false;
    await admin.client.gql(RunMonitorDocument, { id: m });
    const hits = await rx.waitFor((r) => r.path === '/hooks/retry', 3);
    expect(new Set(hits.map((h) => h.headers['webhook-id'])).size).toBe(1);
    expect(hits.map((h) => h.answered)).toEqual([500, 500, 200]);
    for (const h of hits) verify(made.secret!, h); // each attempt signed afresh
    const [d] = await settled(made.channel.id);
    expect(d).toMatchObject({ status: 'DELIVERED', attempts: 3, lastResponseStatus: 200, error: null });
    rx.answer = () => ({ status: 200 });
  });

  it('a 4xx other than 429 fails at once, with no retry left in the queue', async () => {
    const m = await monitor('Refusing receiver');
    const made = await channel({ url: `${rx.url}/hooks/gone`, checkIds: [m], events: ['ALERT_OPENED'] });
    rx.answer = (r) => (r.path === '/hooks/gone' ? { status: 410 } : { status: 200 });
    healthy = false;
    await admin.client.gql(RunMonitorDocument, { id: m });
    const [d] = await settled(made.channel.id);
    expect(d).toMatchObject({ status: 'FAILED', attempts: 1, lastResponseStatus: 410, error: 'The receiver answered 410', nextAttemptAt: null });
    expect(await pendingJobs(d.id)).toBe(0);
    expect(rx.received.filter((r) => r.path === '/hooks/gone')).toHaveLength(1);
    rx.answer = () => ({ status: 200 });
  });

  it('429 with Retry-After: the next attempt waits what the receiver asked, not the schedule', async () => {
    const m = await monitor('Busy receiver');
    const made = await channel({ url: `${rx.url}/hooks/busy`, checkIds: [m], events: ['ALERT_OPENED'] });
    let answeredAt = 0;
    rx.answer = (r, n) => {
      if (r.path !== '/hooks/busy' || n > 1) return { status: 200 };
      answeredAt = Date.now();
      return { status: 429, headers: { 'retry-after': '2' } };
    };
    healthy = false;
    await admin.client.gql(RunMonitorDocument, { id: m });
    const pending = await eventually(async () => (await deliveries(made.channel.id)).find((d) => d.lastResponseStatus === 429));
    expect(pending).toMatchObject({ status: 'PENDING', attempts: 1, error: 'The receiver answered 429' });
    // The schedule says 20 ms; the receiver said 2 s.
    expect(new Date(pending.nextAttemptAt!).getTime() - answeredAt).toBeGreaterThanOrEqual(1900);
    const hits = await rx.waitFor((r) => r.path === '/hooks/busy', 2);
    expect(hits[1].headers['webhook-id']).toBe(hits[0].headers['webhook-id']);
    expect(Date.now() - answeredAt).toBeGreaterThanOrEqual(1900);
    expect((await settled(made.channel.id))[0]).toMatchObject({ status: 'DELIVERED', attempts: 2 });
    rx.answer = () => ({ status: 200 });
  });

  it('a receiver that never answers in time: retried on timeouts, then FAILED after the last step', async () => {
    const slow = await startTestApp({ NOTIFY_RETRY_SCHEDULE_MS: '10', NOTIFY_TIMEOUT_MS: '300', WORKER_POLL_MS: '50' });
    try {
      const o = await slow.org('Slow Inc');
      const k = await slow.key(o, ['all']);
      rx.answer = (r) => (r.path === '/hooks/slow' ? 'hold' : { status: 200 });
      const made = (await k.client.gql(CreateNotificationChannelDocument, { input: { name: 's', type: 'WEBHOOK', url: `${rx.url}/hooks/slow` } })).data!.createNotificationChannel;
      const d = (await k.client.gql(TestNotificationChannelDocument, { id: made.channel.id })).data!.testNotificationChannel;
      expect(d).toMatchObject({ event: 'test', status: 'PENDING', attempts: 0 });
      const done = await eventually(async () => {
        const [x] = (await k.client.gql(NotificationDeliveriesDocument, {})).data!.notificationDeliveries.nodes;
        return x.status !== 'PENDING' && x;
      });
      expect(done).toMatchObject({ status: 'FAILED', attempts: 2, lastResponseStatus: null, error: 'Timed out after 300 ms (gave up after 2 attempts)' });
    } finally {
      rx.answer = () => ({ status: 200 });
      await slow.close();
    }
  });

  it('events and checkIds choose who hears what', async () => {
    const a = await monitor('A');
    const b = await monitor('B');
    const onlyB = await channel({ url: `${rx.url}/hooks/only-b`, checkIds: [b] });
    const onlyResolved = await channel({ url: `${rx.url}/hooks/only-resolved`, checkIds: [a], events: ['ALERT_RESOLVED'] });
    const everything = await channel({ url: `${rx.url}/hooks/all` });
    healthy = false;
    await admin.client.gql(RunMonitorDocument, { id: a });
    healthy = true;
    await admin.client.gql(RunMonitorDocument, { id: a });
    await rx.waitFor((r) => r.path === '/hooks/only-resolved');
    await settled(everything.channel.id, 2);
    expect((await deliveries(everything.channel.id)).map((d) => d.event)).toEqual(['alert.resolved', 'alert.opened']);
    expect((await deliveries(onlyResolved.channel.id)).map((d) => d.event)).toEqual(['alert.resolved']);
    expect(await deliveries(onlyB.channel.id)).toEqual([]);
    // Cleanup for the tests after: a channel hearing everything would get their events too.
    await admin.client.gql(DeleteNotificationChannelDocument, { id: everything.channel.id });
  });

  it('updates change only what is given, are audited, and a new URL is masked again', async () => {
    const made = await channel({ url: `${rx.url}/hooks/u1`, events: ['ALERT_OPENED'] });
    const res = await admin.client.rest('PATCH', `/v1/notification-channels/${made.channel.id}`, { name: 'renamed', url: `${rx.url}/hooks/u2?k=v` });
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ name: 'renamed', url: `${rx.url}/…`, events: ['ALERT_OPENED'] });
    const bad = await admin.client.gql(UpdateNotificationChannelDocument, { id: made.channel.id, input: { email: 'x@example.com', events: [] } });
    expect(bad.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', fields: [{ field: 'events', message: 'must list at least one event' }, { field: 'email', message: 'is only for EMAIL channels' }] });
    await admin.client.gql(DeleteNotificationChannelDocument, { id: made.channel.id });
    const events = (await admin.client.gql(AuditEventsDocument, { first: 100 })).data!.auditEvents.nodes.filter((e) => e.target === made.channel.id);
    expect(events.map((e) => [e.action, e.changedFields])).toEqual([
      ['notification_channel.deleted', null],
      ['notification_channel.updated', ['name', 'url']],
      ['notification_channel.created', null],
    ]);
  });

  it('testNotificationChannel sends a signed `test` event and answers its delivery', async () => {
    const made = await channel({ url: `${rx.url}/hooks/test`, events: ['API_KEY_EXPIRING'] });
    const res = await admin.client.rest('POST', `/v1/notification-channels/${made.channel.id}/test`);
    expect(res.status).toBe(201);
    expect(res.body.data).toMatchObject({ channel_id: made.channel.id, event: 'test', status: 'PENDING', attempts: 0 });
    const [hit] = await rx.waitFor((r) => r.path === '/hooks/test');
    expect(verify(made.secret!, hit)).toMatchObject({ type: 'test', data: { organizationId: org.id, channel: { id: made.channel.id, name: 'hook' } } });
    expect(hit.headers['webhook-id']).toBe((res.body.data as { webhook_id: string }).webhook_id);
  });
});

describe('slack channels', () => {
  it('POST a readable {text, blocks} message with the check, locations, error and a dashboard link; the URL reads back masked', async () => {
    const m = await monitor('Payments');
    const made = await channel({ type: 'SLACK', name: 'slack', url: `${rx.url}/services/T000/B000/XXXXSECRET`, checkIds: [m], events: ['ALERT_OPENED'] });
    expect(made.secret).toBeNull();
    expect(made.channel.url).toBe(`${rx.url}/…`);
    healthy = false;
    await admin.client.gql(RunMonitorDocument, { id: m });
    const [hit] = await rx.waitFor((r) => r.path === '/services/T000/B000/XXXXSECRET');
    expect(hit.headers['webhook-signature']).toBeUndefined();
    const msg = JSON.parse(hit.body) as { text: string; blocks: Array<{ type: string; text: { text: string } }> };
    expect(msg.text).toContain('Alert opened: Payments');
    const all = msg.blocks.map((b) => b.text.text).join('\n');
    expect(all).toContain(`Check: Payments (monitor ${m})`);
    expect(all).toContain('Locations: local');
    expect(all).toContain('Error: 1 failed runs in a row in local');
    expect(all).toMatch(new RegExp(`<http://127\\.0\\.0\\.1:\\d+/dashboard/#/monitors/${m}\\|Open in tracer>`));
  });
});

describe('slack escaping', () => {
  it('the fallback text is escaped like the blocks: a check name cannot mention @channel or make a link', async () => {
    const m = await monitor('Pay <!channel> & <https://evil.example|login>');
    await channel({ type: 'SLACK', name: 'slack2', url: `${rx.url}/services/T1/B1/ESCAPE`, checkIds: [m], events: ['ALERT_OPENED'] });
    healthy = false;
    await admin.client.gql(RunMonitorDocument, { id: m });
    const [hit] = await rx.waitFor((r) => r.path === '/services/T1/B1/ESCAPE');
    const msg = JSON.parse(hit.body) as { text: string };
    expect(msg.text).toContain('Pay &lt;!channel&gt; &amp; &lt;https://evil.example|login&gt;');
    expect(msg.text).not.toMatch(/[<>]/);
  });
});

describe('organization events', () => {
  it('QUOTA_EXHAUSTED goes once, when the month’s runs first run out', async () => {
    const o = await t.org('Quota Co');
    const k = await t.key(o, ['all']);
    const made = (await k.client.gql(CreateNotificationChannelDocument, { input: { name: 'q', type: 'WEBHOOK', url: `${rx.url}/hooks/quota`, events: ['QUOTA_EXHAUSTED'] } })).data!.createNotificationChannel;
    const m = (await k.client.gql(CreateMonitorDocument, { input: { name: 'q', url: `${target.url}/flappy`, intervalSeconds: 3600 } })).data!.createMonitor.id;
    await t.db.orm.em.fork().getConnection().execute(
      `insert into usage_counters (organization_id, period_start, runs) values (?, ?, 120000) on conflict (organization_id, period_start) do update set runs = 120000`,
      [o.id, monthStart(new Date())],
    );
    expect((await k.client.gql(RunMonitorDocument, { id: m })).errors?.[0].extensions?.code).toBe('PLAN_LIMIT_EXCEEDED');
    expect((await k.client.gql(RunMonitorDocument, { id: m })).errors?.[0].extensions?.code).toBe('PLAN_LIMIT_EXCEEDED');
    const [hit] = await rx.waitFor((r) => r.path === '/hooks/quota');
    expect(verify(made.secret!, hit)).toMatchObject({ type: 'quota.exhausted', data: { organizationId: o.id, plan: 'FREE', limit: 120000, alert: { subject: 'quota', status: 'OPEN' } } });
    const list = (await k.client.gql(NotificationDeliveriesDocument, {})).data!.notificationDeliveries.nodes;
    expect(list.map((d) => d.event)).toEqual(['quota.exhausted']);
  });

  it('API_KEY_EXPIRING: seven days and one day before, once each, whoever sweeps', async () => {
    const o = await t.org('Keys Co');
    const k = await t.key(o, ['all']);
    const made = (await k.client.gql(CreateNotificationChannelDocument, { input: { name: 'k', type: 'WEBHOOK', url: `${rx.url}/hooks/keys`, events: ['API_KEY_EXPIRING'] } })).data!.createNotificationChannel;
    const expiring = await t.key(o, ['monitors:read'], { name: 'CI key', expiresAt: new Date(Date.now() + 3 * 86_400_000) });
    const sweep = (t.app.engine.consumers.find((c) => c instanceof NotificationWorker) as NotificationWorker).sweeps.find((s) => s instanceof ExpirySweep)!;
    await Promise.all([sweep.run(t.db.orm.em.fork()), sweep.run(t.db.orm.em.fork()), sweep.run(t.db.orm.em.fork())]);
    await sweep.run(t.db.orm.em.fork());
    // Two and a half days later (the key's expiry brought closer: the deliveries' own times stay real): half a day left.
    await t.db.orm.em.fork().getConnection().execute(`update api_keys set expires_at = ? where id = ?`, [new Date(Date.now() + 0.5 * 86_400_000), expiring.id]);
    await Promise.all([sweep.run(t.db.orm.em.fork()), sweep.run(t.db.orm.em.fork())]);
    await sweep.run(t.db.orm.em.fork());
    const hits = await rx.waitFor((r) => r.path === '/hooks/keys', 2);
    // Two deliveries, two jobs: the workers may send them in either order, so they are compared by days left.
    const bodies = hits.map((h) => verify(made.secret!, h)).sort((a, b) => (b.data as { daysLeft: number }).daysLeft - (a.data as { daysLeft: number }).daysLeft);
    // The seven-day notice of a key first seen three days before it expires tells the days it has: 3.
    expect(bodies.map((b) => [b.type, (b.data as { daysLeft: number }).daysLeft, (b.data as { apiKey: { id: string } }).apiKey.id])).toEqual([
      ['api_key.expiring', 3, expiring.id],
      ['api_key.expiring', 1, expiring.id],
    ]);
    expect((bodies[0].data as { apiKey: { name: string } }).apiKey.name).toBe('CI key');
    expect((await k.client.gql(NotificationDeliveriesDocument, {})).data!.notificationDeliveries.nodes).toHaveLength(2);
  });
});

describe('transactions', () => {
  it('a rolled-back transaction leaves no delivery and no job; a committed one both', async () => {
    const made = await channel({ url: `${rx.url}/hooks/tx`, events: ['API_KEY_EXPIRING'] });
    const notifier = new Notifier(t.app.engine.boss, () => new Date(), 20);
    const em = t.db.orm.em.fork();
    const notice = { organizationId: org.id, event: 'API_KEY_EXPIRING' as const, checkId: null, data: { marker: 'rolled back' } };
    let rolledBack = '';
    await expect(
      em.transactional(async (tx) => {
        [rolledBack] = await notifier.emit(tx, notice);
        throw new Error('rollback');
      }),
    ).rejects.toThrow('rollback');
    expect(rolledBack).toMatch(/^ndl_/);
    const conn = t.db.orm.em.fork().getConnection();
    expect(await conn.execute(`select id from notification_deliveries where id = ?`, [rolledBack])).toEqual([]);
    expect(await conn.execute(`select id from pgboss.job where data->>'deliveryId' = ?`, [rolledBack])).toEqual([]);
    const [committed] = await em.transactional((tx) => notifier.emit(tx, { ...notice, data: { marker: 'committed' } }));
    expect(await conn.execute(`select id from pgboss.job where data->>'deliveryId' = ?`, [committed])).toHaveLength(1);
    const [hit] = await rx.waitFor((r) => r.path === '/hooks/tx');
    expect(verify(made.secret!, hit).data).toMatchObject({ marker: 'committed' });
  });
});
