/**
 * A delivery whose queue job is gone (deleted, as a purge or pg-boss's retention leaves it; or failed past its
 * retries, as workers killed mid-attempt again and again leave it) is ended by the workers' lost-delivery sweep once
 * its attempt was due longer ago than a job can live: FAILED, saying its job was lost, and the acknowledgement and
 * resolution waiting behind it on the same channel are then sent to the real receiver, in order. A delivery whose
 * job is still queued is left alone, however late, and several sweeps at once end a delivery once. On the real app
 * and real workers; the app's clock is advanced.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AcknowledgeAlertDocument, AlertsDocument, CreateMonitorDocument, CreateNotificationChannelDocument, ResolveAlertDocument, RunMonitorDocument } from '../../src/client/generated/graphql';
import { LostDeliverySweep, deliveryJobLifetimeMs } from '../../src/modules/notifications/lost-delivery-sweep';
import { NotificationWorker } from '../../src/modules/notifications/notification-worker';
import { startTestApp, type TestApp } from '../helpers/app';
import { startTarget, type Target } from '../helpers/target';
import { eventually, startReceiver, type Received, type Receiver } from '../helpers/receiver';

let t: TestApp;
let rx: Receiver;
let target: Target;

// The lease is NOTIFY_TIMEOUT_MS (rounded up to seconds) + LEASE_MARGIN_SECONDS.
const LIFETIME_MS = deliveryJobLifetimeMs(2 + 2, 2);

beforeAll(async () => {
  t = await startTestApp({ WORKER_POLL_MS: '20', NOTIFY_SWEEP_MS: '100', NOTIFY_TIMEOUT_MS: '2000', LEASE_MARGIN_SECONDS: '2', QUEUE_MAINTENANCE_SECONDS: '2' });
  rx = await startReceiver();
  target = await startTarget();
  target.route('/down', (_req, res) => res.writeHead(503).end());
  // Every opening is answered 503 with a Retry-After of an hour: its next attempt's job waits in the queue.
  rx.answer = (r) => (type(r) === 'alert.opened' ? { status: 503, headers: { 'retry-after': '3600' } } : { status: 200 });
});
afterAll(async () => {
  t.clock.now = null;
  await rx?.close();
  await target?.close();
  await t?.close();
});

const type = (r: Received) => (JSON.parse(r.body) as { type: string }).type;
const sql = <T extends object[]>(text: string, params: unknown[] = []) => t.db.orm.em.fork().getConnection().execute<T>(text, params as never[]);
type Row = { id: string; event: string; status: string; error: string | null; next_attempt_at: Date | null };
const deliveries = (channelId: string) => sql<Row[]>(`select id, event, status, error, next_attempt_at from notification_deliveries where channel_id = ? order by seq`, [channelId]);
const liveJobs = (deliveryId: string) => sql(`select id from pgboss.job where name = 'notification-delivery' and data->>'deliveryId' = ? and state < 'completed'`, [deliveryId]);

describe('lost delivery jobs', () => {
  it.each([
    ['deleted (a purge)', `delete from pgboss.job where name = 'notification-delivery' and data->>'deliveryId' = ?`],
    ['failed past its retries', `update pgboss.job set state = 'failed', retry_count = retry_limit, completed_on = now() where name = 'notification-delivery' and data->>'deliveryId' = ? and state < 'completed'`],
  ])('an opening whose job was %s is FAILED by the sweep, and the acknowledgement and resolution behind it go', async (how, lose) => {
    const org = await t.org(`Lost ${how}`);
    const admin = await t.key(org, ['all']);
    const slug = how.split(' ')[0];
    const channel = async (path: string) =>
      (await admin.client.gql(CreateNotificationChannelDocument, { input: { name: path, type: 'WEBHOOK', url: `${rx.url}${path}`, events: ['ALERT_OPENED', 'ALERT_ACKNOWLEDGED', 'ALERT_RESOLVED'] } }))
        .data!.createNotificationChannel.channel.id;
    const lost = await channel(`/lost/${slug}`);
    const kept = await channel(`/kept/${slug}`);
    const monitor = (await admin.client.gql(CreateMonitorDocument, { input: { name: 'Checkout API', url: `${target.url}/down`, failureThreshold: 1, intervalSeconds: 3600 } })).data!.createMonitor.id;
    await admin.client.gql(RunMonitorDocument, { id: monitor });
    const alert = await eventually(async () => (await admin.client.gql(AlertsDocument, { status: 'OPEN', checkId: monitor })).data!.alerts.nodes[0]);

    // Both openings were answered 503 once and wait an hour for their retry, each with its job queued.
    const [opening, keptOpening] = await eventually(async () => {
      const [l, k] = [(await deliveries(lost))[0], (await deliveries(kept))[0]];
      return l?.next_attempt_at && k?.next_attempt_at && new Date(l.next_attempt_at).getTime() > Date.now() + 1_800_000 && new Date(k.next_attempt_at).getTime() > Date.now() + 1_800_000 && [l, k];
    });
    expect(await liveJobs(opening.id)).toHaveLength(1);
    await sql(lose, [opening.id]);
    expect(await liveJobs(opening.id)).toHaveLength(0);

    // The acknowledgement and the resolution wait behind the openings, on both channels.
    expect((await admin.client.gql(AcknowledgeAlertDocument, { id: alert.id })).errors).toBeUndefined();
    expect((await admin.client.gql(ResolveAlertDocument, { id: alert.id })).errors).toBeUndefined();
    for (const c of [lost, kept])
      await eventually(async () => {
        const list = await deliveries(c);
        return list.length === 3 && list.slice(1).every((d) => d.status === 'PENDING' && d.error?.startsWith('Waiting')) && list;
      });

    // The clock moves past the openings' due time and a job's whole lifetime: the next sweep ends the lost one.
    const due = Math.max(new Date(opening.next_attempt_at!).getTime(), new Date(keptOpening.next_attempt_at!).getTime());
    t.clock.now = new Date(due + LIFETIME_MS + 1000);
    try {
      const sent = await rx.waitFor((r) => r.path === `/lost/${slug}` && r.answered === 200, 2);
      expect(sent.map(type)).toEqual(['alert.acknowledged', 'alert.resolved']);
      const ended = await eventually(async () => {
        const list = await deliveries(lost);
        return list.every((d) => d.status !== 'PENDING') && list;
      });
      expect(ended.map((d) => [d.event, d.status, d.error])).toEqual([
        ['alert.opened', 'FAILED', 'The receiver answered 503 (gave up: its job was lost)'],
        ['alert.acknowledged', 'DELIVERED', null],
        ['alert.resolved', 'DELIVERED', null],
      ]);
      // The other channel's opening still has its job: not lost, it stays PENDING with the two behind it waiting.
      const stays = await deliveries(kept);
      expect(stays.map((d) => d.status)).toEqual(['PENDING', 'PENDING', 'PENDING']);
      expect(await liveJobs(keptOpening.id)).toHaveLength(1);
      expect(rx.received.filter((r) => r.path === `/kept/${slug}`).map(type)).toEqual(['alert.opened']);
    } finally {
      t.clock.now = null;
    }
  });

  it('several sweeps at once end a lost delivery once and release the next one once', async () => {
    const org = await t.org('Lost together');
    const admin = await t.key(org, ['all']);
    const channel = (
      await admin.client.gql(CreateNotificationChannelDocument, { input: { name: 'together', type: 'WEBHOOK', url: `${rx.url}/lost/together`, events: ['ALERT_OPENED', 'ALERT_ACKNOWLEDGED'] } })
    ).data!.createNotificationChannel.channel.id;
    const monitor = (await admin.client.gql(CreateMonitorDocument, { input: { name: 'Search API', url: `${target.url}/down`, failureThreshold: 1, intervalSeconds: 3600 } })).data!.createMonitor.id;
    await admin.client.gql(RunMonitorDocument, { id: monitor });
    const alert = await eventually(async () => (await admin.client.gql(AlertsDocument, { status: 'OPEN', checkId: monitor })).data!.alerts.nodes[0]);
    const opening = await eventually(async () => {
      const [d] = await deliveries(channel);
      return d?.next_attempt_at && new Date(d.next_attempt_at).getTime() > Date.now() + 1_800_000 && d;
    });
    await sql(`delete from pgboss.job where name = 'notification-delivery' and data->>'deliveryId' = ?`, [opening.id]);
    expect((await admin.client.gql(AcknowledgeAlertDocument, { id: alert.id })).errors).toBeUndefined();
    const ack = await eventually(async () => {
      const [, a] = await deliveries(channel);
      return a?.error?.startsWith('Waiting') && a;
    });

    const worker = t.app.engine.consumers.find((c) => c instanceof NotificationWorker) as NotificationWorker;
    const sweep = worker.sweeps.find((s) => s instanceof LostDeliverySweep)!;
    t.clock.now = new Date(new Date(opening.next_attempt_at!).getTime() + LIFETIME_MS + 1000);
    try {
      // The worker's own timer sweeps too: between them all, the delivery is ended once.
      const ended = await Promise.all([sweep.run(t.db.orm.em.fork()), sweep.run(t.db.orm.em.fork()), sweep.run(t.db.orm.em.fork())]);
      expect(ended.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(1);
      await rx.waitFor((r) => r.path === '/lost/together' && type(r) === 'alert.acknowledged');
      const list = await eventually(async () => {
        const l = await deliveries(channel);
        return l.every((d) => d.status !== 'PENDING') && l;
      });
      expect(list.map((d) => [d.event, d.status])).toEqual([
        ['alert.opened', 'FAILED'],
        ['alert.acknowledged', 'DELIVERED'],
      ]);
      // The acknowledgement's first job (it parked) and one release: not one per sweep.
      expect(await sql(`select id from pgboss.job where name = 'notification-delivery' and data->>'deliveryId' = ?`, [ack.id])).toHaveLength(2);
      expect(rx.received.filter((r) => r.path === '/lost/together').map(type)).toEqual(['alert.opened', 'alert.acknowledged']);
    } finally {
      t.clock.now = null;
    }
  });
});
