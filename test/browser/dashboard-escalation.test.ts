/**
 * Escalation in a real browser (Debian's Chromium via playwright-core) against the real server process: a channel's
 * reminder interval set, changed and cleared in its form; a two-step escalation policy created and edited; a monitor
 * given it in its form and run; the alert's timeline on the Alerts page showing the opening, step 1's notification,
 * the escalation and step 2's. A policy's minute is ESCALATION_MINUTE_MS (a test knob) of real time.
 * Screenshots go to test-output/ (not committed).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { spawnServer, type ServerProcess } from '../helpers/process';
import { addMember, describeBrowser, launchChromium, OUT, setPassword, signIn } from '../helpers/browser';
import { startReceiver, type Receiver } from '../helpers/receiver';
import { startTarget, type Target } from '../helpers/target';
import { migratedDataDir } from '../helpers/database';

describeBrowser('Settings › Escalation in Chromium', () => {
  let dataDir: string;
  let server: ServerProcess;
  let browser: Browser;
  let rx: Receiver;
  let target: Target;
  const ADMIN = 'admin@acme.example';

  beforeAll(async () => {
    dataDir = migratedDataDir('tracer-dashboard-escalation-');
    rx = await startReceiver();
    target = await startTarget();
    target.route('/down', (_req, res) => res.writeHead(503).end());
    const env = {
      DATA_DIR: dataDir,
      BOOTSTRAP_KEY: 'false',
      SCHEDULING: 'false',
      ALLOW_PRIVATE_TARGETS: 'true',
      WORKER_POLL_MS: '50',
      ESCALATION_MINUTE_MS: '300',
      ESCALATION_TICK_MS: '100',
    };
    const link = await addMember(env, 'Acme Inc', ADMIN, 'ADMIN');
    server = await spawnServer(env);
    await setPassword(server.baseUrl, link);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await rx?.close();
    await target?.close();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const open = (): Promise<Page> => signIn(browser, server.baseUrl, ADMIN, { testId: 'org-name' });

  /** Adds a webhook channel through its form (the secret dialog closed), with a reminder interval if given. */
  async function addChannel(page: Page, name: string, remind?: string) {
    await page.getByRole('button', { name: 'Add channel' }).click();
    const dialog = page.getByRole('dialog', { name: 'Add channel' });
    await dialog.getByLabel('Name').fill(name);
    await dialog.getByLabel('URL').fill(`${rx.url}/${name.toLowerCase().replace(/\W+/g, '-')}`);
    if (remind) await dialog.getByLabel('Remind every (minutes)').fill(remind);
    await dialog.getByRole('button', { name: 'Add channel' }).click();
    await page.getByRole('dialog', { name: 'Copy the signing secret' }).getByRole('button', { name: 'Done' }).click();
    const row = page.locator('tr[data-channel-id]', { hasText: name });
    await row.waitFor();
    return row;
  }

  it("a channel's reminder interval is set when it is added, changed and cleared when it is edited", async () => {
    const page = await open();
    await page.goto(`${server.baseUrl}/dashboard/#/settings/notifications`);
    await page.getByRole('heading', { name: 'Notifications' }).waitFor();
    const row = await addChannel(page, 'Nagging', '30');
    expect(await row.textContent()).toContain('reminds every 30 min');

    await row.getByRole('button', { name: 'Edit Nagging' }).click();
    const edit = page.getByRole('dialog', { name: 'Edit Nagging' });
    expect(await edit.getByLabel('Remind every (minutes)').inputValue()).toBe('30');
    await edit.getByLabel('Remind every (minutes)').fill('2000');
    await edit.getByRole('button', { name: 'Save' }).click();
    // the API's judgement lands next to the field
    await expect.poll(() => edit.locator('#channel-remind-error').textContent()).toBe('must be at most 1440 (a day)');
    await edit.getByLabel('Remind every (minutes)').fill('10');
    await edit.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('dialog', { name: 'Channel saved' }).getByRole('button', { name: 'Done' }).click();
    await expect.poll(() => row.textContent()).toContain('reminds every 10 min');

    await row.getByRole('button', { name: 'Edit Nagging' }).click();
    await page.getByRole('dialog', { name: 'Edit Nagging' }).getByLabel('Remind every (minutes)').fill('');
    await page.getByRole('dialog', { name: 'Edit Nagging' }).getByRole('button', { name: 'Save' }).click();
    await page.getByRole('dialog', { name: 'Channel saved' }).getByRole('button', { name: 'Done' }).click();
    await expect.poll(() => row.textContent()).not.toContain('reminds');
    await page.reload();
    await page.locator('tr[data-channel-id]', { hasText: 'Nagging' }).waitFor();
    expect(await page.locator('tr[data-channel-id]', { hasText: 'Nagging' }).textContent()).not.toContain('reminds');
    await page.context().close();
  });

  it('a two-step policy is created, edited, given to a monitor; the alert page shows its steps in the timeline', async () => {
    const page = await open();
    await page.goto(`${server.baseUrl}/dashboard/#/settings/notifications`);
    await page.getByRole('heading', { name: 'Notifications' }).waitFor();
    await addChannel(page, 'Primary');
    await addChannel(page, 'Secondary');

    // Create: step 1 Primary at the opening, step 2 Secondary after the default 15 minutes.
    await page.getByRole('link', { name: 'Settings › Escalation' }).click();
    await page.getByRole('heading', { name: 'Escalation policies' }).waitFor();
    await page.getByRole('button', { name: 'New policy' }).click();
    const form = page.getByRole('form', { name: 'New policy' });
    await form.getByLabel('Name').fill('Day shift');
    await form.getByRole('group', { name: 'Step 1' }).getByLabel('Primary').check();
    await form.getByRole('button', { name: 'Add a step' }).click();
    const step2 = form.getByRole('group', { name: 'Step 2' });
    expect(await step2.getByLabel('Minutes after the opening').inputValue()).toBe('15');
    await step2.getByLabel('Secondary').check();
    await form.getByRole('button', { name: 'Save' }).click();
    const item = page.locator('li[data-policy-id]', { hasText: 'Day shift' });
    await item.waitFor();
    expect(await item.locator('ol li').allTextContents()).toEqual(['At the opening: Primary', 'After 15 min: Secondary']);

    // Edit: renamed, step 2 after 1 minute.
    await item.getByRole('button', { name: 'Edit' }).click();
    const edit = page.getByRole('form', { name: 'Edit policy' });
    expect(await edit.getByLabel('Name').inputValue()).toBe('Day shift');
    await edit.getByLabel('Name').fill('Day shift (edited)');
    await edit.getByRole('group', { name: 'Step 2' }).getByLabel('Minutes after the opening').fill('1');
    await edit.getByRole('button', { name: 'Save' }).click();
    await edit.waitFor({ state: 'detached' });
    const edited = page.locator('li[data-policy-id]', { hasText: 'Day shift (edited)' });
    await edited.waitFor();
    expect(await edited.locator('ol li').allTextContents()).toEqual(['At the opening: Primary', 'After 1 min: Secondary']);
    await page.screenshot({ path: path.join(OUT, 'dashboard-escalation.png'), fullPage: true });

    // A monitor given the policy in its form, failing at once.
    await page.getByRole('link', { name: 'Monitors' }).click();
    await page.getByRole('heading', { name: 'Monitors' }).waitFor();
    await page.getByRole('button', { name: 'New monitor' }).click();
    const monitor = page.getByRole('dialog', { name: 'New monitor' });
    await monitor.getByLabel('Name').fill('Checkout API');
    await monitor.getByLabel('URL').fill(`${target.url}/down`);
    await monitor.getByLabel('Failures before an alert').fill('1');
    await monitor.getByLabel('Escalation policy').selectOption({ label: 'Day shift (edited)' });
    await monitor.getByRole('button', { name: 'Create monitor' }).click();
    await monitor.waitFor({ state: 'detached' });
    await page.locator('tr', { hasText: 'Checkout API' }).getByRole('link', { name: 'Checkout API' }).click();
    await page.getByRole('heading', { name: 'Checkout API' }).waitFor();
    await page.getByRole('button', { name: 'Run now' }).click();

    // Step 1 at the opening, step 2 a policy minute later: both reach their receivers.
    await rx.waitFor((r) => r.path === '/primary');
    await rx.waitFor((r) => r.path === '/secondary');

    await page.getByRole('link', { name: 'Alerts' }).click();
    const alert = page.locator('li[data-alert-id]', { hasText: 'Checkout API' });
    await alert.waitFor();
    const timeline = alert.getByRole('list', { name: 'Timeline' });
    // The timeline is read when it is shown: shown again until step 2's delivery is logged as delivered.
    await expect
      .poll(async () => {
        if (await timeline.count()) await alert.getByRole('button', { name: 'Timeline' }).click();
        await alert.getByRole('button', { name: 'Timeline' }).click();
        await timeline.waitFor();
        return (await timeline.locator('li').allTextContents()).map((l) => l.replace(/^.*?(Opened|Notified|Escalated|Acknowledged|Resolved)/, '$1'));
      })
      .toEqual(['Opened', 'Notified Primary (step 1): delivered', 'Escalated (step 2)', 'Notified Secondary (step 2): delivered']);
    await page.screenshot({ path: path.join(OUT, 'dashboard-escalation-timeline.png'), fullPage: true });
    await page.context().close();
  });
});
