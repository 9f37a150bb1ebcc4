/**
 * EMAIL channels through a real SMTP server in process (smtp-server): the message tracer sends is read back as the
 * server received it. And without SMTP_URL an EMAIL channel is refused with a clear BAD_USER_INPUT.
 */
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SMTPServer } from 'smtp-server';
import { CreateMonitorDocument, CreateNotificationChannelDocument, NotificationDeliveriesDocument, RunMonitorDocument } from '../src/client/generated/graphql';
import { startTestApp, type TestApp } from './helpers/app';
import { startTarget, type Target } from './helpers/target';
import { eventually } from './helpers/receiver';

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
  t = await startTestApp({ SMTP_URL: `smtp://127.0.0.1:${port}`, SMTP_FROM: 'tracer <alerts@tracer.example>', NOTIFY_RETRY_SCHEDULE_MS: '10', WORKER_POLL_MS: '50', PUBLIC_URL: 'https://status.example.com' });
  target = await startTarget();
  target.route('/down', (_req, res) => res.writeHead(503).end());
});
afterAll(async () => {
  await t?.close();
  await target?.close();
  await new Promise<void>((r) => (smtp ? smtp.close(() => r()) : r()));
});

describe('email channels', () => {
  it('an opening alert is mailed: from SMTP_FROM, to the channel, with the check, location, error and link', async () => {
    const org = await t.org('Mail Co');
    const admin = await t.key(org, ['all']);
    const made = await admin.client.gql(CreateNotificationChannelDocument, { input: { name: 'ops mail', type: 'EMAIL', email: 'ops@example.com', events: ['ALERT_OPENED'] } });
    expect(made.data!.createNotificationChannel).toMatchObject({ secret: null, channel: { type: 'EMAIL', email: 'ops@example.com', url: null } });
    const m = (await admin.client.gql(CreateMonitorDocument, { input: { name: 'Storefront', url: `${target.url}/down`, failureThreshold: 1, intervalSeconds: 3600 } })).data!.createMonitor.id;
    await admin.client.gql(RunMonitorDocument, { id: m });
    const mail = await eventually(async () => mails.find((x) => x.to.includes('ops@example.com')));
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
    const id = (await admin.client.gql(CreateNotificationChannelDocument, { input: { name: 'x', type: 'EMAIL', email: 'nobody@example.com' } })).data!.createNotificationChannel.channel.id;
    refuse = 550;
    try {
      await admin.client.rest('POST', `/v1/notification-channels/${id}/test`);
      const done = await eventually(async () => {
        const [x] = (await admin.client.gql(NotificationDeliveriesDocument, {})).data!.notificationDeliveries.nodes;
        return x.status !== 'PENDING' && x;
      });
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
