/**
 * Statistics in the dashboard, in Chromium against the real server on an embedded database seeded with history
 * (`seed:history`): uptime 24 h / 7 d / 30 d in the monitor list, the monitor page's uptime cards, response-time
 * chart (labelled axes, p50/p95) and per-location table, the chart window changed from the keyboard, the alert
 * history with resolved alerts, and all of it usable at 390 px.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { runCli, runCliInProcess, spawnServer, type ServerProcess } from '../helpers/process';
import { addMember, describeBrowser, launchChromium, OUT, setPassword, signIn } from '../helpers/browser';
import { migratedDataDir } from '../helpers/database';

describeBrowser('statistics in the dashboard', () => {
  let dataDir: string;
  let server: ServerProcess;
  let browser: Browser;
  let admin: string;
  let monitorId: string;
  const OWNER = 'owner@history.example';

  beforeAll(async () => {
    dataDir = migratedDataDir('tracer-dashboard-stats-');
    const env = { DATA_DIR: dataDir, BOOTSTRAP_KEY: 'false', SCHEDULING: 'false', ALLOW_PRIVATE_TARGETS: 'true' };
    // The embedded database belongs to one process at a time: history and key before the server.
    const seeded = await runCli(['--monitors', '2', '--days', '8', '--interval', '900'], env, 'seed-history');
    expect(seeded.code).toBe(0);
    const k = await runCliInProcess(['create', '--org', 'History Inc', '--name', 'Admin', '--permissions', 'all', '--json'], env);
    admin = (JSON.parse(k.stdout) as { key: string }).key; // the test's own API calls; the browser signs in as a person
    const owner = await addMember(env, 'History Inc', OWNER, 'OWNER');
    server = await spawnServer(env);
    await setPassword(server.baseUrl, owner);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const api = (method: string, p: string, body?: unknown) =>
    fetch(`${server.baseUrl}${p}`, {
      method,
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    }).then((r) => r.json() as Promise<{ data: Record<string, unknown> & { id: string } }>);

  const open = (width: number): Promise<Page> => signIn(browser, server.baseUrl, OWNER, { width, heading: 'Monitors' });

  it('the monitor list shows uptime over 24 h, 7 d and 30 d, as the API computes it', async () => {
    const list = (await api('GET', '/v1/monitors')).data as unknown as { nodes: { id: string; name: string }[] };
    monitorId = list.nodes.find((m) => m.name === 'History 1')!.id;
    const stats = (await api('GET', `/v1/monitors/${monitorId}/stats?window=LAST_7_DAYS`)).data as unknown as { uptime_percent: number };
    const page = await open(1280);
    const row = page.locator(`tr[data-monitor-id="${monitorId}"]`);
    await expect.poll(() => row.locator('td[data-window="week"]').textContent()).toBe(`${stats.uptime_percent.toFixed(2)} %`);
    expect(await row.locator('td[data-window="day"]').textContent()).toMatch(/^\d+\.\d\d %$/);
    expect(await row.locator('td[data-window="month"]').textContent()).toMatch(/^\d+\.\d\d %$/);
    await page.screenshot({ path: path.join(OUT, 'dashboard-uptime.png'), fullPage: true });
    await page.context().close();
  });

  it('the monitor page charts p50 and p95 with labelled axes, per location too; the window changes from the keyboard', async () => {
    const page = await open(1280);
    await page.goto(`${server.baseUrl}/dashboard/#/monitors/${monitorId}`);
    await page.getByRole('heading', { name: 'Uptime and response time' }).waitFor();
    const chart = page.locator('figure.chart');
    await expect.poll(() => chart.getByRole('img').getAttribute('aria-label')).toMatch(/^Response time, last 24 hours, hourly: p95 from \d+ to \d+ ms over \d+ hours with runs$/);
    expect(await chart.locator('text.axis-label').allTextContents()).toEqual(['Response time (ms)', 'Hour']);
    expect(await chart.locator('path.line-p50').getAttribute('d')).toMatch(/^M[\d.]+,[\d.]+(L[\d.]+,[\d.]+)+/);
    expect(await chart.locator('path.line-p95').getAttribute('d')).toMatch(/^M/);
    expect(await chart.locator('figcaption').textContent()).toBe('p50 p95');
    expect(await page.locator('tr[data-location="local"] td').first().textContent()).toMatch(/^\d+\.\d\d %$/);
    expect(await page.getByTestId('uptime-30days').textContent()).toMatch(/Uptime, last 30 days\d+\.\d\d %/);

    // Keyboard: focus the window selector and pick the 7-day chart, then the 30-day daily chart, with the arrow keys.
    await page.getByLabel('Chart').focus();
    await page.keyboard.press('ArrowDown');
    await expect.poll(() => chart.getByRole('img').getAttribute('aria-label')).toMatch(/^Response time, last 7 days, hourly:/);
    // hourly buckets over seven days: each axis label says its day as well as its hour (the same locale as the page's)
    const dayOf = (iso: string) => new Date(iso).toLocaleDateString('en-US', { month: 'short', day: 'numeric' });
    const ticks = await chart.locator('text.tick').allTextContents();
    const xTicks = ticks.filter((t) => !/^\d+$/.test(t));
    expect(xTicks.length).toBeGreaterThan(1);
    for (const t of xTicks) expect(t).toMatch(/^[A-Z][a-z]{2} \d{1,2}, \d\d:\d\d/);
    expect(new Set(xTicks.map((t) => t.split(',')[0])).size).toBeGreaterThan(1); // different days
    expect(xTicks.some((t) => t.startsWith(dayOf(new Date().toISOString())) || t.startsWith(dayOf(new Date(Date.now() - 3600_000).toISOString())))).toBe(true);
    await page.keyboard.press('ArrowDown');
    await expect.poll(() => chart.getByRole('img').getAttribute('aria-label')).toMatch(/^Response time, last 30 days, daily: p95 from \d+ to \d+ ms over (8|9) days with runs$/);
    expect(await chart.locator('text.axis-label').allTextContents()).toEqual(['Response time (ms)', 'Day (UTC)']);
    await page.screenshot({ path: path.join(OUT, 'dashboard-monitor-stats.png'), fullPage: true });
    await page.context().close();
  });

  it('a new monitor with one hour of runs draws that hour as a dot, not an empty chart', async () => {
    const fresh = (await api('POST', '/v1/monitors', { name: 'Fresh', url: `${server.baseUrl}/healthz` })).data;
    await api('POST', `/v1/monitors/${fresh.id}/runs`);
    const page = await open(1280);
    await page.goto(`${server.baseUrl}/dashboard/#/monitors/${fresh.id}`);
    const chart = page.locator('figure.chart');
    await expect.poll(() => chart.getByRole('img').getAttribute('aria-label')).toMatch(/over 1 hours with runs$/);
    expect(await chart.locator('circle.dot-p50').count()).toBe(1);
    expect(await chart.locator('circle.dot-p95').count()).toBe(1);
    await page.context().close();
  });

  it('the alert history lists resolved alerts, filtered by status', async () => {
    const broken = (await api('POST', '/v1/monitors', { name: 'Broken', url: `${server.baseUrl}/nope`, failure_threshold: 1 })).data;
    await api('POST', `/v1/monitors/${broken.id}/runs`);
    const alerts = (await api('GET', `/v1/alerts?check_id=${broken.id}`)).data as unknown as { nodes: { id: string }[] };
    await api('POST', `/v1/alerts/${alerts.nodes[0].id}/resolve`);
    const page = await open(1280);
    await page.getByRole('link', { name: 'Alerts' }).click();
    await page.getByText('No open alerts.').waitFor();
    await page.getByRole('link', { name: 'History' }).click();
    await page.getByRole('heading', { name: 'Alert history' }).waitFor();
    const item = page.locator(`li[data-alert-id="${alerts.nodes[0].id}"]`);
    await expect.poll(() => item.locator('.status').textContent()).toBe('RESOLVED');
    expect(await item.textContent()).toContain('resolved');
    await page.getByLabel('Status').selectOption('OPEN');
    await page.getByText('No alerts.').waitFor();
    await page.context().close();
  });

  it('at 390 px nothing overflows the page and the chart scales to fit', async () => {
    const page = await open(390);
    await page.goto(`${server.baseUrl}/dashboard/#/monitors/${monitorId}`);
    await page.locator('figure.chart svg').waitFor();
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    const box = await page.locator('figure.chart svg').boundingBox();
    expect(box!.width).toBeLessThanOrEqual(390);
    expect(box!.width).toBeGreaterThan(300);
    await page.goto(`${server.baseUrl}/dashboard/#/monitors`);
    await page.locator(`tr[data-monitor-id="${monitorId}"] td[data-window="day"]`).waitFor();
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    await page.goto(`${server.baseUrl}/dashboard/#/alerts/history`);
    await page.getByRole('heading', { name: 'Alert history' }).waitFor();
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    await page.screenshot({ path: path.join(OUT, 'dashboard-stats-390.png'), fullPage: true });
    await page.context().close();
  });
}, { ciPass: 'postgres' }); // in CI's PostgreSQL pass, to even the two passes out (runsInThisPass)
