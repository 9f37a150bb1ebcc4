/**
 * The shared security suite over the whole surface (every query, mutation and REST route): no key, wrong key,
 * revoked and expired keys get 401; a key missing any one required scope gets 403 naming it (one that needs any of
 * several scopes: each alone passes, none is 403 naming them all); another
 * organization's ids are NOT_FOUND; and the reference's presets can do exactly what their scopes allow.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as ops from '../../src/client/generated/graphql';
import { buildAppSchema } from '../../src/graphql/schema';
import { SCOPES, type Permission } from '../../src/authorization/scopes';
import { startTestApp, type TestApp } from '../helpers/app';
import { json, startTarget, type Target } from '../helpers/target';
import type { Client } from '../helpers/client';
import { allows, OPERATIONS, registryGaps, restRequest, routesOf, seedOrganization, type Ids, type Operation } from '../helpers/operations';

let t: TestApp;
let target: Target;
const orgs: Record<'a' | 'b', { ids: Ids; admin: Client }> = {} as never;
const keyFor: Record<string, Client> = {};

beforeAll(async () => {
  t = await startTestApp();
  target = await startTarget();
  target.route('/ok', json(200, { ok: true }));
  target.route('/down', json(500, { ok: false }));
  orgs.a = await seedOrganization(t, 'Org A', target.url);
  orgs.b = await seedOrganization(t, 'Org B', target.url);
  const orgA = await t.org('Org A');
  for (const s of SCOPES) keyFor[`all-but ${s}`] = (await t.key(orgA, SCOPES.filter((x) => x !== s) as Permission[])).client;
  keyFor.dashboard = (await t.key(orgA, ['monitors:read', 'journeys:read', 'alerts:read'])).client;
  keyFor.ci = (await t.key(orgA, ['monitors:read', 'monitors:run', 'journeys:read', 'journeys:run'])).client;
});
afterAll(async () => {
  await target?.close();
  await t?.close();
});

/** GraphQL, then each REST route that mirrors the operation (`GET /v1/me`). */
const surfaces = (op: Operation) => ['gql', ...routesOf(op).map((r) => `${r.method} ${r.url}`)];

async function call(client: Client, op: Operation, ids: Ids, surface: string) {
  const variables = op.variables(ids, target.url);
  if (surface === 'gql') {
    const res = await client.gql(op.document, variables);
    return { status: res.status, code: res.errors?.[0]?.extensions?.code as string | undefined, body: res.body, errors: res.errors };
  }
  const [method, path, body] = restRequest(routesOf(op).find((r) => `${r.method} ${r.url}` === surface)!, variables);
  const res = await client.rest(method, path, body);
  return { status: res.status, code: res.body.error?.code, body: res.body, errors: undefined };
}

describe('the sweep covers the whole surface', () => {
  it('every root field of the schema and every REST route is in the registry of operations', async () => {
    const { schema } = await buildAppSchema();
    expect(registryGaps(schema)).toEqual({ fields: [], routes: [] });
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
      for (const op of OPERATIONS)
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
    for (const op of OPERATIONS)
      for (const scope of op.scopes)
        for (const surface of surfaces(op)) {
          const res = await call(keyFor[`all-but ${scope}`], op, orgs.a.ids, surface);
          expect([op.name, surface, scope, res.status, res.code]).toEqual([op.name, surface, scope, 403, 'FORBIDDEN']);
          if (surface === 'gql') expect(res.errors?.[0].extensions?.missingScopes).toEqual([scope]);
          else expect(res.body).toMatchObject({ success: false, error: { code: 'FORBIDDEN', message: 'Insufficient permissions for this action', missing_scopes: [scope] } });
        }
  });

  it('an operation that needs any one of several scopes takes each alone, and without all of them is 403 naming them', async () => {
    const anyOf = OPERATIONS.filter((o) => o.anyScopes?.length);
    expect(anyOf.map((o) => o.name)).toContain('checks');
    const orgA = await t.org('Org A');
    const allBut = async (left: readonly string[]) => (await t.key(orgA, SCOPES.filter((x) => !left.includes(x)) as Permission[])).client;
    for (const op of anyOf) {
      const none = await allBut(op.anyScopes!);
      for (const surface of surfaces(op)) {
        for (const scope of op.anyScopes!) {
          const res = await call(await allBut(op.anyScopes!.filter((s) => s !== scope)), op, orgs.a.ids, surface);
          expect([op.name, surface, scope, res.status]).toEqual([op.name, surface, scope, 200]);
        }
        const res = await call(none, op, orgs.a.ids, surface);
        expect([op.name, surface, res.status, res.code]).toEqual([op.name, surface, 403, 'FORBIDDEN']);
        const named = surface === 'gql' ? res.errors?.[0].extensions?.missingScopes : (res.body as { error?: { missing_scopes?: string[] } }).error?.missing_scopes;
        expect(named).toEqual(op.anyScopes);
      }
    }
  });
});

describe("another organization's objects do not exist", () => {
  it('every operation that takes an id answers NOT_FOUND for one of another organization', async () => {
    for (const op of OPERATIONS.filter((o) => o.byId))
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
    for (const op of OPERATIONS.filter((o) => !o.name.startsWith('delete')))
      for (const surface of surfaces(op)) {
        const allowed = allows(held, op);
        const res = await call(keyFor[preset], op, orgs.a.ids, surface);
        if (allowed) expect([op.name, surface, res.status < 400 || res.code === 'CONFLICT' || (!!op.sessionOnly && res.code === 'NOT_FOUND')]).toEqual([op.name, surface, true]);
        else expect([op.name, surface, res.status]).toEqual([op.name, surface, 403]);
      }
  });
});

describe('and no more than its scopes', () => {
  // It really performs every operation, deletes and revocations included: on an organization of its own, so the
  // other tests' Org A (its admin key, its checks) is whole whichever order they run in.
  it('a key holding exactly the listed scopes may call every operation', async () => {
    const own = await seedOrganization(t, 'Org C', target.url);
    const org = await t.org('Org C');
    const minimal = new Map<string, Client>();
    for (const op of OPERATIONS)
      for (const surface of surfaces(op)) {
        // An operation on members also needs the scopes of the roles it touches (no escalation): those are added.
        // One of `anyScopes` (the first) stands for the rest: checks.test.ts calls `checks` with each alone.
        const scopes = [...new Set([...op.scopes, ...(op.anyScopes ?? []).slice(0, 1), ...(op.roleScopes ?? [])])];
        const set = scopes.join(',');
        if (!minimal.has(set)) minimal.set(set, (await t.key(org, scopes.length ? scopes : ['billing:read'])).client);
        const res = await call(minimal.get(set)!, op, own.ids, surface);
        // Allowed means past authentication and authorization; a second delete of the same id may be NOT_FOUND.
        expect([op.name, surface, res.status !== 401 && res.status !== 403, res.code]).toEqual([op.name, surface, true, res.code]);
        if (surface === 'gql' && !op.name.startsWith('delete') && op.name !== 'removeMember' && op.name !== 'revokeApiKey' && !op.sessionOnly) expect(res.status, op.name).toBeLessThan(400);
      }
  });
});
