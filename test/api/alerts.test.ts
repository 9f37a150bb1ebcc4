import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AcknowledgeAlertDocument,
  AlertDocument,
  AlertsDocument,
  CreateJourneyDocument,
  CreateMonitorDocument,
  ResolveAlertDocument,
  RunJourneyDocument,
  RunMonitorDocument,
} from '../../src/client/generated/graphql';
import { startTestApp, type TestApp } from '../helpers/app';
import { startTarget, type Target } from '../helpers/target';

let t: TestApp;
let target: Target;
let healthy = true;
let admin: Awaited<ReturnType<TestApp['key']>>;
let oncall: Awaited<ReturnType<TestApp['key']>>;

beforeAll(async () => {
  t = await startTestApp({ LEASE_MARGIN_SECONDS: '2' });
  target = await startTarget();
  target.route('/flappy', (_req, res) => res.writeHead(healthy ? 200 : 500).end());
  const org = await t.org('Acme Inc');
  admin = await t.key(org, ['all']);
  oncall = await t.key(org, ['alerts:read', 'alerts:write'], { name: 'On-call bot' });
});
afterAll(async () => {
  await target?.close();
  await t?.close();
});

describe('alerts', () => {
  it('open at failureThreshold, once, and resolve on the first passing run', async () => {
    const m = (await admin.client.gql(CreateMonitorDocument, { input: { name: 'Flappy', url: `${target.url}/flappy`, failureThreshold: 2 } })).data!.createMonitor;
    const run = () => admin.client.gql(RunMonitorDocument, { id: m.id });
    const alertsOf = async () => (await oncall.client.gql(AlertsDocument, { checkId: m.id })).data!.alerts.nodes;
    healthy = false;
    await run();
    expect(await alertsOf()).toEqual([]);
    await run();
    let alerts = await alertsOf();
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ status: 'OPEN', source: { kind: 'MONITOR', id: m.id, name: 'Flappy' } });
    expect(alerts[0].id).toMatch(/^alr_/);
    expect(alerts[0].cause).toContain('2 failed runs in a row');
    await Promise.all([run(), run(), run()]); // concurrent failures still open no second alert
    alerts = await alertsOf();
    expect(alerts).toHaveLength(1);

    healthy = true;
    await run();
    const resolved = (await oncall.client.gql(AlertDocument, { id: alerts[0].id })).data!.alert;
    expect(resolved).toMatchObject({ status: 'RESOLVED', resolvedBy: 'system' });
    expect((await oncall.client.gql(AlertsDocument, { status: 'OPEN', checkId: m.id })).data!.alerts.nodes).toEqual([]);
  });

  it('records who acknowledged and resolved, and refuses what makes no sense with CONFLICT', async () => {
    const m = (await admin.client.gql(CreateMonitorDocument, { input: { name: 'Down', url: `${target.url}/flappy`, failureThreshold: 1 } })).data!.createMonitor;
    healthy = false;
    await admin.client.gql(RunMonitorDocument, { id: m.id });
    healthy = true;
    const alert = (await oncall.client.gql(AlertsDocument, { status: 'OPEN', checkId: m.id })).data!.alerts.nodes[0];
    const ack = (await oncall.client.gql(AcknowledgeAlertDocument, { id: alert.id })).data!.acknowledgeAlert;
    expect(ack).toMatchObject({ status: 'ACKNOWLEDGED', acknowledgedBy: oncall.id, acknowledgedByName: 'On-call bot' });
    expect(ack.acknowledgedAt).not.toBeNull();
    const res = await oncall.client.rest('POST', `/v1/alerts/${alert.id}/resolve`);
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ status: 'RESOLVED', resolved_by: oncall.id, resolved_by_name: 'On-call bot' });

    const twice = await oncall.client.gql(ResolveAlertDocument, { id: alert.id });
    expect(twice.status).toBe(409);
    expect(twice.errors?.[0].extensions?.code).toBe('CONFLICT');
    const ackResolved = await oncall.client.rest('POST', `/v1/alerts/${alert.id}/acknowledge`);
    expect(ackResolved.status).toBe(409);
    expect(ackResolved.body.error?.code).toBe('CONFLICT');
  });

  it("lists one check's alerts by checkId, whichever its kind", async () => {
    healthy = false;
    const m = (await admin.client.gql(CreateMonitorDocument, { input: { name: 'Filtered monitor', url: `${target.url}/flappy`, failureThreshold: 1 } })).data!.createMonitor;
    await admin.client.gql(RunMonitorDocument, { id: m.id });
    const j = (
      await admin.client.gql(CreateJourneyDocument, {
        input: { name: 'Filtered journey', failureThreshold: 1, steps: [{ name: 's', request: { method: 'GET', url: `${target.url}/flappy` } }] },
      })
    ).data!.createJourney;
    await admin.client.gql(RunJourneyDocument, { id: j.id });
    healthy = true;
    const sources = async (checkId: string) => (await oncall.client.gql(AlertsDocument, { checkId })).data!.alerts.nodes.map((a) => a.source);
    expect(await sources(m.id)).toEqual([{ kind: 'MONITOR', id: m.id, name: 'Filtered monitor', subject: null }]);
    expect(await sources(j.id)).toEqual([{ kind: 'JOURNEY', id: j.id, name: 'Filtered journey', subject: null }]);
  });

  it('a key without alerts:write can read but not act', async () => {
    healthy = false;
    const m = (await admin.client.gql(CreateMonitorDocument, { input: { name: 'Read only', url: `${target.url}/flappy`, failureThreshold: 1 } })).data!.createMonitor;
    await admin.client.gql(RunMonitorDocument, { id: m.id });
    healthy = true;
    const reader = await t.key((await t.org('Acme Inc')), ['alerts:read']);
    const [open] = (await reader.client.gql(AlertsDocument, { checkId: m.id })).data!.alerts.nodes;
    expect(open).toMatchObject({ status: 'OPEN' });
    const res = await reader.client.gql(AcknowledgeAlertDocument, { id: open.id });
    expect(res.status).toBe(403);
    expect(res.errors?.[0].extensions).toMatchObject({ code: 'FORBIDDEN', missingScopes: ['alerts:write'] });
  });
});

describe('a run and its effect on status and alerts are one transaction', () => {
  it('when applying the outcome fails, no run is stored either (it would count against quota unseen)', async () => {
    healthy = false;
    const m = (await admin.client.gql(CreateMonitorDocument, { input: { name: 'Atomic', url: `${target.url}/flappy`, failureThreshold: 1, timeoutMs: 500 } })).data!.createMonitor;
    const conn = t.db.orm.em.getConnection();
    // A real failure between the two writes: the status update of this one monitor is refused by the database.
    await conn.execute(`create function refuse_status() returns trigger language plpgsql as $$ begin raise exception 'status write refused'; end $$`);
    await conn.execute(`create trigger refuse_status before update on monitors for each row when (old.id = '${m.id}') execute function refuse_status()`);
    try {
      // The worker's transaction fails: an engine failure, retried by the queue, never half-recorded. The manual
      // run's caller is told within the check's timeout and the lease margin.
      const res = await admin.client.gql(RunMonitorDocument, { id: m.id });
      expect(res.status).toBe(503);
      expect(res.errors![0].extensions!.code).toBe('SERVICE_UNAVAILABLE');
      expect(res.errors![0].message).toMatch(/did not finish/);
      const runs = await conn.execute('select count(*)::int as n from runs where check_id = ?', [m.id]);
      expect(runs[0].n).toBe(0);
      const alerts = await conn.execute('select count(*)::int as n from alerts where check_id = ?', [m.id]);
      expect(alerts[0].n).toBe(0);
    } finally {
      await conn.execute('drop trigger refuse_status on monitors');
      await conn.execute('drop function refuse_status()');
    }
    // With the fault gone the same run is stored together with its status and alert.
    expect((await admin.client.gql(RunMonitorDocument, { id: m.id })).status).toBe(200);
    const [row] = await conn.execute('select status from monitors where id = ?', [m.id]);
    expect(row.status).toBe('DOWN');
    const runs = await conn.execute('select count(*)::int as n from runs where check_id = ?', [m.id]);
    expect(runs[0].n).toBe(1);
    healthy = true;
  });
});
