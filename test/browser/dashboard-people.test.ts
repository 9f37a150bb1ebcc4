/**
 * People joining through the dashboard, in Chromium against the real server process on a fresh embedded database
 * with no organization and no mail server: the setup link the server prints on its first start opens the page that
 * makes the first OWNER (signed in at once); that OWNER invites someone on the Members page, whose one-time link
 * (no SMTP, so it is shown) opens the page that accepts the invitation, signed in as the invited role; a pending
 * invitation is revoked and its link stops working; "Forgot password?" answers alike for every address.
 */
import * as fs from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { spawnServer, type ServerProcess } from '../helpers/process';
import { describeBrowser, launchChromium, openPage, signInPage } from '../helpers/browser';
import { migratedDataDir } from '../helpers/database';
import { GOOD_PASSWORD } from '../helpers/people';

describeBrowser('people joining through the dashboard', () => {
  let dataDir: string;
  let server: ServerProcess;
  let browser: Browser;
  const ADA = 'ada@acme.example'; // the first OWNER, through the setup page
  const BEN = 'ben@acme.example'; // invited as VIEWER
  const CAL = 'cal@acme.example'; // invited, then revoked

  beforeAll(async () => {
    // The migrated template holds no organization: the first start prints the setup link (no key: BOOTSTRAP_KEY=false).
    dataDir = migratedDataDir('tracer-dashboard-people-');
    server = await spawnServer({ DATA_DIR: dataDir, BOOTSTRAP_KEY: 'false', SCHEDULING: 'false' });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  /** The link's path and query on this server (the link itself names PUBLIC_URL, here the unbound port 0). */
  const onServer = (link: string) => {
    const url = new URL(link);
    return { address: `${server.baseUrl}${url.pathname}${url.search}`, token: url.searchParams.get('token')! };
  };

  it('the printed setup link opens the page that makes the first OWNER, signed in, and the token leaves the address bar', async () => {
    const printed = /(http:\/\/\S+\/dashboard\/setup\?token=\S+)/.exec(server.output());
    expect(printed).not.toBeNull();
    const { address, token } = onServer(printed![1]);
    const page = await openPage(browser);
    await page.goto(address);
    await page.getByRole('heading', { name: 'Set up tracer' }).waitFor();
    expect(page.url()).not.toContain(token);
    await page.getByLabel('Your name').fill('Ada');
    await page.getByLabel('Email', { exact: true }).fill(ADA);
    await page.getByLabel('Password', { exact: true }).fill(GOOD_PASSWORD);
    await page.getByLabel('Repeat it').fill(`${GOOD_PASSWORD}x`);
    await page.getByRole('button', { name: 'Create owner' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toBe('The two passwords differ'); // nothing sent
    await page.getByLabel('Password', { exact: true }).fill('password1234');
    await page.getByLabel('Repeat it').fill('password1234');
    await page.getByRole('button', { name: 'Create owner' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/^password: /); // the server's own message
    await page.getByLabel('Password', { exact: true }).fill(GOOD_PASSWORD);
    await page.getByLabel('Repeat it').fill(GOOD_PASSWORD);
    await page.getByRole('button', { name: 'Create owner' }).click();
    await expect.poll(() => page.getByTestId('member-role').textContent()).toBe('OWNER');
    expect(await page.getByTestId('member-email').textContent()).toBe(ADA);
    expect(await page.getByTestId('org-name').textContent()).toBe('Default Organization');
    await page.context().close();

    // single use: the same link again is refused, in the server's words
    const again = await openPage(browser);
    await again.goto(address);
    await again.getByLabel('Your name').fill('Eve');
    await again.getByLabel('Email', { exact: true }).fill('eve@acme.example');
    await again.getByLabel('Password', { exact: true }).fill(GOOD_PASSWORD);
    await again.getByLabel('Repeat it').fill(GOOD_PASSWORD);
    await again.getByRole('button', { name: 'Create owner' }).click();
    await expect.poll(() => again.getByRole('alert').textContent()).toMatch(/setup link/);
    expect(await again.getByTestId('member-email').count()).toBe(0);
    await again.context().close();
  });

  it('an invitation made on the Members page is accepted through its link, signed in as the invited role', async () => {
    const ada = await openPage(browser);
    await signInPage(ada, server.baseUrl, ADA, { testId: 'org-name' });
    await ada.getByRole('link', { name: 'Settings › Members' }).click();
    await ada.getByText('No pending invitations.').waitFor();
    await ada.getByLabel('Email', { exact: true }).fill(BEN);
    await ada.getByLabel('Role', { exact: true }).selectOption('VIEWER');
    await ada.getByRole('button', { name: 'Invite' }).click();
    const shown = ada.getByTestId('invite-url');
    await shown.waitFor(); // no SMTP_URL: the link is handed over on the page
    const link = onServer((await shown.textContent())!);
    await expect.poll(() => ada.locator('tr', { hasText: BEN }).locator('td').nth(1).textContent()).toBe('VIEWER');

    await ada.getByLabel('Email', { exact: true }).fill(CAL);
    await ada.getByRole('button', { name: 'Invite' }).click();
    await expect.poll(() => ada.getByTestId('invited').textContent()).toContain(CAL);
    const calLink = onServer((await shown.textContent())!);
    await ada.getByRole('button', { name: `Revoke the invitation of ${CAL}` }).click();
    await expect.poll(() => ada.locator('tr', { hasText: CAL }).count()).toBe(0);

    const ben = await openPage(browser);
    await ben.goto(link.address);
    await ben.getByRole('heading', { name: 'Join the organization' }).waitFor();
    expect(ben.url()).not.toContain(link.token);
    expect(await ben.getByLabel('Email', { exact: true }).count()).toBe(0); // the invitation names the address
    await ben.getByLabel('Your name').fill('Ben');
    await ben.getByLabel('Password', { exact: true }).fill(GOOD_PASSWORD);
    await ben.getByLabel('Repeat it').fill(GOOD_PASSWORD);
    await ben.getByRole('button', { name: 'Accept invitation' }).click();
    await expect.poll(() => ben.getByTestId('member-role').textContent()).toBe('VIEWER');
    expect(await ben.getByTestId('member-email').textContent()).toBe(BEN);
    // a VIEWER lacks organization:write: the invite controls are there, disabled
    await ben.getByRole('link', { name: 'Settings › Members' }).click();
    await ben.getByRole('heading', { name: 'Members' }).waitFor();
    expect(await ben.getByRole('button', { name: 'Invite' }).isDisabled()).toBe(true);
    expect(await ben.getByLabel('Email', { exact: true }).isDisabled()).toBe(true);
    await ben.context().close();

    // accepted: no longer pending; a member now
    await ada.reload();
    await ada.getByText('No pending invitations.').waitFor();
    await expect.poll(() => ada.locator('tr[data-member-id]', { hasText: BEN }).count()).toBe(1);
    await ada.context().close();

    // the revoked link is refused with the server's message
    const cal = await openPage(browser);
    await cal.goto(calLink.address);
    await cal.getByLabel('Your name').fill('Cal');
    await cal.getByLabel('Password', { exact: true }).fill(GOOD_PASSWORD);
    await cal.getByLabel('Repeat it').fill(GOOD_PASSWORD);
    await cal.getByRole('button', { name: 'Accept invitation' }).click();
    await expect.poll(() => cal.getByRole('alert').textContent()).toMatch(/invitation/);
    expect(await cal.getByTestId('member-email').count()).toBe(0);
    await cal.context().close();
  });

  it('"Forgot password?" answers the same for a known and an unknown address', async () => {
    for (const email of [ADA, 'nobody@acme.example']) {
      const page = await openPage(browser);
      await page.goto(`${server.baseUrl}/dashboard/`);
      await page.getByRole('button', { name: 'Forgot password?' }).click();
      await page.getByLabel('Email').fill(email);
      await page.getByRole('button', { name: 'Send reset link' }).click();
      await expect.poll(() => page.getByRole('status').textContent()).toBe('If that address has an account, an email is on its way.');
      await page.getByRole('button', { name: 'Back to sign in' }).click();
      await page.getByRole('button', { name: 'Sign in' }).waitFor();
      await page.context().close();
    }
  });
});
