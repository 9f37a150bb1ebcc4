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
import { ROOT } from './process';
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

/** What tells that sign-in is done: an element by test id or a heading; neither waits for nothing (a bad key). */
export interface SignedIn {
  testId?: string;
  heading?: string;
}

/** Signs `page` in to the dashboard at `baseUrl` with `key`, then waits for what `ready` names. */
export async function signInPage(page: Page, baseUrl: string, key: string, ready: SignedIn = {}): Promise<void> {
  await page.goto(`${baseUrl}/dashboard/`);
  await page.getByLabel('API key', { exact: true }).fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
  if (ready.testId) await page.getByTestId(ready.testId).waitFor();
  if (ready.heading) await page.getByRole('heading', { name: ready.heading }).waitFor();
}

/** A new page of `width` × `height` (default 1280 × 900), signed in with `key`. */
export async function signIn(browser: Browser, baseUrl: string, key: string, options: SignedIn & { width?: number; height?: number } = {}): Promise<Page> {
  const page = await openPage(browser, options.width, options.height);
  await signInPage(page, baseUrl, key, options);
  return page;
}
