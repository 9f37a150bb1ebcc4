/**
 * The dashboard in a real browser (Debian's Chromium driven by playwright-core) against the real server process on
 * a fresh embedded database: people sign in with email and password (members made by the CLI, passwords set through
 * the link), the browser holding no key; create a key through the dialog (CI/CD preset, 30 days), prove it works,
 * revoke it through the UI, prove it is refused; a VIEWER sees write controls disabled; the Members page; a session
 * ended by sign-out or revoked from the account page ends wherever it is used. Two-factor is in
 * dashboard-account.test.ts. Screenshots go to test-output/ (not committed).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { runCliInProcess, spawnServer, type ServerProcess } from '../helpers/process';
import { addMember, describeBrowser, launchChromium, openPage, OUT, setPassword, signInPage } from '../helpers/browser';
import { migratedDataDir } from '../helpers/database';

// The dashboard runs on its own fresh embedded database whatever the suite's database: once per CI run is enough,
// so the PostgreSQL pass leaves it out.
describeBrowser('dashboard in Chromium', () => {
  let dataDir: string;
  let server: ServerProcess;
  let browser: Browser;
  let admin: string;
  const OWNER = 'owner@acme.example';
  const READER = 'reader@acme.example'; // a VIEWER
  const foreignRequests: string[] = [];

  beforeAll(async () => {
    dataDir = migratedDataDir('tracer-dashboard-');
    const env = { DATA_DIR: dataDir, BOOTSTRAP_KEY: 'false', SCHEDULING: 'false', ALLOW_PRIVATE_TARGETS: 'true' }; // checks of the server itself
    // Keys first, made by the CLI in this process (no Node start): the embedded database belongs to one process at a time.
    const a = await runCliInProcess(['create', '--org', 'Acme Inc', '--name', 'Admin', '--permissions', 'all', '--json'], env);
    await runCliInProcess(['create', '--org', 'Acme Inc', '--name', 'Monitoring Dashboard', '--permissions', 'monitors:read,journeys:read,alerts:read', '--json'], env);
    admin = (JSON.parse(a.stdout) as { key: string }).key; // the test's own API calls; the browser signs in as a person
    const links = [await addMember(env, 'Acme Inc', OWNER, 'OWNER'), await addMember(env, 'Acme Inc', READER, 'VIEWER')];
    server = await spawnServer(env);
    for (const token of links) await setPassword(server.baseUrl, token);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const open = async (width = 1280): Promise<Page> => {
    const page = await openPage(browser, width);
    page.on('request', (req) => {
      if (!req.url().startsWith(server.baseUrl) && !req.url().startsWith('data:')) foreignRequests.push(req.url());
    });
    return page;
  };
  const signIn = (page: Page, email: string, password?: string) => signInPage(page, server.baseUrl, email, { password });

  it('is served with a strict CSP, no framing, and no third-party requests', async () => {
    const res = await fetch(`${server.baseUrl}/dashboard/`);
    expect(res.status).toBe(200);
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(await res.text()).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/); // no inline script
  });

  it('signs in with email and password, shows who it is, answers a wrong password with the API message, and keeps no credential in the page', async () => {
    const page = await open();
    await signIn(page, OWNER, 'not-the-password-at-all');
    await expect.poll(() => page.getByRole('alert').textContent()).toBe('Invalid email or password');
    await signIn(page, OWNER);
    await expect.poll(() => page.getByTestId('org-name').textContent()).toBe('Acme Inc');
    expect(await page.getByTestId('member-email').textContent()).toBe(OWNER);
    expect(await page.getByTestId('member-role').textContent()).toBe('OWNER');
    // (browser-side expressions as strings: this file is compiled without the DOM library)
    // The session cookie is HttpOnly: no script sees it; nothing is kept in either storage.
    expect(await page.evaluate('[localStorage.length, document.cookie, sessionStorage.length]')).toEqual([0, '', 0]);
    const cookies = await page.context().cookies();
    expect(cookies.map((c) => [c.name, c.httpOnly, c.sameSite])).toEqual([['tracer_session', true, 'Lax']]);
    // the dashboard's GraphQL calls carry the cookie, never an Authorization header
    const sent: (string | undefined)[] = [];
    page.on('request', (req) => {
      if (req.url().endsWith('/graphql')) sent.push(req.headers().authorization);
    });
    await page.getByRole('link', { name: 'Alerts' }).click();
    await page.getByText('No open alerts.').waitFor();
    expect(sent.length).toBeGreaterThan(0);
    expect(sent.every((h) => h === undefined)).toBe(true);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    await page.reload(); // the session ended on the server: a reload does not bring it back
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    await page.context().close();
  });

  it('creates a key with the CI/CD preset and 30 days, shows it once, and revokes it with a confirmation', async () => {
    const page = await open();
    await signIn(page, OWNER);
    await page.getByRole('link', { name: 'Settings › API Keys' }).click();
    await page.getByRole('heading', { name: 'API Keys' }).waitFor();
    await page.locator('tr', { hasText: 'Monitoring Dashboard' }).waitFor();
    // "Created by": the CLI made both keys of this organization.
    expect(await page.getByRole('columnheader', { name: 'Created by' }).count()).toBe(1);
    expect(await page.locator('tr', { hasText: 'Monitoring Dashboard' }).locator('td.created-by').textContent()).toBe('cli (system)');
    await page.screenshot({ path: path.join(OUT, 'dashboard-keys.png'), fullPage: true });

    await page.getByRole('button', { name: 'Create API Key' }).click();
    const dialog = page.getByRole('dialog', { name: 'Create API Key' });
    // the API's validation errors appear next to their field
    await dialog.getByRole('button', { name: 'Create API Key' }).click();
    await expect.poll(() => dialog.locator('#key-name-error').textContent()).toMatch(/1 to 100 characters|must not be blank/);
    expect(await dialog.locator('#perms-error').textContent()).toContain('at least one permission');
    await dialog.getByLabel('Name').fill('CI pipeline');
    await dialog.getByRole('button', { name: 'CI/CD Pipeline' }).click();
    await dialog.getByLabel('Expiration').selectOption('THIRTY_DAYS');
    for (const scope of ['monitors:read', 'monitors:run', 'journeys:read', 'journeys:run'])
      expect(await dialog.locator(`input[value="${scope}"]`).isChecked(), scope).toBe(true);
    expect(await dialog.locator('input[value="alerts:read"]').isChecked()).toBe(false);
    await page.screenshot({ path: path.join(OUT, 'dashboard-create-dialog.png') });
    await dialog.getByRole('button', { name: 'Create API Key' }).click();

    const shown = page.getByTestId('new-key');
    await shown.waitFor();
    const key = await shown.inputValue();
    expect(key).toMatch(/^izli_sk_live_[0-9A-Za-z]{50}$/);
    expect(await shown.getAttribute('readonly')).not.toBeNull();
    expect(await page.getByRole('dialog', { name: 'Copy your key' }).textContent()).toContain("it won't be shown again");
    await page.getByRole('button', { name: 'Copy' }).click();
    await page.getByRole('button', { name: 'Done' }).click();
    expect(await page.getByTestId('new-key').count()).toBe(0); // closing the panel forgets it

    const meStatus = (k: string) => page.evaluate((k) => fetch('/v1/me', { headers: { Authorization: `Bearer ${k}` } }).then((r) => r.status), k);
    expect(await meStatus(key)).toBe(200);

    const row = page.locator('tr', { hasText: 'CI pipeline' });
    expect(await row.textContent()).toContain('monitors:read, monitors:run, journeys:read, journeys:run');
    expect(await row.textContent()).toMatch(/in (29|30) days/);
    expect(await row.locator('td.created-by').textContent()).toBe(`${OWNER} (member)`); // made by the person signed in (no name given: the email)
    await row.getByRole('button', { name: 'Revoke CI pipeline' }).click();
    const confirm = page.getByRole('dialog', { name: /Revoke “CI pipeline”/ });
    await confirm.getByRole('button', { name: 'Revoke key' }).click();
    await expect.poll(() => row.locator('.status').textContent()).toBe('revoked');
    expect(await meStatus(key)).toBe(401);

    await page.getByLabel('Hide revoked keys').check();
    expect(await page.locator('tr', { hasText: 'CI pipeline' }).count()).toBe(0);
    await page.context().close();
  });

  it('lists monitors with status and a response-time chart, runs one now, shows its runs, and handles alerts', async () => {
    const api = (method: string, p: string, body?: unknown) =>
      fetch(`${server.baseUrl}${p}`, {
        method,
        headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      }).then((r) => r.json() as Promise<{ data: { id: string } }>);
    const up = (await api('POST', '/v1/monitors', { name: 'Health', url: `${server.baseUrl}/healthz`, assertions: [{ source: 'JSON_BODY', property: '$.status', comparison: 'EQUALS', target: 'ok' }] })).data;
    const down = (await api('POST', '/v1/monitors', { name: 'Broken', url: `${server.baseUrl}/nope`, failure_threshold: 1 })).data;
    for (let i = 0; i < 3; i++) await api('POST', `/v1/monitors/${up.id}/runs`);

    const page = await open();
    await signIn(page, OWNER);
    await page.getByRole('heading', { name: 'Monitors' }).waitFor();
    const upRow = page.locator(`tr[data-monitor-id="${up.id}"]`);
    await expect.poll(() => upRow.locator('.status').textContent()).toBe('UP');
    expect(await upRow.getByRole('img', { name: /Response times of the last 3 runs/ }).count()).toBe(1);
    const downRow = page.locator(`tr[data-monitor-id="${down.id}"]`);
    expect(await downRow.locator('.status').textContent()).toBe('PENDING');
    await downRow.getByRole('button', { name: 'Run Broken now' }).click();
    await expect.poll(() => downRow.locator('.status').textContent()).toBe('DOWN');
    await page.screenshot({ path: path.join(OUT, 'dashboard-monitors.png'), fullPage: true });

    await upRow.getByRole('link', { name: 'Health' }).click();
    await page.getByRole('heading', { name: 'Runs' }).waitFor();
    expect(await page.locator('.runs > li').count()).toBe(3);
    expect(await page.getByRole('list', { name: 'Assertions' }).first().textContent()).toContain('✓ JSON_BODY $.status EQUALS ok');

    await page.getByRole('link', { name: 'Alerts' }).click();
    const alert = page.locator('.alerts > li', { hasText: 'Broken' });
    await alert.getByRole('button', { name: 'Acknowledge' }).click();
    await expect.poll(() => alert.locator('.status').textContent()).toBe('ACKNOWLEDGED');
    await alert.getByRole('button', { name: 'Resolve' }).click();
    await page.getByText('No open alerts.').waitFor();
    await page.context().close();
  });

  it('a VIEWER sees write controls disabled everywhere and is told why', async () => {
    const page = await open(390);
    await signIn(page, READER);
    await page.getByTestId('org-name').waitFor();
    await page.goto(`${server.baseUrl}/dashboard/#/settings/api-keys`);
    const create = page.getByRole('button', { name: 'Create API Key' });
    await create.waitFor();
    expect(await create.isDisabled()).toBe(true);
    expect(await page.getByText('Your role lacks organization:write').first().isVisible()).toBe(true);
    const revoke = page.getByRole('button', { name: 'Revoke Monitoring Dashboard' }); // organization:read: the list is there
    await revoke.waitFor();
    expect(await revoke.isDisabled()).toBe(true);
    await page.goto(`${server.baseUrl}/dashboard/#/monitors`);
    await page.getByRole('heading', { name: 'Monitors' }).waitFor();
    const run = page.getByRole('button', { name: 'Run Health now' });
    await run.waitFor();
    expect(await run.isDisabled()).toBe(true); // no monitors:run
    await page.screenshot({ path: path.join(OUT, 'dashboard-monitors-390.png'), fullPage: true });
    await page.goto(`${server.baseUrl}/dashboard/#/settings/members`);
    const role = page.getByLabel(`Role of ${OWNER}`);
    await role.waitFor();
    expect(await role.isDisabled()).toBe(true);
    expect(await page.getByRole('button', { name: `Remove ${OWNER}` }).isDisabled()).toBe(true);
    expect(await page.getByRole('list', { name: 'Unavailable actions' }).textContent()).toContain('Your role lacks organization:write');
    await page.context().close();
    expect(foreignRequests).toEqual([]);
  });

  it('the Members page lists role and two-factor, changes a role and removes a member', async () => {
    const page = await open();
    await signIn(page, OWNER);
    await page.getByTestId('org-name').waitFor();
    await page.getByRole('link', { name: 'Settings › Members' }).click();
    const row = page.locator('tr', { hasText: READER });
    await row.waitFor();
    expect(await row.locator('td[data-mfa]').textContent()).toBe('off');
    await page.getByLabel(`Role of ${READER}`).selectOption('MEMBER');
    // the API's word: the reader signs in and is a MEMBER
    const other = await open();
    await signIn(other, READER);
    await expect.poll(() => other.getByTestId('member-role').textContent()).toBe('MEMBER');
    await page.getByRole('button', { name: `Remove ${READER}` }).click();
    await page.getByRole('dialog', { name: `Remove ${READER}?` }).getByRole('button', { name: 'Remove member' }).click();
    await expect.poll(() => page.locator('tr', { hasText: READER }).count()).toBe(0);
    // removed: their open session ends, and their page, live, goes back to sign-in by itself (no click, no reload)
    await other.getByRole('button', { name: 'Sign in' }).waitFor();
    await other.context().close();
    await page.context().close();
  });

  it('signing out ends the session everywhere it is used, and a session revoked from the account page ends at once', async () => {
    const a = await open();
    await signIn(a, OWNER);
    await a.getByTestId('org-name').waitFor();
    // the same session in a second browser context (its cookie copied), and another session of the same person
    const b = await open();
    await b.context().addCookies(await a.context().cookies());
    await b.goto(`${server.baseUrl}/dashboard/#/alerts`);
    await b.getByText('No open alerts.').waitFor();
    const c = await open();
    await signIn(c, OWNER);
    await c.getByTestId('org-name').waitFor();

    await a.getByRole('link', { name: 'Account' }).click();
    const rows = a.locator('tr[data-session-id]');
    await expect.poll(() => rows.count()).toBeGreaterThanOrEqual(2);
    expect(await rows.filter({ hasText: 'this session' }).count()).toBe(1);
    // revoke every other session (c's among them)
    const others = rows.filter({ hasNotText: 'this session' });
    for (let n = await others.count(); n > 0; n--) {
      await others.first().getByRole('button', { name: /^Revoke session/ }).click();
      await expect.poll(() => others.count()).toBe(n - 1);
    }
    // c's page is live: its subscription is closed with the session, and it is back at sign-in by itself
    await c.getByRole('button', { name: 'Sign in' }).waitFor();

    await a.getByRole('button', { name: 'Sign out' }).click();
    await a.getByRole('button', { name: 'Sign in' }).waitFor();
    // b holds the very session a ended: its live connection is closed and it is back at sign-in without a click
    await b.getByRole('button', { name: 'Sign in' }).waitFor();
    for (const p of [a, b, c]) await p.context().close();
  });

  it('lists keys a page at a time, and "Load more keys" (keyboard) brings the older ones', async () => {
    for (let i = 0; i < 50; i++) {
      const res = await fetch(`${server.baseUrl}/v1/api-keys`, {
        method: 'POST',
        headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: `bulk ${i}`, permissions: ['monitors:read'] }),
      });
      expect(res.status).toBe(201);
    }
    const page = await open();
    await signIn(page, OWNER);
    await page.getByRole('link', { name: 'Settings › API Keys' }).click();
    await page.locator('tr', { hasText: 'bulk 49' }).waitFor();
    expect(await page.locator('tbody tr').count()).toBe(50); // one page
    expect(await page.locator('tr', { hasText: 'Monitoring Dashboard' }).count()).toBe(0); // older: not yet
    const more = page.getByRole('button', { name: 'Load more keys' });
    await more.focus();
    await page.keyboard.press('Enter');
    await page.locator('tr', { hasText: 'Monitoring Dashboard' }).waitFor();
    expect(await page.locator('tr', { hasText: 'bulk 0' }).count()).toBe(1);
    expect(await more.count()).toBe(0); // no further page
    await page.context().close();
  });
});
