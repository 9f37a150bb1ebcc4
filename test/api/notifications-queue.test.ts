/**
 * The notification queue's bookkeeping on the real app and a real receiver: a job is completed in its outcome's
 * transaction (a rolled-back outcome leaves it to run again), which attempt is due is the job's attempt number and
 * not a clock (a worker whose clock is behind still makes a due retry), and an idle worker backs off its polls.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateNotificationChannelDocument, NotificationDeliveriesDocument, TestNotificationChannelDocument } from '../../src/client/generated/graphql';
import { startTestApp, type TestApp } from '../helpers/app';
import { onPostgres } from '../helpers/database';
import { eventually, startReceiver, type Receiver } from '../helpers/receiver';
import { MAX_IDLE_POLL_MS, NotificationWorker } from '../../src/modules/notifications/notification-worker';

let t: TestApp;
let rx: Receiver;
let admin: Awaited<ReturnType<TestApp['key']>>;

beforeAll(async () => {
  t = await startTestApp({ NOTIFY_RETRY_SCHEDULE_MS: '20,20', WORKER_POLL_MS: '10' });
  rx = await startReceiver();
  const org = await t.org('Queue Co');
  admin = await t.key(org, ['all']);
});
afterAll(async () => {
  t.clock.now = null;
  await rx?.close();
  await t?.close();
});

const channel = async (path: string) =>
  (await admin.client.gql(CreateNotificationChannelDocument, { input: { name: path, type: 'WEBHOOK', url: `${rx.url}${path}`, events: ['API_KEY_EXPIRING'] } })).data!
    .createNotificationChannel.channel.id;
const sendTest = async (channelId: string) => (await admin.client.gql(TestNotificationChannelDocument, { id: channelId })).data!.testNotificationChannel.id;
const delivery = async (channelId: string) => (await admin.client.gql(NotificationDeliveriesDocument, { channelId })).data!.notificationDeliveries.nodes[0];
const jobs = (deliveryId: string) =>
  t.db.orm.em
    .fork()
    .getConnection()
    .execute<{ state: string; attempt: string | null }[]>(`select state, data->>'attempt' as attempt from pgboss.job where name = 'notification-delivery' and data->>'deliveryId' = ? order by created_on`, [deliveryId]);

describe('notification jobs', () => {
  it.runIf(onPostgres())('an outcome transaction that rolls back does not complete its job: the attempt runs again', async () => {
    const id = await channel('/hooks/rollback');
    const conn = t.db.orm.em.fork().getConnection();
    // The outcome's transaction fails at its commit (a deferred check: after every statement of it, the job's
    // completion included, has run): its job must stay to be run again.
    await conn.execute(`create or replace function refuse_delivered() returns trigger language plpgsql as $body$ begin raise exception 'refused'; end $body$`);
    await conn.execute(
      `create constraint trigger refuse_delivered after update on notification_deliveries deferrable initially deferred for each row
         when (new.status = 'DELIVERED' and new.channel_id = '${id}') execute function refuse_delivered()`,
    );
    try {
      const deliveryId = await sendTest(id);
      await rx.waitFor((r) => r.path === '/hooks/rollback');
      // The worker hands a job whose outcome failed back to the queue (retry); a job completed outside the
      // transaction would stay `completed` with its delivery PENDING for ever.
      const [job] = await eventually(async () => {
        const js = await jobs(deliveryId);
        return js.some((j) => j.state !== 'active' && j.state !== 'created') && js;
      }, 5);
      expect(job.state).toBe('retry');
      expect((await delivery(id)).status).toBe('PENDING');
    } finally {
      await conn.execute(`drop trigger refuse_delivered on notification_deliveries`);
    }
    // Once the outcome can be written, the retried job delivers and is completed with it.
    const done = await eventually(async () => {
      const d = await delivery(id);
      return d.status !== 'PENDING' && d;
    });
    expect(done.status).toBe('DELIVERED');
    expect((await jobs(done.id)).every((j) => j.state === 'completed')).toBe(true);
  });

  it('a due retry runs on a worker whose clock is behind the one that scheduled it (the job carries its attempt number)', async () => {
    const id = await channel('/hooks/skew');
    rx.answer = (r, n) => (r.path === '/hooks/skew' && n === 1 ? { status: 429, headers: { 'retry-after': '2' } } : { status: 200 });
    try {
      await sendTest(id);
      const first = await eventually(async () => {
        const d = await delivery(id);
        return d.lastResponseStatus === 429 && d;
      });
      expect(first).toMatchObject({ status: 'PENDING', attempts: 1 });
      // The worker that runs attempt 2 reads a clock ten minutes behind the one that wrote nextAttemptAt.
      t.clock.now = new Date(Date.now() - 600_000);
      await eventually(async () => (await jobs(first.id)).every((j) => j.state === 'completed') && (await jobs(first.id)).length === 2);
      expect((await jobs(first.id)).map((j) => j.attempt)).toEqual(['1', '2']);
      expect(await delivery(id)).toMatchObject({ status: 'DELIVERED', attempts: 2, lastResponseStatus: 200 });
      expect(rx.received.filter((r) => r.path === '/hooks/skew')).toHaveLength(2);
    } finally {
      t.clock.now = null;
      rx.answer = () => ({ status: 200 });
    }
  });

  it('a job of an attempt made already sends nothing; if its delivery is still PENDING, its next attempt gets a job', async () => {
    const id = await channel('/hooks/stale');
    const deliveryId = await sendTest(id);
    await eventually(async () => (await delivery(id)).status === 'DELIVERED');
    const conn = t.db.orm.em.fork().getConnection();
    // Two attempts counted, the delivery due, and no job left for the third (as if it had been lost): attempt 1's
    // job run once more must not simply be completed.
    await conn.execute(`update notification_deliveries set status = 'PENDING', attempts = 2, next_attempt_at = now(), delivered_at = null where id = ?`, [deliveryId]);
    await t.app.engine.boss.send('notification-delivery', { deliveryId, attempt: 1 });
    const done = await eventually(async () => {
      const d = await delivery(id);
      return d.status !== 'PENDING' && d;
    });
    expect(done).toMatchObject({ status: 'DELIVERED', attempts: 3 });
    expect((await jobs(deliveryId)).map((j) => [j.attempt, j.state])).toEqual([
      ['1', 'completed'],
      ['1', 'completed'],
      ['3', 'completed'],
    ]);
    expect(rx.received.filter((r) => r.path === '/hooks/stale')).toHaveLength(2);
  });

  it('an idle worker backs off its polls (doubling up to the cap); work found starts again from WORKER_POLL_MS', async () => {
    const worker = t.app.engine.consumers.find((c) => c instanceof NotificationWorker) as NotificationWorker;
    await eventually(async () => worker.idleMs === MAX_IDLE_POLL_MS);
    const id = await channel('/hooks/idle');
    await sendTest(id);
    await rx.waitFor((r) => r.path === '/hooks/idle');
    // Found work: the next idle polls start from 10 ms again (the cap is ~9 idle polls away).
    expect(worker.idleMs).toBeLessThan(MAX_IDLE_POLL_MS);
  });
});
