/**
 * A worker process killed with SIGKILL while a receiver holds its notification request loses nothing: after the
 * job's lease another worker makes the attempt again, with the same webhook-id, and the delivery is DELIVERED.
 * With several worker processes, one alert's deliveries to one channel still reach it in the order they were made.
 * Processes share one PostgreSQL database (a database of their own), as in production.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client as PgClient } from 'pg';
import { openTestDatabase, onPostgres, type TestDatabase } from '../helpers/database';
import { runCli, spawnServer, spawnWorker, type ServerProcess } from '../helpers/process';
import { eventually, startReceiver, verify, type Receiver } from '../helpers/receiver';
import { startTarget, type Target } from '../helpers/target';

describe.runIf(onPostgres())('notification delivery across worker processes', () => {
  let pg: TestDatabase;
  let api: ServerProcess;
  let rx: Receiver;
  let env: Record<string, string>;
  let key: string;
  let db: PgClient;
  let target: Target;
  const workers: ServerProcess[] = [];

  const call = (method: string, path: string, body?: unknown) =>
    fetch(`${api.baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    }).then(async (r) => ({ status: r.status, body: (await r.json()) as { data: Record<string, unknown> } }));

  beforeAll(async () => {
    pg = await openTestDatabase();
    rx = await startReceiver();
    env = {
      DATABASE_URL: pg.url,
      SECRETS_KEY: randomBytes(32).toString('base64'),
      BOOTSTRAP_KEY: 'false',
      ALLOW_PRIVATE_TARGETS: 'true',
      RATE_LIMIT_PER_MINUTE: '100000',
      SCHEDULING: 'false',
      WORKER_POLL_MS: '100',
      QUEUE_MAINTENANCE_SECONDS: '1',
      LEASE_MARGIN_SECONDS: '1',
      NOTIFY_TIMEOUT_MS: '3000',
      NOTIFY_RETRY_SCHEDULE_MS: '100,100',
      SHUTDOWN_TIMEOUT_MS: '2000',
    };
    api = await spawnServer({ ...env, WORKER: 'false' });
    const made = await runCli(['create', '--org', 'Acme Inc', '--name', 'admin', '--permissions', 'all', '--json'], env);
    key = (JSON.parse(made.stdout) as { key: string }).key;
    db = new PgClient({ connectionString: pg.url });
    await db.connect();
    target = await startTarget();
    target.route('/down', (_req, res) => res.writeHead(503).end());
  });
  afterAll(async () => {
    for (const res of rx?.held ?? []) res.destroy();
    await Promise.all([api?.stop(), ...workers.map((w) => w.stop())]);
    await db?.end();
    await rx?.close();
    await target?.close();
    await pg?.close();
  });

  it('SIGKILL mid-delivery: another worker delivers it after the lease, with the same webhook-id', async () => {
    const created = await call('POST', '/v1/notification-channels', { name: 'hook', type: 'WEBHOOK', url: `${rx.url}/hook` });
    expect(created.status).toBe(201);
    const { channel, secret } = created.body.data as { channel: { id: string }; secret: string };
    // The first attempt is held open, as a slow receiver would: the victim is in the middle of it when killed.
    rx.answer = (_r, n) => (n === 1 ? 'hold' : { status: 200 });
    const victim = await spawnWorker(env);
    const test = await call('POST', `/v1/notification-channels/${channel.id}/test`);
    expect(test.status).toBe(201);
    const deliveryId = (test.body.data as { id: string }).id;
    const [first] = await rx.waitFor(() => true);
    victim.proc.kill('SIGKILL');
    await victim.stop();
    workers.push(await spawnWorker(env));
    const hits = await rx.waitFor(() => true, 2);
    expect(hits.map((h) => h.answered)).toEqual([0, 200]); // the first was never answered
    expect(hits[1].headers['webhook-id']).toBe(first.headers['webhook-id']);
    expect(verify(secret, hits[1])).toMatchObject({ type: 'test' });
    const row = await eventually(async () => {
      const { rows } = await db.query('select status, attempts, webhook_id from notification_deliveries where id = $1', [deliveryId]);
      return rows[0]?.status === 'DELIVERED' && rows[0];
    });
    // The killed attempt counts: two started, one delivered.
    expect(row).toMatchObject({ status: 'DELIVERED', attempts: 2, webhook_id: first.headers['webhook-id'] });
    // Nothing more is sent: no job of it is left in the queue.
    const { rows: left } = await db.query(`select id from pgboss.job where name = 'notification-delivery' and state < 'completed' and data->>'deliveryId' = $1`, [deliveryId]);
    expect(left).toEqual([]);
  });

  it('three worker processes: an alert opened, acknowledged and resolved while the opening is held reaches the channel in that order', async () => {
    while (workers.length < 3) workers.push(await spawnWorker(env));
    const created = await call('POST', '/v1/notification-channels', { name: 'ordered', type: 'WEBHOOK', url: `${rx.url}/order`, events: ['ALERT_OPENED', 'ALERT_ACKNOWLEDGED', 'ALERT_RESOLVED'] });
    expect(created.status).toBe(201);
    const channelId = (created.body.data as { channel: { id: string } }).channel.id;
    const type = (body: string) => (JSON.parse(body) as { type: string }).type;
    // The channel's first request (the opening) is held open until the acknowledgement and resolution wait behind it.
    rx.answer = (r) => (r.path === '/order' && !rx.received.some((x) => x.path === '/order') ? 'hold' : { status: 200 });
    const monitor = await call('POST', '/v1/monitors', { name: 'Checkout API', url: `${target.url}/down`, failure_threshold: 1, interval_seconds: 3600 });
    expect(monitor.status).toBe(201);
    const checkId = (monitor.body.data as { id: string }).id;
    await call('POST', `/v1/monitors/${checkId}/runs`);
    const [opening] = await rx.waitFor((r) => r.path === '/order');
    const alertId = (JSON.parse(opening.body) as { data: { alert: { id: string } } }).data.alert.id;
    expect((await call('POST', `/v1/alerts/${alertId}/acknowledge`)).status).toBe(200);
    expect((await call('POST', `/v1/alerts/${alertId}/resolve`)).status).toBe(200);
    // Both later deliveries were taken by some worker and found the opening unfinished: parked, not sent.
    await eventually(async () => {
      const { rows } = await db.query(`select count(*)::int as n from notification_deliveries where alert_id = $1 and channel_id = $2 and status = 'PENDING' and error like 'Waiting%'`, [alertId, channelId]);
      return rows[0].n === 2;
    });
    expect(rx.received.filter((r) => r.path === '/order').map((r) => type(r.body))).toEqual(['alert.opened']);
    rx.held[rx.held.length - 1].writeHead(200).end('ok');
    const got = await rx.waitFor((r) => r.path === '/order', 3);
    expect(got.map((r) => type(r.body))).toEqual(['alert.opened', 'alert.acknowledged', 'alert.resolved']);
    const { rows } = await eventually(async () => {
      const res = await db.query(`select event, status from notification_deliveries where alert_id = $1 and channel_id = $2 order by seq`, [alertId, channelId]);
      return res.rows.every((r) => r.status === 'DELIVERED') && res;
    });
    expect(rows.map((r) => r.event)).toEqual(['alert.opened', 'alert.acknowledged', 'alert.resolved']);
  });
});
