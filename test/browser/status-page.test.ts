/**
 * The public status page in Chromium at 390 px: readable with JavaScript off, no request to any other origin and
 * no CSP refusal (its only style is allowed by hash), no horizontal scrolling, the states, 90 bars a component,
 * and an incident's life after a reload. The app runs in this process; the page needs no sign-in.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { AddIncidentUpdateDocument, CreateIncidentDocument, CreateMonitorDocument, CreateStatusPageDocument, RunMonitorDocument } from '../../src/client/generated/graphql';
import { startTestApp, type TestApp } from '../helpers/app';
import { startTarget, type Target } from '../helpers/target';
import { describeBrowser, launchChromium } from '../helpers/browser';

describeBrowser('the public status page in Chromium', () => {
  let t: TestApp;
  let target: Target;
  let browser: Browser;
  let pageId: string;
  let admin: Awaited<ReturnType<TestApp['key']>>;

  beforeAll(async () => {
    t = await startTestApp({ WORKER_POLL_MS: '50' });
    target = await startTarget();
    target.route('/up', (_req, res) => res.writeHead(200).end());
    target.route('/down', (_req, res) => res.writeHead(500).end());
    const org = await t.org('Acme');
    admin = await t.key(org, ['all']);
    const mon = async (path: string) => (await admin.client.gql(CreateMonitorDocument, { input: { name: path, url: `${target.url}${path}`, failureThreshold: 1, intervalSeconds: 3600 } })).data!.createMonitor.id;
    const up = await mon('/up');
    const down = await mon('/down');
    for (const id of [up, down]) await admin.client.gql(RunMonitorDocument, { id });
    pageId = (
      await admin.client.gql(CreateStatusPageDocument, {
        input: { name: 'Acme', slug: 'acme', components: [{ name: 'Website', description: 'The public site', checkIds: [up] }, { name: 'API', checkIds: [down] }] },
      })
    ).data!.createStatusPage.id;
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await target?.close();
    await t?.close();
  });

  it('renders at 390 px without JavaScript, loads nothing from elsewhere, and follows an incident', async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, javaScriptEnabled: false });
    const page = await context.newPage();
    const origin = new URL(t.baseUrl).origin;
    const foreign: string[] = [];
    const refused: string[] = [];
    page.on('request', (r) => void (new URL(r.url()).origin !== origin && foreign.push(r.url())));
    page.on('console', (m) => void (m.type() === 'error' && refused.push(m.text())));
    await page.goto(`${t.baseUrl}/status/acme`);
    await page.getByRole('heading', { name: 'Acme status', level: 1 }).waitFor();
    expect(await page.getByRole('status').textContent()).toBe('Major Service Outage');
    expect(await page.locator('.component', { hasText: 'API' }).locator('.state').textContent()).toBe('Major outage');
    expect(await page.locator('.component', { hasText: 'Website' }).locator('.state').textContent()).toBe('Operational');
    expect(await page.getByRole('list', { name: 'Daily uptime, last 90 days' }).first().locator('li').count()).toBe(90);
    // The style applied (the CSP allowed it by hash): the overall banner is coloured.
    expect(await page.getByRole('status').evaluate((e) => getComputedStyle(e).backgroundColor)).toBe('rgb(179, 38, 30)');
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);

    const incident = (
      await admin.client.gql(CreateIncidentDocument, { input: { statusPageId: pageId, title: 'API errors', impact: 'MAJOR', status: 'INVESTIGATING', message: 'Looking into it.' } })
    ).data!.createIncident;
    await page.reload();
    await page.getByRole('heading', { name: 'Current incidents' }).waitFor();
    expect(await page.locator(`#${incident.id}`).textContent()).toContain('Looking into it.');
    await admin.client.gql(AddIncidentUpdateDocument, { input: { incidentId: incident.id, status: 'RESOLVED', message: 'Fixed.' } });
    await page.reload();
    expect(await page.getByRole('heading', { name: 'Current incidents' }).count()).toBe(0);
    expect(await page.locator('section', { hasText: 'Past incidents' }).textContent()).toContain('Fixed.');
    await page.screenshot({ path: 'test-output/status-page-390.png', fullPage: true }).catch(() => {});
    expect(foreign).toEqual([]);
    expect(refused).toEqual([]);
    await context.close();
  });
});
