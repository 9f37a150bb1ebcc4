import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client as PgClient } from 'pg';
import { MeDocument, RevokeApiKeyDocument } from '../../src/client/generated/graphql';
import { startTestApp, TEST_SECRETS_KEY, type TestApp } from '../helpers/app';
import { onPostgres } from '../helpers/database';
import { Client } from '../helpers/client';
import { createApp, type App } from '../../src/app';
import { loadConfig } from '../../src/config';
import { openDatabase, type Database } from '../../src/db/database';
import type { AddressInfo } from 'node:net';
import type { Organization } from '../../src/modules/organization/organization.entity';

let a: TestApp;
let org: Organization;
let admin: Awaited<ReturnType<TestApp['key']>>;

beforeAll(async () => {
  a = await startTestApp();
  org = await a.org('Acme Inc');
  admin = await a.key(org, ['all']);
});
afterAll(() => a?.close());

const waitFor = async (what: string, ok: () => boolean | Promise<boolean>, ms = 3000) => {
  const until = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe('key cache', () => {
  it('after its first request a key costs no SQL and no bcrypt', async () => {
    const k = await a.key(org, ['monitors:read']);
    expect((await k.client.gql(MeDocument)).status).toBe(200);
    const before = { ...a.app.verifier.stats };
    a.queries.length = 0;
    for (let i = 0; i < 20; i++) expect((await k.client.gql(MeDocument)).status).toBe(200);
    for (let i = 0; i < 5; i++) expect((await k.client.rest('GET', '/v1/me')).status).toBe(200);
    // Timed background writers (rate-limit sharing on PostgreSQL, batched lastUsedAt) are not per request.
    expect(a.requestQueries()).toEqual([]);
    const { headerHits, ...work } = a.app.verifier.stats;
    expect(work).toEqual({ bcryptCompares: before.bcryptCompares, keyLookups: before.keyLookups });
    expect(headerHits - before.headerHits).toBe(25); // and no parse, checksum or SHA-256 either
  });

  it('never accepts a key after its revocation on the same instance, cache or not', async () => {
    for (let i = 0; i < 20; i++) {
      const k = await a.key(org, ['monitors:read']);
      expect((await k.client.rest('GET', '/v1/me')).status).toBe(200); // cached now
      const revoking = admin.client.gql(RevokeApiKeyDocument, { id: k.id });
      const racing = k.client.rest('GET', '/v1/me'); // may pass or fail: it started before the answer
      expect((await revoking).status).toBe(200);
      await racing;
      expect((await k.client.rest('GET', '/v1/me')).status).toBe(401);
    }
  });
});

describe.runIf(onPostgres())('revocation across instances (PostgreSQL LISTEN/NOTIFY)', () => {
  let second: Database;
  let b: App;
  let bClient: (key: string) => Client;

  beforeAll(async () => {
    second = await openDatabase({ url: a.db.url, migrate: false });
    b = await createApp(loadConfig({ LOG_LEVEL: 'silent', BOOTSTRAP_KEY: 'false', SCHEDULING: 'false', BCRYPT_COST: '4' }), { database: second, secretsKey: TEST_SECRETS_KEY });
    await b.fastify.listen({ port: 0, host: '127.0.0.1' });
    const url = `http://127.0.0.1:${(b.fastify.server.address() as AddressInfo).port}`;
    bClient = (key) => new Client(url, key);
    await waitFor('listener', () => b.verifier.cache.trusted);
  });
  afterAll(async () => {
    await b?.close();
    await second?.close();
  });

  it('a key revoked on instance A is refused by instance B, whose cache held it', async () => {
    const k = await a.key(org, ['monitors:read']);
    expect((await bClient(k.key).rest('GET', '/v1/me')).status).toBe(200);
    expect(b.verifier.cache.get(k.id)).toBeDefined();
    const revoked = await admin.client.gql(RevokeApiKeyDocument, { id: k.id });
    expect(revoked.status).toBe(200);
    // B drops the row on the notification and reads it back: cached again, now revoked.
    await waitFor('the notification', () => !!b.verifier.cache.get(k.id)?.revokedAt, 1000);
    expect((await bClient(k.key).rest('GET', '/v1/me')).status).toBe(401);
  });

  it('while its listener is down, B reads key rows on every request, so no revoked key passes', async () => {
    const k = await a.key(org, ['monitors:read']);
    expect((await bClient(k.key).rest('GET', '/v1/me')).status).toBe(200);
    const pid = b.keyListener!.backendPid!;
    const pg = new PgClient({ connectionString: process.env.TEST_DATABASE_URL }); // another database: ALTER DATABASE needs that
    await pg.connect();
    // Keep the listener down: refuse its reconnection while we look.
    await pg.query(`alter database "${new URL(a.db.url).pathname.slice(1)}" with allow_connections false`);
    try {
      await pg.query('select pg_terminate_backend($1)', [pid]);
      await waitFor('B to stop trusting its cache', () => !b.verifier.cache.trusted);
      const lookups = b.verifier.stats.keyLookups;
      expect((await bClient(k.key).rest('GET', '/v1/me')).status).toBe(200);
      expect((await bClient(k.key).rest('GET', '/v1/me')).status).toBe(200);
      expect(b.verifier.stats.keyLookups - lookups).toBe(2); // the database, not the cache, answered
      // Revoked while B cannot hear about it: refused all the same.
      expect((await admin.client.gql(RevokeApiKeyDocument, { id: k.id })).status).toBe(200);
      expect((await bClient(k.key).rest('GET', '/v1/me')).status).toBe(401);
    } finally {
      await pg.query(`alter database "${new URL(a.db.url).pathname.slice(1)}" with allow_connections true`);
      await pg.end();
    }
    await waitFor('the listener to come back', () => b.verifier.cache.trusted, 5000);
    expect((await bClient(k.key).rest('GET', '/v1/me')).status).toBe(401);
    const fresh = await a.key(org, ['monitors:read']);
    expect((await bClient(fresh.key).rest('GET', '/v1/me')).status).toBe(200);
    expect(b.verifier.cache.get(fresh.id)).toBeDefined();
  });
});

describe('cached key rows have a maximum age', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ KEY_CACHE_MAX_AGE_MS: '300' });
  });
  afterAll(() => t?.close());

  it('a revocation that reached no notification (a row changed behind the app) is seen within the maximum age', async () => {
    const o = await t.org('Aging');
    const k = await t.key(o, ['monitors:read']);
    expect((await k.client.rest('GET', '/v1/me')).status).toBe(200);
    // Revoke in SQL: no NOTIFY, no local forget. Only the age bound can catch it.
    await t.db.orm.em.getConnection().execute('update api_keys set revoked_at = now() where id = ?', [k.id]);
    const changedAt = Date.now();
    let status = 200;
    while (status === 200 && Date.now() - changedAt < 5000) {
      status = (await k.client.rest('GET', '/v1/me')).status;
      if (status === 200) await new Promise((r) => setTimeout(r, 20));
    }
    expect(status).toBe(401);
    expect(Date.now() - changedAt).toBeLessThan(300 + 1000);
  });
});

describe.runIf(onPostgres())('a revocation is committed and announced, or neither', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t?.close());

  it('runs its NOTIFY inside the transaction that revokes', async () => {
    const o = await t.org('Tx');
    const boss = await t.key(o, ['all']);
    const k = await t.key(o, ['monitors:read']);
    t.queries.length = 0;
    expect((await boss.client.gql(RevokeApiKeyDocument, { id: k.id })).status).toBe(200);
    const sql = t.requestQueries().map((q) => q.toLowerCase());
    const begin = sql.findIndex((q) => q.startsWith('begin'));
    const notify = sql.findIndex((q) => q.includes('pg_notify'));
    const update = sql.findIndex((q) => q.startsWith('update "api_keys"') || q.startsWith('update api_keys'));
    const commit = sql.findIndex((q) => q.startsWith('commit'));
    expect(begin).toBeGreaterThanOrEqual(0);
    expect([notify, update].every((i) => i > begin && i < commit)).toBe(true);
  });

  it('a NOTIFY that fails rolls the revocation back: the key keeps working and the caller is told', async () => {
    const o = await t.org('Tx2');
    const boss = await t.key(o, ['all']);
    const k = await t.key(o, ['monitors:read']);
    const name = new URL(t.db.url).pathname.slice(1);
    const admin = new PgClient({ connectionString: t.db.url });
    await admin.connect();
    // A pg_notify of our own that fails, found before pg_catalog's on connections that start from now on.
    await admin.query(`create function public.pg_notify(text, text) returns void language plpgsql as $$ begin raise exception 'notify dropped'; end $$`);
    await admin.query(`alter database "${name}" set search_path = public, pg_catalog`);
    const broken = await openDatabase({ url: t.db.url, migrate: false });
    const app = await createApp(loadConfig({ LOG_LEVEL: 'silent', BOOTSTRAP_KEY: 'false', SCHEDULING: 'false', BCRYPT_COST: '4' }), { database: broken, secretsKey: TEST_SECRETS_KEY });
    try {
      await app.fastify.listen({ port: 0, host: '127.0.0.1' });
      const url = `http://127.0.0.1:${(app.fastify.server.address() as AddressInfo).port}`;
      const res = await new Client(url, boss.key).gql(RevokeApiKeyDocument, { id: k.id });
      expect(res.status).toBeGreaterThanOrEqual(500);
      const row = await admin.query('select revoked_at from api_keys where id = $1', [k.id]);
      expect(row.rows[0].revoked_at).toBeNull();
      expect((await k.client.rest('GET', '/v1/me')).status).toBe(200);
    } finally {
      await app.close();
      await broken.close();
      await admin.query(`alter database "${name}" reset search_path`);
      await admin.query('drop function public.pg_notify(text, text)');
      await admin.end();
    }
  });
});
