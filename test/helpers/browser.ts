/**
 * Chromium for the dashboard's browser tests (Debian's Chromium driven by playwright-core). `describeBrowser` skips a
 * suite when there is no browser at CHROMIUM_PATH (default /usr/bin/chromium), or fails it when REQUIRE_BROWSER is set
 * (as CI does). The dashboard runs on its own fresh embedded database whatever the suite's database, so a suite runs
 * in one pass only (`runsInThisPass`: the embedded one, or the one it names for CI). Screenshots go to OUT,
 * test-output/ (not committed).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { ROOT, runCliInProcess } from './process';
import { GOOD_PASSWORD, post } from './people';
import { runsInThisPass } from './database';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const OUT = path.join(ROOT, 'test-output');

const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** `describe` for a browser suite: skipped without Chromium (an error with REQUIRE_BROWSER) and in the other pass. */
export function describeBrowser(name: string, fn: () => void, opts: { ciPass?: 'embedded' | 'postgres' } = {}): void {
  const present = fs.existsSync(CHROMIUM);
  if (!present) {
    const message = `Browser tests SKIPPED: no Chromium at ${CHROMIUM} (apt-get install -y chromium, or set CHROMIUM_PATH).`;
    if (process.env.REQUIRE_BROWSER) throw new Error(message.replace('SKIPPED', 'cannot run'));
    console.warn(`\n  ${message}\n`);
  }
  describe.skipIf(!present || !runsInThisPass(opts.ciPass))(name, fn);
}

/** Launches headless Chromium (and makes sure OUT exists for screenshots). */
export async function launchChromium(): Promise<Browser> {
  fs.mkdirSync(OUT, { recursive: true });
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS });
}

/** A page in a fresh context with that viewport. */
export async function openPage(browser: Browser, width = 1280, height = 900): Promise<Page> {
  return (await browser.newContext({ viewport: { width, height } })).newPage();
}

/** What tells that sign-in is done: an element by test id or a heading; neither waits for nothing (a refusal). */
export interface SignedIn {
  testId?: string;
  heading?: string;
}

/**
 * A person for the dashboard, first half: the member and its single-use set-password link, made by the members CLI
 * in this process (no Node start). Run it before the server starts: the embedded database belongs to one process
 * at a time. Gives the link's token.
 */
export async function addMember(env: Record<string, string>, org: string, email: string, role: string): Promise<string> {
  const made = await runCliInProcess(['add', '--org', org, '--email', email, '--role', role, '--json'], env, 'members');
  if (made.code !== 0) throw new Error(`members add failed: ${made.stderr}`);
  return (JSON.parse(made.stdout) as { token: string }).token;
}

/** Second half, with the server running: the password set through the link over HTTP, as the link's page does. */
export async function setPassword(baseUrl: string, token: string, password = GOOD_PASSWORD): Promise<void> {
  const res = await post(baseUrl, '/auth/reset-password', { token, password });
  if (res.status !== 204) throw new Error(`reset-password answered ${res.status}: ${await res.text()}`);
}

/** Signs `page` in to the dashboard at `baseUrl` through its sign-in page, then waits for what `ready` names. */
export async function signInPage(page: Page, baseUrl: string, email: string, ready: SignedIn & { password?: string } = {}): Promise<void> {
  await page.goto(`${baseUrl}/dashboard/`);
  await page.getByLabel('Email', { exact: true }).fill(email);
  await page.getByLabel('Password', { exact: true }).fill(ready.password ?? GOOD_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  if (ready.testId) await page.getByTestId(ready.testId).waitFor();
  if (ready.heading) await page.getByRole('heading', { name: ready.heading }).waitFor();
}

/** A new page of `width` × `height` (default 1280 × 900), signed in as `email`. */
export async function signIn(browser: Browser, baseUrl: string, email: string, options: SignedIn & { width?: number; height?: number; password?: string } = {}): Promise<Page> {
  const page = await openPage(browser, options.width, options.height);
  await signInPage(page, baseUrl, email, options);
  return page;
}
