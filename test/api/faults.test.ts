import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AddressInfo } from 'node:net';
import { MeDocument, MonitorsDocument } from '../../src/client/generated/graphql';
import { startTestApp, TEST_SECRETS_KEY, type TestApp } from '../helpers/app';
import { onPostgres, openTestDatabase } from '../helpers/database';
import { Client } from '../helpers/client';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy';
import { createApp, type App } from '../../src/app';
import { loadConfig } from '../../src/config';
import { openDatabase, type Database } from '../../src/db/database';
import { isDatabaseDown } from '../../src/db/faults';

const waitFor = async (what: string, ok: () => boolean | Promise<boolean>, ms = 5000) => {
  const until = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

/** The real app reaching its test database only through a TCP relay the test can cut or freeze. */
async function appBehindRelay(timeoutMs: number, queryTimeoutMs?: number) {
  const t = await startTestApp(); // owns the test database and makes keys
  const proxy = await startTcpProxy(t.db.url);
  const viaProxy = await openDatabase({ url: proxy.url, migrate: false, timeoutMs, queryTimeoutMs, warn: () => {} });
  const env = { LOG_LEVEL: 'silent', BOOTSTRAP_KEY: 'false', SCHEDULING: 'false', BCRYPT_COST: '4', DATABASE_URL: proxy.url };
  const app = await createApp(loadConfig({ ...env, ...(queryTimeoutMs ? { DATABASE_TIMEOUT_MS: String(queryTimeoutMs) } : {}) }), {
    database: viaProxy,
    secretsKey: TEST_SECRETS_KEY,
  });
  await app.fastify.listen({ port: 0, host: '127.0.0.1' });
  const url = `http://127.0.0.1:${(app.fastify.server.address() as AddressInfo).port}`;
  return { t, proxy, viaProxy, app, url };
}

/** Carries again (restarted and thawed), then closes everything appBehindRelay opened. */
async function closeRelayed(r: Partial<Awaited<ReturnType<typeof appBehindRelay>>>) {
  r.proxy?.thaw();
  await r.proxy?.start();
  await r.app?.close();
  await r.viaProxy?.close();
  await r.proxy?.close();
  await r.t?.close();
}

const SERVICE_UNAVAILABLE_REST = { success: false, error: { code: 'SERVICE_UNAVAILABLE', message: 'Service temporarily unavailable' } };

describe.runIf(onPostgres())('PostgreSQL goes down and comes back', () => {
  let t: TestApp; // owns the test database and makes keys
  let proxy: TcpProxy;
  let viaProxy: Database;
  let app: App;
  let url: string;

  beforeAll(async () => {
    ({ t, proxy, viaProxy, app, url } = await appBehindRelay(2000));
    await waitFor('listener', () => app.verifier.cache.trusted);
  });
  afterAll(() => closeRelayed({ t, proxy, viaProxy, app }));

  it('answers 503 (never 401, never stale 200) while it is down and recovers by itself within 5 s', async () => {
    const org = await t.org('Acme Inc');
    const used = await t.key(org, ['monitors:read']);
    const fresh = await t.key(org, ['monitors:read']); // never seen by the app: not cached
    const client = (key?: string) => new Client(url, key);
    expect((await client(used.key).rest('GET', '/v1/me')).status).toBe(200);

    await proxy.stop();
    const downAt = Date.now();
    await waitFor('the key listener to notice', () => !app.verifier.cache.trusted);
    for (const key of [used.key, fresh.key]) {
      const me = await client(key).rest('GET', '/v1/me');
      expect(me.status).toBe(503);
      expect(me.body).toEqual(SERVICE_UNAVAILABLE_REST);
      const gql = await client(key).gql(MonitorsDocument, {});
      expect(gql.status).toBe(503);
      expect(gql.errors![0]).toMatchObject({ message: 'Service temporarily unavailable', extensions: { code: 'SERVICE_UNAVAILABLE' } });
      expect(JSON.stringify(gql.body)).not.toMatch(/stack|ECONN|knex|select /i);
    }
    expect((await fetch(`${url}/readyz`)).status).toBe(503);
    expect((await fetch(`${url}/healthz`)).status).toBe(200); // the process itself is fine
    expect(Date.now() - downAt).toBeLessThan(15_000); // each answered within the acquire timeout, none hung

    await proxy.start();
    const upAt = Date.now();
    await waitFor('recovery', async () => (await client(fresh.key).rest('GET', '/v1/monitors')).status === 200, 5000);
    const recoveredIn = Date.now() - upAt;
    expect(recoveredIn).toBeLessThan(5000);
    expect((await client(used.key).gql(MeDocument)).status).toBe(200);
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    await waitFor('the key listener to reconnect', () => app.verifier.cache.trusted, 10_000);
  });
});

describe.runIf(onPostgres())('the path to PostgreSQL freezes (no FIN, no RST) and comes back', () => {
  const TIMEOUT_MS = 1500;
  let t: TestApp;
  let proxy: TcpProxy;
  let viaProxy: Database;
  let app: App;
  let url: string;

  beforeAll(async () => {
    ({ t, proxy, viaProxy, app, url } = await appBehindRelay(TIMEOUT_MS, TIMEOUT_MS));
  });
  afterAll(() => closeRelayed({ t, proxy, viaProxy, app }));

  const timed = async <T>(fn: () => Promise<T>) => {
    const started = Date.now();
    const value = await fn();
    return { value, ms: Date.now() - started };
  };

  it('answers 503 within the timeout instead of hanging, drops the stuck connections, and recovers', async () => {
    const org = await t.org('Acme Inc');
    const warm = await t.key(org, ['monitors:read', 'monitors:write']);
    expect((await new Client(url, warm.key).rest('GET', '/v1/monitors')).status).toBe(200); // pooled connections exist
    const fresh = await t.key(org, ['monitors:read']); // never seen by the app: its row must be read

    proxy.freeze();
    const me = await timed(() => new Client(url, fresh.key).rest('GET', '/v1/me'));
    expect(me.value.status).toBe(503);
    expect(me.value.body).toEqual(SERVICE_UNAVAILABLE_REST);
    expect(me.ms).toBeLessThan(TIMEOUT_MS + 2000);
    const list = await timed(() => new Client(url, warm.key).gql(MonitorsDocument, {}));
    expect(list.value.status).toBe(503);
    expect(list.ms).toBeLessThan(TIMEOUT_MS + 2000);
    // a write: its transaction's BEGIN goes unanswered (knex then says only "Transaction query already complete")
    const write = await timed(() => new Client(url, warm.key).rest('POST', '/v1/monitors', { name: 'api', url: 'https://example.com/' }));
    expect(write.value.body).toEqual(SERVICE_UNAVAILABLE_REST);
    expect(write.ms).toBeLessThan(TIMEOUT_MS + 2000);
    const ready = await timed(() => fetch(`${url}/readyz`));
    expect(ready.value.status).toBe(503);
    expect(ready.ms).toBeLessThan(TIMEOUT_MS + 2000);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);

    // What was sent while frozen is lost for good: the connections that sent it wait for ever, and must not be
    // handed out again. Once the attempts begun while frozen have timed out, every request succeeds at once.
    proxy.thaw();
    await new Promise((r) => setTimeout(r, TIMEOUT_MS + 1000));
    const after = await Promise.all([
      ...Array.from({ length: 5 }, () => fetch(`${url}/readyz`).then((r) => r.status)),
      ...Array.from({ length: 5 }, () => new Client(url, fresh.key).rest('GET', '/v1/monitors').then((r) => r.status)),
    ]);
    expect(after).toEqual(Array(10).fill(200));
  });
});

describe('query limits', () => {
  it('never bound the migrations', async () => {
    // A fresh database opened under a 1 ms limit: every migration statement takes longer than that.
    const sql: string[] = [];
    const db = await openTestDatabase((q) => sql.push(q), { queryTimeoutMs: 1, fromScratch: true });
    await db.close();
    expect(sql.filter((q) => /create table/i.test(q)).length).toBeGreaterThan(3);
  });

  it.runIf(onPostgres())('bound statements: PostgreSQL cancels one that runs too long, and the connection stays usable', async () => {
    const db = await openTestDatabase(undefined, { queryTimeoutMs: 200 });
    try {
      const conn = db.orm.em.fork().getConnection();
      const err = await conn.execute('select pg_sleep(0.5)').catch((e: unknown) => e);
      expect((err as { code?: string }).code).toBe('57014'); // query_canceled: the server's statement_timeout
      expect(isDatabaseDown(err)).toBe(true); // answered 503
      expect(await conn.execute('select 1 as x')).toEqual([{ x: 1 }]);
    } finally {
      await db.close();
    }
  });
});

describe('the embedded database closes under the app', () => {
  it('answers 503 for what needs it, keeps /healthz, and does not crash', async () => {
    const db = await openTestDatabase();
    const app = await createApp(loadConfig({ LOG_LEVEL: 'silent', BOOTSTRAP_KEY: 'false', SCHEDULING: 'false', BCRYPT_COST: '4' }), { database: db, secretsKey: TEST_SECRETS_KEY });
    await app.fastify.listen({ port: 0, host: '127.0.0.1' });
    const url = `http://127.0.0.1:${(app.fastify.server.address() as AddressInfo).port}`;
    try {
      const { org } = await app.services.organizations.findOrCreate(db.orm.em.fork(), 'Acme Inc');
      const { key } = await app.services.apiKeys.createTrusted(db.orm.em.fork(), org.id, 'cli', { name: 'k', permissions: ['monitors:read'] });
      await db.close();
      const res = await new Client(url, key).rest('GET', '/v1/me');
      expect(res.status).toBe(503);
      expect(res.body).toEqual(SERVICE_UNAVAILABLE_REST);
      expect((await new Client(url, key).gql(MeDocument)).status).toBe(503);
      expect((await fetch(`${url}/readyz`)).status).toBe(503);
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
    } finally {
      await app.close();
    }
  });
});
