/**
 * Channel input rules (every bad field in one BAD_USER_INPUT, as other inputs) and the SSRF guard: with
 * ALLOW_PRIVATE_TARGETS off, a private or loopback URL is refused when given, and a name resolving to one is refused
 * when sending (the address the connection would use is judged).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateNotificationChannelDocument, NotificationChannelDocument, UpdateNotificationChannelDocument } from '../../src/client/generated/graphql';
import { postJson } from '../../src/modules/notifications/http-post';
import { startTestApp, TEST_SECRETS_KEY, type TestApp } from '../helpers/app';
import { SecretBox } from '../../src/modules/checks/secret-box';
import { startReceiver, type Receiver } from '../helpers/receiver';

let t: TestApp;
let rx: Receiver;
let admin: Awaited<ReturnType<TestApp['key']>>;

beforeAll(async () => {
  t = await startTestApp({ ALLOW_PRIVATE_TARGETS: 'false', MAX_CHANNELS_PER_ORGANIZATION: '5' });
  rx = await startReceiver();
  admin = await t.key(await t.org('Acme Inc'), ['all']);
});
afterAll(async () => {
  await rx?.close();
  await t?.close();
});

const fieldsOf = (res: { errors?: Array<{ extensions?: Record<string, unknown> }> }) => {
  expect(res.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
  return (res.errors![0].extensions!.fields as Array<{ field: string; message: string }>).map((f) => `${f.field}: ${f.message}`).sort();
};

describe('channel input', () => {
  it('names every bad field at once', async () => {
    const res = await admin.client.gql(CreateNotificationChannelDocument, {
      input: { name: '', type: 'WEBHOOK', url: 'ftp://example.com/x', email: 'not an email', events: [], checkIds: Array.from({ length: 101 }, (_, i) => `mon_${i}`) },
    });
    expect(fieldsOf(res)).toEqual([
      'checkIds: at most 100 checks',
      'email: must be an email address',
      'events: must list at least one event',
      'name: must be 1 to 100 characters',
      'url: must be an http or https URL',
    ]);
  });

  it('refuses what a type cannot have, unknown checks and unknown events (REST too)', async () => {
    const res = await admin.client.gql(CreateNotificationChannelDocument, { input: { name: 'x', type: 'SLACK', email: 'ops@example.com', checkIds: ['mon_unknown'] } });
    expect(fieldsOf(res)).toEqual(['checkIds: no monitor or journey mon_unknown in this organization', 'email: is only for EMAIL channels', 'url: is required for a SLACK channel']);
    const rest = await admin.client.rest('POST', '/v1/notification-channels', { name: 'x', type: 'WEBHOOK', url: 'https://example.com/h', events: ['ALERT_EXPLODED'] });
    expect(rest.status).toBe(400);
    expect(rest.body.error?.code).toBe('BAD_USER_INPUT');
  });

  it.each([
    ['http://127.0.0.1:9/hook', '127.0.0.1 is a loopback address'],
    ['http://10.0.0.5/hook', '10.0.0.5 is a private address'],
    ['http://[::1]/hook', '::1 is a loopback address'],
    ['http://localhost/hook', 'localhost is a loopback address'],
    ['http://169.254.169.254/latest/meta-data', '169.254.169.254 is a link-local address'],
  ])('SSRF guard: %s is refused when given', async (url, message) => {
    const res = await admin.client.gql(CreateNotificationChannelDocument, { input: { name: 'x', type: 'WEBHOOK', url } });
    const [field] = fieldsOf(res);
    expect(field).toContain(`url: ${message}`);
    expect(field).toContain('ALLOW_PRIVATE_TARGETS=true');
  });

  it('SSRF guard at send time: a name that resolves to loopback is not connected to', async () => {
    const port = new URL(rx.url).port;
    const before = rx.received.length;
    const res = await postJson(`http://localhost:${port}/hook`, {}, '{}', { timeoutMs: 2000, allowPrivateTargets: false });
    expect(res).toMatchObject({ status: null, retry: false });
    // Said without the address it resolved to: a delivery record must not map the operator's network.
    expect((res as { error: string }).error).toBe('localhost resolves to a non-public address');
    expect(rx.received.length).toBe(before);
    // …and with ALLOW_PRIVATE_TARGETS it is.
    expect(await postJson(`${rx.url}/hook`, {}, '{}', { timeoutMs: 2000, allowPrivateTargets: true })).toMatchObject({ status: 200 });
  });

  it('redirects are not followed: a 3xx is the answer', async () => {
    rx.answer = () => ({ status: 302, headers: { location: 'http://169.254.169.254/' } });
    try {
      expect(await postJson(`${rx.url}/moved`, {}, '{}', { timeoutMs: 2000, allowPrivateTargets: true })).toMatchObject({ status: 302 });
      expect(rx.received.filter((r) => r.path === '/moved')).toHaveLength(1);
    } finally {
      rx.answer = () => ({ status: 200 });
    }
  });

  it('a URL longer than 2048 characters once percent-encoded is a field error on url, not an internal error', async () => {
    const url = `https://example.com/${'é'.repeat(400)}`; // 420 characters given, 2420 encoded
    expect(url.length).toBeLessThan(2048);
    const res = await admin.client.gql(CreateNotificationChannelDocument, { input: { name: 'x', type: 'WEBHOOK', url } });
    expect(fieldsOf(res)).toEqual(['url: must be at most 2048 characters once normalised (percent-encoded); it is 2420']);
  });

  it('a URL reads back as its scheme, registrable host and port, the path as /…: tokens in the path and in subdomains are masked', async () => {
    // This file's cap is 5 channels an organization: two organizations.
    const org = await t.org('Masked Co');
    const owner1 = await t.key(org, ['all']);
    const reader1 = await t.key(org, ['organization:read']);
    const more = await t.org('Masked Co 2');
    const owner2 = await t.key(more, ['all']);
    const reader2 = await t.key(more, ['organization:read']);
    const cases: Array<[string, string, string[]]> = [
      ['https://discord.com/api/webhooks/123456789012345678/AbCdEfGhIjKlMnOp', 'https://discord.com/…', ['123456789012345678', 'AbCdEfGhIjKlMnOp']],
      ['https://webhook.site/0b6c2a1e-5d6f-4c1e-9a0b-2f3e4d5c6b7a', 'https://webhook.site/…', ['0b6c2a1e']],
      ['https://api.telegram.org/bot123456:AAE-secretToken/sendMessage?chat_id=42', 'https://*.telegram.org/…', ['123456', 'secretToken', 'chat_id=42']],
      ['https://eo1f2b3c4d5e6f7.m.pipedream.net', 'https://*.pipedream.net', ['eo1f2b3c4d5e6f7']],
      ['https://user:pa55@hooks.example.co.uk:8443/x?token=t0k', 'https://*.example.co.uk:8443/…', ['pa55', 'user', 't0k', 'hooks']],
      ['https://example.com/', 'https://example.com', []],
    ];
    for (const [i, [url, shown, hidden]] of cases.entries()) {
      const [owner, reader] = i < 4 ? [owner1, reader1] : [owner2, reader2];
      const made = (await owner.client.gql(CreateNotificationChannelDocument, { input: { name: 'x', type: 'WEBHOOK', url } })).data!.createNotificationChannel;
      expect(made.channel.url).toBe(shown);
      const read = await reader.client.gql(NotificationChannelDocument, { id: made.channel.id });
      expect(read.data!.notificationChannel.url).toBe(shown);
      const rest = await reader.client.rest('GET', `/v1/notification-channels/${made.channel.id}`);
      for (const body of [JSON.stringify(read.body), JSON.stringify(rest.body)]) for (const secret of hidden) expect(body).not.toContain(secret);
      // The stored URL is intact: it is what deliveries go to.
      const [row] = await t.db.orm.em.fork().getConnection().execute(`select url, masked_url from notification_channels where id = ?`, [made.channel.id]);
      expect(new SecretBox(TEST_SECRETS_KEY).open(row.url)).toBe(url);
      expect(row.masked_url).toBe(shown);
    }
    // A row masked by the older rule (path's first segment kept) reads back by the current one.
    const old = (await owner2.client.gql(CreateNotificationChannelDocument, { input: { name: 'old', type: 'WEBHOOK', url: 'https://webhook.site/x' } })).data!.createNotificationChannel;
    await t.db.orm.em.fork().getConnection().execute(`update notification_channels set masked_url = ? where id = ?`, ['https://[masked]@webhook.site/0b6c2a1e-uuid/[masked]?[masked]', old.channel.id]);
    expect((await reader2.client.gql(NotificationChannelDocument, { id: old.channel.id })).data!.notificationChannel.url).toBe('https://webhook.site/…');
  });
});

describe('who may make a channel hear what', () => {
  it('the events need the scopes of what they carry: alerts:read for ALERT_*, billing:read for QUOTA_EXHAUSTED (create and update)', async () => {
    const org = await t.org('Scoped Co');
    const writer = await t.key(org, ['organization:read', 'organization:write']);
    const forbidden = (res: { errors?: Array<{ extensions?: Record<string, unknown>; path?: unknown }> }, missing: string[], path: string) => {
      expect(res.errors?.[0].extensions).toMatchObject({ code: 'FORBIDDEN', missingScopes: missing, paths: [path] });
    };
    const url = 'https://example.com/hook';
    forbidden(await writer.client.gql(CreateNotificationChannelDocument, { input: { name: 'all', type: 'WEBHOOK', url } }), ['alerts:read', 'billing:read'], 'createNotificationChannel');
    forbidden(await writer.client.gql(CreateNotificationChannelDocument, { input: { name: 'a', type: 'WEBHOOK', url, events: ['ALERT_RESOLVED'] } }), ['alerts:read'], 'createNotificationChannel');
    forbidden(await writer.client.gql(CreateNotificationChannelDocument, { input: { name: 'q', type: 'WEBHOOK', url, events: ['QUOTA_EXHAUSTED'] } }), ['billing:read'], 'createNotificationChannel');
    const rest = await writer.client.rest('POST', '/v1/notification-channels', { name: 'a', type: 'WEBHOOK', url, events: ['ALERT_OPENED'] });
    expect(rest.status).toBe(403);
    expect(rest.body.error?.code).toBe('FORBIDDEN');
    // Key expiry notices carry nothing a writer of the organization cannot read.
    const keys = await writer.client.gql(CreateNotificationChannelDocument, { input: { name: 'k', type: 'WEBHOOK', url, events: ['API_KEY_EXPIRING'] } });
    expect(keys.errors).toBeUndefined();
    const id = keys.data!.createNotificationChannel.channel.id;
    forbidden(await writer.client.gql(UpdateNotificationChannelDocument, { id, input: { events: ['ALERT_OPENED'] } }), ['alerts:read'], 'updateNotificationChannel');
    // A channel already hearing alerts cannot be pointed elsewhere by a key that may not read them.
    const full = await t.key(org, ['organization:read', 'organization:write', 'alerts:read', 'billing:read']);
    const own = (await full.client.gql(CreateNotificationChannelDocument, { input: { name: 'own', type: 'WEBHOOK', url } })).data!.createNotificationChannel.channel.id;
    forbidden(await writer.client.gql(UpdateNotificationChannelDocument, { id: own, input: { url: 'https://attacker.example.com/h' } }), ['alerts:read', 'billing:read'], 'updateNotificationChannel');
    expect((await full.client.gql(UpdateNotificationChannelDocument, { id: own, input: { url: 'https://new.example.com/h' } })).errors).toBeUndefined();
  });

  it('at most MAX_CHANNELS_PER_ORGANIZATION channels, also when created at the same time (CONFLICT)', async () => {
    const org = await t.org('Capped Co');
    const k = await t.key(org, ['all']);
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => k.client.gql(CreateNotificationChannelDocument, { input: { name: `c${i}`, type: 'WEBHOOK', url: 'https://example.com/h' } })),
    );
    expect(results.filter((r) => !r.errors)).toHaveLength(5);
    const refused = results.filter((r) => r.errors);
    expect(refused).toHaveLength(3);
    for (const r of refused) expect(r.errors![0].extensions?.code).toBe('CONFLICT');
    expect(refused[0].errors![0].message).toBe('The organization has 5 notification channels, the most it may have (5); delete unused ones first');
    const [{ count }] = await t.db.orm.em.fork().getConnection().execute(`select count(*)::int as count from notification_channels where organization_id = ?`, [org.id]);
    expect(count).toBe(5);
  });
});
