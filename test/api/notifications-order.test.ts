/**
 * Deliveries of one channel for one alert reach the receiver in the order they were made, on the real app and a
 * real receiver: while the opening is held open by a slow receiver, or retried after a 5xx, the acknowledgement and
 * the resolution wait (shown in the log as waiting) and then follow it in order; when the opening is given up, the
 * next one goes. Other channels and other alerts of the same channel are not held back meanwhile.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AcknowledgeAlertDocument,
  AlertsDocument,
  CreateMonitorDocument,
  CreateNotificationChannelDocument,
  NotificationDeliveriesDocument,
  ResolveAlertDocument,
  RunMonitorDocument,
} from '../../src/client/generated/graphql';
import { startTestApp, type TestApp } from '../helpers/app';
import { startTarget, type Target } from '../helpers/target';
import { eventually, startReceiver, type Received, type Receiver } from '../helpers/receiver';

let t: TestApp;
let rx: Receiver;
let target: Target;

beforeAll(async () => {
  t = await startTestApp({ NOTIFY_RETRY_SCHEDULE_MS: '20,20', WORKER_POLL_MS: '20' });
  rx = await startReceiver();
  target = await startTarget();
  target.route('/down', (_req, res) => res.writeHead(503).end());
});
afterAll(async () => {
  for (const res of rx?.held ?? []) res.destroy();
  await rx?.close();
  await target?.close();
  await t?.close();
});

const type = (r: Received) => (JSON.parse(r.body) as { type: string; data: { alert?: { id: string } } }).type;
const alertOf = (r: Received) => (JSON.parse(r.body) as { data: { alert?: { id: string } } }).data.alert?.id;

/** An organization with webhook channels at `paths` hearing its alerts, and a way to open one. */
async function setup(name: string, paths: string[]) {
  const org = await t.org(name);
  const admin = await t.key(org, ['all']);
  const channels: string[] = [];
  for (const path of paths) {
    const res = await admin.client.gql(CreateNotificationChannelDocument, {
      input: { name: path, type: 'WEBHOOK', url: `${rx.url}${path}`, events: ['ALERT_OPENED', 'ALERT_ACKNOWLEDGED', 'ALERT_RESOLVED'] },
    });
    expect(res.errors).toBeUndefined();
    channels.push(res.data!.createNotificationChannel.channel.id);
  }
  const open = async (monitor: string) => {
    const id = (await admin.client.gql(CreateMonitorDocument, { input: { name: monitor, url: `${target.url}/down`, failureThreshold: 1, intervalSeconds: 3600 } })).data!.createMonitor.id;
    await admin.client.gql(RunMonitorDocument, { id });
    return eventually(async () => (await admin.client.gql(AlertsDocument, { status: 'OPEN', checkId: id })).data!.alerts.nodes[0]);
  };
  const deliveries = async (channelId: string) => (await admin.client.gql(NotificationDeliveriesDocument, { channelId, first: 50 })).data!.notificationDeliveries.nodes;
  const ack = async (id: string) => expect((await admin.client.gql(AcknowledgeAlertDocument, { id })).errors).toBeUndefined();
  const resolve = async (id: string) => expect((await admin.client.gql(ResolveAlertDocument, { id })).errors).toBeUndefined();
  return { channels, open, deliveries, ack, resolve };
}

describe('delivery order per channel and alert', () => {
  it('a slow first delivery: acknowledge and resolve wait for it, then follow in order; other channels and alerts do not wait', async () => {
    const o = await setup('Slow Co', ['/order/slow', '/order/fast']);
    const [slow] = o.channels;
    // The first request to /order/slow (the opening) is held open until the test lets go.
    rx.answer = (r) => (r.path === '/order/slow' && rx.received.filter((x) => x.path === '/order/slow').length === 0 ? 'hold' : { status: 200 });
    const alert = await o.open('Checkout API');
    await rx.waitFor((r) => r.path === '/order/slow');
    await o.ack(alert.id);
    await o.resolve(alert.id);

    // The other channel heard all three meanwhile; on the slow one the two later deliveries wait, unsent.
    const onFast = await rx.waitFor((r) => r.path === '/order/fast' && alertOf(r) === alert.id, 3);
    expect(onFast.map(type)).toEqual(['alert.opened', 'alert.acknowledged', 'alert.resolved']);
    const waiting = await eventually(async () => {
      const list = await o.deliveries(slow);
      return list.length === 3 && list.filter((d) => d.error?.startsWith('Waiting')).length === 2 && list;
    });
    expect(waiting.map((d) => [d.event, d.status, d.attempts])).toEqual([
      ['alert.resolved', 'PENDING', 0],
      ['alert.acknowledged', 'PENDING', 0],
      ['alert.opened', 'PENDING', 1],
    ]);
    // Another alert to the same channel is not held back by this one's.
    const other = await o.open('Search API');
    await rx.waitFor((r) => r.path === '/order/slow' && alertOf(r) === other.id);
    expect(rx.received.filter((r) => r.path === '/order/slow' && alertOf(r) === alert.id).map(type)).toEqual(['alert.opened']);

    rx.held[0].writeHead(200).end('ok');
    const onSlow = await rx.waitFor((r) => r.path === '/order/slow' && alertOf(r) === alert.id, 3);
    expect(onSlow.map(type)).toEqual(['alert.opened', 'alert.acknowledged', 'alert.resolved']);
    const done = await eventually(async () => {
      const list = await o.deliveries(slow);
      return list.filter((d) => d.status === 'DELIVERED').length === 4 && list;
    });
    expect(done.every((d) => d.error === null)).toBe(true);
  });

  it('a first delivery answered 500 once: acknowledge and resolve wait for its retry', async () => {
    const o = await setup('Retry Co', ['/order/retry']);
    // The opening's first attempt: 503 with a Retry-After of 2 s; the acknowledgement and resolution are given then.
    rx.answer = (r, n) => (r.path === '/order/retry' && type(r) === 'alert.opened' && n === 1 ? { status: 503, headers: { 'retry-after': '2' } } : { status: 200 });
    const alert = await o.open('Billing API');
    await rx.waitFor((r) => r.path === '/order/retry');
    await o.ack(alert.id);
    await o.resolve(alert.id);
    const got = await rx.waitFor((r) => r.path === '/order/retry' && r.answered === 200, 3);
    expect(got.map(type)).toEqual(['alert.opened', 'alert.acknowledged', 'alert.resolved']);
    expect(rx.received.filter((r) => r.path === '/order/retry').map((r) => [type(r), r.answered])).toEqual([
      ['alert.opened', 503],
      ['alert.opened', 200],
      ['alert.acknowledged', 200],
      ['alert.resolved', 200],
    ]);
  });

  it('a first delivery given up on (FAILED): the next one goes', async () => {
    const o = await setup('Gone Co', ['/order/fails']);
    rx.answer = (r) => (r.path === '/order/fails' && type(r) === 'alert.opened' ? { status: 500 } : { status: 200 });
    const alert = await o.open('Login API');
    await rx.waitFor((r) => r.path === '/order/fails');
    await o.ack(alert.id);
    await rx.waitFor((r) => r.path === '/order/fails' && type(r) === 'alert.acknowledged');
    // Three attempts of the opening (the schedule's two retries), all before the acknowledgement.
    expect(rx.received.filter((r) => r.path === '/order/fails').map((r) => [type(r), r.answered])).toEqual([
      ['alert.opened', 500],
      ['alert.opened', 500],
      ['alert.opened', 500],
      ['alert.acknowledged', 200],
    ]);
    const list = await eventually(async () => {
      const l = await o.deliveries(o.channels[0]);
      return l.every((d) => d.status !== 'PENDING') && l;
    });
    expect(list.map((d) => [d.event, d.status])).toEqual([
      ['alert.acknowledged', 'DELIVERED'],
      ['alert.opened', 'FAILED'],
    ]);
  });
});
