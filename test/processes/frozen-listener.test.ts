/**
 * Two server processes on one PostgreSQL database; the second reaches it through a relay that the test freezes
 * (nothing forwarded, nothing closed: no FIN, no RST), as a dead NAT or a partitioned link would. A key revoked on
 * the first must stop answering 200 on the second within the heartbeat deadline and a few seconds.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, onPostgres, type TestDatabase } from '../helpers/database';
import { runCli, spawnServer, type ServerProcess } from '../helpers/process';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy';
import { liveClient } from '../helpers/live';

const HEARTBEAT_MS = 500;
const DEADLINE_MS = 1000;

describe.runIf(onPostgres())('revocation with a frozen listener path', () => {
  let pg: TestDatabase;
  let relay: TcpProxy;
  let a: ServerProcess;
  let b: ServerProcess;
  let env: Record<string, string>;

  beforeAll(async () => {
    pg = await openTestDatabase();
    relay = await startTcpProxy(pg.url);
    env = {
      DATABASE_URL: pg.url,
      SECRETS_KEY: randomBytes(32).toString('base64'),
      BOOTSTRAP_KEY: 'false',
      SCHEDULING: 'false',
      RATE_LIMIT_PER_MINUTE: '100000',
      AUTH_FAILURE_LIMIT: '100000',
      KEY_LISTENER_HEARTBEAT_MS: String(HEARTBEAT_MS),
      KEY_LISTENER_DEADLINE_MS: String(DEADLINE_MS),
      DATABASE_TIMEOUT_MS: '1500',
      SHUTDOWN_TIMEOUT_MS: '1000',
    };
    [a, b] = await Promise.all([spawnServer(env), spawnServer({ ...env, DATABASE_URL: relay.url })]);
  });
  afterAll(async () => {
    relay?.thaw();
    await Promise.all([a?.stop(), b?.stop()]);
    await relay?.close();
    await pg?.close();
  });

  it('B never answers 200 for a key revoked on A once its path froze; it notices within the heartbeat deadline', async () => {
    const made = await runCli(['create', '--org', 'Acme Inc', '--name', 'admin', '--permissions', 'all', '--json'], env);
    const admin = (JSON.parse(made.stdout) as { key: string }).key;
    const call = (base: string, path: string, key: string, init: RequestInit = {}) =>
      fetch(`${base}${path}`, {
        ...init,
        signal: AbortSignal.timeout(15_000),
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...(init.headers ?? {}) },
      });
    const created = (await (await call(a.baseUrl, '/v1/api-keys', admin, { method: 'POST', body: JSON.stringify({ name: 'ci', permissions: ['monitors:read'] }) })).json()) as {
      data: { key: string; api_key: { id: string } };
    };
    const key = created.data.key;
    expect((await call(b.baseUrl, '/v1/me', key)).status).toBe(200); // B verified and cached it

    relay.freeze();
    const frozenAt = Date.now();
    expect((await call(a.baseUrl, `/v1/api-keys/${created.data.api_key.id}`, admin, { method: 'DELETE' })).status).toBe(200);

    // B cannot hear the NOTIFY. Within the heartbeat deadline it must stop trusting its cache; from then on it
    // reads the row (which cannot be read through the frozen path: 503) — never a 200.
    let answer = 200;
    let noticedMs = 0;
    while (Date.now() - frozenAt < DEADLINE_MS + HEARTBEAT_MS + 5000) {
      answer = (await call(b.baseUrl, '/v1/me', key)).status;
      if (answer !== 200) {
        noticedMs = Date.now() - frozenAt;
        break;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    expect([401, 503]).toContain(answer);
    console.log(`frozen listener path: B stopped answering 200 after ${noticedMs} ms (heartbeat ${HEARTBEAT_MS} ms, deadline ${DEADLINE_MS} ms)`);
    for (let i = 0; i < 3; i++) expect([401, 503]).toContain((await call(b.baseUrl, '/v1/me', key)).status);
    expect(b.output()).toMatch(/missed its heartbeat/);

    // The path comes back: B subscribes again, empties its cache, and reads the revoked row: 401.
    relay.thaw();
    let after = 0;
    const thawedAt = Date.now();
    while (Date.now() - thawedAt < 15_000) {
      after = (await call(b.baseUrl, '/v1/me', key)).status;
      if (after === 401) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(after).toBe(401);
  });

  it("a frozen listener path cannot keep a revoked key's subscription open on B", async () => {
    const made = await runCli(['create', '--org', 'Live Inc', '--name', 'admin', '--permissions', 'all', '--json'], env);
    const admin = (JSON.parse(made.stdout) as { key: string }).key;
    const headers = { authorization: `Bearer ${admin}`, 'content-type': 'application/json' };
    const created = (await (await fetch(`${a.baseUrl}/v1/api-keys`, { method: 'POST', headers, body: JSON.stringify({ name: 'live', permissions: ['alerts:read'] }) })).json()) as {
      data: { key: string; api_key: { id: string } };
    };
    const c = liveClient(b.baseUrl, { authorization: `Bearer ${created.data.key}` });
    try {
      const sub = c.subscribe('subscription { alertChanged { change } }');
      await new Promise((r) => setTimeout(r, 500)); // B holds it
      expect(sub.errors).toBeUndefined();
      const closed = c.closed(DEADLINE_MS + HEARTBEAT_MS + 10_000);
      relay.freeze();
      const frozenAt = Date.now();
      expect((await fetch(`${a.baseUrl}/v1/api-keys/${created.data.api_key.id}`, { method: 'DELETE', headers })).status).toBe(200);
      // B cannot hear the NOTIFY; once its heartbeat is missed it asks about every connection's key, which it
      // cannot read through the frozen path either: closed (4403 once it reads the row, 1013 while it cannot).
      const code = await closed;
      console.log(`frozen listener path: B closed the revoked key's subscription (${code}) after ${Date.now() - frozenAt} ms`);
      expect([4403, 1013]).toContain(code);
      expect(sub.results).toEqual([]);
    } finally {
      relay.thaw();
      await c.dispose();
    }
  });
});
