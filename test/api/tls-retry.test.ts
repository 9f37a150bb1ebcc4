import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as os from 'node:os';
import * as path from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AlertsDocument,
  CreateJourneyDocument,
  CreateMonitorDocument,
  CreateNotificationChannelDocument,
  JourneyDocument,
  MonitorDocument,
  MonitorStatsDocument,
  OrganizationOverviewDocument,
  RunJourneyDocument,
  RunMonitorDocument,
  UpdateMonitorDocument,
} from '../../src/client/generated/graphql';
import { startTestApp, type TestApp } from '../helpers/app';
import { startTarget, type Target } from '../helpers/target';
import { startReceiver, type Receiver } from '../helpers/receiver';
import { monitorKind } from '../../src/modules/checks/kinds/monitor/monitor.kind';
import { journeyKind } from '../../src/modules/checks/kinds/journey/journey.kind';
import { Monitor } from '../../src/modules/checks/kinds/monitor/monitor.entity';
import { Journey } from '../../src/modules/checks/kinds/journey/journey.entity';

/** A self-signed certificate for 127.0.0.1 valid `days` days from now, made by the openssl binary (node:crypto makes no X.509). */
function certificate(dir: string, name: string, days: number): { key: Buffer; cert: Buffer } {
  const key = path.join(dir, `${name}.key`);
  const cert = path.join(dir, `${name}.crt`);
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert, '-days', String(days), '-subj', '/CN=127.0.0.1/O=Tracer Test'], { stdio: 'ignore' });
  return { key: fs.readFileSync(key), cert: fs.readFileSync(cert) };
}

let t: TestApp;
let target: Target;
let rx: Receiver;
let tlsServer: https.Server;
let tlsUrl: string;
let dir: string;
let valid: { key: Buffer; cert: Buffer };
let expiring: { key: Buffer; cert: Buffer };
let admin: Awaited<ReturnType<TestApp['key']>>;
let orgId: string;
let slow = true;
let flakyHits = 0;

const usage = async () =>
  Number((await t.db.orm.em.getConnection().execute<{ runs: number }[]>('select coalesce(sum(runs), 0)::int as runs from usage_counters where organization_id = ?', [orgId]))[0].runs);

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tracer-tls-'));
  valid = certificate(dir, 'valid', 365);
  expiring = certificate(dir, 'expiring', 3);
  tlsServer = https.createServer(expiring, (_req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end('ok'));
  await new Promise<void>((r) => tlsServer.listen(0, '127.0.0.1', r));
  tlsUrl = `https://127.0.0.1:${(tlsServer.address() as AddressInfo).port}/`;

  t = await startTestApp({ LEASE_MARGIN_SECONDS: '2' });
  target = await startTarget();
  // Answers after 300 ms while `slow`: a passing run slower than a 100 ms threshold, whatever the machine's speed.
  target.route('/slow', (_req, res) => setTimeout(() => res.writeHead(200).end('ok'), slow ? 300 : 0));
  // Fails twice, then passes (the counter is reset by the test that uses it).
  target.route('/flaky', (_req, res) => res.writeHead(++flakyHits <= 2 ? 500 : 200).end());
  target.route('/down', (_req, res) => res.writeHead(503).end());
  rx = await startReceiver();
  const org = await t.org('Acme');
  orgId = org.id;
  admin = await t.key(org, ['all']);
});
afterAll(async () => {
  await new Promise((r) => tlsServer?.close(r));
  await rx?.close();
  await target?.close();
  await t?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('certificates', () => {
  it('an HTTPS run records the certificate; fewer days than tlsExpiryWarningDays opens TLS_CERTIFICATE_EXPIRING, a renewed one resolves it', async () => {
    const m = (await admin.client.gql(CreateMonitorDocument, { input: { name: 'Shop', url: tlsUrl, skipTlsVerification: true } })).data!.createMonitor;
    expect(m).toMatchObject({ tlsExpiryWarningDays: 14, skipTlsVerification: true });
    const run = (await admin.client.gql(RunMonitorDocument, { id: m.id })).data!.runMonitor;
    expect(run.status).toBe('PASSED');
    // Made valid for 3 days, read moments later: 2 whole days remain.
    expect(run.tls).toMatchObject({ subject: 'CN=127.0.0.1, O=Tracer Test', issuer: 'CN=127.0.0.1, O=Tracer Test', daysRemaining: 2, protocol: 'TLSv1.3' });
    expect(new Date(run.tls!.validTo).getTime() - new Date(run.tls!.validFrom).getTime()).toBe(3 * 86_400_000);

    const open = async () => (await admin.client.gql(AlertsDocument, { checkId: m.id, status: 'OPEN' })).data!.alerts.nodes;
    let alerts = await open();
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ causeCode: 'TLS_CERTIFICATE_EXPIRING', source: { id: m.id } });
    expect(alerts[0].cause).toMatch(/^TLS_CERTIFICATE_EXPIRING: the certificate \(CN=127.0.0.1, O=Tracer Test\) expires in 2 days/);
    // The passing check itself is UP: the certificate alert is apart from the failure rule.
    expect((await admin.client.gql(MonitorDocument, { id: m.id })).data!.monitor.status).toBe('UP');

    await admin.client.gql(RunMonitorDocument, { id: m.id });
    expect(await open()).toHaveLength(1); // still the one alert

    tlsServer.setSecureContext(valid); // renewed
    const renewed = (await admin.client.gql(RunMonitorDocument, { id: m.id })).data!.runMonitor;
    expect(renewed.tls!.daysRemaining).toBe(364);
    expect(await open()).toEqual([]);
    alerts = (await admin.client.gql(AlertsDocument, { checkId: m.id })).data!.alerts.nodes;
    expect(alerts.map((a) => [a.causeCode, a.status, a.resolvedBy])).toEqual([['TLS_CERTIFICATE_EXPIRING', 'RESOLVED', 'system']]);
    tlsServer.setSecureContext(expiring);
  });

  it('without skipTlsVerification a self-signed endpoint fails; tlsExpiryWarningDays null opens nothing', async () => {
    const strict = (await admin.client.gql(CreateMonitorDocument, { input: { name: 'Strict', url: tlsUrl } })).data!.createMonitor;
    const failed = (await admin.client.gql(RunMonitorDocument, { id: strict.id })).data!.runMonitor;
    expect(failed).toMatchObject({ status: 'FAILED', error: 'TLS error: DEPTH_ZERO_SELF_SIGNED_CERT', tls: null });

    const quiet = (await admin.client.gql(CreateMonitorDocument, { input: { name: 'Quiet', url: tlsUrl, skipTlsVerification: true, tlsExpiryWarningDays: null } })).data!
      .createMonitor;
    expect(quiet.tlsExpiryWarningDays).toBeNull();
    const run = (await admin.client.gql(RunMonitorDocument, { id: quiet.id })).data!.runMonitor;
    expect(run.tls!.daysRemaining).toBe(2);
    expect((await admin.client.gql(AlertsDocument, { checkId: quiet.id })).data!.alerts.nodes).toEqual([]);

    // Turning the warning on makes the next run open the alert; off again, the next run resolves it.
    await admin.client.gql(UpdateMonitorDocument, { id: quiet.id, input: { tlsExpiryWarningDays: 30 } });
    await admin.client.gql(RunMonitorDocument, { id: quiet.id });
    expect((await admin.client.gql(AlertsDocument, { checkId: quiet.id, status: 'OPEN' })).data!.alerts.nodes).toHaveLength(1);
    const off = (await admin.client.gql(UpdateMonitorDocument, { id: quiet.id, input: { tlsExpiryWarningDays: null } })).data!.updateMonitor;
    expect(off.tlsExpiryWarningDays).toBeNull();
    await admin.client.gql(RunMonitorDocument, { id: quiet.id });
    expect((await admin.client.gql(AlertsDocument, { checkId: quiet.id, status: 'OPEN' })).data!.alerts.nodes).toEqual([]);
  });
});

describe('degraded', () => {
  it('a passing run slower than degradedResponseTimeMs is DEGRADED: the run, the status, the statistics and CHECK_DEGRADED', async () => {
    const m = (await admin.client.gql(CreateMonitorDocument, { input: { name: 'Slow', url: `${target.url}/slow`, degradedResponseTimeMs: 100 } })).data!.createMonitor;
    expect(m.degradedResponseTimeMs).toBe(100);
    const channel = await admin.client.gql(CreateNotificationChannelDocument, {
      input: { name: 'slowness', type: 'WEBHOOK', url: `${rx.url}/hooks/degraded`, events: ['CHECK_DEGRADED'], checkIds: [m.id] },
    });
    expect(channel.errors).toBeUndefined();
    slow = true;
    const run = (await admin.client.gql(RunMonitorDocument, { id: m.id })).data!.runMonitor;
    expect(run).toMatchObject({ status: 'PASSED', degraded: true, attempts: 1, attemptErrors: [] });
    expect((await admin.client.gql(MonitorDocument, { id: m.id })).data!.monitor.status).toBe('DEGRADED');
    const [hit] = await rx.waitFor((r) => r.path === '/hooks/degraded');
    const body = JSON.parse(hit.body);
    expect(body.type).toBe('check.degraded');
    expect(body.data.check).toMatchObject({ id: m.id, name: 'Slow', kind: 'MONITOR' });
    expect(body.data.run).toMatchObject({ id: run.id, degradedResponseTimeMs: 100 });
    expect(body.data.run.responseTimeMs).toBeGreaterThan(100);
    expect((await admin.client.gql(OrganizationOverviewDocument)).data!.organization.overview.checks.degraded).toBeGreaterThanOrEqual(1);
    // Still degraded: told once, not at every run.
    await admin.client.gql(RunMonitorDocument, { id: m.id });

    slow = false;
    const fast = (await admin.client.gql(RunMonitorDocument, { id: m.id })).data!.runMonitor;
    expect(fast.degraded).toBe(false);
    expect((await admin.client.gql(MonitorDocument, { id: m.id })).data!.monitor.status).toBe('UP');
    const stats = (await admin.client.gql(MonitorStatsDocument, { id: m.id, window: 'LAST_24_HOURS' })).data!.monitor.stats;
    expect(stats).toMatchObject({ runs: 3, failures: 0, degraded: 2, uptimePercent: 100 });
    expect(rx.received.filter((r) => r.path === '/hooks/degraded')).toHaveLength(1);
  });

  it('a journey is DEGRADED too (its steps together)', async () => {
    slow = true;
    const j = (
      await admin.client.gql(CreateJourneyDocument, {
        input: { name: 'Slow journey', degradedResponseTimeMs: 100, steps: [{ name: 'slow', request: { url: `${target.url}/slow` } }] },
      })
    ).data!.createJourney;
    const run = (await admin.client.gql(RunJourneyDocument, { id: j.id })).data!.runJourney;
    expect(run).toMatchObject({ status: 'PASSED', degraded: true });
    expect((await admin.client.gql(JourneyDocument, { id: j.id })).data!.journey.status).toBe('DEGRADED');
  });
});

describe('retries', () => {
  it('a failed attempt is retried in the slot: two failures then a pass is one PASSED run of 3 attempts, counted once', async () => {
    flakyHits = 0;
    const m = (
      await admin.client.gql(CreateMonitorDocument, { input: { name: 'Flaky', url: `${target.url}/flaky`, retry: { strategy: 'FIXED', maxRetries: 2, baseBackoffMs: 50 } } })
    ).data!.createMonitor;
    expect(m.retry).toEqual({ strategy: 'FIXED', maxRetries: 2, baseBackoffMs: 50 });
    const before = await usage();
    const run = (await admin.client.gql(RunMonitorDocument, { id: m.id })).data!.runMonitor;
    expect(run).toMatchObject({ status: 'PASSED', attempts: 3, error: null });
    expect(run.attemptErrors).toEqual(['Status 500 is not one of 200-299', 'Status 500 is not one of 200-299']);
    expect(flakyHits).toBe(3);
    expect(await usage()).toBe(before + 1);
    expect((await admin.client.gql(MonitorDocument, { id: m.id })).data!.monitor.status).toBe('UP');
  });

  it('an endpoint that always fails is FAILED after maxRetries, every attempt recorded, the quota counted once', async () => {
    const m = (
      await admin.client.gql(CreateMonitorDocument, {
        input: { name: 'Down', url: `${target.url}/down`, failureThreshold: 1, retry: { strategy: 'EXPONENTIAL', maxRetries: 3, baseBackoffMs: 10 } },
      })
    ).data!.createMonitor;
    const hits = () => target.hits.filter((h) => h.path === '/down').length;
    const [before, hitsBefore] = [await usage(), hits()];
    const run = (await admin.client.gql(RunMonitorDocument, { id: m.id })).data!.runMonitor;
    expect(run).toMatchObject({ status: 'FAILED', attempts: 4, error: 'Status 503 is not one of 200-299' });
    expect(run.attemptErrors).toEqual(Array(4).fill('Status 503 is not one of 200-299'));
    expect(hits() - hitsBefore).toBe(4);
    expect(await usage()).toBe(before + 1);
    const alerts = (await admin.client.gql(AlertsDocument, { checkId: m.id, status: 'OPEN' })).data!.alerts.nodes;
    expect(alerts.map((a) => a.causeCode)).toEqual(['CHECK_FAILED']);
  });

  it('a journey retries the whole journey', async () => {
    flakyHits = 1; // fails once more
    const j = (
      await admin.client.gql(CreateJourneyDocument, {
        input: { name: 'Flaky journey', retry: { strategy: 'LINEAR', maxRetries: 1, baseBackoffMs: 10 }, steps: [{ name: 'flaky', request: { url: `${target.url}/flaky` } }] },
      })
    ).data!.createJourney;
    const run = (await admin.client.gql(RunJourneyDocument, { id: j.id })).data!.runJourney;
    expect(run).toMatchObject({ status: 'PASSED', attempts: 2, attemptErrors: ['Step 1 (flaky): Status 500'] });
  });

  it('the lease covers every attempt and wait, in the scheduler\'s SQL as in the code', async () => {
    const m = (
      await admin.client.gql(CreateMonitorDocument, {
        input: { name: 'Leased', url: `${target.url}/down`, timeoutMs: 2000, retry: { strategy: 'EXPONENTIAL', maxRetries: 3, baseBackoffMs: 1000 } },
      })
    ).data!.createMonitor;
    const j = (
      await admin.client.gql(CreateJourneyDocument, {
        input: { name: 'Leased journey', timeoutMs: 1000, retry: { strategy: 'LINEAR', maxRetries: 2, baseBackoffMs: 500 }, steps: [1, 2].map((n) => ({ name: `s${n}`, request: { url: `${target.url}/down` } })) },
      })
    ).data!.createJourney;
    const em = t.db.orm.em.fork();
    const sqlOf = async (table: string, expr: string, id: string) => Number((await em.getConnection().execute<{ ms: number }[]>(`select ${expr} as ms from ${table} t where t.id = ?`, [id]))[0].ms);
    const monitor = await em.findOneOrFail(Monitor, { id: m.id });
    // 4 attempts of 2 s and waits of 1 + 2 + 4 s.
    expect(monitorKind.totalTimeoutMs(monitor)).toBe(15_000);
    expect(await sqlOf('monitors', monitorKind.totalTimeoutSql(), m.id)).toBe(15_000);
    const journey = await em.findOneOrFail(Journey, { id: j.id });
    // 3 attempts of 2 steps × 1 s and waits of 0.5 + 1 s; bounded per attempt by JOURNEY_MAX_DURATION_MS (here 1.5 s).
    expect(journeyKind.totalTimeoutMs(journey, 120_000)).toBe(7_500);
    expect(await sqlOf('journeys', journeyKind.totalTimeoutSql(120_000), j.id)).toBe(7_500);
    expect(journeyKind.totalTimeoutMs(journey, 1_500)).toBe(6_000);
    expect(await sqlOf('journeys', journeyKind.totalTimeoutSql(1_500), j.id)).toBe(6_000);
  });

  it('bounds: at most 3 retries, and every attempt and wait must fit the interval', async () => {
    const tooMany = await admin.client.gql(CreateMonitorDocument, { input: { name: 'x', url: `${target.url}/down`, retry: { strategy: 'FIXED', maxRetries: 4, baseBackoffMs: 10 } } });
    expect(tooMany.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(JSON.stringify(tooMany.errors?.[0].extensions)).toContain('maxRetries');
    const slowWait = await admin.client.gql(CreateMonitorDocument, { input: { name: 'x', url: `${target.url}/down`, retry: { strategy: 'FIXED', maxRetries: 1, baseBackoffMs: 60_000 } } });
    expect(slowWait.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    // 2 attempts of 6 s and a 1 s wait do not fit a 10 s interval (refused before the plan's minimum is asked).
    const over = await admin.client.gql(CreateMonitorDocument, {
      input: { name: 'x', url: `${target.url}/down`, intervalSeconds: 10, timeoutMs: 6000, retry: { strategy: 'FIXED', maxRetries: 1, baseBackoffMs: 1000 } },
    });
    expect(over.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(JSON.stringify(over.errors?.[0].extensions)).toContain('more than the interval (10000 ms)');
    const degradedZero = await admin.client.gql(CreateMonitorDocument, { input: { name: 'x', url: `${target.url}/down`, degradedResponseTimeMs: 0 } });
    expect(degradedZero.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    const days = await admin.client.gql(CreateMonitorDocument, { input: { name: 'x', url: tlsUrl, tlsExpiryWarningDays: 0 } });
    expect(days.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    // Retries off again with null.
    const m = (await admin.client.gql(CreateMonitorDocument, { input: { name: 'y', url: `${target.url}/down`, retry: { strategy: 'LINEAR', maxRetries: 1, baseBackoffMs: 10 } } })).data!
      .createMonitor;
    expect((await admin.client.gql(UpdateMonitorDocument, { id: m.id, input: { retry: null } })).data!.updateMonitor.retry).toBeNull();
  });
});
