import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeysDocument, CreateApiKeyDocument, MeDocument, RevokeApiKeyDocument, RollApiKeyDocument } from '../../src/client/generated/graphql';
import { startTestApp, type TestApp } from '../helpers/app';
import type { Organization } from '../../src/modules/organization/organization.entity';

let t: TestApp;
let org: Organization;
let admin: Awaited<ReturnType<TestApp['key']>>;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

beforeAll(async () => {
  t = await startTestApp();
  org = await t.org('Acme Inc');
  admin = await t.key(org, ['all']);
});
afterAll(() => t?.close());

const at = async <T>(time: number, fn: () => Promise<T>): Promise<T> => {
  t.clock.now = new Date(time);
  try {
    return await fn();
  } finally {
    t.clock.now = null;
  }
};

describe('rollApiKey', () => {
  it('makes a new key with the same name and permissions; the old one works until the grace period ends', async () => {
    const old = await t.key(org, ['monitors:read', 'monitors:run'], { name: 'CI pipeline', expiresAt: new Date(Date.now() + 30 * DAY) });
    const oldExpiry = Date.now() + 30 * DAY;
    const res = await admin.client.gql(RollApiKeyDocument, { id: old.id, gracePeriod: 'ONE_HOUR' });
    expect(res.errors).toBeUndefined();
    const { key, apiKey } = res.data!.rollApiKey;
    expect(apiKey).toMatchObject({ name: 'CI pipeline', permissions: ['monitors:read', 'monitors:run'], status: 'ACTIVE', createdBy: { type: 'API_KEY', id: admin.id } });
    expect(new Date(apiKey.expiresAt!).getTime()).toBeLessThanOrEqual(oldExpiry);
    const fresh = t.client(key);
    expect((await fresh.gql(MeDocument)).data!.me.key!.id).toBe(apiKey.id);

    const keys = (await admin.client.gql(ApiKeysDocument, {})).data!.apiKeys.nodes;
    const oldView = keys.find((k) => k.id === old.id)!;
    expect(oldView.replacedBy).toBe(apiKey.id);
    const graceEnd = new Date(oldView.expiresAt!).getTime();
    expect(graceEnd - Date.now()).toBeGreaterThan(HOUR - 60_000);
    expect(graceEnd - Date.now()).toBeLessThanOrEqual(HOUR);

    expect((await old.client.rest('GET', '/v1/me')).status).toBe(200); // still inside the grace period
    await at(graceEnd - 1, async () => expect((await old.client.rest('GET', '/v1/me')).status).toBe(200));
    await at(graceEnd, async () => {
      expect((await old.client.rest('GET', '/v1/me')).status).toBe(401);
      expect((await fresh.rest('GET', '/v1/me')).status).toBe(200);
    });
  });

  it('with NONE the old key stops at once; the grace period never extends the old expiry', async () => {
    const old = await t.key(org, ['monitors:read']);
    expect((await old.client.rest('GET', '/v1/me')).status).toBe(200); // cached
    expect((await admin.client.gql(RollApiKeyDocument, { id: old.id, gracePeriod: 'NONE' })).status).toBe(200);
    expect((await old.client.rest('GET', '/v1/me')).status).toBe(401);

    const soon = new Date(Date.now() + 30 * 60_000);
    const shortLived = await t.key(org, ['monitors:read'], { expiresAt: soon });
    const rolled = (await admin.client.gql(RollApiKeyDocument, { id: shortLived.id, gracePeriod: 'SEVEN_DAYS' })).data!.rollApiKey;
    const after = (await admin.client.gql(ApiKeysDocument, {})).data!.apiKeys.nodes.find((k) => k.id === shortLived.id)!;
    expect(new Date(after.expiresAt!).getTime()).toBe(soon.getTime());
    expect(new Date(rolled.apiKey.expiresAt!).getTime()).toBe(soon.getTime()); // the new key no later than the old
  });

  it('over REST: POST /v1/api-keys/:id/roll answers 201 with the new key once', async () => {
    const old = await t.key(org, ['alerts:read']);
    const res = await admin.client.rest('POST', `/v1/api-keys/${old.id}/roll`, { grace_period: 'ONE_DAY' });
    expect(res.status).toBe(201);
    const data = res.body.data as { key: string; api_key: { id: string; name: string; permissions: string[] } };
    expect(data.key).toMatch(/^izli_sk_live_/);
    expect(data.api_key.permissions).toEqual(['alerts:read']);
    expect((await t.client(data.key).rest('GET', '/v1/me')).status).toBe(200);
    const bad = await admin.client.rest('POST', `/v1/api-keys/${old.id}/roll`, { grace_period: 'FOREVER' });
    expect(bad.status).toBe(400);
    expect(bad.body.error!.code).toBe('BAD_USER_INPUT');
  });

  it('refuses revoked, expired, already rolled and foreign keys, and never grants more than the caller holds', async () => {
    const revoked = await t.key(org, ['monitors:read']);
    await admin.client.gql(RevokeApiKeyDocument, { id: revoked.id });
    const code = async (client: typeof admin.client, id: string) =>
      (await client.gql(RollApiKeyDocument, { id, gracePeriod: 'ONE_HOUR' })).errors?.[0].extensions?.code;
    expect(await code(admin.client, revoked.id)).toBe('CONFLICT');

    const expiring = await t.key(org, ['monitors:read'], { expiresAt: new Date(Date.now() + HOUR) });
    expect(await at(Date.now() + 2 * HOUR, () => code(admin.client, expiring.id))).toBe('CONFLICT');

    const once = await t.key(org, ['monitors:read']);
    expect(await code(admin.client, once.id)).toBeUndefined();
    expect(await code(admin.client, once.id)).toBe('CONFLICT');

    const other = await t.key(await t.org('Other Org'), ['monitors:read']);
    expect(await code(admin.client, other.id)).toBe('NOT_FOUND');
    expect(await code(admin.client, 'key_doesnotexist')).toBe('NOT_FOUND');

    // A key manager without `all` cannot turn an `all` key into a fresh one for itself.
    const manager = await t.key(org, ['organization:read', 'organization:write'], { expiresAt: new Date(Date.now() + 10 * DAY) });
    const root = await t.key(org, ['all']);
    const escalation = await manager.client.gql(RollApiKeyDocument, { id: root.id, gracePeriod: 'NONE' });
    expect(escalation.status).toBe(403);
    expect((await root.client.rest('GET', '/v1/me')).status).toBe(200); // untouched

    // The new key expires no later than the caller.
    const forever = await t.key(org, ['organization:read']);
    const rolled = (await manager.client.gql(RollApiKeyDocument, { id: forever.id, gracePeriod: 'NONE' })).data!.rollApiKey;
    expect(new Date(rolled.apiKey.expiresAt!).getTime()).toBeLessThanOrEqual(Date.now() + 10 * DAY);

    const reader = await t.key(org, ['organization:read']);
    expect((await reader.client.gql(RollApiKeyDocument, { id: forever.id, gracePeriod: 'NONE' })).status).toBe(403);
  });

  it('two concurrent rolls of one key: exactly one succeeds', async () => {
    const k = await t.key(org, ['monitors:read']);
    const results = await Promise.all([1, 2, 3].map(() => admin.client.gql(RollApiKeyDocument, { id: k.id, gracePeriod: 'ONE_HOUR' })));
    expect(results.filter((r) => !r.errors).length).toBe(1);
    expect(results.filter((r) => r.errors?.[0].extensions?.code === 'CONFLICT').length).toBe(2);
  });
});

describe('expiry warnings', () => {
  it('expiresInDays on me and apiKeys, and X-Api-Key-Expires-Soon within 7 days', async () => {
    const expiresAt = new Date(Date.now() + 5 * DAY - HOUR);
    const soon = await t.key(org, ['organization:read'], { expiresAt });
    const gql = await soon.client.gql(MeDocument);
    expect(gql.data!.me.key!.expiresInDays).toBe(5);
    expect(gql.headers.get('x-api-key-expires-soon')).toBe(expiresAt.toISOString());
    const rest = await soon.client.rest('GET', '/v1/monitors');
    expect(rest.status).toBe(403); // even an error response made with the key warns
    expect(rest.headers.get('x-api-key-expires-soon')).toBe(expiresAt.toISOString());
    const listed = (await soon.client.gql(ApiKeysDocument, {})).data!.apiKeys.nodes.find((k) => k.id === soon.id)!;
    expect(listed.expiresInDays).toBe(5);

    const later = await t.key(org, ['organization:read'], { expiresAt: new Date(Date.now() + 30 * DAY) });
    const quiet = await later.client.gql(MeDocument);
    expect(quiet.data!.me.key!.expiresInDays).toBe(30);
    expect(quiet.headers.get('x-api-key-expires-soon')).toBeNull();
    const never = await admin.client.gql(MeDocument);
    expect(never.data!.me.key!.expiresInDays).toBeNull();
    expect(never.headers.get('x-api-key-expires-soon')).toBeNull();
  });
});

describe('a rolled key in its grace period', () => {
  it('still calls the API but cannot create, roll or revoke keys (GraphQL and REST): FORBIDDEN', async () => {
    const owner = await t.key(org, ['all'], { name: 'Owner' });
    const rolled = (await owner.client.gql(RollApiKeyDocument, { id: owner.id, gracePeriod: 'ONE_DAY' })).data!.rollApiKey;
    const fresh = t.client(rolled.key);
    const leaked = owner.client; // the old key, leaked: it works until the grace period ends
    expect((await leaked.rest('GET', '/v1/me')).status).toBe(200);
    expect((await leaked.gql(ApiKeysDocument, {})).status).toBe(200);

    const refused = (res: { status: number; errors?: readonly { message: string; extensions?: Record<string, unknown> }[] }) => {
      expect(res.status).toBe(403);
      expect(res.errors![0].extensions!.code).toBe('FORBIDDEN');
      expect(res.errors![0].message).toMatch(new RegExp(`replaced by ${rolled.apiKey.id}.*cannot create, roll or revoke keys`));
    };
    refused(await leaked.gql(RollApiKeyDocument, { id: rolled.apiKey.id, gracePeriod: 'NONE' }));
    refused(await leaked.gql(RevokeApiKeyDocument, { id: rolled.apiKey.id }));
    refused(await leaked.gql(CreateApiKeyDocument, { input: { name: 'mine now', permissions: ['all'] } }));
    for (const [method, url, body] of [
      ['POST', `/v1/api-keys/${rolled.apiKey.id}/roll`, { grace_period: 'NONE' }],
      ['DELETE', `/v1/api-keys/${rolled.apiKey.id}`, undefined],
      ['POST', '/v1/api-keys', { name: 'mine now', permissions: ['all'] }],
    ] as const) {
      const res = await leaked.rest(method, url, body);
      expect(res.status).toBe(403);
      expect(res.body).toMatchObject({ success: false, error: { code: 'FORBIDDEN', message: expect.stringContaining(rolled.apiKey.id) } });
    }

    // The replacement is untouched and still manages keys, the old one among them.
    expect((await fresh.rest('GET', '/v1/me')).status).toBe(200);
    const keys = (await fresh.gql(ApiKeysDocument, { first: 100 })).data!.apiKeys.nodes;
    expect(keys.filter((k) => k.createdBy.id === owner.id || k.createdBy.id === rolled.apiKey.id)).toHaveLength(1); // nothing minted
    expect((await fresh.gql(RevokeApiKeyDocument, { id: owner.id })).status).toBe(200);
    expect((await leaked.rest('GET', '/v1/me')).status).toBe(401);
  });
});
