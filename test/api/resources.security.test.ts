/**
 * The shared security suite over the whole surface (every query, mutation and REST route): no key, wrong key,
 * revoked and expired keys get 401; a key missing any one required scope gets 403 naming it; another
 * organization's ids are NOT_FOUND; and the reference's presets can do exactly what their scopes allow.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as ops from '../../src/client/generated/graphql';
import { buildAppSchema } from '../../src/graphql/schema';
import { ROUTES } from '../../src/rest/routes';
import { SCOPES, type Permission, type Scope } from '../../src/modules/auth/scopes';
import { startTestApp, type TestApp } from '../helpers/app';
import { json, startTarget, type Target } from '../helpers/target';
import type { Client } from '../helpers/client';

interface Ids {
  monitor: string;
  journey: string;
  monitorRun: string;
  journeyRun: string;
  alert: string;
  member: string;
  /** A check session that ran the monitor. */
  session: string;
  key: string;
  /** A key that a key with only organization:write may roll (rolling cannot grant more than the caller holds). */
  rollable: string;
  /** Likewise one it may revoke: revoking takes the power to grant the key's permissions. */
  revocable: string;
  channel: string;
  window: string;
}

interface Op {
  name: string;
  /** What the schema must demand: the spec, written down here, not read from the implementation. */
  scopes: Scope[];
  gql: (ids: Ids) => [unknown, Record<string, unknown>?];
  rest?: (ids: Ids) => [string, string, unknown?];
  /** Takes an object id: another organization's gives NOT_FOUND. */
  byId?: boolean;
}

const step = (url: string) => [{ name: 's', request: { method: 'GET', url, headers: [] }, assertions: [], extractions: [] }];

const OPS = (target: string): Op[] => [
  { name: 'me', scopes: [], gql: () => [ops.MeDocument], rest: () => ['GET', '/v1/me'] },
  { name: 'locations', scopes: [], gql: () => [ops.LocationsDocument], rest: () => ['GET', '/v1/locations'] },
  { name: 'apiKeys', scopes: ['organization:read'], gql: () => [ops.ApiKeysDocument], rest: () => ['GET', '/v1/api-keys'] },
  { name: 'createApiKey', scopes: ['organization:write'], gql: () => [ops.CreateApiKeyDocument, { input: { name: 'x', permissions: ['organization:write'] } }], rest: () => ['POST', '/v1/api-keys', { name: 'x', permissions: ['organization:write'] }] },
  { name: 'auditEvents', scopes: ['organization:read'], gql: () => [ops.AuditEventsDocument, {}], rest: () => ['GET', '/v1/audit-events'] },
  { name: 'rollApiKey', scopes: ['organization:write'], byId: true, gql: (i) => [ops.RollApiKeyDocument, { id: i.rollable, gracePeriod: 'ONE_HOUR' }], rest: (i) => ['POST', `/v1/api-keys/${i.rollable}/roll`, { grace_period: 'ONE_HOUR' }] },
  { name: 'revokeApiKey', scopes: ['organization:write'], byId: true, gql: (i) => [ops.RevokeApiKeyDocument, { id: i.revocable }], rest: (i) => ['DELETE', `/v1/api-keys/${i.revocable}`] },

  { name: 'monitors', scopes: ['monitors:read'], gql: () => [ops.MonitorsDocument, {}], rest: () => ['GET', '/v1/monitors'] },
  { name: 'monitor', scopes: ['monitors:read'], byId: true, gql: (i) => [ops.MonitorDocument, { id: i.monitor }], rest: (i) => ['GET', `/v1/monitors/${i.monitor}`] },
  { name: 'createMonitor', scopes: ['monitors:read', 'monitors:write'], gql: () => [ops.CreateMonitorDocument, { input: { name: 'x', url: `${target}/ok` } }], rest: () => ['POST', '/v1/monitors', { name: 'x', url: `${target}/ok` }] },
  { name: 'updateMonitor', scopes: ['monitors:read', 'monitors:write'], byId: true, gql: (i) => [ops.UpdateMonitorDocument, { id: i.monitor, input: { name: 'y' } }], rest: (i) => ['PATCH', `/v1/monitors/${i.monitor}`, { name: 'y' }] },
  { name: 'pauseMonitor', scopes: ['monitors:read', 'monitors:write'], byId: true, gql: (i) => [ops.PauseMonitorDocument, { id: i.monitor }], rest: (i) => ['POST', `/v1/monitors/${i.monitor}/pause`] },
  { name: 'resumeMonitor', scopes: ['monitors:read', 'monitors:write'], byId: true, gql: (i) => [ops.ResumeMonitorDocument, { id: i.monitor }], rest: (i) => ['POST', `/v1/monitors/${i.monitor}/resume`] },
  { name: 'runMonitor', scopes: ['monitors:run'], byId: true, gql: (i) => [ops.RunMonitorDocument, { id: i.monitor }], rest: (i) => ['POST', `/v1/monitors/${i.monitor}/runs`] },
  { name: 'monitorRuns', scopes: ['monitors:read'], byId: true, gql: (i) => [ops.MonitorRunsDocument, { monitorId: i.monitor }], rest: (i) => ['GET', `/v1/monitors/${i.monitor}/runs`] },

  { name: 'journeys', scopes: ['journeys:read'], gql: () => [ops.JourneysDocument, {}], rest: () => ['GET', '/v1/journeys'] },
  { name: 'journey', scopes: ['journeys:read'], byId: true, gql: (i) => [ops.JourneyDocument, { id: i.journey }], rest: (i) => ['GET', `/v1/journeys/${i.journey}`] },
  { name: 'createJourney', scopes: ['journeys:read', 'journeys:write'], gql: () => [ops.CreateJourneyDocument, { input: { name: 'x', steps: step(`${target}/ok`) } }], rest: () => ['POST', '/v1/journeys', { name: 'x', steps: step(`${target}/ok`) }] },
  { name: 'updateJourney', scopes: ['journeys:read', 'journeys:write'], byId: true, gql: (i) => [ops.UpdateJourneyDocument, { id: i.journey, input: { name: 'y' } }], rest: (i) => ['PATCH', `/v1/journeys/${i.journey}`, { name: 'y' }] },
  { name: 'pauseJourney', scopes: ['journeys:read', 'journeys:write'], byId: true, gql: (i) => [ops.PauseJourneyDocument, { id: i.journey }], rest: (i) => ['POST', `/v1/journeys/${i.journey}/pause`] },
  { name: 'resumeJourney', scopes: ['journeys:read', 'journeys:write'], byId: true, gql: (i) => [ops.ResumeJourneyDocument, { id: i.journey }], rest: (i) => ['POST', `/v1/journeys/${i.journey}/resume`] },
  { name: 'runJourney', scopes: ['journeys:run'], byId: true, gql: (i) => [ops.RunJourneyDocument, { id: i.journey }], rest: (i) => ['POST', `/v1/journeys/${i.journey}/runs`] },
  { name: 'journeyRuns', scopes: ['journeys:read'], byId: true, gql: (i) => [ops.JourneyRunsDocument, { journeyId: i.journey }], rest: (i) => ['GET', `/v1/journeys/${i.journey}/runs`] },

  { name: 'monitorStats', scopes: ['monitors:read'], byId: true, gql: (i) => [ops.MonitorStatsDocument, { id: i.monitor, window: 'LAST_7_DAYS' }], rest: (i) => ['GET', `/v1/monitors/${i.monitor}/stats?window=LAST_7_DAYS`] },
  { name: 'monitorSeries', scopes: ['monitors:read'], byId: true, gql: (i) => [ops.MonitorSeriesDocument, { id: i.monitor, window: 'LAST_7_DAYS', interval: 'DAY' }], rest: (i) => ['GET', `/v1/monitors/${i.monitor}/series?window=LAST_7_DAYS&interval=DAY`] },
  { name: 'journeyStats', scopes: ['journeys:read'], byId: true, gql: (i) => [ops.JourneyStatsDocument, { id: i.journey, window: 'LAST_7_DAYS' }], rest: (i) => ['GET', `/v1/journeys/${i.journey}/stats`] },
  { name: 'journeySeries', scopes: ['journeys:read'], byId: true, gql: (i) => [ops.JourneySeriesDocument, { id: i.journey, window: 'LAST_24_HOURS', interval: 'HOUR' }], rest: (i) => ['GET', `/v1/journeys/${i.journey}/series`] },

  { name: 'runs', scopes: ['monitors:read', 'journeys:read'], byId: true, gql: (i) => [ops.RunsDocument, { monitorId: i.monitor }] },
  { name: 'run', scopes: ['monitors:read', 'journeys:read'], byId: true, gql: (i) => [ops.RunDocument, { id: i.journeyRun }], rest: (i) => ['GET', `/v1/runs/${i.monitorRun}`] },

  { name: 'alerts', scopes: ['alerts:read'], gql: () => [ops.AlertsDocument, {}], rest: () => ['GET', '/v1/alerts'] },
  { name: 'alert', scopes: ['alerts:read'], byId: true, gql: (i) => [ops.AlertDocument, { id: i.alert }], rest: (i) => ['GET', `/v1/alerts/${i.alert}`] },
  { name: 'acknowledgeAlert', scopes: ['alerts:read', 'alerts:write'], byId: true, gql: (i) => [ops.AcknowledgeAlertDocument, { id: i.alert }], rest: (i) => ['POST', `/v1/alerts/${i.alert}/acknowledge`] },
  { name: 'resolveAlert', scopes: ['alerts:read', 'alerts:write'], byId: true, gql: (i) => [ops.ResolveAlertDocument, { id: i.alert }], rest: (i) => ['POST', `/v1/alerts/${i.alert}/resolve`] },

  { name: 'organization', scopes: ['organization:read'], gql: () => [ops.OrganizationDocument], rest: () => ['GET', '/v1/organization'] },
  { name: 'organizationOverview', scopes: ['organization:read', 'monitors:read', 'journeys:read', 'alerts:read'], gql: () => [ops.OrganizationOverviewDocument], rest: () => ['GET', '/v1/organization/overview'] },
  { name: 'updateOrganization', scopes: ['organization:write'], gql: () => [ops.UpdateOrganizationDocument, { name: 'Acme' }], rest: () => ['PATCH', '/v1/organization', { name: 'Acme' }] },
  { name: 'members', scopes: ['organization:read'], gql: () => [ops.MembersDocument], rest: () => ['GET', '/v1/organization/members'] },
  { name: 'inviteMember', scopes: ['organization:read', 'organization:write'], gql: () => [ops.InviteMemberDocument, { input: { email: `x${Math.random()}@example.com`, role: 'VIEWER' } }], rest: () => ['POST', '/v1/organization/members', { email: `y${Math.random()}@example.com`, role: 'VIEWER' }] },
  { name: 'updateMemberRole', scopes: ['organization:read', 'organization:write'], byId: true, gql: (i) => [ops.UpdateMemberRoleDocument, { id: i.member, role: 'ADMIN' }], rest: (i) => ['PATCH', `/v1/organization/members/${i.member}`, { role: 'ADMIN' }] },
  { name: 'removeMember', scopes: ['organization:write'], byId: true, gql: (i) => [ops.RemoveMemberDocument, { id: i.member }], rest: (i) => ['DELETE', `/v1/organization/members/${i.member}`] },

  { name: 'billing', scopes: ['billing:read'], gql: () => [ops.BillingDocument], rest: () => ['GET', '/v1/billing'] },

  { name: 'notificationChannels', scopes: ['organization:read'], gql: () => [ops.NotificationChannelsDocument, {}], rest: () => ['GET', '/v1/notification-channels'] },
  { name: 'notificationChannel', scopes: ['organization:read'], byId: true, gql: (i) => [ops.NotificationChannelDocument, { id: i.channel }], rest: (i) => ['GET', `/v1/notification-channels/${i.channel}`] },
  // Events carrying nothing more than the organization's own (key expiry): alert and quota events need their read
  // scopes too (test/notifications-input.test.ts).
  { name: 'createNotificationChannel', scopes: ['organization:read', 'organization:write'], gql: () => [ops.CreateNotificationChannelDocument, { input: { name: 'x', type: 'WEBHOOK', url: `${target}/ok`, events: ['API_KEY_EXPIRING'] } }], rest: () => ['POST', '/v1/notification-channels', { name: 'x', type: 'WEBHOOK', url: `${target}/ok`, events: ['API_KEY_EXPIRING'] }] },
  { name: 'updateNotificationChannel', scopes: ['organization:read', 'organization:write'], byId: true, gql: (i) => [ops.UpdateNotificationChannelDocument, { id: i.channel, input: { name: 'y' } }], rest: (i) => ['PATCH', `/v1/notification-channels/${i.channel}`, { name: 'y' }] },
  { name: 'testNotificationChannel', scopes: ['organization:write', 'alerts:read'], byId: true, gql: (i) => [ops.TestNotificationChannelDocument, { id: i.channel }], rest: (i) => ['POST', `/v1/notification-channels/${i.channel}/test`] },
  { name: 'notificationDeliveries', scopes: ['alerts:read'], gql: () => [ops.NotificationDeliveriesDocument, {}], rest: () => ['GET', '/v1/notification-deliveries'] },
  { name: 'maintenanceWindows', scopes: ['alerts:read'], gql: () => [ops.MaintenanceWindowsDocument, {}], rest: () => ['GET', '/v1/maintenance-windows'] },
  { name: 'createMaintenanceWindow', scopes: ['alerts:read', 'alerts:write'], gql: () => [ops.CreateMaintenanceWindowDocument, { input: windowInput() }], rest: () => ['POST', '/v1/maintenance-windows', { name: 'w', starts_at: windowInput().startsAt, ends_at: windowInput().endsAt }] },
  // The service decides their scopes from what they select (here a monitor): the same 403, the same NOT_FOUND.
  { name: 'triggerChecks', scopes: ['monitors:run'], byId: true, gql: (i) => [ops.TriggerChecksDocument, { input: { checkIds: [i.monitor] } }], rest: (i) => ['POST', '/v1/check-sessions', { check_ids: [i.monitor] }] },
  { name: 'checkSession', scopes: ['monitors:run'], byId: true, gql: (i) => [ops.CheckSessionDocument, { id: i.session }], rest: (i) => ['GET', `/v1/check-sessions/${i.session}`] },

  // Last: they remove what the other rows use.
  { name: 'deleteMonitor', scopes: ['monitors:write'], byId: true, gql: (i) => [ops.DeleteMonitorDocument, { id: i.monitor }], rest: (i) => ['DELETE', `/v1/monitors/${i.monitor}`] },
  { name: 'deleteJourney', scopes: ['journeys:write'], byId: true, gql: (i) => [ops.DeleteJourneyDocument, { id: i.journey }], rest: (i) => ['DELETE', `/v1/journeys/${i.journey}`] },
  { name: 'deleteNotificationChannel', scopes: ['organization:write'], byId: true, gql: (i) => [ops.DeleteNotificationChannelDocument, { id: i.channel }], rest: (i) => ['DELETE', `/v1/notification-channels/${i.channel}`] },
  { name: 'deleteMaintenanceWindow', scopes: ['alerts:write'], byId: true, gql: (i) => [ops.DeleteMaintenanceWindowDocument, { id: i.window }], rest: (i) => ['DELETE', `/v1/maintenance-windows/${i.window}`] },
];

const windowInput = () => ({ name: 'w', startsAt: new Date(Date.now() + 3_600_000).toISOString(), endsAt: new Date(Date.now() + 7_200_000).toISOString() });

let t: TestApp;
let target: Target;
let ops_: Op[];
const orgs: Record<'a' | 'b', { ids: Ids; admin: Client }> = {} as never;
const keyFor: Record<string, Client> = {};

async function seed(name: string): Promise<{ ids: Ids; admin: Client }> {
  const org = await t.org(name);
  await t.db.orm.em.fork().nativeUpdate('Organization', { id: org.id }, { plan: 'BUSINESS' });
  const { client } = await t.key(org, ['all']);
  const monitor = (await client.gql(ops.CreateMonitorDocument, { input: { name: 'down', url: `${target.url}/down`, failureThreshold: 1 } })).data!.createMonitor.id;
  const journey = (await client.gql(ops.CreateJourneyDocument, { input: { name: 'j', steps: step(`${target.url}/ok`) as never } })).data!.createJourney.id;
  const monitorRun = (await client.gql(ops.RunMonitorDocument, { id: monitor })).data!.runMonitor.id;
  const journeyRun = (await client.gql(ops.RunJourneyDocument, { id: journey })).data!.runJourney.id;
  const alert = (await client.gql(ops.AlertsDocument, {})).data!.alerts.nodes[0].id;
  const session = (await client.gql(ops.TriggerChecksDocument, { input: { checkIds: [monitor] } })).data!.triggerChecks.id;
  const member = (await client.gql(ops.InviteMemberDocument, { input: { email: 'owner@example.com', role: 'ADMIN' } })).data!.inviteMember.id;
  // Revoking takes the power to grant: a key with organization:write may revoke a key holding no more than that.
  const key = (await t.key(org, ['organization:write'])).id;
  const rollable = (await t.key(org, ['organization:write'])).id;
  const revocable = (await t.key(org, ['organization:write'])).id;
  const channel = (await client.gql(ops.CreateNotificationChannelDocument, { input: { name: 'c', type: 'WEBHOOK', url: `${target.url}/ok`, events: ['API_KEY_EXPIRING'] } })).data!.createNotificationChannel.channel.id;
  const window = (await client.gql(ops.CreateMaintenanceWindowDocument, { input: windowInput() })).data!.createMaintenanceWindow.id;
  return { ids: { monitor, journey, monitorRun, journeyRun, alert, member, session, key, rollable, revocable, channel, window }, admin: client };
}

beforeAll(async () => {
  t = await startTestApp();
  target = await startTarget();
  target.route('/ok', json(200, { ok: true }));
  target.route('/down', json(500, { ok: false }));
  ops_ = OPS(target.url);
  orgs.a = await seed('Org A');
  orgs.b = await seed('Org B');
  const orgA = await t.org('Org A');
  for (const s of SCOPES) keyFor[`all-but ${s}`] = (await t.key(orgA, SCOPES.filter((x) => x !== s) as Permission[])).client;
  keyFor.dashboard = (await t.key(orgA, ['monitors:read', 'journeys:read', 'alerts:read'])).client;
  keyFor.ci = (await t.key(orgA, ['monitors:read', 'monitors:run', 'journeys:read', 'journeys:run'])).client;
});
afterAll(async () => {
  await target?.close();
  await t?.close();
});

async function call(client: Client, op: Op, ids: Ids, surface: 'gql' | 'rest') {
  if (surface === 'gql') {
    const [doc, vars] = op.gql(ids);
    const res = await client.gql(doc as never, vars as never);
    return { status: res.status, code: res.errors?.[0]?.extensions?.code as string | undefined, body: res.body, errors: res.errors };
  }
  const [method, path, body] = op.rest!(ids);
  const res = await client.rest(method, path, body);
  return { status: res.status, code: res.body.error?.code, body: res.body, errors: undefined };
}

const surfaces = (op: Op) => (op.rest ? (['gql', 'rest'] as const) : (['gql'] as const));

describe('the sweep covers the whole surface', () => {
  it('every root field of the schema and every REST route is in the table above', async () => {
    const { schema } = await buildAppSchema();
    const fields = [...Object.keys(schema.getQueryType()!.getFields()), ...Object.keys(schema.getMutationType()!.getFields())];
    const names = new Set(ops_.map((o) => o.name));
    expect(fields.filter((f) => !names.has(f) && f !== 'organization')).toEqual([]); // organization: the `organization` and `members` rows
    const routed = new Set(ops_.filter((o) => o.rest).map((o) => { const [m, p] = o.rest!(orgs.a.ids); return `${m} ${p.split('?')[0].replace(/\/(key|mon|jrn|run|alr|mem|nch|mnt|cks)_\w+/g, '/:id')}`; }));
    expect(ROUTES.map((r) => `${r.method} ${r.url}`).filter((r) => !routed.has(r))).toEqual([]);
  });
});

describe('every operation refuses bad credentials with the same 401', () => {
  it('no key, wrong key, revoked key, expired key', async () => {
    const org = await t.org('Org A');
    const revoked = await t.key(org, ['all']);
    await orgs.a.admin.gql(ops.RevokeApiKeyDocument, { id: revoked.id });
    const expired = await t.key(org, ['all'], { expiresAt: new Date(Date.now() + 60_000) });
    const clients = {
      none: t.client(),
      wrong: t.client(`${revoked.key.slice(0, 30)}${'x'.repeat(27)}${revoked.key.slice(57)}`),
      revoked: revoked.client,
      expired: expired.client,
    };
    t.clock.now = new Date(Date.now() + 120_000);
    try {
      for (const op of ops_)
        for (const surface of surfaces(op))
          for (const [name, client] of Object.entries(clients)) {
            const res = await call(client, op, orgs.a.ids, surface);
            expect([op.name, surface, name, res.status, res.code]).toEqual([op.name, surface, name, 401, 'UNAUTHORIZED']);
          }
    } finally {
      t.clock.now = null;
    }
  });
});

describe('every operation needs exactly its scopes', () => {
  it('a key missing any one of them gets 403 naming it, and nothing runs', async () => {
    for (const op of ops_)
      for (const scope of op.scopes)
        for (const surface of surfaces(op)) {
          const res = await call(keyFor[`all-but ${scope}`], op, orgs.a.ids, surface);
          expect([op.name, surface, scope, res.status, res.code]).toEqual([op.name, surface, scope, 403, 'FORBIDDEN']);
          if (surface === 'gql') expect(res.errors?.[0].extensions?.missingScopes).toEqual([scope]);
          else expect(res.body).toMatchObject({ success: false, error: { code: 'FORBIDDEN', message: 'Insufficient permissions for this action', missing_scopes: [scope] } });
        }
  });
});

describe("another organization's objects do not exist", () => {
  it('every operation that takes an id answers NOT_FOUND for one of another organization', async () => {
    for (const op of ops_.filter((o) => o.byId))
      for (const surface of surfaces(op)) {
        const res = await call(orgs.a.admin, op, orgs.b.ids, surface);
        expect([op.name, surface, res.status, res.code]).toEqual([op.name, surface, 404, 'NOT_FOUND']);
      }
    // …and B's objects are untouched by all that
    expect((await orgs.b.admin.gql(ops.MonitorDocument, { id: orgs.b.ids.monitor })).data?.monitor.name).toBe('down');
  });

  it('no list shows another organization’s objects', async () => {
    const lists = JSON.stringify([
      (await orgs.a.admin.gql(ops.MonitorsDocument, { first: 100 })).body,
      (await orgs.a.admin.gql(ops.JourneysDocument, { first: 100 })).body,
      (await orgs.a.admin.gql(ops.AlertsDocument, { first: 100 })).body,
      (await orgs.a.admin.gql(ops.ApiKeysDocument)).body,
      (await orgs.a.admin.gql(ops.MembersDocument)).body,
      (await orgs.a.admin.gql(ops.AuditEventsDocument, { first: 100 })).body,
      (await orgs.a.admin.gql(ops.MonitorRunsDocument, { monitorId: orgs.a.ids.monitor })).body,
      (await orgs.a.admin.gql(ops.NotificationChannelsDocument, { first: 100 })).body,
      (await orgs.a.admin.gql(ops.NotificationDeliveriesDocument, { first: 100 })).body,
      (await orgs.a.admin.gql(ops.MaintenanceWindowsDocument, { first: 100 })).body,
    ]);
    for (const id of Object.values(orgs.b.ids)) expect(lists).not.toContain(id);
  });
});

describe("the reference's presets", () => {
  it.each([
    ['dashboard', ['monitors:read', 'journeys:read', 'alerts:read']],
    ['ci', ['monitors:read', 'monitors:run', 'journeys:read', 'journeys:run']],
  ] as const)('%s can do exactly what its scopes allow over the whole surface', async (preset, held) => {
    for (const op of ops_.filter((o) => !o.name.startsWith('delete')))
      for (const surface of surfaces(op)) {
        const allowed = op.scopes.every((s) => (held as readonly string[]).includes(s));
        const res = await call(keyFor[preset], op, orgs.a.ids, surface);
        if (allowed) expect([op.name, surface, res.status < 400 || res.code === 'CONFLICT']).toEqual([op.name, surface, true]);
        else expect([op.name, surface, res.status]).toEqual([op.name, surface, 403]);
      }
  });
});

describe('and no more than its scopes', () => {
  // Runs last: it really performs every operation, deletes included.
  it('a key holding exactly the listed scopes may call every operation', async () => {
    const org = await t.org('Org A');
    const minimal = new Map<string, Client>();
    for (const op of ops_)
      for (const surface of surfaces(op)) {
        const set = op.scopes.join(',');
        if (!minimal.has(set)) minimal.set(set, (await t.key(org, op.scopes.length ? op.scopes : ['billing:read'])).client);
        const res = await call(minimal.get(set)!, op, orgs.a.ids, surface);
        // Allowed means past authentication and authorization; a second delete of the same id may be NOT_FOUND.
        expect([op.name, surface, res.status !== 401 && res.status !== 403, res.code]).toEqual([op.name, surface, true, res.code]);
        if (surface === 'gql' && !op.name.startsWith('delete') && op.name !== 'removeMember' && op.name !== 'revokeApiKey') expect(res.status, op.name).toBeLessThan(400);
      }
  });
});
