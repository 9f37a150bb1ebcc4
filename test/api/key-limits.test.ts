/** The limits around keys: who may revoke what, how many keys an organization holds, bcrypt off the event loop. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateApiKeyDocument, MeDocument, RevokeApiKeyDocument, RollApiKeyDocument } from '../../src/client/generated/graphql';
import { startTestApp, type TestApp } from '../helpers/app';
import type { Organization } from '../../src/modules/organization/organization.entity';

describe('revoking takes the power to grant', () => {
  let t: TestApp;
  let org: Organization;
  beforeAll(async () => {
    t = await startTestApp();
    org = await t.org('Acme Inc');
  });
  afterAll(() => t?.close());

  it('an organization:write key cannot revoke an `all` key, nor a key with scopes it lacks', async () => {
    const manager = await t.key(org, ['organization:write', 'organization:read']);
    const owner = await t.key(org, ['all']);
    const ci = await t.key(org, ['monitors:read', 'monitors:run']);
    for (const target of [owner, ci]) {
      const res = await manager.client.gql(RevokeApiKeyDocument, { id: target.id });
      expect(res.status).toBe(403);
      expect(res.errors![0].extensions!.code).toBe('FORBIDDEN');
      expect((await target.client.rest('GET', '/v1/me')).status).toBe(200); // untouched
    }
    const rest = await manager.client.rest('DELETE', `/v1/api-keys/${owner.id}`);
    expect(rest.status).toBe(403);
    expect(rest.body).toMatchObject({ success: false, error: { code: 'FORBIDDEN' } });
  });

  it('a key may revoke itself and keys within its own permissions', async () => {
    const manager = await t.key(org, ['organization:write', 'monitors:read', 'monitors:run']);
    const ci = await t.key(org, ['monitors:read', 'monitors:run']);
    expect((await manager.client.gql(RevokeApiKeyDocument, { id: ci.id })).status).toBe(200);
    expect((await ci.client.rest('GET', '/v1/me')).status).toBe(401);
    expect((await manager.client.gql(RevokeApiKeyDocument, { id: manager.id })).status).toBe(200);
    expect((await manager.client.rest('GET', '/v1/me')).status).toBe(401);
  });
});

describe('active keys per organization', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ MAX_KEYS_PER_ORGANIZATION: '4' });
  });
  afterAll(() => t?.close());

  it('admits exactly up to the cap under concurrency, then CONFLICT; revoking makes room', async () => {
    const org = await t.org('Capped');
    const admin = await t.key(org, ['all']); // 1 of 4
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => admin.client.gql(CreateApiKeyDocument, { input: { name: `k${i}`, permissions: ['monitors:read'] } })),
    );
    const ok = results.filter((r) => r.status === 200);
    expect(ok).toHaveLength(3);
    for (const r of results.filter((r) => r.status !== 200)) {
      expect(r.status).toBe(409);
      expect(r.errors![0].extensions!.code).toBe('CONFLICT');
      expect(r.errors![0].message).toMatch(/4/);
    }
    const rows = await t.db.orm.em.getConnection().execute('select count(*)::int as n from api_keys where organization_id = ?', [org.id]);
    expect(rows[0].n).toBe(4); // nothing half-written by the refused ones
    expect((await admin.client.gql(RevokeApiKeyDocument, { id: ok[0].data!.createApiKey.apiKey.id })).status).toBe(200);
    expect((await admin.client.gql(CreateApiKeyDocument, { input: { name: 'again', permissions: ['monitors:read'] } })).status).toBe(200);
    // Another organization has a cap of its own.
    const other = await t.org('Other');
    const o = await t.key(other, ['all']);
    expect((await o.client.gql(CreateApiKeyDocument, { input: { name: 'x', permissions: ['monitors:read'] } })).status).toBe(200);
  });
});

describe('rolling counts against the cap on working keys', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ MAX_KEYS_PER_ORGANIZATION: '5' });
  });
  afterAll(() => t?.close());

  /** Keys of the organization that still answer /v1/me: what an attacker holding them all could use. */
  const working = async (keys: string[]) => (await Promise.all(keys.map(async (k) => (await t.client(k).rest('GET', '/v1/me')).status))).filter((s) => s === 200).length;

  it('with cap 5, rolling every key with a grace period never makes more than 5 keys that work', async () => {
    const org = await t.org('Capped');
    const admin = await t.key(org, ['all']);
    const plaintexts = [admin.key];
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      const made = (await admin.client.gql(CreateApiKeyDocument, { input: { name: `k${i}`, permissions: ['monitors:read'] } })).data!.createApiKey;
      plaintexts.push(made.key);
      ids.push(made.apiKey.id);
    }
    expect(await working(plaintexts)).toBe(5);
    // At the cap, a roll that would keep the old key working is refused, over GraphQL and REST, every time.
    for (const id of ids) {
      const res = await admin.client.gql(RollApiKeyDocument, { id, gracePeriod: 'SEVEN_DAYS' });
      expect(res.status).toBe(409);
      expect(res.errors![0].extensions!.code).toBe('CONFLICT');
      expect(res.errors![0].message).toMatch(/MAX_KEYS_PER_ORGANIZATION 5.*gracePeriod NONE/);
      const rest = await admin.client.rest('POST', `/v1/api-keys/${id}/roll`, { grace_period: 'ONE_DAY' });
      expect(rest.status).toBe(409);
      expect(rest.body.error!.code).toBe('CONFLICT');
    }
    // A roll with NONE replaces the key at once: it always works, and the count stays at 5.
    for (const id of ids) {
      const res = await admin.client.gql(RollApiKeyDocument, { id, gracePeriod: 'NONE' });
      expect(res.status).toBe(200);
      plaintexts.push(res.data!.rollApiKey.key);
    }
    expect(await working(plaintexts)).toBe(5);

    // Below the cap a grace period is fine once; the key in its grace period then counts, so a second is refused.
    const spare = plaintexts.at(-1)!;
    const spareId = (await t.client(spare).gql(MeDocument)).data!.me.key!.id;
    expect((await admin.client.gql(RevokeApiKeyDocument, { id: spareId })).status).toBe(200);
    const replacement = await t.client(plaintexts.at(-2)!).gql(MeDocument);
    const graced = await admin.client.gql(RollApiKeyDocument, { id: replacement.data!.me.key!.id, gracePeriod: 'ONE_HOUR' });
    expect(graced.status).toBe(200);
    plaintexts.push(graced.data!.rollApiKey.key);
    expect(await working(plaintexts)).toBe(5);
    const again = await admin.client.gql(RollApiKeyDocument, { id: graced.data!.rollApiKey.apiKey.id, gracePeriod: 'ONE_HOUR' });
    expect(again.errors![0].extensions!.code).toBe('CONFLICT');
    expect((await admin.client.gql(CreateApiKeyDocument, { input: { name: 'one more', permissions: ['monitors:read'] } })).status).toBe(409);
    expect(await working(plaintexts)).toBe(5);
  });

  it('concurrent rolls with a grace period below the cap admit only the room there is', async () => {
    const org = await t.org('Race');
    const admin = await t.key(org, ['all']);
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push((await t.key(org, ['monitors:read'])).id); // 4 of 5: room for one more
    const results = await Promise.all(ids.map((id) => admin.client.gql(RollApiKeyDocument, { id, gracePeriod: 'ONE_DAY' })));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    const rows = await t.db.orm.em
      .getConnection()
      .execute('select count(*)::int as n from api_keys where organization_id = ? and revoked_at is null and (expires_at is null or expires_at > now())', [org.id]);
    expect(rows[0].n).toBe(5);
  });
});

describe('bcrypt runs off the event loop', () => {
  let t: TestApp;
  beforeAll(async () => {
    // The real cost: ~80 ms a hash here, which on the main thread stalled every other request.
    t = await startTestApp({ BCRYPT_COST: '10', BCRYPT_THREADS: '1' });
  });
  afterAll(() => t?.close());

  it('40 concurrent key creations all succeed while a cached key keeps answering quickly', async () => {
    const org = await t.org('Burst');
    const admin = await t.key(org, ['all']);
    const poller = await t.key(org, ['monitors:read']);
    expect((await poller.client.rest('GET', '/v1/me')).status).toBe(200); // cached and verified
    let done = false;
    const latencies: number[] = [];
    const poll = (async () => {
      while (!done) {
        const started = performance.now();
        expect((await poller.client.rest('GET', '/v1/me')).status).toBe(200);
        latencies.push(performance.now() - started);
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
    const created = await Promise.all(
      Array.from({ length: 40 }, (_, i) => admin.client.gql(CreateApiKeyDocument, { input: { name: `burst ${i}`, permissions: ['monitors:read'] } })),
    );
    done = true;
    await poll;
    expect(created.map((r) => r.status)).toEqual(Array(40).fill(200));
    const worst = Math.max(...latencies);
    console.log(`bcrypt burst: 40 creations at cost 10; /v1/me polled ${latencies.length} times, worst ${worst.toFixed(1)} ms`);
    expect(latencies.length).toBeGreaterThan(10);
    // On the main thread the 40 hashes (81 ms each at cost 10) would stall the poller for over 3 s; off it, the
    // worst poll is a busy machine's scheduling, well under half of that.
    expect(worst).toBeLessThan(1500);
  });
});

describe('the bcrypt queue is bounded', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ BCRYPT_COST: '10', BCRYPT_THREADS: '1', BCRYPT_QUEUE_MAX: '2' });
  });
  afterAll(() => t?.close());

  it('beyond the queue new work is 503 with Retry-After, and nothing is half-written', async () => {
    const org = await t.org('Queue');
    const admin = await t.key(org, ['all']);
    expect((await admin.client.rest('GET', '/v1/me')).status).toBe(200);
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => admin.client.rest('POST', '/v1/api-keys', { name: `q${i}`, permissions: ['monitors:read'] })),
    );
    const refused = results.filter((r) => r.status === 503);
    expect(refused.length).toBeGreaterThan(0);
    for (const r of refused) {
      expect(r.headers.get('retry-after')).toBe('1');
      expect(r.body).toMatchObject({ success: false, error: { code: 'SERVICE_UNAVAILABLE' } });
    }
    const accepted = results.filter((r) => r.status === 201).length;
    expect(accepted + refused.length).toBe(10);
    const rows = await t.db.orm.em.getConnection().execute('select count(*)::int as n from api_keys where organization_id = ?', [org.id]);
    expect(rows[0].n).toBe(1 + accepted);
  });
});
