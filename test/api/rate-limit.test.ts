import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AddressInfo } from 'node:net';
import { MeDocument } from '../../src/client/generated/graphql';
import { startTestApp, TEST_SECRETS_KEY, type TestApp } from '../helpers/app';
import { onPostgres } from '../helpers/database';
import { Client } from '../helpers/client';
import { createApp, type App } from '../../src/app';
import { loadConfig } from '../../src/config';
import { openDatabase, type Database } from '../../src/db/database';
import type { Organization } from '../../src/modules/organization/organization.entity';

const LIMIT = 5;
let t: TestApp;
let org: Organization;

beforeAll(async () => {
  t = await startTestApp({ RATE_LIMIT_PER_MINUTE: String(LIMIT), RATE_LIMIT_SYNC_MS: '50' });
  org = await t.org('Acme Inc');
});
afterAll(() => t?.close());

const MINUTE = 60_000;
/** The start of the next whole minute: a fresh window, with 30 s of it left to work in. */
const nextWindow = () => Math.ceil((Date.now() + 1) / MINUTE) * MINUTE + 30_000;

describe('per-key request rate limit', () => {
  it('sends RateLimit headers on every response and answers 429 beyond the limit, per key, until the window resets', async () => {
    const start = nextWindow();
    t.clock.now = new Date(start);
    try {
      const k = await t.key(org, ['monitors:read']);
      const other = await t.key(org, ['monitors:read']);
      for (let i = 0; i < LIMIT; i++) {
        const res = i % 2 ? await k.client.gql(MeDocument) : await k.client.rest('GET', '/v1/monitors');
        expect(res.status).toBe(200);
        expect(res.headers.get('ratelimit-limit')).toBe(String(LIMIT));
        expect(res.headers.get('ratelimit-remaining')).toBe(String(LIMIT - 1 - i));
        expect(res.headers.get('ratelimit-reset')).toBe('30');
      }
      const rest = await k.client.rest('GET', '/v1/me');
      expect(rest.status).toBe(429);
      expect(rest.body.error).toMatchObject({ code: 'RATE_LIMITED', retry_after: 30 });
      expect(rest.headers.get('retry-after')).toBe('30');
      expect(rest.headers.get('ratelimit-remaining')).toBe('0');
      const gql = await k.client.gql(MeDocument);
      expect(gql.status).toBe(429);
      expect(gql.errors![0].extensions).toMatchObject({ code: 'RATE_LIMITED' });
      expect(gql.headers.get('ratelimit-limit')).toBe(String(LIMIT));

      expect((await other.client.rest('GET', '/v1/me')).status).toBe(200); // another key has its own budget

      t.clock.now = new Date(start + 30_000); // the next minute
      const again = await k.client.rest('GET', '/v1/me');
      expect(again.status).toBe(200);
      expect(again.headers.get('ratelimit-remaining')).toBe(String(LIMIT - 1));
      expect(again.headers.get('ratelimit-reset')).toBe('60');
    } finally {
      t.clock.now = null;
    }
  });

  it('answers an unauthenticated request 401 without rate-limit headers (there is no key to count)', async () => {
    const res = await t.client().rest('GET', '/v1/me');
    expect(res.status).toBe(401);
    expect(res.headers.get('ratelimit-limit')).toBeNull();
  });
});

describe.runIf(onPostgres())('shared between instances on PostgreSQL', () => {
  let second: Database;
  let b: App;
  let bUrl: string;

  beforeAll(async () => {
    second = await openDatabase({ url: t.db.url, migrate: false });
    const config = loadConfig({ LOG_LEVEL: 'silent', BOOTSTRAP_KEY: 'false', SCHEDULING: 'false', BCRYPT_COST: '4', RATE_LIMIT_PER_MINUTE: String(LIMIT), RATE_LIMIT_SYNC_MS: '50' });
    b = await createApp(config, { database: second, now: () => t.clock.now ?? new Date(), secretsKey: TEST_SECRETS_KEY });
    await b.fastify.listen({ port: 0, host: '127.0.0.1' });
    bUrl = `http://127.0.0.1:${(b.fastify.server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await b?.close();
    await second?.close();
  });

  it("a key's requests on instance A count against its budget on instance B", async () => {
    t.clock.now = new Date(nextWindow());
    try {
      const k = await t.key(org, ['monitors:read']);
      const onB = new Client(bUrl, k.key);
      for (let i = 0; i < 3; i++) expect((await k.client.rest('GET', '/v1/me')).status).toBe(200);
      await t.app.rateLimiter.sync(); // what the 50 ms timer does: A adds its 3 to the shared count
      const fourth = await onB.rest('GET', '/v1/me');
      expect(fourth.status).toBe(200); // 4th
      await b.rateLimiter.sync(); // B pushes its 1 and learns A's 3
      const fifth = await onB.rest('GET', '/v1/me');
      expect(fifth.status).toBe(200);
      expect(fifth.headers.get('ratelimit-remaining')).toBe('0');
      expect((await onB.rest('GET', '/v1/me')).status).toBe(429);
      await b.rateLimiter.sync();
      await t.app.rateLimiter.sync();
      expect((await k.client.rest('GET', '/v1/me')).status).toBe(429); // and A learns B's
    } finally {
      t.clock.now = null;
    }
  });
});
