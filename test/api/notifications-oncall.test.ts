/**
 * The on-call channel types end to end on the real app, against local stand-ins of PagerDuty, Opsgenie, Teams,
 * Discord and Telegram that check each provider's documented request shape and answer as the provider does
 * (test/helpers/providers.ts): an alert's opening, acknowledgement and resolution reach each of them; their secrets
 * are sealed and never shown; an answer saying the integration is gone marks the channel BROKEN (no retries) until
 * it is updated; PagerDuty's signed v3 webhooks acknowledge and resolve the alert, unsigned or wrongly signed ones
 * change nothing.
 */
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  AcknowledgeAlertDocument,
  AlertDocument,
  AlertsDocument,
  CreateMonitorDocument,
  CreateNotificationChannelDocument,
  DeleteNotificationChannelDocument,
  NotificationChannelDocument,
  NotificationChannelsDocument,
  NotificationDeliveriesDocument,
  ResolveAlertDocument,
  RunMonitorDocument,
  TestNotificationChannelDocument,
  UpdateNotificationChannelDocument,
} from '../../src/client/generated/graphql';
import { startTestApp, type TestApp } from '../helpers/app';
import { startTarget, type Target } from '../helpers/target';
import { eventually } from '../helpers/receiver';
import { startProviders, type Providers } from '../helpers/providers';
import { msteams } from '../../src/modules/notifications/channels/msteams';
import { telegram } from '../../src/modules/notifications/channels/telegram';
import type { Organization } from '../../src/modules/organization/organization.entity';

let t: TestApp;
let target: Target;
let pv: Providers;
let org: Organization;
let admin: Awaited<ReturnType<TestApp['key']>>;

beforeAll(async () => {
  pv = await startProviders();
  t = await startTestApp({
    NOTIFY_RETRY_SCHEDULE_MS: '20,20,20',
    WORKER_POLL_MS: '50',
    PAGERDUTY_EVENTS_URL: `${pv.url}/pagerduty/v2/enqueue`,
    OPSGENIE_API_URL: `${pv.url}/opsgenie-us`,
    OPSGENIE_EU_API_URL: `${pv.url}/opsgenie-eu`,
    TELEGRAM_API_URL: `${pv.url}/telegram`,
  });
  target = await startTarget();
  target.route('/down', (_req, res) => res.writeHead(503).end());
  org = await t.org('Acme Inc');
  admin = await t.key(org, ['all']);
});
afterAll(async () => {
  await target?.close();
  await t?.close();
  await pv?.close();
});

const create = async (input: Record<string, unknown>) => {
  const res = await admin.client.gql(CreateNotificationChannelDocument, { input: { name: 'on-call', events: ['ALERT_OPENED', 'ALERT_ACKNOWLEDGED', 'ALERT_RESOLVED'], ...input } as never });
  expect(res.errors).toBeUndefined();
  return res.data!.createNotificationChannel.channel;
};
const createError = async (input: Record<string, unknown>) => {
  const res = await admin.client.gql(CreateNotificationChannelDocument, { input: { name: 'bad', ...input } as never });
  return (res.errors?.[0].extensions as { code: string; fields?: Array<{ field: string; message: string }> }) ?? null;
};
const read = async (id: string) => (await admin.client.gql(NotificationChannelDocument, { id })).data!.notificationChannel;
const deliveries = async (channelId: string) => (await admin.client.gql(NotificationDeliveriesDocument, { channelId, first: 50 })).data!.notificationDeliveries.nodes;
const settled = (channelId: string, count = 1) =>
  eventually(async () => {
    const list = await deliveries(channelId);
    return list.length >= count && list.every((d) => d.status !== 'PENDING') && list;
  });
/** A monitor failing at once, and its alert once its run opened it. */
const failingMonitor = async (name: string) => {
  const id = (await admin.client.gql(CreateMonitorDocument, { input: { name, url: `${target.url}/down`, failureThreshold: 1, intervalSeconds: 3600 } })).data!.createMonitor.id;
  await admin.client.gql(RunMonitorDocument, { id });
  const alert = await eventually(async () => (await admin.client.gql(AlertsDocument, { status: 'OPEN', checkId: id })).data!.alerts.nodes[0]);
  return { id, alert };
};
const sign = (secret: string, body: string) => `v1=${createHmac('sha256', secret).update(body).digest('hex')}`;
const pagerdutyWebhook = (body: string, headers: Record<string, string> = {}, query = '') =>
  fetch(`${t.baseUrl}/integrations/pagerduty/webhook${query}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
const incident = (type: string, alertId: string) =>
  JSON.stringify({
    event: {
      id: '01DEN4HPBQAAAG05V5QQYBRZMF',
      event_type: type,
      resource_type: 'incident',
      occurred_at: new Date().toISOString(),
      agent: { html_url: 'https://acme.pagerduty.com/users/PLH1HKV', id: 'PLH1HKV', self: 'https://api.pagerduty.com/users/PLH1HKV', summary: 'Tenex Engineer', type: 'user_reference' },
      data: { id: 'PGR0VU2', type: 'incident', number: 2, status: type.split('.')[1], incident_key: alertId, title: 'Alert opened: Checkout API' },
    },
  });

// Every channel of the organization hears every alert of it: each test starts with none, and with an empty log of
// what the providers were sent, so that what it reads is its own whichever tests ran before.
beforeEach(async () => {
  const channels = (await admin.client.gql(NotificationChannelsDocument, { first: 50 })).data!.notificationChannels.nodes;
  for (const c of channels) expect((await admin.client.gql(DeleteNotificationChannelDocument, { id: c.id })).errors).toBeUndefined();
  pv.calls.length = 0;
  pv.violations.length = 0;
});

describe('on-call channels', () => {
  it('each type validates its fields: required ones, ones of another type, their formats', async () => {
    expect((await createError({ type: 'PAGERDUTY' }))?.fields).toEqual([{ field: 'routingKey', message: 'is required for a PAGERDUTY channel' }]);
    expect((await createError({ type: 'TELEGRAM', botToken: 'nope', chatId: 'x y' }))?.fields).toEqual([
      { field: 'botToken', message: 'must be a bot token as BotFather gives it (`123456:ABC…`)' },
      { field: 'chatId', message: 'must be a chat id (a number) or a channel username (`@name`)' },
    ]);
    expect((await createError({ type: 'DISCORD', url: `${pv.url}/discord/api/webhooks/1/abc`, botToken: pv.botToken }))?.fields).toEqual([
      { field: 'botToken', message: 'is only for TELEGRAM channels' },
    ]);
    expect((await createError({ type: 'OPSGENIE' }))?.fields).toEqual([{ field: 'apiKey', message: 'is required for an OPSGENIE channel' }]);
    expect((await createError({ type: 'MSTEAMS' }))?.fields).toEqual([{ field: 'url', message: 'is required for a MSTEAMS channel' }]);
    expect((await createError({ type: 'WEBHOOK', url: `${pv.url}/x`, routingKey: pv.routingKey }))?.fields).toEqual([{ field: 'routingKey', message: 'is only for PAGERDUTY channels' }]);
  });

  it('an alert opened, acknowledged and resolved reaches every provider in its documented shape; secrets are sealed and never shown', async () => {
    const pd = await create({ name: 'PD', type: 'PAGERDUTY', routingKey: pv.routingKey, signingSecret: 'pd-signing-secret-1' });
    const og = await create({ name: 'Opsgenie', type: 'OPSGENIE', apiKey: pv.genieKey, region: 'EU' });
    const teams = await create({ name: 'Teams', type: 'MSTEAMS', url: `${pv.url}/teams/workflows/abc?sig=t0p` });
    const dc = await create({ name: 'Discord', type: 'DISCORD', url: `${pv.url}/discord/api/webhooks/123/d1sc0rdT0ken` });
    const tg = await create({ name: 'Telegram', type: 'TELEGRAM', botToken: pv.botToken, chatId: '-1001234567890' });
    expect(pd).toMatchObject({ type: 'PAGERDUTY', status: 'ACTIVE', hasCredential: true, hasSigningSecret: true, url: null, region: null });
    expect(og).toMatchObject({ type: 'OPSGENIE', region: 'EU', hasCredential: true, hasSigningSecret: false });
    expect(tg).toMatchObject({ type: 'TELEGRAM', chatId: '-1001234567890', hasCredential: true });
    expect(teams.url).toBe(`${pv.url}/…`);
    const reads = JSON.stringify([
      (await admin.client.gql(NotificationChannelsDocument, { first: 50 })).body,
      (await admin.client.rest('GET', '/v1/notification-channels')).body,
    ]);
    for (const s of [pv.routingKey, pv.genieKey, pv.botToken, 'pd-signing-secret-1', 'd1sc0rdT0ken', 't0p']) expect(reads).not.toContain(s);
    const rows = await t.db.orm.em.fork().getConnection().execute(`select credential, secret, url from notification_channels where id in (?, ?, ?, ?, ?)`, [pd.id, og.id, teams.id, dc.id, tg.id]);
    expect(JSON.stringify(rows)).not.toMatch(/R0ut1ng|eb243592|AAHdq|pd-signing|d1sc0rd|t0p/);
    const stored = rows.flatMap((r) => Object.values(r as Record<string, string | null>).filter((v): v is string => !!v));
    expect(stored).toHaveLength(6); // PD key and signing secret, Opsgenie key, two URLs, the bot token
    expect(stored.filter((v) => !v.startsWith('enc:v1:'))).toEqual([]);

    const { id: checkId, alert } = await failingMonitor('Checkout API');
    // Acknowledged and resolved at once: each channel's deliveries of one alert go in the order they were made.
    await admin.client.gql(AcknowledgeAlertDocument, { id: alert.id });
    await admin.client.gql(ResolveAlertDocument, { id: alert.id });
    for (const c of [pd, og, teams, dc, tg]) {
      const list = await settled(c.id, 3);
      expect(list.map((d) => [d.event, d.status, d.attempts])).toEqual([
        ['alert.resolved', 'DELIVERED', 1],
        ['alert.acknowledged', 'DELIVERED', 1],
        ['alert.opened', 'DELIVERED', 1],
      ]);
    }
    expect(pv.violations).toEqual([]);

    // PagerDuty: one incident (dedup_key = the alert id) triggered, acknowledged, resolved.
    const events = pv.calls.filter((c) => c.provider === 'pagerduty' && c.body.dedup_key === alert.id);
    expect(events.map((e) => [e.body.event_action, e.answered])).toEqual([
      ['trigger', 202],
      ['acknowledge', 202],
      ['resolve', 202],
    ]);
    expect(events[0].body).toMatchObject({
      routing_key: pv.routingKey,
      payload: { source: 'Checkout API', severity: 'critical', component: checkId, custom_details: { alert: { id: alert.id }, check: { id: checkId }, locations: ['local'] } },
      links: [{ href: expect.stringContaining(`/dashboard/#/`), text: 'Open in tracer' }],
    });
    expect(String((events[0].body.payload as { summary: string }).summary)).toContain('Alert opened: Checkout API');

    // Opsgenie, EU instance: create with alias, acknowledge and close by alias, GenieKey authorization.
    const og3 = pv.calls.filter((c) => c.provider === 'opsgenie');
    expect(og3.map((c) => c.path)).toEqual([
      '/opsgenie-eu/v2/alerts',
      `/opsgenie-eu/v2/alerts/${alert.id}/acknowledge`,
      `/opsgenie-eu/v2/alerts/${alert.id}/close`,
    ]);
    expect(og3.every((c) => c.headers.authorization === `GenieKey ${pv.genieKey}` && c.answered === 202)).toBe(true);
    expect(og3[0].body).toMatchObject({ alias: alert.id, message: 'Alert opened: Checkout API', priority: 'P1', source: 'tracer', details: { check: `Checkout API (${checkId})`, locations: 'local' } });

    // Teams: an Adaptive Card with the title, check, cause and locations, and a link to tracer.
    const card = (pv.calls.find((c) => c.provider === 'teams')!.body.attachments as Array<{ content: { body: Array<{ type: string; text?: string; facts?: Array<{ title: string; value: string }> }>; actions: Array<{ title: string }> } }>)[0].content;
    expect(card.body[0].text).toBe('Alert opened: Checkout API');
    expect(card.body[1].facts!.map((f) => f.title)).toEqual(['Check', 'Cause', 'Locations']);
    // the opening of an open alert carries its one-click acknowledge link (escalation/ack-link.ts), bound to this channel
    expect(card.actions.map((a) => a.title)).toEqual(['Open in tracer', 'Acknowledge']);
    expect((card.actions as Array<{ title: string; url?: string }>)[1].url).toMatch(/\/alerts\/ack\?token=[\w.-]+/);

    // Discord: content and an embed, mentions off.
    const d = pv.calls.find((c) => c.provider === 'discord')!;
    expect(d.path).toBe('/discord/api/webhooks/123/d1sc0rdT0ken');
    expect(d.body).toMatchObject({ content: 'Alert opened: Checkout API', allowed_mentions: { parse: [] }, embeds: [{ title: 'Alert opened: Checkout API', fields: [{ name: 'Check', value: 'Checkout API' }, { name: 'Locations', value: 'local' }] }] });

    // Telegram: sendMessage to the chat, HTML.
    const m = pv.calls.find((c) => c.provider === 'telegram')!;
    expect(m.body).toMatchObject({ chat_id: '-1001234567890', parse_mode: 'HTML' });
    expect(String(m.body.text)).toMatch(/^<b>Alert opened: Checkout API<\/b>\n/);
  });

  it('Teams and Telegram messages carry the acknowledge link when the notification has one', () => {
    const ctx = {
      payload: { type: 'alert.opened', timestamp: new Date().toISOString(), data: {} },
      readable: { title: 'Alert opened: A & B', lines: ['Error: <timeout>'], link: 'https://tracer.example/dashboard/#/alerts', ackUrl: 'https://tracer.example/alerts/ack?token=abc&x=1' },
      webhookId: 'msg_1',
      url: 'https://example.com/teams',
      credential: pv.botToken,
      secret: null,
      settings: { chatId: '42' },
      at: new Date(),
      endpoints: { pagerdutyEventsUrl: '', opsgenieApiUrl: '', opsgenieEuApiUrl: '', telegramApiUrl: 'https://api.telegram.org' },
    };
    const card = (msteams.request(ctx).body as { attachments: Array<{ content: { actions: Array<{ title: string; url: string }> } }> }).attachments[0].content;
    expect(card.actions).toContainEqual({ type: 'Action.OpenUrl', title: 'Acknowledge', url: ctx.readable.ackUrl });
    const msg = telegram.request(ctx);
    expect(msg.url).toBe(`https://api.telegram.org/bot${pv.botToken}/sendMessage`);
    expect((msg.body as { text: string }).text).toBe(
      '<b>Alert opened: A &amp; B</b>\nError: &lt;timeout&gt;\n<a href="https://tracer.example/dashboard/#/alerts">Open in tracer</a> · <a href="https://tracer.example/alerts/ack?token=abc&amp;x=1">Acknowledge</a>',
    );
  });

  it('an answer saying the integration is gone marks the channel BROKEN at once (no retries); others are skipped until an update clears it', async () => {
    const cases = [
      { input: { type: 'PAGERDUTY', routingKey: 'WrongKeyWrongKeyWrongKeyWrongKey' }, status: 400, reason: 'PagerDuty answered 400: Event object is invalid; Invalid routing key' },
      { input: { type: 'DISCORD', url: `${pv.url}/discord/api/webhooks/deleted/tok` }, status: 404, reason: 'Discord answered 404: Unknown Webhook' },
      { input: { type: 'TELEGRAM', botToken: '123456789:RevokedRevokedRevokedRevoked', chatId: '42' }, status: 401, reason: 'Telegram answered 401: Unauthorized (the bot token is not valid)' },
      { input: { type: 'TELEGRAM', botToken: pv.botToken, chatId: '-100404' }, status: 400, reason: 'Telegram answered 400: Bad Request: chat not found' },
      { input: { type: 'OPSGENIE', apiKey: 'wrong-key-123' }, status: 401, reason: 'Opsgenie answered 401: Could not authenticate' },
      { input: { type: 'MSTEAMS', url: `${pv.url}/teams/deleted` }, status: 404, reason: "Teams answered 404: the workflow's URL no longer exists" },
    ];
    const made = [];
    for (const c of cases) {
      const ch = await create({ name: `gone ${c.input.type}`, ...c.input });
      await admin.client.gql(TestNotificationChannelDocument, { id: ch.id });
      made.push(ch);
    }
    for (const [i, c] of cases.entries()) {
      const [d] = await settled(made[i].id);
      expect(d).toMatchObject({ event: 'test', status: 'FAILED', attempts: 1, lastResponseStatus: c.status, error: `${c.reason} (the channel is marked BROKEN: fix it and update it)` });
      expect(await read(made[i].id)).toMatchObject({ status: 'BROKEN', brokenReason: c.reason, brokenAt: expect.any(String) });
    }
    // Never the credential in what reads back.
    expect(JSON.stringify(await deliveries(made[2].id))).not.toContain('Revoked');

    // An alert for a BROKEN channel is SKIPPED, not sent; after an update (the fix) it is sent again.
    const pd = made[0];
    const before = pv.calls.length;
    const { alert } = await failingMonitor('Billing API');
    const skipped = await eventually(async () => (await deliveries(pd.id)).find((d) => d.event === 'alert.opened' && d.status !== 'PENDING'));
    expect(skipped).toMatchObject({ status: 'SKIPPED', attempts: 0, error: expect.stringContaining('Not sent: the channel is BROKEN (PagerDuty answered 400') });
    expect(pv.calls.slice(before).some((c) => c.provider === 'pagerduty' && c.body.dedup_key === alert.id && c.body.routing_key !== pv.routingKey)).toBe(false);
    const fixed = await admin.client.gql(UpdateNotificationChannelDocument, { id: pd.id, input: { routingKey: pv.routingKey } });
    expect(fixed.data!.updateNotificationChannel).toMatchObject({ status: 'ACTIVE', brokenReason: null, brokenAt: null });
    await admin.client.gql(AcknowledgeAlertDocument, { id: alert.id });
    const sent = await eventually(async () => (await deliveries(pd.id)).find((d) => d.event === 'alert.acknowledged' && d.status !== 'PENDING'));
    expect(sent).toMatchObject({ status: 'DELIVERED', attempts: 1, lastResponseStatus: 202 });
  });

  it('PagerDuty webhooks: unsigned or wrongly signed change nothing; signed ones acknowledge and resolve the alert', async () => {
    const pd = await create({ name: 'PD two-way', type: 'PAGERDUTY', routingKey: pv.routingKey, signingSecret: 'whsec-two-way-secret' });
    const { alert } = await failingMonitor('Search API');
    const status = async () => (await admin.client.gql(AlertDocument, { id: alert.id })).data!.alert.status;
    const ack = incident('incident.acknowledged', alert.id);

    const unsigned = await pagerdutyWebhook(ack);
    expect(unsigned.status).toBe(401);
    expect(await unsigned.json()).toMatchObject({ success: false, error: { code: 'UNAUTHORIZED' } });
    expect((await pagerdutyWebhook(ack, { 'x-pagerduty-signature': sign('not-the-secret', ack) })).status).toBe(401);
    expect((await pagerdutyWebhook(ack, { 'x-pagerduty-signature': 'v1=zz' })).status).toBe(401);
    // Signed for another body: the signature is of the raw bytes.
    expect((await pagerdutyWebhook(ack.replace('Tenex', 'Other'), { 'x-pagerduty-signature': sign('whsec-two-way-secret', ack) })).status).toBe(401);
    // Another organization's channel secret does not reach this organization's alert.
    const other = await t.org('Other Inc');
    const otherAdmin = await t.key(other, ['all']);
    const foreign = (await otherAdmin.client.gql(CreateNotificationChannelDocument, { input: { name: 'theirs', type: 'PAGERDUTY', routingKey: pv.routingKey, signingSecret: 'their-own-secret', events: ['ALERT_OPENED'] } as never })).data!.createNotificationChannel.channel;
    expect((await pagerdutyWebhook(ack, { 'x-pagerduty-signature': sign('their-own-secret', ack) })).status).toBe(401);
    const viaTheirs = await pagerdutyWebhook(ack, { 'x-pagerduty-signature': sign('their-own-secret', ack) }, `?channel=${foreign.id}`);
    expect(await viaTheirs.json()).toMatchObject({ success: true, data: { changed: false } });
    expect(await status()).toBe('OPEN');
    // Signed but not JSON: 400.
    expect((await pagerdutyWebhook('{nope', { 'x-pagerduty-signature': sign('whsec-two-way-secret', '{nope') }, `?channel=${pd.id}`)).status).toBe(400);
    expect(await status()).toBe('OPEN');

    // Several signatures (a secret being rotated): one matching is enough.
    const ok = await pagerdutyWebhook(ack, { 'x-pagerduty-signature': `${sign('old-secret', ack)}, ${sign('whsec-two-way-secret', ack)}` });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ success: true, data: { changed: true, alertId: alert.id, action: 'acknowledge' } });
    const acked = (await admin.client.gql(AlertDocument, { id: alert.id })).data!.alert;
    expect(acked).toMatchObject({ status: 'ACKNOWLEDGED', acknowledgedByName: 'Tenex Engineer via PagerDuty (PD two-way)' });

    const resolve = incident('incident.resolved', alert.id);
    expect((await pagerdutyWebhook(resolve, { 'x-pagerduty-signature': sign('whsec-two-way-secret', resolve) }, `?channel=${pd.id}`)).status).toBe(200);
    expect(await status()).toBe('RESOLVED');
    // Again: nothing left to change, said so.
    const again = await pagerdutyWebhook(resolve, { 'x-pagerduty-signature': sign('whsec-two-way-secret', resolve) });
    expect(await again.json()).toMatchObject({ success: true, data: { changed: false } });
    // A ping to the channel's URL is answered and ignored.
    const ping = JSON.stringify({ event: { event_type: 'pagey.ping', data: { type: 'ping' } } });
    expect(await (await pagerdutyWebhook(ping, { 'x-pagerduty-signature': sign('whsec-two-way-secret', ping) }, `?channel=${pd.id}`)).json()).toMatchObject({ success: true, data: { changed: false } });
  });
});
