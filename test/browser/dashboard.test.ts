/**
 * The dashboard in a real browser (Debian's Chromium driven by playwright-core) against the real server process on
 * a fresh embedded database: sign in with a CLI key, create a key through the dialog (CI/CD preset, 30 days), prove
 * it works, revoke it through the UI, prove it is refused, and check that a key without organization:write cannot
 * create. Screenshots go to test-output/ (not committed).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { runCliInProcess, spawnServer, type ServerProcess } from '../helpers/process';
import { describeBrowser, launchChromium, openPage, OUT, signInPage } from '../helpers/browser';
import { migratedDataDir } from '../helpers/database';

// The dashboard runs on its own fresh embedded database whatever the suite's database: once per CI run is enough,
// so the PostgreSQL pass leaves it out.
describeBrowser('dashboard in Chromium', () => {
  let dataDir: string;
  let server: ServerProcess;
  let browser: Browser;
  let admin: string;
  let reader: string;
  const foreignRequests: string[] = [];

  beforeAll(async () => {
    dataDir = migratedDataDir('tracer-dashboard-');
    const env = { DATA_DIR: dataDir, BOOTSTRAP_KEY: 'false', SCHEDULING: 'false', ALLOW_PRIVATE_TARGETS: 'true' }; // checks of the server itself
    // Keys first, made by the CLI in this process (no Node start): the embedded database belongs to one process at a time.
    const a = await runCliInProcess(['create', '--org', 'Acme Inc', '--name', 'Admin', '--permissions', 'all', '--json'], env);
    const r = await runCliInProcess(['create', '--org', 'Acme Inc', '--name', 'Monitoring Dashboard', '--permissions', 'monitors:read,journeys:read,alerts:read', '--json'], env);
    admin = (JSON.parse(a.stdout) as { key: string }).key;
    reader = (JSON.parse(r.stdout) as { key: string }).key;
    server = await spawnServer(env);
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
  const signIn = (page: Page, key: string) => signInPage(page, server.baseUrl, key);

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

  it('signs in with a key, shows who it is, and answers a bad key with the API message', async () => {
    const page = await open();
    await signIn(page, `${admin.slice(0, -1)}x`);
    await expect.poll(() => page.getByRole('alert').textContent()).toBe('Invalid or missing API key');
    await signIn(page, admin);
    await expect.poll(() => page.getByTestId('org-name').textContent()).toBe('Acme Inc');
    expect(await page.getByTestId('key-name').textContent()).toBe('Admin');
    // (browser-side expressions as strings: this file is compiled without the DOM library)
    expect(await page.evaluate('[Object.keys(localStorage).length, document.cookie, sessionStorage.length]')).toEqual([0, '', 1]);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    expect(await page.evaluate('sessionStorage.length')).toBe(0);
    await page.context().close();
  });

  it('creates a key with the CI/CD preset and 30 days, shows it once, and revokes it with a confirmation', async () => {
    const page = await open();
    await signIn(page, admin);
    await page.getByRole('link', { name: 'Settings › API Keys' }).click();
    await page.getByRole('heading', { name: 'API Keys' }).waitFor();
    await page.locator('tr', { hasText: 'this key' }).waitFor(); // the signed-in key is marked
    // "Created by": the CLI made both keys of this organization.
    expect(await page.getByRole('columnheader', { name: 'Created by' }).count()).toBe(1);
    expect(await page.locator('tr', { hasText: 'this key' }).locator('td.created-by').textContent()).toBe('cli (system)');
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
    expect(await row.locator('td.created-by').textContent()).toBe('Admin (API key)'); // made by the key signed in
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
    await signIn(page, admin);
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

  it('a key without organization:write sees Create disabled and is told why', async () => {
    const page = await open(390);
    await signIn(page, reader);
    await page.getByTestId('org-name').waitFor();
    await page.goto(`${server.baseUrl}/dashboard/#/settings/api-keys`);
    const create = page.getByRole('button', { name: 'Create API Key' });
    await create.waitFor();
    expect(await create.isDisabled()).toBe(true);
    expect(await page.getByText('This key lacks organization:write').first().isVisible()).toBe(true);
    await expect.poll(() => page.getByRole('alert').textContent()).toBe('This key lacks organization:read'); // the list itself
    await page.goto(`${server.baseUrl}/dashboard/#/monitors`);
    await page.getByRole('heading', { name: 'Monitors' }).waitFor();
    const run = page.getByRole('button', { name: 'Run Health now' });
    await run.waitFor();
    expect(await run.isDisabled()).toBe(true); // no monitors:run
    await page.screenshot({ path: path.join(OUT, 'dashboard-monitors-390.png'), fullPage: true });
    await page.context().close();
    expect(foreignRequests).toEqual([]);
  });

  it('revoking the key you are signed in with signs you out', async () => {
    const made = (await (
      await fetch(`${server.baseUrl}/v1/api-keys`, {
        method: 'POST',
        headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'Short-lived admin', permissions: ['organization:read', 'organization:write'] }),
      })
    ).json()) as { data: { key: string } };
    const page = await open();
    await signIn(page, made.data.key);
    await page.getByRole('link', { name: 'Settings › API Keys' }).click();
    const own = page.locator('tr', { hasText: 'this key' });
    await own.getByRole('button', { name: 'Revoke Short-lived admin' }).click();
    const confirm = page.getByRole('dialog', { name: /Revoke “Short-lived admin”/ });
    expect(await confirm.textContent()).toContain('you will be signed out');
    await page.keyboard.press('Tab'); // keyboard only: Cancel has focus, Tab moves to "Revoke key"
    await page.keyboard.press('Enter');
    await page.getByRole('button', { name: 'Sign in' }).waitFor(); // back on the sign-in page
    expect(await page.evaluate('sessionStorage.length')).toBe(0);
    await page.context().close();
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
    await signIn(page, admin);
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
