import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeysDocument, CreateApiKeyDocument, MeDocument, RevokeApiKeyDocument, type ApiKeysQuery } from '../../src/client/generated/graphql';
import { startTestApp, type TestApp } from '../helpers/app';
import type { Organization } from '../../src/modules/organization/organization.entity';

const REST_403 = { success: false, error: { code: 'FORBIDDEN', message: 'Insufficient permissions for this action' } };

let t: TestApp;
let acme: Organization;
let other: Organization;
let admin: Awaited<ReturnType<TestApp['key']>>;

beforeAll(async () => {
  t = await startTestApp();
  acme = await t.org('Acme Inc');
  other = await t.org('Other Corp');
  admin = await t.key(acme, ['all'], { name: 'Admin' });
});
afterAll(() => t?.close());

describe('createApiKey', () => {
  it('returns the key once; it works at once; lists never show it', async () => {
    const res = await admin.client.gql(CreateApiKeyDocument, {
      input: { name: 'CI/CD Pipeline Key', permissions: ['monitors:read', 'monitors:write', 'journeys:run'], expiresIn: 'ONE_YEAR' },
    });
    expect(res.status).toBe(200);
    const { key, apiKey } = res.data!.createApiKey;
    expect(key).toMatch(/^izli_sk_live_[0-9A-Za-z]{50}$/);
    expect(apiKey).toMatchObject({
      name: 'CI/CD Pipeline Key',
      permissions: ['monitors:read', 'monitors:write', 'journeys:run'],
      status: 'ACTIVE',
      createdBy: { type: 'API_KEY', id: admin.id, name: 'Admin' },
      createdByLabel: admin.id,
      creatorRemoved: false,
      prefix: `izli_sk_live_${apiKey.id.slice(4)}…`,
      revokedAt: null,
      lastUsedAt: null,
    });
    expect(key.startsWith(apiKey.prefix.slice(0, -1))).toBe(true);
    const days = (new Date(apiKey.expiresAt!).getTime() - new Date(apiKey.createdAt).getTime()) / 86_400_000;
    expect(days).toBe(365);

    const me = await t.client(key).gql(MeDocument);
    expect(me.data?.me.key!.id).toBe(apiKey.id);

    const list = await admin.client.gql(ApiKeysDocument);
    expect(list.data?.apiKeys.nodes[0].id).toBe(apiKey.id); // newest first
    const text = JSON.stringify(list.body) + JSON.stringify((await admin.client.rest('GET', '/v1/api-keys')).body);
    expect(text).not.toContain(key);
    expect(text).not.toContain(key.slice(25)); // no part of the secret
    expect(text).not.toMatch(/\$2[aby]\$/); // no bcrypt hash
  });

  it('stores only a bcrypt hash', async () => {
    const { data } = await admin.client.gql(CreateApiKeyDocument, { input: { name: 'hash check', permissions: ['alerts:read'] } });
    const rows = await t.db.orm.em.fork().getConnection().execute('select * from api_keys where id = ?', [data!.createApiKey.apiKey.id]);
    expect(rows[0].hash).toMatch(/^\$2[aby]\$04\$/);
    expect(JSON.stringify(rows)).not.toContain(data!.createApiKey.key.slice(25, 57));
  });

  it.each([
    [{ name: '', permissions: ['monitors:read'] }, 'name'],
    [{ name: '   ', permissions: ['monitors:read'] }, 'name'],
    [{ name: 'x'.repeat(101), permissions: ['monitors:read'] }, 'name'],
    [{ name: 'ok', permissions: [] }, 'permissions'],
    [{ name: 'ok', permissions: ['monitors:launch'] }, 'permissions'],
    [{ name: 'ok', permissions: ['monitors:read'], expiresIn: 'NEVER', expiresAt: new Date(Date.now() + 86_400_000).toISOString() }, 'expiresAt'],
    [{ name: 'ok', permissions: ['monitors:read'], expiresAt: new Date(Date.now() - 1000).toISOString() }, 'expiresAt'],
  ] as const)('refuses bad input %j naming %s, storing nothing', async (input, field) => {
    const before = (await admin.client.gql(ApiKeysDocument, { first: 100 })).data!.apiKeys.nodes.length;
    const res = await admin.client.gql(CreateApiKeyDocument, { input: input as never });
    expect(res.status).toBe(400);
    expect(res.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(res.errors?.[0].extensions?.fields).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
    expect((await admin.client.gql(ApiKeysDocument, { first: 100 })).data!.apiKeys.nodes.length).toBe(before);
  });

  it('an unknown enum value or a wrong type is refused before anything runs', async () => {
    const res = await admin.client.gql(CreateApiKeyDocument, { input: { name: 'x', permissions: ['monitors:read'], expiresIn: 'FOREVER' as never } });
    expect(res.status).toBe(400);
    expect(res.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(res.errors?.[0].message).toContain('expiresIn');
  });
});

describe('a key can never create a key with more power than itself', () => {
  it('refuses permissions the caller does not hold, and `all` from a key that is not `all`', async () => {
    const manager = await t.key(acme, ['organization:write', 'monitors:read']);
    const beyond = await manager.client.gql(CreateApiKeyDocument, { input: { name: 'x', permissions: ['monitors:read', 'monitors:write'] } });
    expect(beyond.status).toBe(403);
    expect(beyond.errors?.[0].extensions).toMatchObject({ code: 'FORBIDDEN', missingScopes: ['monitors:write'] });
    const all = await manager.client.gql(CreateApiKeyDocument, { input: { name: 'x', permissions: ['all'] } });
    expect(all.status).toBe(403);
    expect(all.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const ok = await manager.client.gql(CreateApiKeyDocument, { input: { name: 'x', permissions: ['monitors:read'] } });
    expect(ok.status).toBe(200);
  });

  it('refuses an expiry later than the caller’s own, and NEVER from an expiring key', async () => {
    const expiresAt = new Date(Date.now() + 10 * 86_400_000);
    const temp = await t.key(acme, ['all'], { expiresAt });
    for (const input of [
      { name: 'x', permissions: ['monitors:read'] },
      { name: 'x', permissions: ['monitors:read'], expiresIn: 'THIRTY_DAYS' as const },
      { name: 'x', permissions: ['monitors:read'], expiresAt: new Date(expiresAt.getTime() + 1).toISOString() },
    ]) {
      const res = await temp.client.gql(CreateApiKeyDocument, { input });
      expect(res.status).toBe(403);
      expect(res.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    }
    const same = await temp.client.gql(CreateApiKeyDocument, { input: { name: 'x', permissions: ['monitors:read'], expiresAt: expiresAt.toISOString() } });
    expect(same.status).toBe(200);
  });

  it('needs organization:write at all', async () => {
    const reader = await t.key(acme, ['organization:read', 'monitors:read']);
    const res = await reader.client.gql(CreateApiKeyDocument, { input: { name: 'x', permissions: ['monitors:read'] } });
    expect(res.status).toBe(403);
    expect(res.body).toEqual({
      errors: [
        {
          message: 'Insufficient permissions for this action',
          extensions: { code: 'FORBIDDEN', missingScopes: ['organization:write'], paths: ['createApiKey'] },
        },
      ],
    });
    const rest = await reader.client.rest('POST', '/v1/api-keys', { name: 'x', permissions: ['monitors:read'] });
    expect(rest.status).toBe(403);
    expect(rest.body).toMatchObject(REST_403);
  });
});

describe('revokeApiKey', () => {
  it('is idempotent: revoking twice answers the same revokedAt', async () => {
    const victim = await t.key(acme, ['monitors:read']);
    const first = await admin.client.gql(RevokeApiKeyDocument, { id: victim.id });
    expect(first.data?.revokeApiKey.status).toBe('REVOKED');
    const second = await admin.client.gql(RevokeApiKeyDocument, { id: victim.id });
    expect(second.data?.revokeApiKey.revokedAt).toBe(first.data?.revokeApiKey.revokedAt);
  });

  it("treats another organization's key as not found, and leaves it working", async () => {
    const foreign = await t.key(other, ['monitors:read']);
    const gql = await admin.client.gql(RevokeApiKeyDocument, { id: foreign.id });
    expect(gql.status).toBe(404);
    expect(gql.errors?.[0].extensions?.code).toBe('NOT_FOUND');
    const rest = await admin.client.rest('DELETE', `/v1/api-keys/${foreign.id}`);
    expect(rest.status).toBe(404);
    expect(rest.body).toEqual({ success: false, error: { code: 'NOT_FOUND', message: 'API key not found' } });
    expect((await foreign.client.rest('GET', '/v1/me')).status).toBe(200);
    expect((await admin.client.rest('DELETE', '/v1/api-keys/key_doesnotexist')).status).toBe(404);
  });

  it('lists only the caller’s organization', async () => {
    const third = await t.org('Third Ltd');
    const reader = await t.key(third, ['organization:read']);
    const sibling = await t.key(third, ['monitors:read']);
    const ids = (await reader.client.gql(ApiKeysDocument)).data!.apiKeys.nodes.map((k) => k.id);
    expect(ids.sort()).toEqual([reader.id, sibling.id].sort());
  });
});

describe('REST mirror', () => {
  it('creates, lists and revokes in snake_case with the reference envelope', async () => {
    const created = await admin.client.rest('POST', '/v1/api-keys', { name: 'REST key', permissions: ['monitors:read'], expires_in: 'NINETY_DAYS' });
    expect(created.status).toBe(201);
    const data = created.body.data as { key: string; api_key: Record<string, unknown> };
    expect(data.key).toMatch(/^izli_sk_live_/);
    expect(data.api_key).toMatchObject({ name: 'REST key', permissions: ['monitors:read'], status: 'ACTIVE', revoked_at: null, last_used_at: null });
    expect(typeof data.api_key.expires_at).toBe('string');

    const list = await admin.client.rest('GET', '/v1/api-keys');
    expect(list.body.success).toBe(true);
    expect((list.body.data as { nodes: Array<{ id: string }> }).nodes[0].id).toBe(data.api_key.id);

    // curl -X DELETE -H 'Content-Type: application/json' sends no body: that is fine, not a 400
    const res = await fetch(`${t.baseUrl}/v1/api-keys/${data.api_key.id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${admin.key}`, 'content-type': 'application/json' },
    });
    const revoked = { status: res.status, body: await res.json() };
    expect(revoked.status).toBe(200);
    expect(revoked.body).toMatchObject({ success: true, data: { id: data.api_key.id, status: 'REVOKED' } });
    expect((await t.client(data.key).rest('GET', '/v1/me')).status).toBe(401);
  });

  it('answers bad bodies with BAD_USER_INPUT naming the field in snake_case', async () => {
    const past = await admin.client.rest('POST', '/v1/api-keys', { name: 'x', permissions: ['monitors:read'], expires_at: '2001-01-01T00:00:00Z' });
    expect(past.status).toBe(400);
    expect(past.body.error).toMatchObject({ code: 'BAD_USER_INPUT', fields: [{ field: 'expires_at', message: 'must be in the future' }] });
    for (const body of ['[1,2]', '"text"', '{not json']) {
      const res = await admin.client.rest('POST', '/v1/api-keys', body);
      expect(res.status).toBe(400);
      expect(res.body.success).toBe(false);
    }
    const unknownField = await admin.client.rest('POST', '/v1/api-keys', { name: 'x', permissions: ['monitors:read'], colour: 'red' });
    expect(unknownField.status).toBe(400);
    expect(unknownField.body.error?.code).toBe('BAD_USER_INPUT');
  });

  it('answers unknown routes in the envelope', async () => {
    const res = await admin.client.rest('GET', '/v1/nope');
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ success: false, error: { code: 'NOT_FOUND' } });
  });
});

describe('apiKeys is a connection like every other list', () => {
  it('pages through every key with first/after, newest first, over GraphQL and REST', async () => {
    const org = await t.org('Paged keys');
    const owner = await t.key(org, ['organization:read'], { name: 'owner' });
    for (let i = 0; i < 4; i++) await t.key(org, ['monitors:read'], { name: `k${i}` });
    const seen: string[] = [];
    let after: string | null = null;
    for (let pages = 0; ; pages++) {
      expect(pages).toBeLessThan(5);
      const { nodes, pageInfo }: ApiKeysQuery['apiKeys'] = (await owner.client.gql(ApiKeysDocument, { first: 2, after })).data!.apiKeys;
      expect(nodes.length).toBeLessThanOrEqual(2);
      seen.push(...nodes.map((k) => k.name));
      if (!pageInfo.hasNextPage) break;
      after = pageInfo.endCursor;
    }
    expect(seen).toEqual(['k3', 'k2', 'k1', 'k0', 'owner']);

    const first = await owner.client.rest('GET', '/v1/api-keys?first=2');
    const data = first.body.data as { nodes: { name: string }[]; page_info: { end_cursor: string; has_next_page: boolean } };
    expect(data.nodes.map((k) => k.name)).toEqual(['k3', 'k2']);
    expect(data.page_info.has_next_page).toBe(true);
    const second = await owner.client.rest('GET', `/v1/api-keys?first=2&after=${encodeURIComponent(data.page_info.end_cursor)}`);
    expect((second.body.data as { nodes: { name: string }[] }).nodes.map((k) => k.name)).toEqual(['k1', 'k0']);
  });

  it('refuses a bad page size or cursor with BAD_USER_INPUT naming it', async () => {
    const bad = await admin.client.gql(ApiKeysDocument, { first: 101 });
    expect(bad.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', fields: [expect.objectContaining({ field: 'first' })] });
    const cursor = await admin.client.rest('GET', '/v1/api-keys?after=nonsense');
    expect(cursor.status).toBe(400);
    expect(cursor.body.error?.code).toBe('BAD_USER_INPUT');
  });
});
