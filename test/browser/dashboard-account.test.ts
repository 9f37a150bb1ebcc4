/**
 * Two-factor in the dashboard, in Chromium against the real server process on a fresh embedded database: the
 * account page's setup (a QR code of the otpauth URI drawn in the browser, the secret, confirm with a code, the 10
 * recovery codes shown once), sign-in asking for the code (a wrong one refused, a right one and a recovery code
 * accepted), and an organization requiring two-factor sending a member without it to the setup before anything else.
 * The set-password page of the members CLI link comes first. The codes are computed here by RFC 6238 written out,
 * not by the server's library. First of all, single sign-on: an owner adds a connection on Settings › Single sign-on,
 * proves its domain (the TXT record the page shows, published on a DNS server on 127.0.0.1, then Verify), and a
 * person of its domain signs in through a real OpenID provider running in this process (its own login and consent
 * pages), then sets a password on the account page. The same proof on the Status pages screen: a page's custom
 * domain, its TXT record and Verify.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { spawnServer, type ServerProcess } from '../helpers/process';
import { addMember, describeBrowser, launchChromium, openPage, OUT, setPassword, signIn, signInPage } from '../helpers/browser';
import { migratedDataDir } from '../helpers/database';
import { post, sessionCookieOf, GOOD_PASSWORD } from '../helpers/people';
import { codeAt } from '../helpers/totp';
import { startIdp, type TestIdp } from '../helpers/oidc';
import { startDnsServer, type TestDnsServer } from '../helpers/dns-server';

/** The code of the next 30-second step: within the server's one-step window, and later than any code used now. */
const nextCode = (secret: string) => codeAt(secret, new Date(Date.now() + 30_000));

describeBrowser('two-factor in the dashboard', () => {
  let dataDir: string;
  let server: ServerProcess;
  let browser: Browser;
  const ADA = 'ada@acme.example'; // OWNER
  const BEN = 'ben@acme.example'; // MEMBER, without two-factor
  const CAL = 'cal@acme.example'; // VIEWER, whose password is set on the link's page
  let calLink: string;
  let idp: TestIdp;
  let dns: TestDnsServer;

  beforeAll(async () => {
    dataDir = migratedDataDir('tracer-dashboard-account-');
    dns = await startDnsServer();
    // ALLOW_PRIVATE_TARGETS: the OpenID provider of the SSO test is on 127.0.0.1, over http; SSO_DNS_RESOLVER: the
    // DNS server the SSO domain is proven on.
    const env = { DATA_DIR: dataDir, BOOTSTRAP_KEY: 'false', SCHEDULING: 'false', ALLOW_PRIVATE_TARGETS: 'true', SSO_DNS_RESOLVER: dns.address };
    const links = [await addMember(env, 'Acme Inc', ADA, 'OWNER'), await addMember(env, 'Acme Inc', BEN, 'MEMBER')];
    calLink = await addMember(env, 'Acme Inc', CAL, 'VIEWER');
    server = await spawnServer(env);
    for (const token of links) await setPassword(server.baseUrl, token);
    browser = await launchChromium();
    idp = await startIdp(`${server.baseUrl}/auth/sso/callback`, { dan: { email: 'dan@sso.example', email_verified: true, name: 'Dan' } });
  });
  afterAll(async () => {
    await dns?.close();
    await idp?.close();
    await browser?.close();
    await server?.stop();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  let secret: string;
  let recovery: string[];

  it('an owner adds an SSO connection; a person of its domain signs in through the provider and sets a password', async () => {
    const ada = await signIn(browser, server.baseUrl, ADA, { testId: 'who' });
    await ada.getByRole('link', { name: 'Settings › Single sign-on' }).click();
    await ada.getByLabel('Issuer URL').fill(idp.issuer);
    await ada.getByLabel('Client id').fill(idp.clientId);
    await ada.getByLabel('Client secret').fill(idp.clientSecret);
    await ada.getByLabel('Email domains').fill('sso.example');
    await ada.getByRole('button', { name: 'Add connection' }).click();
    // The domain is pending until its TXT record is found: the page shows where and what to publish.
    const domain = ada.locator('[data-sso-domain="sso.example"]');
    expect(await domain.getByTestId('sso-domain-status').textContent()).toBe('Pending');
    const name = await domain.getByTestId('sso-txt-name').textContent();
    const value = await domain.getByTestId('sso-txt-value').textContent();
    expect([name, value]).toEqual(['_tracer-challenge.sso.example', expect.stringMatching(/^tracer-domain-verification=[A-Za-z0-9_-]{43}$/)]);
    expect(await (await fetch(`${server.baseUrl}/auth/sso/available?email=dan%40sso.example`)).json()).toEqual({ success: true, data: { sso: false } });
    dns.txt(name!, value!);
    await domain.getByRole('button', { name: 'Verify sso.example' }).click();
    await domain.getByTestId('sso-domain-status').getByText('Verified').waitFor();
    expect(await domain.getByTestId('sso-txt-value').count()).toBe(0);
    await ada.context().close();

    const dan = await openPage(browser);
    await dan.goto(`${server.baseUrl}/dashboard/`);
    // offered only for a domain with a connection (asked once typing pauses)
    await dan.getByLabel('Email', { exact: true }).fill('dan@elsewhere.example');
    const asked = dan.waitForResponse((r) => r.url().includes('/auth/sso/available?email=dan%40elsewhere.example'));
    expect(await (await asked).json()).toEqual({ success: true, data: { sso: false } });
    expect(await dan.getByRole('button', { name: 'Continue with SSO' }).count()).toBe(0);
    await dan.getByLabel('Email', { exact: true }).fill('dan@sso.example');
    await dan.getByRole('button', { name: 'Continue with SSO' }).click();
    // the provider's own pages: its login form (any password), then its consent
    await dan.locator('input[name="login"]').fill('dan');
    await dan.locator('input[name="password"]').fill('anything');
    await dan.locator('button[type="submit"]').click();
    await dan.locator('button[type="submit"]').click();
    await dan.getByTestId('member-email').waitFor();
    expect(await dan.getByTestId('member-email').textContent()).toBe('dan@sso.example');
    expect(await dan.getByTestId('member-role').textContent()).toBe('MEMBER');

    // made by SSO, Dan has no password yet: the account page sets one without a current one
    await dan.getByRole('link', { name: 'Account' }).click();
    await dan.getByLabel('New password').fill(GOOD_PASSWORD);
    await dan.getByRole('button', { name: 'Change password' }).click();
    await dan.getByTestId('password-changed').waitFor();
    await dan.context().close();
    expect((await post(server.baseUrl, '/auth/sign-in', { email: 'dan@sso.example', password: GOOD_PASSWORD })).status).toBe(200);
  });


  it("a status page's custom domain shows the TXT record to publish and a Verify button, then Verified", async () => {
    const ada = await signIn(browser, server.baseUrl, ADA, { testId: 'who' });
    await ada.getByRole('link', { name: 'Status pages' }).click();
    await ada.getByRole('button', { name: 'New status page' }).click();
    const form = ada.getByRole('form', { name: 'New status page' });
    await form.getByLabel('Name', { exact: true }).fill('Acme status');
    await form.getByLabel('Slug (the page is at /status/slug)').fill('acme');
    await form.getByLabel('Custom domain (optional)').fill('status.acme.example');
    await form.getByRole('button', { name: 'Create' }).click();
    const pending = ada.locator('[data-status-page="acme"] [data-domain-status="PENDING"]');
    const name = await pending.getByTestId('domain-txt-name').textContent();
    const value = await pending.getByTestId('domain-txt-value').textContent();
    expect([name, value]).toEqual(['_tracer-challenge.status.acme.example', expect.stringMatching(/^tracer-domain-verification=[A-Za-z0-9_-]{43}$/)]);
    // Not published yet: Verify says which record it did not find, and nothing changes.
    await pending.getByRole('button', { name: 'Verify status.acme.example' }).click();
    await pending.getByRole('alert').waitFor();
    expect(await pending.getByRole('alert').textContent()).toContain('no TXT record of _tracer-challenge.status.acme.example');
    dns.txt(name!, value!);
    await pending.getByRole('button', { name: 'Verify status.acme.example' }).click();
    await ada.locator('[data-status-page="acme"] [data-domain-status="VERIFIED"]').waitFor();
    expect(await ada.getByTestId('domain-txt-value').count()).toBe(0);
    await ada.context().close();
  });
  it('the link members add prints opens the page that sets the password, and the token leaves the address bar', async () => {
    const page = await openPage(browser);
    await page.goto(`${server.baseUrl}/dashboard/reset-password?token=${calLink}`);
    await page.getByRole('heading', { name: 'Set your password' }).waitFor();
    expect(page.url()).not.toContain(calLink);
    await page.getByLabel('New password').fill('password1234');
    await page.getByLabel('Repeat it').fill('password1234');
    await page.getByRole('button', { name: 'Set password' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toBeTruthy(); // too easy to guess: the API says why
    await page.getByLabel('New password').fill(GOOD_PASSWORD);
    await page.getByLabel('Repeat it').fill(GOOD_PASSWORD);
    await page.getByRole('button', { name: 'Set password' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toBe('Your password is set: sign in with it');
    await page.getByLabel('Email', { exact: true }).fill(CAL);
    await page.getByLabel('Password', { exact: true }).fill(GOOD_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByTestId('member-role').textContent()).toBe('VIEWER');
    await page.context().close();
  });

  it('the account page sets two-factor up: QR code and secret, confirmed with a code, recovery codes shown once', async () => {
    const page = await openPage(browser);
    await signInPage(page, server.baseUrl, ADA, { testId: 'org-name' });
    await page.getByRole('link', { name: 'Account' }).click();
    await page.getByRole('button', { name: 'Set up two-factor' }).click();
    const qr = page.getByTestId('mfa-qr');
    await qr.waitFor();
    expect(await qr.getAttribute('src')).toMatch(/^data:image\/png;base64,/); // drawn in the browser: no request for it
    // (browser-side expressions as strings: this file is compiled without the DOM library)
    await expect.poll(() => page.evaluate(`document.querySelector('[data-testid="mfa-qr"]').naturalWidth`)).toBeGreaterThan(100); // decoded
    secret = (await page.getByTestId('mfa-secret').textContent())!;
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    await page.screenshot({ path: path.join(OUT, 'dashboard-two-factor-setup.png'), fullPage: true });

    await page.getByLabel('Code from your app').fill('000000' === codeAt(secret, new Date()) ? '111111' : '000000');
    await page.getByRole('button', { name: 'Turn on two-factor' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/otp|code/i); // a wrong code is refused
    await page.getByLabel('Code from your app').fill(codeAt(secret, new Date()));
    await page.getByRole('button', { name: 'Turn on two-factor' }).click();
    const list = page.getByRole('list', { name: 'Recovery codes' });
    await list.waitFor();
    recovery = await list.locator('code').allTextContents();
    expect(recovery).toHaveLength(10);
    expect(new Set(recovery).size).toBe(10);
    await page.getByRole('button', { name: 'I have saved them' }).click();
    await page.getByRole('button', { name: 'Turn off two-factor' }).waitFor(); // on; the codes are gone from the page
    expect(await page.getByRole('list', { name: 'Recovery codes' }).count()).toBe(0);
    await page.getByRole('link', { name: 'Settings › Members' }).click();
    await expect.poll(() => page.locator('tr', { hasText: ADA }).locator('td[data-mfa]').textContent()).toBe('on');
    await page.context().close();
  });

  it('sign-in asks for the code: a wrong one is refused, the right one signs in, and so does a recovery code once', async () => {
    const page = await openPage(browser);
    await signInPage(page, server.baseUrl, ADA);
    const otp = page.getByLabel('Two-factor code');
    await otp.waitFor(); // MFA_REQUIRED: the second step, not an error
    expect(await page.getByRole('alert').count()).toBe(0);
    await otp.fill('123456' === nextCode(secret) ? '654321' : '123456');
    await page.getByRole('button', { name: 'Verify' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toBeTruthy();
    await otp.fill(nextCode(secret));
    await page.getByRole('button', { name: 'Verify' }).click();
    await expect.poll(() => page.getByTestId('member-email').textContent()).toBe(ADA);
    await page.getByRole('button', { name: 'Sign out' }).click();

    await signInPage(page, server.baseUrl, ADA);
    await page.getByLabel('Two-factor code').fill(recovery[0]);
    await page.getByRole('button', { name: 'Verify' }).click();
    await expect.poll(() => page.getByTestId('member-email').textContent()).toBe(ADA);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await signInPage(page, server.baseUrl, ADA);
    await page.getByLabel('Two-factor code').fill(recovery[0]); // single use
    await page.getByRole('button', { name: 'Verify' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toBeTruthy();
    expect(await page.getByTestId('member-email').count()).toBe(0);
    await page.context().close();
  });

  it('when the organization requires two-factor, a member without it is taken to the setup before anything else', async () => {
    const ben: Page = await openPage(browser);
    await signInPage(ben, server.baseUrl, BEN, { heading: 'Monitors' }); // before the requirement

    // the OWNER turns the requirement on over HTTP (signed in with a recovery code)
    const signed = await post(server.baseUrl, '/auth/sign-in', { email: ADA, password: GOOD_PASSWORD, otp: recovery[1] });
    expect(signed.status).toBe(200);
    const set = await post(server.baseUrl, '/graphql', { query: 'mutation { setRequireMfa(requireMfa: true) { requireMfa } }' }, { cookie: sessionCookieOf(signed)!, origin: server.baseUrl });
    expect(((await set.json()) as { data: unknown }).data).toEqual({ setRequireMfa: { requireMfa: true } });

    // Ben's next call answers MFA_SETUP_REQUIRED: the dashboard takes him to the setup
    await ben.getByRole('link', { name: 'Alerts' }).click();
    await ben.getByRole('heading', { name: 'Account' }).waitFor();
    expect(await ben.getByRole('status').textContent()).toContain('requires two-factor');
    // and someone signing in now sees nothing else either
    const cal: Page = await openPage(browser);
    await signInPage(cal, server.baseUrl, CAL, { heading: 'Account' });
    await cal.getByRole('link', { name: 'Monitors' }).click();
    await cal.getByRole('heading', { name: 'Account' }).waitFor();
    expect(await cal.getByRole('heading', { name: 'Monitors' }).count()).toBe(0);
    await cal.context().close();

    await ben.getByRole('button', { name: 'Set up two-factor' }).click();
    const benSecret = (await ben.getByTestId('mfa-secret').textContent())!;
    await ben.getByLabel('Code from your app').fill(codeAt(benSecret, new Date()));
    await ben.getByRole('button', { name: 'Turn on two-factor' }).click();
    await ben.getByRole('button', { name: 'I have saved them' }).click();
    // set up: the rest of the dashboard opens
    await ben.getByRole('link', { name: 'Alerts' }).click();
    await ben.getByText('No open alerts.').waitFor();
    await ben.context().close();
  });
});
