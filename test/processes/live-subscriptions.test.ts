/**
 * Subscriptions across processes on one PostgreSQL database (a database of its own): two API-only instances and a
 * worker process. A key revoked through A closes its subscription held on B within a second, and a run the worker
 * process records reaches a subscriber on B. Needs `npm run build:server`.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, onPostgres, type TestDatabase } from '../helpers/database';
import { runCli, spawnServer, spawnWorker, type ServerProcess } from '../helpers/process';
import { liveClient } from '../helpers/live';
import { json, startTarget, type Target } from '../helpers/target';

describe.runIf(onPostgres())('subscriptions across processes', () => {
  let pg: TestDatabase;
  let a: ServerProcess;
  let b: ServerProcess;
  let worker: ServerProcess;
  let target: Target;
  let env: Record<string, string>;
  let admin: string;
  const clients: Array<ReturnType<typeof liveClient>> = [];

  const call = (base: string, path: string, key: string, init: RequestInit = {}) =>
    fetch(`${base}${path}`, { ...init, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...(init.headers ?? {}) } });

  beforeAll(async () => {
    pg = await openTestDatabase();
    target = await startTarget();
    target.route('/ok', json(200, { ok: true }));
    env = {
      DATABASE_URL: pg.url,
      SECRETS_KEY: randomBytes(32).toString('base64'),
      BOOTSTRAP_KEY: 'false',
      SCHEDULING: 'false',
      ALLOW_PRIVATE_TARGETS: 'true',
      RATE_LIMIT_PER_MINUTE: '100000',
      AUTH_FAILURE_LIMIT: '100000',
    };
    [a, b, worker] = await Promise.all([spawnServer({ ...env, WORKER: 'false' }), spawnServer({ ...env, WORKER: 'false' }), spawnWorker(env)]);
    admin = (JSON.parse((await runCli(['create', '--org', 'Live Inc', '--name', 'admin', '--permissions', 'all', '--json'], env)).stdout) as { key: string }).key;
  });
  afterAll(async () => {
    for (const c of clients) await c.dispose();
    await Promise.all([a?.stop(), b?.stop(), worker?.stop()]);
    await target?.close();
    await pg?.close();
  });

  it('a key revoked on A closes its subscription held on B with 4403 within a second', async () => {
    const latencies: number[] = [];
    for (let i = 0; i < 5; i++) {
      const created = (await (await call(a.baseUrl, '/v1/api-keys', admin, { method: 'POST', body: JSON.stringify({ name: `k${i}`, permissions: ['alerts:read'] }) })).json()) as {
        data: { key: string; api_key: { id: string } };
      };
      const c = liveClient(b.baseUrl, { authorization: `Bearer ${created.data.key}` });
      clients.push(c);
      const sub = c.subscribe('subscription { alertChanged { change } }');
      await c.connected(); // B authenticated the connection and holds the subscription
      await new Promise((r) => setTimeout(r, 100));
      expect(sub.errors).toBeUndefined();
      const closed = c.closed(5000);
      expect((await call(a.baseUrl, `/v1/api-keys/${created.data.api_key.id}`, admin, { method: 'DELETE' })).status).toBe(200);
      const revokedAt = Date.now();
      expect(await closed).toBe(4403);
      latencies.push(Date.now() - revokedAt);
    }
    console.log(`subscription on B closed after revocation on A: ${latencies.join(', ')} ms`);
    expect(Math.max(...latencies)).toBeLessThan(1000);
  });

  it("a run recorded by the worker process reaches a subscriber on B, in the worker's order", async () => {
    const created = (await (await call(a.baseUrl, '/v1/monitors', admin, { method: 'POST', body: JSON.stringify({ name: 'home', url: `${target.url}/ok` }) })).json()) as { data: { id: string } };
    const id = created.data.id;
    const c = liveClient(b.baseUrl, { authorization: `Bearer ${admin}` });
    clients.push(c);
    const runs = c.subscribe<{ runRecorded: { id: string; status: string } }, { checkId: string }>(
      'subscription($checkId: ID!) { runRecorded(checkId: $checkId) { id status } }' as never,
      { checkId: id },
    );
    await new Promise((r) => setTimeout(r, 300));
    const ran: string[] = [];
    const started = Date.now();
    for (let i = 0; i < 3; i++) {
      const res = (await (await call(a.baseUrl, `/v1/monitors/${id}/runs`, admin, { method: 'POST' })).json()) as { data: { id: string } };
      ran.push(res.data.id);
    }
    await runs.nth(3);
    console.log(`three runs by the worker process reached B's subscriber ${Date.now() - started} ms after the first was asked for`);
    expect(runs.results.map((r) => (r.data as { runRecorded: { id: string; status: string } }).runRecorded)).toEqual(ran.map((r) => ({ id: r, status: 'PASSED' })));
  });
});
