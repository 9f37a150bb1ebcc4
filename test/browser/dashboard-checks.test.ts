/**
 * The dashboard managing monitors and journeys, in a real browser (Debian's Chromium driven by playwright-core)
 * against the real server process on a fresh embedded database. The monitor checked is the server's own `/v1/me`
 * with an `Authorization` header: a run that answers 200 proves the stored header survived an edit that showed it
 * masked. Screenshots go to test-output/ (not committed).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser, Locator, Page } from 'playwright-core';
import { runCliInProcess, spawnServer, type ServerProcess } from '../helpers/process';
import { addMember, describeBrowser, launchChromium, openPage, OUT, setPassword, signInPage } from '../helpers/browser';
import { Client } from '../helpers/client';
import { AlertsDocument, BillingDocument, CreateHeartbeatDocument, MaintenanceWindowsDocument, CreateJourneyDocument, CreateMonitorDocument, JourneysDocument, MonitorDocument, MonitorsDocument, RunJourneyDocument, RunMonitorDocument } from '../../src/client/generated/graphql';
import { migratedDataDir } from '../helpers/database';
import { startTarget } from '../helpers/target';

// Like dashboard.test.ts: its own fresh embedded database whatever the suite's database, so once per CI run.
describeBrowser('dashboard manages monitors and journeys', () => {
  let dataDir: string;
  let server: ServerProcess;
  let browser: Browser;
  let admin: string;
  const OWNER = 'owner@acme.example';
  const READER = 'reader@acme.example'; // a VIEWER: read scopes only
  let api: Client;

  beforeAll(async () => {
    dataDir = migratedDataDir('tracer-dashboard-checks-');
    // checks of the server itself; a hosted deployment's FREE plan, whose interval limit the form shows
    const env = { DATA_DIR: dataDir, BOOTSTRAP_KEY: 'false', SCHEDULING: 'false', ALLOW_PRIVATE_TARGETS: 'true', DEFAULT_PLAN: 'FREE' };
    const a = await runCliInProcess(['create', '--org', 'Acme Inc', '--name', 'Admin', '--permissions', 'all', '--json'], env);
    admin = (JSON.parse(a.stdout) as { key: string }).key; // the test's own API calls, and a journey's header
    // People for the browser (it holds no key), made by the members CLI before the server owns the database.
    const links = [await addMember(env, 'Acme Inc', OWNER, 'OWNER'), await addMember(env, 'Acme Inc', READER, 'VIEWER')];
    server = await spawnServer(env);
    for (const token of links) await setPassword(server.baseUrl, token);
    api = new Client(server.baseUrl, admin);
    // what the read-only and 390 px checks look at, each with a run
    const health = (await api.gql(CreateMonitorDocument, { input: { name: 'Health', url: `${server.baseUrl}/healthz` } })).data!.createMonitor;
    await api.gql(RunMonitorDocument, { id: health.id });
    const checkout = (await api.gql(CreateJourneyDocument, { input: { name: 'Checkout', steps: [{ name: 'health', request: { method: 'GET', url: `${server.baseUrl}/healthz` } }] } })).data!.createJourney;
    await api.gql(RunJourneyDocument, { id: checkout.id });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const open = (width = 1280): Promise<Page> => openPage(browser, width);
  const signIn = (page: Page, email: string) => signInPage(page, server.baseUrl, email, { testId: 'org-name' });
  // (browser-side expressions as strings: this file is compiled without the DOM library)
  const focused = (page: Page) => page.evaluate('document.activeElement?.textContent ?? ""') as Promise<string>;
  const noHorizontalScroll = async (page: Page, what: string) =>
    expect(await page.evaluate('document.documentElement.scrollWidth'), `${what} is wider than the screen`).toBeLessThanOrEqual(390);
  /** The text of the elements a control's aria-describedby names: what assistive technology reads as its description. */
  const description = async (control: Locator) => {
    const ids = ((await control.getAttribute('aria-describedby')) ?? '').split(' ').filter(Boolean);
    const texts = await Promise.all(ids.map((id) => control.page().locator(`[id="${id}"]`).textContent()));
    return texts.join(' ');
  };
  const monitorByName = async (name: string) => (await api.gql(MonitorsDocument, { first: 100 })).data!.monitors.nodes.find((m) => m.name === name);

  it('creates a monitor through the form (field errors first), edits it keeping its masked header, pauses, resumes and deletes it', async () => {
    const page = await open();
    await signIn(page, OWNER);
    await page.getByRole('heading', { name: 'Monitors' }).waitFor();
    await page.getByRole('button', { name: 'New monitor' }).click();
    const form = page.getByRole('dialog', { name: 'New monitor' });
    const local = form.getByRole('group', { name: 'Locations' }).getByLabel('local');
    await local.waitFor();
    expect(await local.isChecked()).toBe(true); // the default location

    // every bad field answered at once, each next to its field
    await form.getByLabel('URL').fill('not a url');
    await form.getByRole('button', { name: 'Create monitor' }).click();
    await expect.poll(() => form.locator('#m-name-error').textContent()).toContain('1 to 100 characters');
    expect(await form.locator('#m-url-error').textContent()).toContain('absolute http or https URL');
    expect(await form.getByLabel('Name').getAttribute('aria-invalid')).toBe('true');
    expect(await description(form.getByLabel('URL'))).toContain('absolute http or https URL');

    await form.getByLabel('Name').fill('Who am I');
    await form.getByLabel('URL').fill(`${server.baseUrl}/v1/me`);
    await form.getByRole('button', { name: 'Add header' }).click();
    await form.getByRole('group', { name: 'Header 1' }).getByLabel('Name').fill('Authorization');
    await form.getByRole('group', { name: 'Header 1' }).getByLabel('Value').fill(`Bearer ${admin}`);
    await form.getByLabel('Expected status codes').fill('200');
    await form.getByRole('button', { name: 'Add assertion' }).click();
    const assertion = form.getByRole('group', { name: 'Assertion 1' });
    await assertion.getByLabel('Source').selectOption('JSON_BODY');
    await assertion.getByLabel('Property').fill('$.data.key.name');
    await assertion.getByLabel('Comparison').selectOption('EQUALS');
    await assertion.getByLabel('Target').fill('Admin');
    await form.getByLabel('Interval (seconds)').fill('60');
    await form.getByLabel('Timeout (ms)').fill('5000');
    await page.screenshot({ path: path.join(OUT, 'dashboard-monitor-form.png') });
    // a plan limit names its field too
    await form.getByRole('button', { name: 'Create monitor' }).click();
    await expect
      .poll(() => form.locator('#m-intervalSeconds-error').textContent())
      .toMatch(/^The FREE plan allows intervals of at least 300 s; change the plan with `npm run orgs -- set-plan --org org_\w+ --plan TEAM`/);
    await form.getByLabel('Interval (seconds)').fill('300');
    // the API's judgement of a tag lands next to the Tags field
    await form.getByLabel('Tags').fill('Smoke!');
    await form.getByRole('button', { name: 'Create monitor' }).click();
    await expect.poll(() => form.locator('#m-tags-error').textContent()).toBeTruthy();
    await form.getByLabel('Tags').fill('smoke, api');
    await form.getByRole('button', { name: 'Create monitor' }).click();
    await form.waitFor({ state: 'detached' });

    const row = page.locator('tr', { hasText: 'Who am I' });
    await row.waitFor();
    expect(await row.locator('.status').textContent()).toBe('PENDING');
    const created = (await monitorByName('Who am I'))!;
    expect(created).toMatchObject({
      url: `${server.baseUrl}/v1/me`,
      method: 'GET',
      headers: [{ name: 'Authorization', value: '[masked]' }],
      expectedStatusCodes: ['200'],
      assertions: [{ source: 'JSON_BODY', property: '$.data.key.name', comparison: 'EQUALS', target: 'Admin' }],
      intervalSeconds: 300,
      timeoutMs: 5000,
      locations: ['local'],
      tags: ['smoke', 'api'],
    });

    // the detail page shows the header masked; editing leaves it masked, and the API keeps the stored value
    await row.getByRole('link', { name: 'Who am I' }).click();
    await page.getByRole('heading', { name: 'Who am I' }).waitFor();
    expect(await page.getByRole('list', { name: 'Headers' }).textContent()).toBe('Authorization: [masked]');
    expect(await page.getByRole('definition').filter({ hasText: 'smoke, api' }).count()).toBe(1);
    expect(await page.content()).not.toContain(admin.slice(13, 30));
    await page.getByRole('button', { name: 'Edit' }).click();
    const edit = page.getByRole('dialog', { name: 'Edit “Who am I”' });
    const value = edit.getByRole('group', { name: 'Header 1' }).getByLabel('Value');
    expect(await value.inputValue()).toBe('[masked]');
    expect(await description(value)).toContain('the stored value is kept');
    await edit.getByLabel('Name', { exact: true }).first().fill('Who am I (edited)');
    await edit.getByLabel('Interval (seconds)').fill('600');
    await edit.getByLabel('Tags').fill('smoke');
    await edit.getByRole('button', { name: 'Save changes' }).click();
    await edit.waitFor({ state: 'detached' });
    await page.getByRole('heading', { name: 'Who am I (edited)' }).waitFor();
    await page.screenshot({ path: path.join(OUT, 'dashboard-monitor-detail.png'), fullPage: true });

    const after = (await api.gql(MonitorDocument, { id: created.id })).data!.monitor;
    expect(after).toMatchObject({ name: 'Who am I (edited)', intervalSeconds: 600, tags: ['smoke'], headers: [{ name: 'Authorization', value: '[masked]' }], url: created.url });
    const run = (await api.gql(RunMonitorDocument, { id: created.id })).data!.runMonitor;
    expect(run).toMatchObject({ status: 'PASSED', responseStatus: 200 }); // the stored key was sent, not "[masked]"
    expect(run.assertions).toMatchObject([{ passed: true, actual: 'Admin' }]);

    // pause and resume
    await page.getByRole('button', { name: 'Pause' }).click();
    await expect.poll(() => page.getByTestId('monitor-status').textContent()).toBe('PAUSED');
    expect((await api.gql(MonitorDocument, { id: created.id })).data!.monitor.paused).toBe(true);
    await page.getByRole('button', { name: 'Resume' }).click();
    await page.getByRole('button', { name: 'Pause' }).waitFor();
    expect((await api.gql(MonitorDocument, { id: created.id })).data!.monitor.paused).toBe(false);

    // delete: Escape cancels (focus back on Delete), then confirm
    const del = page.getByRole('button', { name: 'Delete' });
    await del.click();
    const confirm = page.getByRole('dialog', { name: 'Delete “Who am I (edited)”?' });
    expect(await confirm.textContent()).toContain('cannot be undone');
    await page.keyboard.press('Escape');
    await confirm.waitFor({ state: 'detached' });
    await expect.poll(() => focused(page)).toBe('Delete');
    expect((await api.gql(MonitorDocument, { id: created.id })).data!.monitor.id).toBe(created.id);
    await del.click();
    await confirm.getByRole('button', { name: 'Delete monitor' }).click();
    await page.getByRole('heading', { name: 'Monitors' }).waitFor();
    expect(await page.locator('tr', { hasText: 'Who am I' }).count()).toBe(0);
    const gone = await api.gql(MonitorDocument, { id: created.id });
    expect(gone.errors?.[0].extensions?.code).toBe('NOT_FOUND');
    await page.context().close();
  });

  it('creates a monitor with the keyboard alone: focus order reaches New monitor, focus is visible, Escape closes, focus returns', async () => {
    const page = await open();
    await signIn(page, OWNER);
    await page.getByRole('heading', { name: 'Monitors' }).waitFor();
    let steps = 0;
    while ((await focused(page)) !== 'New monitor' && steps++ < 25) await page.keyboard.press('Tab');
    expect(await focused(page)).toBe('New monitor');
    expect(await page.evaluate('getComputedStyle(document.activeElement).outlineStyle')).toBe('solid'); // visible focus

    await page.keyboard.press('Enter');
    const form = page.getByRole('dialog', { name: 'New monitor' });
    await form.waitFor();
    expect(await page.evaluate('document.activeElement.id')).toBe('m-name'); // focus moved into the dialog
    await page.keyboard.press('Escape');
    await form.waitFor({ state: 'detached' });
    expect(await focused(page)).toBe('New monitor');
    // Two frames for the closed dialog's last work to settle, as before any person's next key press: an Enter
    // sent at once after the Escape sometimes opened nothing (about once in ten runs; the cause is not found).
    await page.evaluate('new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))');

    await page.keyboard.press('Enter');
    await form.waitFor();
    await page.keyboard.type('Health by keyboard');
    await page.keyboard.press('Tab'); // Method
    await page.keyboard.press('Tab'); // URL
    await page.keyboard.type(`${server.baseUrl}/healthz`);
    // on to the submit button by Tab alone: the order runs through the whole form
    steps = 0;
    while ((await focused(page)) !== 'Create monitor' && steps++ < 40) await page.keyboard.press('Tab');
    expect(await focused(page)).toBe('Create monitor');
    await page.keyboard.press('Enter');
    await form.waitFor({ state: 'detached' });
    await expect.poll(() => focused(page)).toBe('New monitor'); // back where it started
    await page.locator('tr', { hasText: 'Health by keyboard' }).waitFor();
    expect((await monitorByName('Health by keyboard'))?.url).toBe(`${server.baseUrl}/healthz`);
    await page.context().close();
  });

  it('lists journeys with status, shows a journey’s steps, runs it now and shows every step’s result', async () => {
    const made = await api.gql(CreateJourneyDocument, {
      input: {
        name: 'Sign-in flow',
        steps: [
          { name: 'health', request: { method: 'GET', url: `${server.baseUrl}/healthz` }, assertions: [{ source: 'JSON_BODY', property: '$.status', comparison: 'EQUALS', target: 'ok' }] },
          {
            name: 'who am I',
            request: { method: 'GET', url: `${server.baseUrl}/v1/me`, headers: [{ name: 'Authorization', value: `Bearer ${admin}` }] },
            assertions: [{ source: 'JSON_BODY', property: '$.data.key.name', comparison: 'EQUALS', target: 'Someone else' }],
          },
        ],
      },
    });
    const journey = made.data!.createJourney;

    const page = await open();
    await signIn(page, OWNER);
    await page.getByRole('link', { name: 'Journeys' }).click();
    await page.getByRole('heading', { name: 'Journeys' }).waitFor();
    const row = page.locator(`tr[data-journey-id="${journey.id}"]`);
    expect(await row.locator('.status').textContent()).toBe('PENDING');
    expect(await row.textContent()).toContain('2 steps: health → who am I');
    await row.getByRole('button', { name: 'Run Sign-in flow now' }).click();
    await expect.poll(() => row.getByRole('img', { name: /Durations of the last 1 runs/ }).count()).toBe(1);

    await row.getByRole('link', { name: 'Sign-in flow' }).click();
    await page.getByRole('heading', { name: 'Steps' }).waitFor();
    expect(await page.locator('.steps > li').count()).toBe(2);
    expect(await page.locator('.steps > li').nth(1).textContent()).toContain('Authorization: [masked]');
    await page.getByRole('button', { name: 'Run now' }).click();
    await expect.poll(() => page.locator('.runs > li').count()).toBe(2);
    const newest = page.locator('.runs > li').first();
    expect(await newest.locator('.status').first().textContent()).toBe('FAILED');
    const steps = newest.getByRole('list', { name: 'Step results' }).locator(':scope > li');
    expect(await steps.count()).toBe(2);
    expect(await steps.nth(0).textContent()).toMatch(/^PASSED health · 200 · \d+ ms/);
    expect(await steps.nth(0).getByRole('list', { name: 'Assertions of health' }).textContent()).toContain('✓ JSON_BODY $.status EQUALS ok');
    expect(await steps.nth(1).textContent()).toMatch(/^FAILED who am I · 200 · \d+ ms/);
    expect(await steps.nth(1).locator('.fail').textContent()).toContain('✗ JSON_BODY $.data.key.name EQUALS Someone else (actual: Admin)');
    await page.screenshot({ path: path.join(OUT, 'dashboard-journey.png'), fullPage: true });
    await page.context().close();
  });

  it('creates a journey through the form and edits it, keeping the masked header of its step', async () => {
    const page = await open();
    await signIn(page, OWNER);
    await page.getByRole('link', { name: 'Journeys' }).click();
    await page.getByRole('button', { name: 'New journey' }).click();
    const form = page.getByRole('dialog', { name: 'New journey' });
    await form.getByLabel('Name', { exact: true }).first().fill('Org check');
    await form.getByRole('button', { name: 'Create journey' }).click(); // step 1 has no name or URL yet
    await expect.poll(() => form.locator('#j-step-0-url-error').textContent()).toBeTruthy();
    expect(await form.locator('#j-step-0-name-error').textContent()).toBeTruthy();

    const one = form.getByRole('group', { name: 'Step 1' });
    await one.getByLabel('Step name').fill('me');
    await one.getByLabel('URL').fill(`${server.baseUrl}/v1/me`);
    await one.getByRole('button', { name: 'Add header' }).click();
    await one.getByRole('group', { name: 'Header 1' }).getByLabel('Name').fill('Authorization');
    await one.getByRole('group', { name: 'Header 1' }).getByLabel('Value').fill(`Bearer ${admin}`);
    await one.getByRole('button', { name: 'Add extraction' }).click();
    await one.getByRole('group', { name: 'Extraction 1' }).getByLabel('Variable').fill('org');
    await one.getByRole('group', { name: 'Extraction 1' }).getByLabel('Property').fill('$.data.organization.name');
    await form.getByRole('button', { name: 'Add step' }).click();
    const two = form.getByRole('group', { name: 'Step 2' });
    await two.getByLabel('Step name').fill('health');
    await two.getByLabel('URL').fill(`${server.baseUrl}/healthz?org={{org}}`);
    await two.getByRole('button', { name: 'Add assertion' }).click();
    await two.getByRole('group', { name: 'Assertion 1' }).getByLabel('Target').fill('200');
    await form.getByRole('button', { name: 'Create journey' }).click();
    await form.waitFor({ state: 'detached' });
    const row = page.locator('tr', { hasText: 'Org check' });
    await row.waitFor();
    expect(await row.textContent()).toContain('2 steps: me → health');

    await row.getByRole('link', { name: 'Org check' }).click();
    await page.getByRole('heading', { name: 'Steps' }).waitFor();
    await page.getByRole('button', { name: 'Edit' }).click();
    const edit = page.getByRole('dialog', { name: 'Edit “Org check”' });
    expect(await edit.getByRole('group', { name: 'Step 1' }).getByRole('group', { name: 'Header 1' }).getByLabel('Value').inputValue()).toBe('[masked]');
    await edit.getByRole('group', { name: 'Step 2' }).getByLabel('Step name').fill('health again');
    await edit.getByRole('button', { name: 'Save changes' }).click();
    await edit.waitFor({ state: 'detached' });
    await page.getByText('health again').first().waitFor();

    const journeys = (await api.gql(JourneysDocument, { first: 100 })).data!.journeys.nodes;
    const saved = journeys.find((j) => j.name === 'Org check')!;
    expect(saved.steps.map((st) => st.name)).toEqual(['me', 'health again']);
    expect(saved.steps[0].request.headers).toEqual([{ name: 'Authorization', value: '[masked]', secret: true }]);
    const run = (await api.gql(RunJourneyDocument, { id: saved.id })).data!.runJourney;
    expect(run.steps.map((st) => [st.status, st.responseStatus])).toEqual([['PASSED', 200], ['PASSED', 200]]); // the stored key was sent
    expect(run.steps[0].extracted).toEqual([{ name: 'org', value: 'Acme Inc' }]);
    await page.context().close();
  });

  it('creates a TCP check and a DNS check through their forms, runs the TCP one and edits the DNS one', async () => {
    const page = await open();
    await signIn(page, OWNER);
    const { hostname, port } = new URL(server.baseUrl);
    await page.getByRole('link', { name: 'TCP checks' }).click();
    await page.getByRole('heading', { name: 'TCP checks' }).waitFor();
    await page.getByRole('button', { name: 'New tcp-check' }).click();
    const tcp = page.getByRole('dialog', { name: 'New TCP check' });
    await tcp.getByLabel('Name', { exact: true }).fill('Server port');
    await tcp.getByLabel('Host').fill(hostname);
    await tcp.getByLabel('Port').fill('70000');
    await tcp.getByRole('button', { name: 'Create TCP check' }).click();
    await expect.poll(() => tcp.locator('#t-port-error').textContent()).toContain('from 1 to 65535');
    await tcp.getByLabel('Port').fill(port);
    // Not HTTP: the server answers 400 at once, which is what the check expects
    await tcp.getByLabel('Send (optional)').fill('HELLO');
    await tcp.getByLabel('Expect (optional)').fill('400 Bad Request');
    await tcp.getByLabel('Degraded above (ms)').fill('5000');
    await tcp.getByLabel('Retries before failing').selectOption('FIXED');
    await tcp.getByRole('button', { name: 'Create TCP check' }).click();
    await page.getByRole('link', { name: 'Server port' }).click();
    await page.getByText(`${hostname}:${port}`).waitFor();
    await page.getByText('1 × fixed, base wait 1000 ms').waitFor();
    await page.getByText('5000 ms').waitFor();
    await page.getByRole('button', { name: 'Run now' }).click();
    await expect.poll(() => page.locator('.status.passed').count(), { timeout: 15_000 }).toBeGreaterThan(0);
    expect(await page.getByText(/connect \d+ ms/).count()).toBeGreaterThan(0);

    await page.getByRole('link', { name: 'DNS checks' }).click();
    await page.getByRole('button', { name: 'New dns-check' }).click();
    const dns = page.getByRole('dialog', { name: 'New DNS check' });
    await dns.getByLabel('Name', { exact: true }).fill('Mail');
    await dns.getByLabel('Name to query').fill('example.com');
    await dns.getByLabel('Record type').selectOption('MX');
    await dns.getByLabel(/Expected values/).fill('mail.example.com');
    await dns.getByRole('button', { name: 'Create DNS check' }).click();
    await expect.poll(() => dns.locator('#d-values-error').textContent()).toContain('priority exchange');
    await dns.getByLabel(/Expected values/).fill('10 mail.example.com');
    await dns.getByRole('button', { name: 'Create DNS check' }).click();
    await page.getByRole('link', { name: 'Mail' }).click();
    await page.getByText('MX example.com').waitFor();
    await page.getByRole('button', { name: 'Edit' }).click();
    const edit = page.getByRole('dialog', { name: 'Edit “Mail”' });
    await edit.getByLabel('Match').selectOption('ALL');
    await edit.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText('Expected (every one)').waitFor();
    await page.screenshot({ path: path.join(OUT, 'dashboard-dns-check.png') });
    await page.context().close();
  });

  it('updates itself: a broken target turns the monitor DOWN on the list and on its page, the open-alert count appears, and a recovery shows, all without a reload', async () => {
    const target = await startTarget();
    let healthy = true;
    target.route('/svc', (_req, res) => res.writeHead(healthy ? 200 : 500).end(healthy ? 'ok' : 'broken'));
    const flaky = (await api.gql(CreateMonitorDocument, { input: { name: 'Flaky', url: `${target.url}/svc`, failureThreshold: 1 } })).data!.createMonitor;
    await api.gql(RunMonitorDocument, { id: flaky.id });
    const openAlerts = async () => (await api.gql(AlertsDocument, { first: 100, status: 'OPEN' })).data!.alerts.nodes.length;
    const page = await open();
    await signIn(page, OWNER);
    const row = page.locator(`tr[data-monitor-id="${flaky.id}"]`);
    await expect.poll(() => row.locator('.status').textContent()).toBe('UP');
    await expect.poll(() => page.getByTestId('live').textContent()).toBe('Live'); // the subscription is up
    await page.evaluate('window.notReloaded = true'); // gone if the page were loaded again

    healthy = false;
    await api.gql(RunMonitorDocument, { id: flaky.id }); // a run recorded by the server, not by this page
    await expect.poll(() => row.locator('.status').textContent()).toBe('DOWN');
    const count = await openAlerts();
    expect(count).toBeGreaterThan(0);
    await expect.poll(() => page.getByTestId('open-alert-count').textContent()).toBe(String(count));

    await row.getByRole('link', { name: 'Flaky' }).click();
    const status = page.getByTestId('monitor-status');
    await expect.poll(() => status.textContent()).toBe('DOWN');
    const runsBefore = await page.locator('.runs > li').count();
    healthy = true;
    await api.gql(RunMonitorDocument, { id: flaky.id });
    await expect.poll(() => status.textContent()).toBe('UP');
    await expect.poll(() => page.locator('.runs > li').count()).toBe(runsBefore + 1);
    expect(await page.evaluate('window.notReloaded')).toBe(true);
    await page.context().close();
    await target.close();
  });

  it('shows the plan, usage and runs left on the Billing page, and creates and deletes a maintenance window for chosen checks', async () => {
    const billing = (await api.gql(BillingDocument)).data!.billing;
    const page = await open();
    await signIn(page, OWNER);
    await page.getByRole('link', { name: 'Settings › Billing' }).click();
    await expect.poll(() => page.getByTestId('billing-plan').textContent()).toBe(`Plan${billing.plan}`);
    expect(billing.plan).toBe('FREE');
    const runs = await page.getByTestId('billing-runs').textContent();
    expect(runs).toContain(`${billing.usage.runs.toLocaleString('en-US')} of ${billing.limits.runsPerMonth!.toLocaleString('en-US')}`);
    expect(runs).toMatch(/[\d,]+ remaining$/);

    await page.getByRole('link', { name: 'Maintenance' }).click();
    await page.getByRole('heading', { name: 'Maintenance windows' }).waitFor();
    await page.getByRole('button', { name: 'New maintenance window' }).click();
    const form = page.getByRole('dialog', { name: 'New maintenance window' });
    await form.getByRole('button', { name: 'Create window' }).click(); // no name: the API's error next to the field
    await expect.poll(() => form.locator('#mw-name-error').textContent()).toMatch(/1 to 100 characters|must not be blank/);
    await form.getByLabel('Name').fill('Database upgrade');
    await form.getByRole('group', { name: /Checks/ }).getByLabel('Health', { exact: true }).check();
    await form.getByRole('button', { name: 'Create window' }).click();
    await form.waitFor({ state: 'detached' });
    const row = page.locator('tr', { hasText: 'Database upgrade' });
    await expect.poll(() => row.locator('td[data-label="State"]').textContent()).toBe('scheduled');
    expect(await row.locator('td[data-label="Checks"]').textContent()).toBe('Health');
    const saved = (await api.gql(MaintenanceWindowsDocument, { first: 100 })).data!.maintenanceWindows.nodes.find((w) => w.name === 'Database upgrade')!;
    const health = await monitorByName('Health');
    expect(saved.checkIds).toEqual([health!.id]);
    expect(Date.parse(saved.endsAt) - Date.parse(saved.startsAt)).toBe(3600_000); // the form's default: one hour, five minutes from now

    await row.getByRole('button', { name: 'Delete Database upgrade' }).click();
    await page.getByRole('dialog', { name: '“Database upgrade”' }).getByRole('button', { name: 'Delete window' }).click();
    await expect.poll(() => row.count()).toBe(0);
    expect((await api.gql(MaintenanceWindowsDocument, { first: 100 })).data!.maintenanceWindows.nodes.some((w) => w.name === 'Database upgrade')).toBe(false);
    await page.context().close();
  });

  it("a heartbeat's page shows its ping URL with curl and crontab lines to an owner, not to a VIEWER, and its pings as they arrive", async () => {
    const hb = (await api.gql(CreateHeartbeatDocument, { input: { name: 'Nightly backup', periodSeconds: 3600 } })).data!.createHeartbeat;
    // the server listens on a port of its own choosing (PORT=0) and has no PUBLIC_URL: ping it where it listens
    const ping = `${server.baseUrl}/ping/${hb.pingUrl.split('/ping/')[1]}`;
    expect((await fetch(`${ping}/0`, { method: 'POST', body: 'backup done' })).status).toBe(200);
    const page = await open();
    await signIn(page, OWNER);
    await page.goto(`${server.baseUrl}/dashboard/#/heartbeats/${hb.id}`);
    await expect.poll(() => page.getByTestId('copy-url').textContent()).toBe(hb.pingUrl);
    expect(await page.getByTestId('copy-curl').textContent()).toBe(`curl -fsS -m 10 --retry 3 ${hb.pingUrl} > /dev/null`);
    expect(await page.getByTestId('copy-crontab').textContent()).toContain(`&& curl -fsS -m 10 --retry 3 ${hb.pingUrl}`);
    await expect.poll(() => page.locator('.runs > li').count()).toBe(1);
    // a ping arriving while the page is open shows without a reload
    expect((await fetch(`${ping}/fail`)).status).toBe(200);
    await expect.poll(() => page.locator('.runs > li').count()).toBe(2);
    await expect.poll(() => page.getByTestId('heartbeat-status').textContent()).toBe('DOWN');
    await page.context().close();

    // the URL writes (a success hides a dead job): a VIEWER is told it is not shown, and it is not in the page
    const viewer = await open();
    await signIn(viewer, READER);
    await viewer.goto(`${server.baseUrl}/dashboard/#/heartbeats/${hb.id}`);
    await viewer.getByText('Your role lacks monitors:write: the ping URL is not shown').waitFor();
    expect(await viewer.getByTestId('copy-url').count()).toBe(0);
    expect(await viewer.content()).not.toContain(hb.pingUrl.split('/ping/')[1]);
    await viewer.context().close();
  });

  it('a VIEWER sees every monitor and journey control disabled, each saying which scope it lacks', async () => {
    const page = await open();
    await signIn(page, READER);
    await page.getByRole('heading', { name: 'Monitors' }).waitFor();
    const create = page.getByRole('button', { name: 'New monitor' });
    expect(await create.isDisabled()).toBe(true);
    expect(await description(create)).toBe('Your role lacks monitors:write');
    expect(await page.getByRole('list', { name: 'Unavailable actions' }).textContent()).toContain('Your role lacks monitors:write');

    await page.getByRole('link', { name: 'Health', exact: true }).click();
    await page.getByRole('heading', { name: 'Health', exact: true }).waitFor();
    for (const [name, scope] of [['Run now', 'monitors:run'], ['Edit', 'monitors:write'], ['Pause', 'monitors:write'], ['Delete', 'monitors:write']]) {
      const button = page.getByRole('button', { name, exact: true });
      expect(await button.isDisabled(), name).toBe(true);
      expect(await description(button), name).toBe(`Your role lacks ${scope}`);
      expect(await button.locator('xpath=..').getAttribute('title'), name).toBe(`Your role lacks ${scope}`); // the tooltip
    }

    await page.getByRole('link', { name: 'Journeys' }).click();
    await page.getByRole('link', { name: 'Checkout' }).click();
    await page.getByRole('heading', { name: 'Steps' }).waitFor();
    for (const [name, scope] of [['Run now', 'journeys:run'], ['Pause', 'journeys:write'], ['Delete', 'journeys:write']]) {
      const button = page.getByRole('button', { name, exact: true });
      expect(await button.isDisabled(), name).toBe(true);
      expect(await description(button), name).toBe(`Your role lacks ${scope}`);
    }
    await page.context().close();
  });

  it('every page fits 390 px without horizontal scrolling', async () => {
    const page = await open(390);
    await signIn(page, OWNER);
    await page.getByRole('heading', { name: 'Monitors' }).waitFor();
    await noHorizontalScroll(page, 'Monitors');
    await page.screenshot({ path: path.join(OUT, 'dashboard-monitors-list-390.png'), fullPage: true });

    await page.getByRole('button', { name: 'New monitor' }).click();
    const form = page.getByRole('dialog', { name: 'New monitor' });
    await form.getByRole('button', { name: 'Add header' }).click();
    await form.getByRole('button', { name: 'Add assertion' }).click();
    await noHorizontalScroll(page, 'New monitor');
    expect(await page.evaluate("(d => d.scrollWidth <= d.clientWidth)(document.querySelector('dialog[open]'))")).toBe(true); // nor inside the dialog
    await page.screenshot({ path: path.join(OUT, 'dashboard-monitor-form-390.png') });
    await page.keyboard.press('Escape');

    await page.getByRole('link', { name: 'Health', exact: true }).click();
    await page.getByRole('heading', { name: 'Runs' }).waitFor();
    await page.locator('.runs > li').first().waitFor();
    await noHorizontalScroll(page, 'a monitor');
    await page.goto(`${server.baseUrl}/dashboard/#/journeys`);
    await page.getByRole('heading', { name: 'Journeys' }).waitFor();
    await page.locator('tr', { hasText: 'Checkout' }).waitFor();
    await noHorizontalScroll(page, 'Journeys');
    await page.getByRole('button', { name: 'New journey' }).click();
    await page.getByRole('dialog', { name: 'New journey' }).getByRole('button', { name: 'Add header' }).click();
    await noHorizontalScroll(page, 'New journey');
    expect(await page.evaluate("(d => d.scrollWidth <= d.clientWidth)(document.querySelector('dialog[open]'))")).toBe(true);
    await page.keyboard.press('Escape');
    await page.getByRole('link', { name: 'Checkout' }).click();
    await page.getByRole('heading', { name: 'Runs' }).waitFor();
    await page.locator('.runs > li').first().waitFor();
    await noHorizontalScroll(page, 'a journey');
    await page.screenshot({ path: path.join(OUT, 'dashboard-journey-390.png'), fullPage: true });
    for (const [hash, heading] of [['#/alerts', 'Open alerts'], ['#/maintenance', 'Maintenance windows'], ['#/settings/api-keys', 'API Keys'], ['#/settings/members', 'Members'], ['#/settings/billing', 'Billing'], ['#/account', 'Account']]) {
      await page.goto(`${server.baseUrl}/dashboard/${hash}`);
      await page.getByRole('heading', { name: heading, exact: true }).waitFor();
      await noHorizontalScroll(page, heading);
    }
    await page.context().close();
  });
});
