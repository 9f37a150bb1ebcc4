/**
 * Settings › Notifications in a real browser (Debian's Chromium via playwright-core), 390 px wide and by keyboard,
 * against the real server process: add a webhook channel (its secret shown once), send a test that a real local
 * receiver verifies with that secret, read the delivery log; a VIEWER (no organization:write) is told why they
 * cannot add. Screenshots go to test-output/ (not committed).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { spawnServer, type ServerProcess } from '../helpers/process';
import { addMember, describeBrowser, launchChromium, OUT, setPassword, signIn } from '../helpers/browser';
import { startReceiver, verify, type Receiver } from '../helpers/receiver';
import { migratedDataDir } from '../helpers/database';
import { startProviders, type Providers } from '../helpers/providers';

describeBrowser('Settings › Notifications in Chromium', () => {
  let dataDir: string;
  let server: ServerProcess;
  let browser: Browser;
  let rx: Receiver;
  let pv: Providers;
  const ADMIN = 'admin@acme.example';
  const READER = 'on-call@acme.example'; // a VIEWER: alerts:read and organization:read, no write scope

  beforeAll(async () => {
    dataDir = migratedDataDir('tracer-dashboard-notify-');
    rx = await startReceiver();
    pv = await startProviders();
    const env = { DATA_DIR: dataDir, BOOTSTRAP_KEY: 'false', SCHEDULING: 'false', ALLOW_PRIVATE_TARGETS: 'true', WORKER_POLL_MS: '50', TELEGRAM_API_URL: `${pv.url}/telegram` };
    // People for the browser (it holds no key), made by the members CLI before the server owns the database.
    const links = [await addMember(env, 'Acme Inc', ADMIN, 'ADMIN'), await addMember(env, 'Acme Inc', READER, 'VIEWER')];
    server = await spawnServer(env);
    for (const token of links) await setPassword(server.baseUrl, token);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await rx?.close();
    await pv?.close();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const open = (email: string): Promise<Page> => signIn(browser, server.baseUrl, email, { width: 390, height: 844, testId: 'org-name' });

  it('adds a webhook channel by keyboard, shows its secret once, sends a test the receiver verifies, and logs it', async () => {
    const page = await open(ADMIN);
    await page.getByRole('link', { name: 'Settings › Notifications' }).click();
    await page.getByRole('heading', { name: 'Notifications' }).waitFor();
    await page.getByText('No channels yet').waitFor();
    await page.getByRole('button', { name: 'Add channel' }).focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: 'Add channel' });
    await dialog.waitFor();
    await page.keyboard.type('On-call'); // the name field has focus
    await page.keyboard.press('Tab'); // type: Webhook is the default
    await page.keyboard.press('Tab');
    await page.keyboard.type(`${rx.url}/hook`);
    await page.keyboard.press('Enter'); // submits the form
    const secretField = page.getByTestId('new-secret');
    await secretField.waitFor();
    const secret = await secretField.inputValue();
    expect(secret).toMatch(/^whsec_/);
    expect(await page.getByRole('alert').first().textContent()).toContain("won't be shown again");
    await page.screenshot({ path: path.join(OUT, 'dashboard-notifications-secret-390.png'), fullPage: true });
    await page.getByRole('button', { name: 'Done' }).focus();
    await page.keyboard.press('Enter');
    const row = page.locator('tr', { hasText: 'On-call' });
    await row.waitFor();
    expect(await row.textContent()).toContain(`${rx.url}/…`); // read back as its origin, the path masked
    expect(await page.content()).not.toContain(secret); // gone once the dialog closed

    await row.getByRole('button', { name: 'Send test to On-call' }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('status').filter({ hasText: 'Test sent to On-call' }).waitFor();
    const [hit] = await rx.waitFor((r) => r.path === '/hook');
    expect(verify(secret, hit)).toMatchObject({ type: 'test', data: { channel: { name: 'On-call' } } });
    const logRow = page.locator('tr[data-delivery-id]').first();
    await expect.poll(async () => {
      await page.getByRole('button', { name: 'Refresh' }).click();
      return logRow.locator('.status').textContent();
    }).toBe('delivered');
    expect(await logRow.textContent()).toContain('test');
    expect(await logRow.locator('td').nth(4).textContent()).toBe('1'); // attempts
    expect(await logRow.locator('td').nth(5).textContent()).toBe('200');
    // 390 px: the page itself does not scroll sideways (tables scroll inside their frame).
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    await page.screenshot({ path: path.join(OUT, 'dashboard-notifications-390.png'), fullPage: true });
    await page.context().close();
  });

  it('adds a Telegram channel with its own fields; a chat the bot cannot reach shows BROKEN with the reason; an edit clears it', async () => {
    const page = await open(ADMIN);
    await page.goto(`${server.baseUrl}/dashboard/#/settings/notifications`);
    await page.getByRole('button', { name: 'Add channel' }).click();
    const dialog = page.getByRole('dialog', { name: 'Add channel' });
    await dialog.getByLabel('Name').fill('Telegram on-call');
    await dialog.getByLabel('Type').selectOption('TELEGRAM');
    expect(await dialog.getByLabel('URL').count()).toBe(0); // a Telegram channel has no URL
    await dialog.getByLabel('Bot token').fill(pv.botToken);
    await dialog.getByLabel('Chat id').fill('-100404'); // the stand-in answers "chat not found"
    await dialog.getByRole('button', { name: 'Add channel' }).click();
    await page.getByRole('dialog', { name: 'Channel added' }).getByRole('button', { name: 'Done' }).click();
    const row = page.locator('tr[data-channel-id]', { hasText: 'Telegram on-call' });
    await row.waitFor();
    expect(await row.textContent()).toContain('chat -100404');
    expect(await page.content()).not.toContain(pv.botToken.split(':')[1]);

    await row.getByRole('button', { name: 'Send test to Telegram on-call' }).click();
    await expect.poll(async () => {
      await page.getByRole('button', { name: 'Refresh' }).click();
      return row.locator('.status').textContent();
    }).toBe('broken');
    expect(await row.getAttribute('class')).toBe('broken');
    expect(await row.textContent()).toContain('Telegram answered 400: Bad Request: chat not found');
    await page.screenshot({ path: path.join(OUT, 'dashboard-notifications-broken-390.png'), fullPage: true });

    await row.getByRole('button', { name: 'Edit Telegram on-call' }).click();
    const edit = page.getByRole('dialog', { name: 'Edit Telegram on-call' });
    expect(await edit.getByRole('alert').textContent()).toContain('chat not found');
    await edit.getByLabel('Chat id').fill('-1001234567890');
    await edit.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('dialog', { name: 'Channel saved' }).getByRole('button', { name: 'Done' }).click();
    await expect.poll(() => row.locator('.status').textContent()).toBe('active');
    expect(await row.textContent()).toContain('chat -1001234567890');

    // and deleted, after a confirmation that Cancel has focus in
    const id = await row.getAttribute('data-channel-id');
    await row.getByRole('button', { name: 'Delete Telegram on-call' }).click();
    const confirm = page.getByRole('dialog', { name: 'Delete “Telegram on-call”?' });
    await confirm.waitFor();
    expect(await page.evaluate('document.activeElement?.textContent')).toBe('Cancel'); // Enter does no harm
    await confirm.getByRole('button', { name: 'Delete channel' }).click();
    await expect.poll(() => page.locator(`tr[data-channel-id="${id}"]`).count()).toBe(0);
    // gone on the server: a fresh read of the page lists the other channels, not this one
    await page.reload();
    await page.locator('tr[data-channel-id]').first().waitFor();
    expect(await page.locator(`tr[data-channel-id="${id}"]`).count()).toBe(0);
    await page.context().close();
  });

  it('a VIEWER (no organization:write) sees Add channel and Send test disabled, and why', async () => {
    const page = await open(READER);
    await page.goto(`${server.baseUrl}/dashboard/#/settings/notifications`);
    const add = page.getByRole('button', { name: 'Add channel' });
    await add.waitFor();
    expect(await add.isDisabled()).toBe(true);
    expect(await page.getByText('Your role lacks organization:write').first().isVisible()).toBe(true);
    const test = page.getByRole('button', { name: 'Send test to On-call' });
    await test.waitFor();
    expect(await test.isDisabled()).toBe(true);
    await page.locator('tr[data-delivery-id]').first().waitFor(); // alerts:read: the log is there
    await page.context().close();
  });
});
