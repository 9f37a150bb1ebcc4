/**
 * Status pages end to end over real HTTP: managing pages (scopes, derived component states, incidents with
 * updates), the public HTML page, the Statuspage-compatible JSON API and the Atom feed (cache, ETag, custom domain
 * by Host header, rate limit), and a sweep of every public body for secrets planted in the organization.
 */
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AddIncidentUpdateDocument,
  CreateIncidentDocument,
  CreateMaintenanceWindowDocument,
  CreateMonitorDocument,
  CreateStatusPageDocument,
  DeleteMaintenanceWindowDocument,
  DeleteStatusPageDocument,
  IncidentsDocument,
  PublishIncidentDocument,
  ResolveAlertDocument,
  RunMonitorDocument,
  StatusPageDocument,
  StatusPagesDocument,
  UpdateStatusPageDocument,
  VerifyStatusPageDomainDocument,
} from '../../src/client/generated/graphql';
import { startTestApp, type TestApp } from '../helpers/app';
import { startTarget, type Target } from '../helpers/target';
import { startMailbox, type Mailbox } from '../helpers/mailbox';
import { startReceiver, verify, type Receiver } from '../helpers/receiver';
import { startDnsServer, type TestDnsServer } from '../helpers/dns-server';

let t: TestApp;
let target: Target;
let mailbox: Mailbox;
let rx: Receiver;
let dns: TestDnsServer;
let admin: Awaited<ReturnType<TestApp['key']>>;
let other: Awaited<ReturnType<TestApp['key']>>;

/** Strings that must never reach a public body. */
const SECRETS = ['s3cr3t-url-token', 'S3CR3T-HEADER-VALUE', 'Hidden internal check', 'Other org component', 'Other Org Inc', 'Acme internal'];
const ids: Record<string, string> = {};

interface Res {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}
/** A GET with any headers (Host included), by node:http. */
function get(path: string, headers: Record<string, string> = {}): Promise<Res> {
  const url = new URL(path, t.baseUrl);
  return new Promise((resolve, reject) => {
    const req = http.get({ host: url.hostname, port: url.port, path: url.pathname + url.search, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
  });
}

const publicBodies: string[] = [];
async function pub(path: string, headers: Record<string, string> = {}): Promise<Res> {
  const res = await get(path, headers);
  publicBodies.push(res.body);
  return res;
}

beforeAll(async () => {
  mailbox = await startMailbox();
  rx = await startReceiver();
  dns = await startDnsServer();
  t = await startTestApp({
    DOMAIN_DNS_RESOLVER: dns.address,
    WORKER_POLL_MS: '50',
    STATUS_PAGE_RATE_LIMIT_PER_MINUTE: '400',
    SMTP_URL: mailbox.url,
    SMTP_FROM: 'tracer <status@tracer.example>',
    NOTIFY_RETRY_SCHEDULE_MS: '10',
    PUBLIC_URL: 'https://tracer.example',
  });
  target = await startTarget();
  target.route('/up', (_req, res) => res.writeHead(200).end('ok'));
  target.route('/down', (_req, res) => res.writeHead(500).end('boom s3cr3t-url-token'));
  const org = await t.org('Acme internal');
  await t.db.orm.em.fork().nativeUpdate('Organization', { id: org.id }, { plan: 'BUSINESS' });
  admin = await t.key(org, ['all']);
  const otherOrg = await t.org('Other Org Inc');
  other = await t.key(otherOrg, ['all']);
  const monitor = async (name: string, path: string) =>
    (
      await admin.client.gql(CreateMonitorDocument, {
        input: { name, url: `${target.url}${path}?token=s3cr3t-url-token`, failureThreshold: 1, intervalSeconds: 3600, headers: [{ name: 'X-Secret', value: 'S3CR3T-HEADER-VALUE' }] },
      })
    ).data!.createMonitor.id;
  ids.up = await monitor('Frontend probe', '/up');
  ids.up2 = await monitor('Second up probe', '/up');
  ids.down = await monitor('Backend probe', '/down');
  ids.hidden = await monitor('Hidden internal check', '/down');
  for (const id of [ids.up, ids.up2, ids.down, ids.hidden]) await admin.client.gql(RunMonitorDocument, { id });
  // Another organization's page and check: never on this organization's pages.
  const otherMon = (await other.client.gql(CreateMonitorDocument, { input: { name: 'o', url: `${target.url}/up?token=s3cr3t-url-token` } })).data!.createMonitor.id;
  ids.otherMon = otherMon;
  ids.otherPage = (
    await other.client.gql(CreateStatusPageDocument, { input: { name: 'Other public', slug: 'other', components: [{ name: 'Other org component', checkIds: [otherMon] }] } })
  ).data!.createStatusPage.id;
});
afterAll(async () => {
  await target?.close();
  await t?.close();
  await rx?.close();
  await mailbox?.close();
  await dns?.close();
});

describe('managing status pages', () => {
  it('derives each component state from its checks; the page state is the worst', async () => {
    const res = await admin.client.gql(CreateStatusPageDocument, {
      input: {
        name: 'Acme',
        slug: 'acme',
        customDomain: 'Status.Acme.test',
        components: [
          { name: 'Website', description: 'The public site', checkIds: [ids.up] },
          { name: 'API', checkIds: [ids.up2, ids.down] },
          { name: 'Billing', checkIds: [ids.down] },
        ],
      },
    });
    expect(res.errors).toBeUndefined();
    const page = res.data!.createStatusPage;
    ids.page = page.id;
    expect(page).toMatchObject({ slug: 'acme', path: '/status/acme', customDomain: 'status.acme.test', showUptime: true, state: 'MAJOR_OUTAGE' });
    expect(page.components.map((c) => [c.name, c.state])).toEqual([
      ['Website', 'OPERATIONAL'],
      ['API', 'PARTIAL_OUTAGE'],
      ['Billing', 'MAJOR_OUTAGE'],
    ]);
    ids.website = page.components[0].id;
    ids.api = page.components[1].id;
    // The custom domain serves the page once proven by DNS (test/api/status-page-domains.test.ts has the rules).
    const proof = page.customDomainVerification!;
    expect(proof).toMatchObject({ domain: 'status.acme.test', status: 'PENDING', verificationName: '_tracer-challenge.status.acme.test' });
    dns.txt(proof.verificationName, proof.verificationRecord);
    expect((await admin.client.gql(VerifyStatusPageDomainDocument, { id: page.id })).data!.verifyStatusPageDomain.customDomainVerification!.status).toBe('VERIFIED');
    expect((await admin.client.gql(StatusPagesDocument, {})).data!.statusPages.nodes.map((p) => p.id)).toEqual([page.id]);

    // A certificate about to expire is an alert of the check, not an outage: the component stays OPERATIONAL.
    const sql = t.db.orm.em.fork().getConnection();
    const [{ organization_id: orgId }] = await sql.execute<{ organization_id: string }[]>(`select organization_id from monitors where id = ?`, [ids.up]);
    await sql.execute(
      `insert into alerts (id, organization_id, check_id, source_name, cause, cause_code, status, opened_at, locations) values ('alr_tlsexpiring000001', ?, ?, 'Frontend probe', 'The certificate expires in 5 days', 'TLS_CERTIFICATE_EXPIRING', 'OPEN', now(), '{local}')`,
      [orgId, ids.up],
    );
    const states = async () => (await admin.client.gql(StatusPagesDocument, {})).data!.statusPages.nodes[0].components.map((c) => [c.name, c.state]);
    expect((await states())[0]).toEqual(['Website', 'OPERATIONAL']);
    await sql.execute(`delete from alerts where id = 'alr_tlsexpiring000001'`);
  });

  it('refuses bad input, taken slugs and domains, and checks of another organization', async () => {
    const bad = await admin.client.gql(CreateStatusPageDocument, { input: { name: ' ', slug: 'Not_A_Slug', customDomain: 'http://x', components: [{ name: '' }] } });
    expect(bad.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    const fields = (bad.errors![0].extensions!.fields as { field: string }[]).map((f) => f.field).sort();
    expect(fields).toEqual(['components[0].name', 'customDomain', 'name', 'slug']);
    const taken = await other.client.gql(CreateStatusPageDocument, { input: { name: 'x', slug: 'acme' } });
    expect(taken.errors?.[0].extensions?.code).toBe('CONFLICT');
    const domain = await other.client.gql(CreateStatusPageDocument, { input: { name: 'x', slug: 'x-1', customDomain: 'status.acme.test' } });
    expect(domain.errors?.[0].extensions?.code).toBe('CONFLICT');
    // tracer's own host (PUBLIC_URL) is nobody's custom domain: its `/` stays the dashboard for everyone
    const own = await other.client.gql(CreateStatusPageDocument, { input: { name: 'x', slug: 'x-3', customDomain: 'Tracer.Example' } });
    expect(own.errors?.[0].extensions?.fields).toEqual([{ field: 'customDomain', message: "is tracer's own host (PUBLIC_URL): a page cannot take it" }]);
    const foreign = await admin.client.gql(CreateStatusPageDocument, { input: { name: 'x', slug: 'x-2', components: [{ name: 'c', checkIds: [ids.otherMon] }] } });
    expect(foreign.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
  });

  it("answers another organization's pages and incidents as NOT_FOUND", async () => {
    expect((await admin.client.gql(StatusPageDocument, { id: ids.otherPage })).errors?.[0].extensions?.code).toBe('NOT_FOUND');
    expect((await admin.client.gql(IncidentsDocument, { statusPageId: ids.otherPage })).errors?.[0].extensions?.code).toBe('NOT_FOUND');
    const inc = await admin.client.gql(CreateIncidentDocument, { input: { statusPageId: ids.otherPage, title: 't', impact: 'MINOR', status: 'INVESTIGATING', message: 'm' } });
    expect(inc.errors?.[0].extensions?.code).toBe('NOT_FOUND');
    expect((await admin.client.gql(DeleteStatusPageDocument, { id: ids.otherPage })).errors?.[0].extensions?.code).toBe('NOT_FOUND');
  });

  it('keeps components named by id on update, adds new ones and removes the rest', async () => {
    const res = await admin.client.gql(UpdateStatusPageDocument, {
      id: ids.page,
      input: { components: [{ id: ids.website, name: 'Website', description: 'The public site', checkIds: [ids.up] }, { id: ids.api, name: 'API', checkIds: [ids.up2, ids.down] }, { name: 'Docs', checkIds: [] }] },
    });
    expect(res.errors).toBeUndefined();
    const cs = res.data!.updateStatusPage.components;
    expect(cs.map((c) => c.name)).toEqual(['Website', 'API', 'Docs']);
    expect(cs[0].id).toBe(ids.website);
    expect(res.data!.updateStatusPage.state).toBe('PARTIAL_OUTAGE');
    const unknown = await admin.client.gql(UpdateStatusPageDocument, { id: ids.page, input: { components: [{ id: 'spc_none', name: 'x' }] } });
    expect(unknown.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
  });
});

describe('the public page', () => {
  it('serves the HTML page with a strict CSP, no script, states and uptime bars, and revalidates by ETag', async () => {
    const res = await pub('/status/acme');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    const csp = res.headers['content-security-policy']!;
    expect(csp).toMatch(/default-src 'none'/);
    expect(csp).toMatch(/style-src 'sha256-[A-Za-z0-9+/=]+'/);
    expect(csp).not.toMatch(/unsafe|https?:/);
    expect(res.body).not.toMatch(/<script|<img|<iframe|https?:\/\/(?!www\.w3\.org)/i);
    expect(res.body).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
    expect(res.body).toMatch(/<h3>API<\/h3><span class="state t-PARTIAL_OUTAGE">Partial outage<\/span>/);
    expect(res.body).toMatch(/<h3>Website<\/h3><span class="state t-OPERATIONAL">Operational<\/span>/);
    expect(res.body).toContain('Partial System Outage');
    // Today's bar of the API: one passed and one failed run.
    const today = new Date().toISOString().slice(0, 10);
    expect(res.body).toContain(`${today}: 50.00% uptime`);
    expect(res.headers['cache-control']).toBe('public, no-cache');
    const etag = res.headers.etag!;
    expect(etag).toMatch(/^"[\w-]+"$/);
    const again = await get('/status/acme', { 'if-none-match': etag });
    expect(again.status).toBe(304);
    expect(again.body).toBe('');
    expect((await pub('/status/no-such-page')).status).toBe(404);
  });

  it('serves the Statuspage JSON API with its field names and vocabulary', async () => {
    const summary = JSON.parse((await pub('/status/acme/api/v2/summary.json')).body);
    expect(Object.keys(summary).sort()).toEqual(['components', 'incidents', 'page', 'scheduled_maintenances', 'status']);
    expect(Object.keys(summary.page).sort()).toEqual(['id', 'name', 'time_zone', 'updated_at', 'url']);
    expect(summary.status).toEqual({ indicator: 'major', description: 'Partial System Outage' });
    expect(summary.components.map((c: { name: string; status: string }) => [c.name, c.status])).toEqual([
      ['Website', 'operational'],
      ['API', 'partial_outage'],
      ['Docs', 'operational'],
    ]);
    expect(Object.keys(summary.components[0]).sort()).toEqual(
      ['created_at', 'description', 'group', 'group_id', 'id', 'name', 'only_show_if_degraded', 'page_id', 'position', 'showcase', 'start_date', 'status', 'updated_at'].sort(),
    );
    const status = await pub('/status/acme/api/v2/status.json');
    expect(status.headers['access-control-allow-origin']).toBe('*');
    expect(JSON.parse(status.body).status.indicator).toBe('major');
    for (const doc of ['components.json', 'incidents.json', 'incidents/unresolved.json', 'scheduled-maintenances.json'])
      expect((await pub(`/status/acme/api/v2/${doc}`)).status).toBe(200);
    expect((await pub('/status/acme/api/v2/nothing.json')).status).toBe(404);
  });

  it("follows an incident's life on the page, the JSON API and the Atom feed at once (the cache is dropped)", async () => {
    const created = await admin.client.gql(CreateIncidentDocument, {
      input: { statusPageId: ids.page, title: 'Elevated API errors', impact: 'CRITICAL', status: 'INVESTIGATING', message: 'We are looking into it.', componentIds: [ids.api] },
    });
    expect(created.errors).toBeUndefined();
    const incident = created.data!.createIncident;
    let unresolved = JSON.parse((await pub('/status/acme/api/v2/incidents/unresolved.json')).body);
    expect(unresolved.incidents).toHaveLength(1);
    const i = unresolved.incidents[0];
    expect(i).toMatchObject({ id: incident.id, name: 'Elevated API errors', status: 'investigating', impact: 'critical', resolved_at: null });
    expect(i.components.map((c: { id: string }) => c.id)).toEqual([ids.api]);
    expect(Object.keys(i.incident_updates[0])).toEqual(expect.arrayContaining(['id', 'status', 'body', 'incident_id', 'created_at', 'updated_at', 'display_at']));
    expect(JSON.parse((await pub('/status/acme/api/v2/status.json')).body).status).toEqual({ indicator: 'critical', description: 'Major Service Outage' });
    let html = (await pub('/status/acme')).body;
    expect(html).toContain('Current incidents');
    expect(html).toContain('We are looking into it.');

    await admin.client.gql(AddIncidentUpdateDocument, { input: { incidentId: incident.id, status: 'MONITORING', message: 'A fix is out.' } });
    const resolved = await admin.client.gql(AddIncidentUpdateDocument, { input: { incidentId: incident.id, status: 'RESOLVED', message: 'All good <b>now</b>.' } });
    expect(resolved.data!.addIncidentUpdate).toMatchObject({ status: 'RESOLVED', updates: [{ status: 'INVESTIGATING' }, { status: 'MONITORING' }, { status: 'RESOLVED' }] });
    unresolved = JSON.parse((await pub('/status/acme/api/v2/incidents/unresolved.json')).body);
    expect(unresolved.incidents).toEqual([]);
    const all = JSON.parse((await pub('/status/acme/api/v2/incidents.json')).body);
    expect(all.incidents[0]).toMatchObject({ status: 'resolved', monitoring_at: expect.any(String), resolved_at: expect.any(String) });
    html = (await pub('/status/acme')).body;
    expect(html).not.toContain('Current incidents');
    expect(html).toContain('All good &lt;b&gt;now&lt;/b&gt;.');
    const atom = await pub('/status/acme/history.atom');
    expect(atom.headers['content-type']).toMatch(/^application\/atom\+xml/);
    expect(atom.body).toContain('<title>Elevated API errors</title>');
    expect(atom.body).toContain('A fix is out.');
  });

  it('shows a maintenance window covering a component as scheduled maintenance, and the component under maintenance', async () => {
    const now = Date.now();
    await admin.client.gql(CreateMaintenanceWindowDocument, { input: { name: 'Database upgrade', startsAt: new Date(now - 60_000).toISOString(), endsAt: new Date(now + 3_600_000).toISOString(), checkIds: [ids.up] } });
    // A maintenance window is no state change the page hears of: its cache expires within 5 s.
    await expect.poll(async () => JSON.parse((await pub('/status/acme/api/v2/components.json')).body).components[0].status, { timeout: 10_000, interval: 250 }).toBe('under_maintenance');
    const sm = JSON.parse((await pub('/status/acme/api/v2/scheduled-maintenances.json')).body).scheduled_maintenances;
    expect(sm).toHaveLength(1);
    expect(sm[0]).toMatchObject({ name: 'Database upgrade', status: 'in_progress', impact: 'maintenance' });
    expect(sm[0].components.map((c: { id: string }) => c.id)).toEqual([ids.website]);
    expect((await pub('/status/acme')).body).toContain('Scheduled maintenance');
  });

  it('answers GET / on the custom domain (Host header) with the page; other hosts get the dashboard', async () => {
    const res = await pub('/', { host: 'status.acme.test' });
    expect(res.status).toBe(200);
    expect(res.body).toContain('<h1>Acme status</h1>');
    expect(res.body).toContain('href="/history.atom"');
    const json = await pub('/api/v2/summary.json', { host: 'STATUS.acme.test:8080' });
    expect(JSON.parse(json.body).page.url).toBe('https://status.acme.test');
    expect((await get('/', { host: 'elsewhere.test' })).status).toBe(302);
    expect((await get('/')).status).toBe(302);
    // even a page whose row names tracer's own host (written before the rule) does not take its `/`
    const sql = t.db.orm.em.fork().getConnection();
    await sql.execute(`update status_pages set custom_domain = 'tracer.example' where id = ?`, [ids.otherPage]);
    expect((await get('/', { host: 'tracer.example' })).status).toBe(302);
    await sql.execute(`update status_pages set custom_domain = null where id = ?`, [ids.otherPage]);
  });

  it('shows nothing of checks, targets, errors or another organization (every public body swept)', async () => {
    // The other organization's page, too, is swept for this organization's secrets (and vice versa: its name is planted).
    await pub('/status/other');
    const planted = [...SECRETS, ids.up, ids.up2, ids.down, ids.hidden, ids.otherMon, target.url];
    const own = publicBodies.filter((b) => !b.includes('Other public'));
    expect(own.length).toBeGreaterThan(15);
    for (const body of own) for (const secret of planted) expect(body, `a public body holds "${secret}"`).not.toContain(secret);
    for (const body of publicBodies.filter((b) => b.includes('Other public')))
      for (const secret of [...SECRETS.filter((s) => s !== 'Other org component'), ids.up, ids.down, 'Acme']) expect(body).not.toContain(secret);
  });

});

describe('subscribers', () => {
  const post = (path: string, body: string, type: string) => fetch(`${t.baseUrl}${path}`, { method: 'POST', headers: { 'content-type': type }, body });
  const deliveries = async (type: string) =>
    (await t.db.orm.em.fork().getConnection().execute<{ status: string; channel_id: string }[]>(`select status, channel_id from notification_deliveries where event = ?`, [type]));

  it('email: double opt-in, then every update with a one-click unsubscribe (RFC 8058); addresses never shown', async () => {
    const page = (await admin.client.gql(CreateStatusPageDocument, { input: { name: 'Subs', slug: 'subs', components: [{ name: 'Core', checkIds: [ids.up] }] } })).data!.createStatusPage;
    const form = await post('/status/subs/subscribe', 'email=visitor%40example.com', 'application/x-www-form-urlencoded');
    expect(form.status).toBe(200);
    expect(await form.text()).toContain('Check your inbox');
    const confirmation = await mailbox.next('visitor@example.com');
    const confirmPath = confirmation.data.match(/https:\/\/tracer\.example(\/notifications\/confirm\/[A-Za-z0-9_-]+)/)![1];
    // The same address again: the same answer, no second subscriber.
    expect((await post('/status/subs/subscribe', JSON.stringify({ email: 'Visitor@example.com' }), 'application/json')).status).toBe(200);
    expect((await admin.client.gql(StatusPageDocument, { id: page.id })).data!.statusPage.subscriberCount).toBe(1);

    // Before the link is followed nothing but the confirmation is sent: the incident's delivery is logged SKIPPED.
    const incident = (
      await admin.client.gql(CreateIncidentDocument, { input: { statusPageId: page.id, title: 'Core is slow', impact: 'MINOR', status: 'INVESTIGATING', message: 'Looking.' } })
    ).data!.createIncident;
    expect((await deliveries('incident.created')).map((d) => d.status)).toEqual(['SKIPPED']);
    expect((await post(confirmPath, '', 'application/x-www-form-urlencoded')).status).toBe(200);

    const before = mailbox.mails.length;
    await admin.client.gql(AddIncidentUpdateDocument, { input: { incidentId: incident.id, status: 'RESOLVED', message: 'Fixed the cache.' } });
    const mail = await mailbox.next('visitor@example.com', before);
    expect(mail.data).toContain('Fixed the cache.');
    // Long header lines are folded (RFC 5322): unfolded before reading.
    const headers = mail.data.split(/\r?\n\r?\n/)[0].replace(/\r?\n[ \t]+/g, ' ');
    const unsubscribe = headers.match(/^List-Unsubscribe: ?<https:\/\/tracer\.example(\/status\/unsubscribe\/[A-Za-z0-9_-]+)>/m)![1];
    expect(headers).toMatch(/^List-Unsubscribe-Post: List-Unsubscribe=One-Click/m);
    // The one-click POST a mail client sends.
    expect((await post(unsubscribe, 'List-Unsubscribe=One-Click', 'application/x-www-form-urlencoded')).status).toBe(200);
    expect((await admin.client.gql(StatusPageDocument, { id: page.id })).data!.statusPage.subscriberCount).toBe(0);
    expect((await post(unsubscribe, 'List-Unsubscribe=One-Click', 'application/x-www-form-urlencoded')).status).toBe(404);
    for (const path of ['/status/subs', '/status/subs/api/v2/summary.json', '/status/subs/api/v2/incidents.json', '/status/subs/history.atom'])
      expect(await get(path)).toMatchObject({ status: 200, body: expect.not.stringContaining('visitor') });
  });

  it('webhook: signed with Standard Webhooks, through the delivery queue, with its unsubscribe link', async () => {
    const res = await post('/status/subs/subscribe', JSON.stringify({ url: `${rx.url}/status-hook` }), 'application/json');
    expect(res.status).toBe(200);
    const { secret } = ((await res.json()) as { data: { secret: string } }).data;
    expect(secret).toMatch(/^whsec_/);
    const page = (await admin.client.gql(StatusPagesDocument, {})).data!.statusPages.nodes.find((p) => p.slug === 'subs')!;
    await admin.client.gql(CreateIncidentDocument, { input: { statusPageId: page.id, title: 'Queue backlog', impact: 'MAJOR', status: 'IDENTIFIED', message: 'Draining it.' } });
    const [hit] = await rx.waitFor((r) => r.body.includes('Queue backlog'));
    const event = verify(secret, hit);
    expect(event.type).toBe('incident.created');
    expect(event.data).toMatchObject({ statusPage: { name: 'Subs' }, incident: { title: 'Queue backlog', status: 'IDENTIFIED' }, update: { message: 'Draining it.' } });
    expect(String(event.data.unsubscribe)).toMatch(/^https:\/\/tracer\.example\/status\/unsubscribe\/[A-Za-z0-9_-]{43}$/);
    // Subscribers are no channels of the organization's.
    expect(JSON.stringify((await admin.client.rest('GET', '/v1/notification-channels')).body)).not.toContain('status-hook');
  });

  it('refuses a subscription without an address, and to a page that does not exist', async () => {
    const none = await post('/status/subs/subscribe', JSON.stringify({}), 'application/json');
    expect(none.status).toBe(400);
    expect(((await none.json()) as { error: { code: string } }).error.code).toBe('BAD_USER_INPUT');
    expect((await post('/status/nope/subscribe', JSON.stringify({ email: 'a@example.com' }), 'application/json')).status).toBe(404);
  });
});

describe('draft incidents and scheduled maintenance', () => {
  const post = (path: string, body: string) => fetch(`${t.baseUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  const sql = () => t.db.orm.em.fork().getConnection();
  const sent = async (channelId: string, type: string) =>
    (await sql().execute<{ n: string }[]>(`select count(*) as n from notification_deliveries where channel_id = ? and event = ?`, [channelId, type]))[0].n;
  const publicTexts = async () => (await Promise.all(['/status/drafts', '/status/drafts/api/v2/incidents.json', '/status/drafts/api/v2/summary.json', '/status/drafts/history.atom'].map((p) => get(p)))).map((r) => r.body);

  it('an alert opening opens one draft per component that asks; nothing public or sent until publishIncident', async () => {
    ids.drafted = (
      await admin.client.gql(CreateMonitorDocument, { input: { name: 'Drafted probe', url: `${target.url}/down?token=s3cr3t-url-token`, failureThreshold: 1, intervalSeconds: 3600 } })
    ).data!.createMonitor.id;
    const created = await admin.client.gql(CreateStatusPageDocument, {
      input: { name: 'Drafts', slug: 'drafts', components: [{ name: 'Checkout', checkIds: [ids.drafted], autoDraftIncident: true }, { name: 'Search', checkIds: [ids.drafted] }] },
    });
    expect(created.errors).toBeUndefined();
    const page = created.data!.createStatusPage;
    ids.draftsPage = page.id;
    expect(page.components.map((c) => c.autoDraftIncident)).toEqual([true, false]);
    const sub = await post('/status/drafts/subscribe', JSON.stringify({ url: `${rx.url}/drafts-hook` }));
    ids.draftsSecret = ((await sub.json()) as { data: { secret: string } }).data.secret;
    const [{ channel_id: channel }] = await sql().execute<{ channel_id: string }[]>(`select channel_id from status_subscribers where page_id = ?`, [page.id]);
    ids.draftsChannel = channel;

    // Two failing runs: the alert opens once, so one draft (the second run only keeps it open).
    await admin.client.gql(RunMonitorDocument, { id: ids.drafted });
    await admin.client.gql(RunMonitorDocument, { id: ids.drafted });
    let list = (await admin.client.gql(IncidentsDocument, { statusPageId: page.id })).data!.incidents.nodes;
    expect(list).toHaveLength(1);
    const draft = list[0];
    expect(draft).toMatchObject({ title: 'Checkout: investigating a problem', status: 'INVESTIGATING', impact: 'MAJOR', published: false, componentIds: [page.components[0].id] });
    const [alert] = await sql().execute<{ id: string; organization_id: string; opened_at: Date }[]>(`select id, organization_id, opened_at from alerts where check_id = ? and status = 'OPEN'`, [ids.drafted]);
    expect(draft.alertId).toBe(alert.id);
    // Told again of the same alert (a later location, k-of-n): still one draft.
    await t.db.orm.em.fork().transactional((tx) => t.app.services.incidents.draftFor(tx, alert, ids.drafted));
    expect((await admin.client.gql(IncidentsDocument, { statusPageId: page.id })).data!.incidents.nodes).toHaveLength(1);

    // A draft, and its updates, are no visitor's and no subscriber's.
    await admin.client.gql(AddIncidentUpdateDocument, { input: { incidentId: draft.id, status: 'IDENTIFIED', message: 'Found the broken cache.' } });
    for (const body of await publicTexts()) {
      expect(body).not.toContain('investigating a problem');
      expect(body).not.toContain('Found the broken cache.');
      expect(body).not.toContain('Drafted probe');
    }
    expect(JSON.parse((await get('/status/drafts/api/v2/incidents.json')).body).incidents).toEqual([]);
    expect(await sent(channel, 'incident.created')).toBe('0');
    expect(await sent(channel, 'incident.updated')).toBe('0');

    // Another organization cannot publish it.
    expect((await other.client.gql(PublishIncidentDocument, { id: draft.id })).errors?.[0].extensions?.code).toBe('NOT_FOUND');
    const published = await admin.client.gql(PublishIncidentDocument, { id: draft.id });
    expect(published.errors).toBeUndefined();
    expect(published.data!.publishIncident).toMatchObject({ published: true, status: 'IDENTIFIED' });
    const [hit] = await rx.waitFor((r) => r.path === '/drafts-hook' && r.body.includes('incident.created'));
    const event = verify(ids.draftsSecret, hit);
    expect(event.data).toMatchObject({ incident: { id: draft.id, title: 'Checkout: investigating a problem' }, update: { message: 'Found the broken cache.' } });
    expect(JSON.stringify(event.data)).not.toContain('Drafted probe');
    // Published: on the page at once (the cache is dropped); publishing again sends nothing more.
    expect(JSON.parse((await get('/status/drafts/api/v2/incidents.json')).body).incidents.map((i: { id: string }) => i.id)).toEqual([draft.id]);
    expect((await admin.client.gql(PublishIncidentDocument, { id: draft.id })).data!.publishIncident.published).toBe(true);
    expect(await sent(channel, 'incident.created')).toBe('1');
    list = (await admin.client.gql(IncidentsDocument, { statusPageId: ids.page })).data!.incidents.nodes;
    expect(list.every((i) => i.published && i.alertId === null)).toBe(true);
  });

  it('a certificate alert opens no draft', async () => {
    const at = new Date();
    const [{ organization_id: org }] = await sql().execute<{ organization_id: string }[]>(`select organization_id from monitors where id = ?`, [ids.drafted]);
    await t.db.orm.em
      .fork()
      .transactional((tx) =>
        t.app.services.alerts.applyTls(tx, { kind: 'monitor', id: ids.drafted, organizationId: org, name: 'Drafted probe' }, { action: 'open', cause: 'The certificate expires in 3 days', daysRemaining: 3 }, 'local', at),
      );
    expect((await sql().execute(`select id from alerts where check_id = ? and cause_code = 'TLS_CERTIFICATE_EXPIRING'`, [ids.drafted])).length).toBe(1);
    expect((await admin.client.gql(IncidentsDocument, { statusPageId: ids.draftsPage })).data!.incidents.nodes).toHaveLength(1);
  });

  it('withdraws a draft nobody published when its alert resolves (by the rule or by a key); a published one stays', async () => {
    let healthy = false;
    target.route('/flaky', (_req, res) => res.writeHead(healthy ? 200 : 500).end('flaky'));
    const id = (await admin.client.gql(CreateMonitorDocument, { input: { name: 'Flaky probe', url: `${target.url}/flaky`, failureThreshold: 1, intervalSeconds: 3600 } })).data!.createMonitor.id;
    const page = (
      await admin.client.gql(CreateStatusPageDocument, { input: { name: 'Withdrawn', slug: 'withdrawn', components: [{ name: 'Billing', checkIds: [id], autoDraftIncident: true }] } })
    ).data!.createStatusPage;
    const incidents = async () => (await admin.client.gql(IncidentsDocument, { statusPageId: page.id })).data!.incidents.nodes;
    const run = async (up: boolean) => {
      healthy = up;
      expect((await admin.client.gql(RunMonitorDocument, { id })).errors).toBeUndefined();
    };

    // The rule resolves the alert: its unpublished draft goes, updates and all.
    await run(false);
    const [first] = await incidents();
    expect(first).toMatchObject({ published: false, alertId: expect.any(String) });
    await admin.client.gql(AddIncidentUpdateDocument, { input: { incidentId: first.id, status: 'IDENTIFIED', message: 'Looking at the billing queue.' } });
    await run(true);
    expect(await sql().execute(`select status from alerts where id = ?`, [first.alertId])).toEqual([{ status: 'RESOLVED' }]);
    expect(await incidents()).toEqual([]);
    expect(await sql().execute(`select id from status_incident_updates where incident_id = ?`, [first.id])).toEqual([]);

    // Published before the alert resolved: an ordinary incident, it stays open.
    await run(false);
    const [second] = await incidents();
    expect((await admin.client.gql(PublishIncidentDocument, { id: second.id })).errors).toBeUndefined();
    await run(true);
    expect((await incidents()).map((i) => [i.id, i.published, i.status])).toEqual([[second.id, true, 'INVESTIGATING']]);

    // A key resolving the alert withdraws its draft too.
    await run(false);
    const third = (await incidents()).find((i) => !i.published)!;
    expect((await admin.client.gql(ResolveAlertDocument, { id: third.alertId! })).errors).toBeUndefined();
    expect((await incidents()).map((i) => i.id)).toEqual([second.id]);
    await run(true);
  });

  it("sends a maintenance window to the subscribers of pages whose components it covers, as scheduled maintenance", async () => {
    const now = Date.now();
    const window = await admin.client.gql(CreateMaintenanceWindowDocument, {
      input: { name: 'Payment provider switch', startsAt: new Date(now + 3_600_000).toISOString(), endsAt: new Date(now + 7_200_000).toISOString(), checkIds: [ids.drafted] },
    });
    expect(window.errors).toBeUndefined();
    const [hit] = await rx.waitFor((r) => r.path === '/drafts-hook' && r.body.includes('maintenance.scheduled'));
    const event = verify(ids.draftsSecret, hit);
    expect(event.type).toBe('maintenance.scheduled');
    expect(event.data).toMatchObject({ statusPage: { name: 'Drafts' }, maintenance: { name: 'Payment provider switch', components: ['Checkout', 'Search'] } });
    expect(String(event.data.unsubscribe)).toMatch(/^https:\/\/tracer\.example\/status\/unsubscribe\//);
    expect(JSON.stringify(event.data)).not.toContain('Drafted probe');
    // The subs page (another subscriber) shows none of that check: it is sent nothing.
    const maint = await sql().execute<{ channel_id: string }[]>(`select channel_id from notification_deliveries where event = 'maintenance.scheduled'`);
    expect(maint.map((d) => d.channel_id)).toEqual([ids.draftsChannel]);
    // A window on a check no page shows is sent to nobody.
    await admin.client.gql(CreateMaintenanceWindowDocument, { input: { name: 'Quiet', startsAt: new Date(now + 3_600_000).toISOString(), endsAt: new Date(now + 7_200_000).toISOString(), checkIds: [ids.hidden] } });
    expect(await sql().execute(`select id from notification_deliveries where event = 'maintenance.scheduled'`)).toHaveLength(1);
  });
});

describe('maintenance cancelled', () => {
  it('a window deleted before its end sends its cancellation (or early end) through the same delivery path: email and webhook', async () => {
    const post = (path: string, body: string) => fetch(`${t.baseUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const sql = () => t.db.orm.em.fork().getConnection();
    const check = (await admin.client.gql(CreateMonitorDocument, { input: { name: 'Notice probe', url: `${target.url}/up`, intervalSeconds: 3600 } })).data!.createMonitor.id;
    await admin.client.gql(CreateStatusPageDocument, { input: { name: 'Notices', slug: 'notices', components: [{ name: 'API', checkIds: [check] }] } });
    expect((await post('/status/notices/subscribe', JSON.stringify({ email: 'notice@example.com' }))).status).toBe(200);
    const confirmation = await mailbox.next('notice@example.com');
    const confirmPath = confirmation.data.match(/https:\/\/tracer\.example(\/notifications\/confirm\/[A-Za-z0-9_-]+)/)![1];
    expect((await fetch(`${t.baseUrl}${confirmPath}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '' })).status).toBe(200);
    const hook = await post('/status/notices/subscribe', JSON.stringify({ url: `${rx.url}/notice-hook` }));
    const { secret } = ((await hook.json()) as { data: { secret: string } }).data;
    const window = async (name: string, startsAt: number, endsAt: number) =>
      (await admin.client.gql(CreateMaintenanceWindowDocument, { input: { name, startsAt: new Date(startsAt).toISOString(), endsAt: new Date(endsAt).toISOString(), checkIds: [check] } }))
        .data!.createMaintenanceWindow.id;
    const now = Date.now();

    // Announced, then deleted before it starts: cancelled.
    let before = mailbox.mails.length;
    const planned = await window('Network cutover', now + 3_600_000, now + 7_200_000);
    expect((await mailbox.next('notice@example.com', before)).data).toContain('scheduled maintenance: Network cutover');
    before = mailbox.mails.length;
    expect((await admin.client.gql(DeleteMaintenanceWindowDocument, { id: planned })).errors).toBeUndefined();
    const mail = await mailbox.next('notice@example.com', before);
    expect(mail.data).toContain('maintenance cancelled: Network cutover');
    expect(mail.data).toContain('will not take place');
    expect(mail.data).toMatch(/^List-Unsubscribe:\s*</m);
    const [hit] = await rx.waitFor((r) => r.path === '/notice-hook' && r.body.includes('maintenance.cancelled'));
    const event = verify(secret, hit);
    expect(event.type).toBe('maintenance.cancelled');
    expect(event.data).toMatchObject({ statusPage: { name: 'Notices' }, maintenance: { id: planned, name: 'Network cutover', components: ['API'], inProgress: false, cancelledAt: expect.any(String) } });
    expect(JSON.stringify(event.data)).not.toContain('Notice probe');

    // Deleted while it runs: ended early.
    before = mailbox.mails.length;
    const running = await window('Disk swap', now - 60_000, now + 3_600_000);
    expect((await mailbox.next('notice@example.com', before)).data).toContain('scheduled maintenance: Disk swap');
    before = mailbox.mails.length;
    await admin.client.gql(DeleteMaintenanceWindowDocument, { id: running });
    expect((await mailbox.next('notice@example.com', before)).data).toContain('maintenance ended early: Disk swap');
    const [early] = await rx.waitFor((r) => r.path === '/notice-hook' && r.body.includes('Disk swap') && r.body.includes('maintenance.cancelled'));
    expect(verify(secret, early).data).toMatchObject({ maintenance: { name: 'Disk swap', inProgress: true } });

    // Deleted twice at once (a double click, a retried request): one deletion and one cancellation per subscriber;
    // the other delete is NOT_FOUND.
    const twice = await window('Double click', now + 3_600_000, now + 7_200_000);
    const both = await Promise.all([1, 2].map(() => admin.client.gql(DeleteMaintenanceWindowDocument, { id: twice })));
    expect(both.map((r) => r.errors?.[0]?.extensions?.code ?? 'DELETED').sort()).toEqual(['DELETED', 'NOT_FOUND']);
    const [{ n }] = await sql().execute<{ n: number }[]>(
      `select count(*)::int as n from notification_deliveries where event = 'maintenance.cancelled' and payload->'data'->'maintenance'->>'id' = ?`,
      [twice],
    );
    expect(n).toBe(2); // the email subscriber's and the webhook subscriber's

    // Deleted after it ended: history, sent to nobody.
    const ended = await window('Old work', now, now + 60_000);
    t.clock.now = new Date(now + 120_000);
    try {
      await admin.client.gql(DeleteMaintenanceWindowDocument, { id: ended });
    } finally {
      t.clock.now = null;
    }
    const cancellations = await sql().execute<{ n: string }[]>(`select count(*) as n from notification_deliveries where event = 'maintenance.cancelled'`);
    expect(Number(cancellations[0].n)).toBe(6); // three windows × two subscribers
  });
});

// Last: it spends this address's budget for the minute.
describe('the rate limit', () => {
  it('limits each address (429 with Retry-After) and never caches the refusal', async () => {
    let res: Res | undefined;
    for (let n = 0; n < 1000; n++) {
      res = await get('/status/acme/api/v2/status.json');
      if (res.status === 429) break;
    }
    expect(res!.status).toBe(429);
    expect(Number(res!.headers['retry-after'])).toBeGreaterThan(0);
    expect(res!.headers['cache-control']).toBe('no-store');
    expect(JSON.parse(res!.body).error.code).toBe('RATE_LIMITED');
  });

  it('refuses a limited address before looking up an unknown Host (no query)', async () => {
    t.queries.length = 0;
    const res = await get('/', { host: 'never-looked-up.example' });
    expect(res.status).toBe(429);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(t.requestQueries().filter((q) => /status_pages/.test(q))).toEqual([]);
  });
});
