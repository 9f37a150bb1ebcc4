import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MeDocument, RestMeDocument } from '../../src/client/generated/graphql';
import { forgeKey } from '../helpers/keys';
import { startTestApp, type TestApp } from '../helpers/app';
import type { Organization } from '../../src/modules/organization/organization.entity';

const GRAPHQL_401 = { errors: [{ message: 'Invalid or missing API key', extensions: { code: 'UNAUTHORIZED' } }] };
const REST_401 = { success: false, error: { code: 'UNAUTHORIZED', message: 'Invalid or missing API key' } };

let t: TestApp;
let org: Organization;
let good: Awaited<ReturnType<TestApp['key']>>;

beforeAll(async () => {
  t = await startTestApp({ LAST_USED_FLUSH_MS: '600000' }); // only explicit flushes: the batching test counts writes
  org = await t.org('Acme Inc');
  good = await t.key(org, ['monitors:read', 'monitors:run'], { name: 'CI/CD Key' });
});
afterAll(() => t?.close());

/** A key with a valid checksum whose keyId does not exist (or, given one, with a wrong secret). */
const forgedKey = forgeKey;

describe('authentication failures all look the same', () => {
  const cases: Array<[string, () => string | undefined]> = [
    ['missing header', () => undefined],
    ['empty header', () => ''],
    ['Basic scheme', () => `Basic ${good.key}`],
    ['key without scheme', () => good.key],
    ['extra part', () => `Bearer ${good.key} extra`],
    ['malformed key', () => 'Bearer izli_sk_live_abc123xyz789'],
    ['bad checksum', () => `Bearer ${good.key.slice(0, -1)}${good.key.endsWith('0') ? '1' : '0'}`],
    ['truncated key', () => `Bearer ${good.key.slice(0, -3)}`],
    ['unknown keyId', () => `Bearer ${forgedKey()}`],
    ['wrong secret for a real keyId', () => `Bearer ${forgedKey(good.id.slice(4))}`],
  ];

  it.each(cases)('GraphQL: %s → 401', async (_name, header) => {
    const res = await t.client().withAuthorization(header()).gql(MeDocument);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer');
    expect(res.body).toEqual(GRAPHQL_401);
  });

  it.each(cases)('REST: %s → 401', async (_name, header) => {
    const res = await t.client().withAuthorization(header()).rest('GET', '/v1/me');
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer');
    expect(res.body).toEqual(REST_401);
  });

  it('introspection and __typename need a valid key too', async () => {
    for (const q of ['{ __typename }', '{ __schema { types { name } } }', 'query { nope }', 'not graphql']) {
      const res = await t.client().gql(q);
      expect(res.status).toBe(401);
      expect(res.body).toEqual(GRAPHQL_401);
    }
    const ok = await good.client.gql('{ __typename __schema { queryType { name } } }');
    expect(ok.status).toBe(200);
    expect(ok.data).toEqual({ __typename: 'Query', __schema: { queryType: { name: 'Query' } } });
  });
});

describe('a valid key', () => {
  it('is accepted with the scheme in any case', async () => {
    for (const scheme of ['Bearer', 'bearer', 'BEARER', 'bEaReR']) {
      const res = await good.client.withAuthorization(`${scheme} ${good.key}`).gql(MeDocument);
      expect(res.status).toBe(200);
      expect(res.data?.me.key!.id).toBe(good.id);
    }
  });

  it('answers /v1/me exactly as the API reference shows', async () => {
    const res = await good.client.rest('GET', '/v1/me');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      success: true,
      data: {
        organization: { id: org.id, name: 'Acme Inc' },
        key: { name: 'CI/CD Key', permissions: ['monitors:read', 'monitors:run'], expires_at: null },
      },
    });
    const gql = await good.client.gql(RestMeDocument);
    expect(gql.data?.me).toEqual({
      organization: { id: org.id, name: 'Acme Inc' },
      key: { name: 'CI/CD Key', permissions: ['monitors:read', 'monitors:run'], expiresAt: null },
    });
  });
});

describe('the hot path', () => {
  it('refuses a bad checksum without touching the database', async () => {
    const before = { ...t.app.verifier.stats };
    t.queries.length = 0;
    const res = await t.client(`${good.key.slice(0, -1)}${good.key.endsWith('0') ? '1' : '0'}`).rest('GET', '/v1/me');
    expect(res.status).toBe(401);
    expect(t.requestQueries()).toEqual([]);
    expect(t.app.verifier.stats).toEqual(before);
  });

  it('runs bcrypt at most once per key per process, even for concurrent first requests', async () => {
    const fresh = await t.key(org, ['monitors:read']);
    const before = t.app.verifier.stats.bcryptCompares;
    const results = await Promise.all(Array.from({ length: 8 }, () => fresh.client.gql(MeDocument)));
    expect(results.map((r) => r.status)).toEqual(Array(8).fill(200));
    for (let i = 0; i < 5; i++) expect((await fresh.client.rest('GET', '/v1/me')).status).toBe(200);
    expect(t.app.verifier.stats.bcryptCompares - before).toBe(1);
  });

  it('knows a verified header again, and nothing else: another spelling of it or another secret takes the whole path', async () => {
    const k = await t.key(org, ['monitors:read']);
    expect((await k.client.rest('GET', '/v1/me')).status).toBe(200);
    let hits = t.app.verifier.stats.headerHits;
    for (let i = 0; i < 3; i++) expect((await k.client.rest('GET', '/v1/me')).status).toBe(200);
    expect(t.app.verifier.stats.headerHits - hits).toBe(3);

    // The same key under another scheme spelling: verified by its digest (no bcrypt), not known as a header.
    const bcrypt = t.app.verifier.stats.bcryptCompares;
    hits = t.app.verifier.stats.headerHits;
    expect((await k.client.withAuthorization(`bearer ${k.key}`).rest('GET', '/v1/me')).status).toBe(200);
    expect(t.app.verifier.stats.headerHits - hits).toBe(0);
    // A wrong secret for the same keyId is refused, with bcrypt, however often the right one was seen.
    expect((await t.client(forgedKey(k.id.slice(4), 'c'.repeat(32))).rest('GET', '/v1/me')).status).toBe(401);
    expect(t.app.verifier.stats.bcryptCompares - bcrypt).toBe(1);
    expect(t.app.verifier.stats.headerHits - hits).toBe(0);

    // Revoked: the header is forgotten with the key, and refused.
    const admin = await t.key(org, ['organization:write', 'monitors:read']);
    expect((await admin.client.rest('DELETE', `/v1/api-keys/${k.id}`)).status).toBe(200);
    hits = t.app.verifier.stats.headerHits;
    const after = await k.client.rest('GET', '/v1/me');
    expect(after.status).toBe(401);
    expect(after.body).toEqual(REST_401);
    expect(t.app.verifier.stats.headerHits - hits).toBe(0);
  });

  it('never caches a failure: every wrong secret is checked again', async () => {
    const wrong = t.client(forgedKey(good.id.slice(4), 'b'.repeat(32)));
    const before = t.app.verifier.stats.bcryptCompares;
    for (let i = 0; i < 3; i++) expect((await wrong.rest('GET', '/v1/me')).status).toBe(401);
    expect(t.app.verifier.stats.bcryptCompares - before).toBe(3);
  });
});

describe('revocation and expiry', () => {
  it('refuses a revoked key on the very next request', async () => {
    const admin = await t.key(org, ['organization:write', 'monitors:read']);
    const victim = await t.key(org, ['monitors:read']);
    expect((await victim.client.rest('GET', '/v1/me')).status).toBe(200);
    const revoked = await admin.client.rest('DELETE', `/v1/api-keys/${victim.id}`);
    expect(revoked.status).toBe(200);
    const after = await victim.client.rest('GET', '/v1/me');
    expect(after.status).toBe(401);
    expect(after.body).toEqual(REST_401);
  });

  it('accepts a key until the instant it expires, and refuses it from then on', async () => {
    const expiresAt = new Date(Date.now() + 3_600_000);
    const k = await t.key(org, ['monitors:read'], { expiresAt });
    t.clock.now = new Date(expiresAt.getTime() - 1);
    expect((await k.client.rest('GET', '/v1/me')).status).toBe(200);
    t.clock.now = new Date(expiresAt.getTime());
    expect((await k.client.rest('GET', '/v1/me')).status).toBe(401);
    expect((await k.client.gql(MeDocument)).body).toEqual(GRAPHQL_401);
    t.clock.now = null;
  });
});

describe('last used', () => {
  it('is recorded in a batch, not per request', async () => {
    const k = await t.key(org, ['monitors:read']);
    t.clock.now = new Date();
    t.queries.length = 0;
    for (let i = 0; i < 5; i++) await k.client.rest('GET', '/v1/me');
    const lastUsedWrites = () => t.queries.filter((q) => /^update api_keys as k set last_used_at/i.test(q));
    // (the engine's job fetch is an UPDATE of pgboss.job on its own timer, whatever the requests do)
    expect(t.queries.filter((q) => /update/i.test(q) && !/pgboss\./i.test(q))).toEqual([]);
    await t.app.lastUsed.flush();
    expect(lastUsedWrites()).toHaveLength(1);
    const row = await t.db.orm.em.fork().getConnection().execute('select last_used_at, last_used_ip from api_keys where id = ?', [k.id]);
    // the driver hands timestamps back as text; what matters is that one was written
    expect(new Date(row[0].last_used_at).getTime()).toBe(t.clock.now!.getTime());
    t.clock.now = null;
    expect(row[0].last_used_ip).toBe('127.0.0.1');
  });
});

describe('the root', () => {
  it('sends a browser to the dashboard without a key (302, so it is not cached for good)', async () => {
    const res = await fetch(`${t.baseUrl}/`, { redirect: 'manual' });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/dashboard/');
  });
});
