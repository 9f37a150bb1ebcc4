/**
 * Channel input rules (every bad field in one BAD_USER_INPUT, as other inputs) and the SSRF guard: with
 * ALLOW_PRIVATE_TARGETS off, a private or loopback URL is refused when given, and a name resolving to one is refused
 * when sending (the address the connection would use is judged).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateNotificationChannelDocument } from '../src/client/generated/graphql';
import { postJson } from '../src/modules/notifications/http-post';
import { startTestApp, type TestApp } from './helpers/app';
import { startReceiver, type Receiver } from './helpers/receiver';

let t: TestApp;
let rx: Receiver;
let admin: Awaited<ReturnType<TestApp['key']>>;

beforeAll(async () => {
  t = await startTestApp({ ALLOW_PRIVATE_TARGETS: 'false' });
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
    expect((res as { error: string }).error).toMatch(/resolves to (127\.0\.0\.1|::1), not a public address/);
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
});
