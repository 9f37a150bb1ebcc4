/**
 * EMAIL channels through a real SMTP server in process (smtp-server): the message tracer sends is read back as the
 * server received it. An address gets nothing but its confirmation email (fixed words and a link) until the link is
 * opened; test sends are throttled per channel. And without SMTP_URL an EMAIL channel is refused with a clear
 * BAD_USER_INPUT.
 */
import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SMTPServer } from 'smtp-server';
import {
  CreateMonitorDocument,
  CreateNotificationChannelDocument,
  NotificationChannelDocument,
  NotificationDeliveriesDocument,
  RunMonitorDocument,
  TestNotificationChannelDocument,
  UpdateNotificationChannelDocument,
} from '../../src/client/generated/graphql';
import type { Client } from '../helpers/client';
import { startTestApp, type TestApp } from '../helpers/app';
import { startTarget, type Target } from '../helpers/target';
import { eventually } from '../helpers/receiver';

interface Mail {
  from: string;
  to: string[];
  data: string;
}

let smtp: SMTPServer;
let port = 0;
const mails: Mail[] = [];
/** Answer the next RCPT with this code (a mailbox that refuses for good). */
let refuse: number | null = null;
let t: TestApp;
let target: Target;

beforeAll(async () => {
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    onRcptTo(address, _session, cb) {
      if (refuse) return cb(Object.assign(new Error('Mailbox unavailable'), { responseCode: refuse }));
      cb();
    },
    onData(stream, session, cb) {
      let data = '';
      stream.on('data', (c: Buffer) => (data += c.toString('utf8')));
      stream.on('end', () => {
        mails.push({ from: (session.envelope.mailFrom as { address: string }).address, to: session.envelope.rcptTo.map((r) => r.address), data });
        cb();
      });
    },
  });
  await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', () => r()));
  port = (smtp.server.address() as AddressInfo).port;
  t = await startTestApp({ NOTIFY_TESTS_PER_CHANNEL_PER_MINUTE: '3', NOTIFY_CONFIRMATIONS_PER_ADDRESS_PER_HOUR: '3', NOTIFY_CONFIRMATIONS_PER_ORGANIZATION_PER_HOUR: '5', SMTP_URL: `smtp://127.0.0.1:${port}`, SMTP_FROM: 'tracer <alerts@tracer.example>', NOTIFY_RETRY_SCHEDULE_MS: '10', WORKER_POLL_MS: '50', PUBLIC_URL: 'https://status.example.com' });
  target = await startTarget();
  target.route('/down', (_req, res) => res.writeHead(503).end());
});
afterAll(async () => {
  await t?.close();
  await target?.close();
  await new Promise<void>((r) => (smtp ? smtp.close(() => r()) : r()));
});

const unfold = (data: string) => data.replace(/=\r?\n/g, '');
/** The confirmation link in the newest confirmation email to `address`, once it arrived. */
const confirmationLink = async (address: string, after = 0) => {
  const mail = await eventually(async () => mails.slice(after).find((x) => x.to.includes(address) && /^Subject: \[tracer\] Confirm/m.test(x.data)));
  return unfold(mail.data).match(/https:\/\/status\.example\.com(\/notifications\/confirm\/[A-Za-z0-9_-]+)/)![1];
};
/** An EMAIL channel whose address was confirmed through its link, as its owner would. */
const confirmedChannel = async (client: Client, input: { name: string; email: string; events?: string[] }) => {
  const before = mails.length;
  const made = await client.gql(CreateNotificationChannelDocument, { input: { type: 'EMAIL', ...input } as never });
  const path = await confirmationLink(input.email, before);
  expect((await confirmPost(path)).status).toBe(200);
  return made.data!.createNotificationChannel.channel.id;
};
/** The confirmation page's button, as a browser posts it (an empty form). */
const confirmPost = (path: string, headers: Record<string, string> = {}) =>
  fetch(`${t.baseUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: '' });
/** Moves a channel's deliveries a minute back: its test budget is free again (the app's clock would delay the jobs too). */
const aMinuteAgo = (channelId: string) =>
  t.db.orm.em.fork().getConnection().execute(`update notification_deliveries set created_at = created_at - interval '61 seconds' where channel_id = ?`, [channelId]);
const newest = (client: Client) =>
  eventually(async () => {
    const [x] = (await client.gql(NotificationDeliveriesDocument, {})).data!.notificationDeliveries.nodes;
    return x.status !== 'PENDING' && x;
  });

describe('email channels', () => {
  it('an opening alert is mailed: from SMTP_FROM, to the channel, with the check, location, error and link', async () => {
    const org = await t.org('Mail Co');
    const admin = await t.key(org, ['all']);
    const id = await confirmedChannel(admin.client, { name: 'ops mail', email: 'ops@example.com', events: ['ALERT_OPENED'] });
    expect((await admin.client.gql(NotificationChannelDocument, { id })).data!.notificationChannel).toMatchObject({ type: 'EMAIL', email: 'ops@example.com', url: null, confirmed: true });
    const m = (await admin.client.gql(CreateMonitorDocument, { input: { name: 'Storefront', url: `${target.url}/down`, failureThreshold: 1, intervalSeconds: 3600 } })).data!.createMonitor.id;
    await admin.client.gql(RunMonitorDocument, { id: m });
    const mail = await eventually(async () => mails.find((x) => x.to.includes('ops@example.com') && x.data.includes('Alert opened')));
    expect(mail.from).toBe('alerts@tracer.example');
    expect(mail.data).toMatch(/^Subject: \[tracer\] Alert opened: Storefront/m);
    const text = mail.data.replace(/=\r?\n/g, '');
    expect(text).toContain(`Check: Storefront (monitor ${m})`);
    expect(text).toContain('Locations: local');
    expect(text).toContain('Error: 1 failed runs in a row in local');
    expect(text).toContain(`https://status.example.com/dashboard/#/monitors/${m}`);
    const [d] = (await admin.client.gql(NotificationDeliveriesDocument, {})).data!.notificationDeliveries.nodes;
    expect(await eventually(async () => {
      const [x] = (await admin.client.gql(NotificationDeliveriesDocument, {})).data!.notificationDeliveries.nodes;
      return x.status !== 'PENDING' && x;
    })).toMatchObject({ id: d.id, status: 'DELIVERED', attempts: 1, lastResponseStatus: null });
  });

  it('a mailbox refused for good (5xx) fails at once', async () => {
    const org = await t.org('Bounce Co');
    const admin = await t.key(org, ['all']);
    const id = await confirmedChannel(admin.client, { name: 'x', email: 'nobody@example.com' });
    refuse = 550;
    try {
      await admin.client.rest('POST', `/v1/notification-channels/${id}/test`);
      const done = await newest(admin.client);
      expect(done).toMatchObject({ status: 'FAILED', attempts: 1, error: 'The mail server answered 550' });
    } finally {
      refuse = null;
    }
  });

  it('NOTIFY_TIMEOUT_MS bounds the whole send: a server answering each step just in time is given up on', async () => {
    // Each step answers within the per-step timeouts (250 ms < 300 ms), the whole send takes far longer.
    const slowPhase = (cb: () => void) => setTimeout(cb, 250);
    const slow = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      onMailFrom: (_a, _s, cb) => slowPhase(() => cb()),
      onRcptTo: (_a, _s, cb) => slowPhase(() => cb()),
      onData(stream, _s, cb) {
        stream.resume();
        stream.on('end', () => slowPhase(() => cb()));
      },
    });
    await new Promise<void>((r) => slow.listen(0, '127.0.0.1', () => r()));
    const app = await startTestApp({ SMTP_URL: `smtp://127.0.0.1:${(slow.server.address() as AddressInfo).port}`, NOTIFY_TIMEOUT_MS: '300', NOTIFY_RETRY_SCHEDULE_MS: '10', WORKER_POLL_MS: '50' });
    try {
      const admin = await app.key(await app.org('Slow Mail'), ['all']);
      const id = (await admin.client.gql(CreateNotificationChannelDocument, { input: { name: 'x', type: 'EMAIL', email: 'ops@example.com' } })).data!.createNotificationChannel.channel.id;
      // Confirmed directly: this server is too slow for the confirmation email itself.
      await app.db.orm.em.fork().getConnection().execute(`update notification_channels set confirmed_at = now() where id = ?`, [id]);
      await admin.client.rest('POST', `/v1/notification-channels/${id}/test`);
      const done = await eventually(async () => {
        const [x] = (await admin.client.gql(NotificationDeliveriesDocument, {})).data!.notificationDeliveries.nodes;
        return x.status !== 'PENDING' && x;
      });
      expect(done).toMatchObject({ status: 'FAILED', attempts: 2, error: 'Timed out after 300 ms (gave up after 2 attempts)' });
    } finally {
      await app.close();
      await new Promise<void>((r) => slow.close(() => r()));
    }
  });

  it('an address gets only its confirmation email (fixed subject, no caller text) until its link is opened; then alerts and tests arrive', async () => {
    const org = await t.org('Confirm Co');
    const admin = await t.key(org, ['all']);
    const before = mails.length;
    const spam = 'WIN $1000 NOW at http://evil.example';
    const made = await admin.client.gql(CreateNotificationChannelDocument, { input: { name: spam, type: 'EMAIL', email: 'victim@example.com', events: ['ALERT_OPENED'] } });
    const id = made.data!.createNotificationChannel.channel.id;
    expect(made.data!.createNotificationChannel.channel).toMatchObject({ confirmed: false, confirmedAt: null });
    const path = await confirmationLink('victim@example.com', before);
    const confirmation = mails.slice(before).find((x) => x.to.includes('victim@example.com'))!;
    expect(confirmation.data).toMatch(/^Subject: \[tracer\] Confirm this address for notifications\r?$/m);
    expect(unfold(confirmation.data)).not.toContain('WIN');
    expect(unfold(confirmation.data)).not.toContain('evil');
    // The token is stored hashed (sha256), never in clear: not in the channel, not in the delivery's payload.
    const token = path.split('/').pop()!;
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const dump = JSON.stringify(await t.db.orm.em.fork().getConnection().execute(`select c.*, d.payload from notification_channels c join notification_deliveries d on d.channel_id = c.id where c.id = ?`, [id]));
    expect(dump).not.toContain(token);
    expect(dump).toContain(createHash('sha256').update(token).digest('hex'));

    // Unconfirmed: a test and an alert are logged SKIPPED, and nothing is mailed.
    const test = await admin.client.gql(TestNotificationChannelDocument, { id });
    expect(test.data!.testNotificationChannel).toMatchObject({ event: 'test', status: 'SKIPPED', attempts: 0, error: expect.stringContaining('not confirmed') });
    const m = (await admin.client.gql(CreateMonitorDocument, { input: { name: spam, url: `${target.url}/down`, failureThreshold: 1, intervalSeconds: 3600 } })).data!.createMonitor.id;
    await admin.client.gql(RunMonitorDocument, { id: m });
    const log = (await admin.client.gql(NotificationDeliveriesDocument, { channelId: id })).data!.notificationDeliveries.nodes;
    expect(log.map((d) => [d.event, d.status])).toEqual([['alert.opened', 'SKIPPED'], ['test', 'SKIPPED'], ['email.confirmation', 'DELIVERED']]);
    expect(mails.slice(before).filter((x) => x.to.includes('victim@example.com'))).toHaveLength(1);

    // A wrong token confirms nothing; the right one confirms once (posted from its page), without a key.
    expect((await confirmPost(`/notifications/confirm/${'A'.repeat(43)}`)).status).toBe(404);
    const opened = await confirmPost(path);
    expect(opened.status).toBe(200);
    expect(await opened.text()).toContain('Address confirmed');
    expect((await confirmPost(path)).status).toBe(404);
    expect((await admin.client.gql(NotificationChannelDocument, { id })).data!.notificationChannel).toMatchObject({ confirmed: true, confirmedAt: expect.any(String) });
    await admin.client.gql(TestNotificationChannelDocument, { id });
    await eventually(async () => mails.slice(before).find((x) => x.to.includes('victim@example.com') && /^Subject: \[tracer\] Test notification/m.test(x.data)));

    // A new address is confirmed anew: nothing but its confirmation goes to it. Its confirmation email counts toward
    // the channel's tests of the minute, which three messages (confirmation, two tests) used up: a minute later.
    const at = mails.length;
    expect((await admin.client.gql(UpdateNotificationChannelDocument, { id, input: { email: 'other@example.com' } })).errors?.[0].extensions?.code).toBe('RATE_LIMITED');
    await aMinuteAgo(id);
    const changed = await admin.client.gql(UpdateNotificationChannelDocument, { id, input: { email: 'other@example.com' } });
    expect(changed.data!.updateNotificationChannel).toMatchObject({ email: 'other@example.com', confirmed: false, confirmedAt: null });
    await confirmationLink('other@example.com', at);
    expect(mails.slice(at).filter((x) => x.to.includes('other@example.com'))).toHaveLength(1);
  });

  it('opening the link confirms nothing (link scanners fetch it): its page posts the token, and only the POST confirms, once', async () => {
    const org = await t.org('Scanner Co');
    const admin = await t.key(org, ['all']);
    const before = mails.length;
    const id = (await admin.client.gql(CreateNotificationChannelDocument, { input: { name: 'x', type: 'EMAIL', email: 'scanned@example.com' } })).data!.createNotificationChannel.channel.id;
    const path = await confirmationLink('scanned@example.com', before);
    const token = path.split('/').pop()!;
    const confirmed = async () => (await admin.client.gql(NotificationChannelDocument, { id })).data!.notificationChannel.confirmed;

    // A scanner (or the owner) opening the link, as often as it likes: a page with a button, nothing confirmed.
    for (let i = 0; i < 3; i++) {
      const opened = await fetch(`${t.baseUrl}${path}`);
      expect(opened.status).toBe(200);
      const html = await opened.text();
      expect(html).toContain('<form method="post" action="' + token + '">');
      expect(html).not.toMatch(/<script|<img|<link|https?:\/\//i);
      expect(opened.headers.get('content-security-policy')).toBe("default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'");
      expect(opened.headers.get('cache-control')).toBe('no-store');
      expect(opened.headers.get('referrer-policy')).toBe('no-referrer');
    }
    expect((await fetch(`${t.baseUrl}${path}`, { method: 'HEAD' })).status).toBe(200);
    expect(await confirmed()).toBe(false);

    // The button: the POST confirms; a JSON answer when asked for one.
    const posted = await confirmPost(path, { accept: 'application/json' });
    expect(posted.status).toBe(200);
    expect(await posted.json()).toEqual({ success: true, data: { confirmed: true } });
    expect(await confirmed()).toBe(true);

    // Used: the same "not valid" page whatever the reason (used, mistyped, malformed), on GET and POST alike.
    const texts = new Set<string>();
    for (const p of [path, `/notifications/confirm/${'B'.repeat(43)}`, '/notifications/confirm/short']) {
      for (const res of [await fetch(`${t.baseUrl}${p}`), await confirmPost(p)]) {
        expect(res.status).toBe(404);
        expect(res.headers.get('content-type')).toMatch(/^text\/html/);
        texts.add(await res.text());
      }
    }
    expect([...texts]).toHaveLength(1);
    expect([...texts][0]).toContain('Link not valid');
    const notValid = await confirmPost(path, { accept: 'application/json' });
    expect(notValid.status).toBe(404);
    expect(await notValid.json()).toEqual({
      success: false,
      error: { code: 'NOT_FOUND', message: expect.stringMatching(/^Link not valid\. /), request_id: notValid.headers.get('x-request-id') },
    });
  });

  it('confirmation emails are throttled per address across channels and organizations (deleting a channel gives none back), and per organization', async () => {
    const rest = async (client: Client, email: string) => client.rest('POST', '/v1/notification-channels', { name: 'x', type: 'EMAIL', email });
    const org = await t.org('Bomb Co');
    const admin = await t.key(org, ['all']);
    const before = mails.length;
    // Created and deleted again and again: each creation is a new channel (a new id), yet the address's hour holds 3.
    for (let i = 0; i < 3; i++) {
      const at = mails.length;
      const made = await rest(admin.client, 'target@example.com');
      expect(made.status).toBe(201);
      await confirmationLink('target@example.com', at); // mailed (a deleted channel's queued deliveries go with it)
      expect((await admin.client.rest('DELETE', `/v1/notification-channels/${(made.body as { data: { channel: { id: string } } }).data.channel.id}`)).status).toBe(200);
    }
    const refused = await rest(admin.client, 'target@example.com');
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({ success: false, error: { code: 'RATE_LIMITED', message: expect.stringContaining('confirmation emails in the last hour') } });
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(3000);
    expect(retryAfter).toBeLessThanOrEqual(3600);
    // Refused whole: no channel was left behind.
    expect((await admin.client.rest('GET', '/v1/notification-channels')).body).toMatchObject({ data: { nodes: [] } });
    // The same mailbox written otherwise, another organization, or an existing channel given the address: refused too.
    expect((await rest(admin.client, 'Target+bomb@EXAMPLE.com')).status).toBe(429);
    const other = await t.key(await t.org('Bomb Two'), ['all']);
    expect((await rest(other.client, 'target@example.com')).status).toBe(429);
    const kept = await rest(other.client, 'unaffected@example.com');
    expect(kept.status).toBe(201);
    const keptId = (kept.body as { data: { channel: { id: string } } }).data.channel.id;
    const moved = await other.client.rest('PATCH', `/v1/notification-channels/${keptId}`, { email: 'target@example.com' });
    expect(moved.status).toBe(429);
    expect((await other.client.rest('GET', `/v1/notification-channels/${keptId}`)).body).toMatchObject({ data: { email: 'unaffected@example.com' } });
    // Another address is unaffected: its confirmation arrives.
    await confirmationLink('unaffected@example.com', before);
    await new Promise((r) => setTimeout(r, 300));
    expect(mails.slice(before).filter((x) => x.to.includes('target@example.com'))).toHaveLength(3);

    // An hour later the address may be sent one again.
    await t.db.orm.em.fork().getConnection().execute(`update notification_confirmation_sends set sent_at = sent_at - interval '1 hour'`);
    expect((await rest(admin.client, 'target@example.com')).status).toBe(201);

    // Per organization: NOTIFY_CONFIRMATIONS_PER_ORGANIZATION_PER_HOUR (5), whatever the addresses.
    const spread = await t.key(await t.org('Spread Co'), ['all']);
    for (let i = 0; i < 5; i++) expect((await rest(spread.client, `spread${i}@example.com`)).status).toBe(201);
    const sixth = await rest(spread.client, 'spread5@example.com');
    expect(sixth.status).toBe(429);
    expect(sixth.body).toMatchObject({ error: { code: 'RATE_LIMITED', message: expect.stringContaining('The organization sent 5 confirmation emails') } });
  });

  it('test sends are throttled per channel: 60 at once send NOTIFY_TESTS_PER_CHANNEL_PER_MINUTE (3), the rest are 429 RATE_LIMITED with Retry-After', async () => {
    const org = await t.org('Throttle Co');
    const admin = await t.key(org, ['all']);
    const id = await confirmedChannel(admin.client, { name: 'x', email: 'throttled@example.com' });
    // The confirmation email counted as one of the minute's three.
    const before = mails.length;
    const answers = await Promise.all(Array.from({ length: 60 }, () => admin.client.rest('POST', `/v1/notification-channels/${id}/test`)));
    expect(answers.filter((a) => a.status === 201)).toHaveLength(2);
    const refused = answers.filter((a) => a.status === 429);
    expect(refused).toHaveLength(58);
    expect(refused[0].body).toMatchObject({ success: false, error: { code: 'RATE_LIMITED' } });
    expect(Number(refused[0].headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(Number(refused[0].headers.get('retry-after'))).toBeLessThanOrEqual(60);
    const gql = await admin.client.gql(TestNotificationChannelDocument, { id });
    expect(gql.errors?.[0].extensions).toMatchObject({ code: 'RATE_LIMITED', retryAfter: expect.any(Number) });
    await eventually(async () => mails.slice(before).filter((x) => x.to.includes('throttled@example.com')).length >= 2);
    await new Promise((r) => setTimeout(r, 300));
    expect(mails.slice(before).filter((x) => x.to.includes('throttled@example.com'))).toHaveLength(2);
    // A minute later, the channel may be tested again.
    await aMinuteAgo(id);
    expect((await admin.client.rest('POST', `/v1/notification-channels/${id}/test`)).status).toBe(201);
  });

  it('an address is one mailbox: what would be a list or a display name to a mailer is BAD_USER_INPUT', async () => {
    const admin = await t.key(await t.org('Lists Co'), ['all']);
    for (const email of ['ops@example.com,evil.com', 'Ops <ops@example.com>', 'ops@example.com;x@evil.com']) {
      const res = await admin.client.gql(CreateNotificationChannelDocument, { input: { name: 'x', type: 'EMAIL', email } });
      expect(res.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', fields: [{ field: 'email', message: 'must be an email address' }] });
    }
  });

  it('without SMTP_URL, an EMAIL channel is BAD_USER_INPUT naming the setting', async () => {
    const bare = await startTestApp();
    try {
      const org = await bare.org('No Mail');
      const admin = await bare.key(org, ['all']);
      const res = await admin.client.gql(CreateNotificationChannelDocument, { input: { name: 'x', type: 'EMAIL', email: 'ops@example.com' } });
      expect(res.errors?.[0].extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        fields: [{ field: 'type', message: 'EMAIL channels need an SMTP server: set SMTP_URL (and SMTP_FROM) and restart' }],
      });
    } finally {
      await bare.close();
    }
  });
});
