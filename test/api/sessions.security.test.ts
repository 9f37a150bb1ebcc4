/**
 * A session is a principal like a key: the roles' scope sets decide every operation of the registry (the same 403
 * before anything runs, the same NOT_FOUND across organizations), a cookie-authenticated request that changes state
 * must come from this server's origin, and what ends a member's sessions ends them at once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as ops from '../../src/client/generated/graphql';
import { ROLE_PERMISSIONS } from '../../src/modules/members/roles';
import type { MemberRole } from '../../src/modules/members/member.entity';
import { startTestApp, type TestApp } from '../helpers/app';
import { startTarget, json, type Target } from '../helpers/target';
import { allows, OPERATIONS, restRequest, routesOf, seedOrganization, type Ids, type Operation } from '../helpers/operations';
import type { Client } from '../helpers/client';
import { addPerson, GOOD_PASSWORD, post, signIn, type Person } from '../helpers/people';

let t: TestApp;
let target: Target;
const orgs: Record<'a' | 'b', { ids: Ids; admin: Client }> = {} as never;
const people = {} as Record<MemberRole, Person>;
/** Org A itself (the sweep renames it, so it is not looked up by name again). */
let orgA: Awaited<ReturnType<TestApp['org']>>;

beforeAll(async () => {
  t = await startTestApp();
  target = await startTarget();
  target.route('/ok', json(200, {}));
  orgs.a = await seedOrganization(t, 'Org A', target.url);
  orgs.b = await seedOrganization(t, 'Org B', target.url);
  orgA = await t.org('Org A');
  for (const role of ['OWNER', 'ADMIN', 'MEMBER', 'VIEWER'] as const) people[role] = await addPerson(t, orgA, `${role.toLowerCase()}@people.example`, role);
});
afterAll(async () => {
  await target?.close();
  await t?.close();
});

const surfaces = (op: Operation) => ['gql', ...routesOf(op).map((r) => `${r.method} ${r.url}`)];

async function call(client: Client, op: Operation, ids: Ids, surface: string) {
  const variables = op.variables(ids, target.url);
  if (surface === 'gql') {
    const res = await client.gql(op.document, variables);
    return { status: res.status, code: res.errors?.[0]?.extensions?.code as string | undefined, missing: res.errors?.[0]?.extensions?.missingScopes };
  }
  const [method, path, body] = restRequest(routesOf(op).find((r) => `${r.method} ${r.url}` === surface)!, variables);
  const res = await client.rest(method, path, body);
  return { status: res.status, code: res.body.error?.code, missing: res.body.error?.missing_scopes };
}

const holds = (role: MemberRole, scopes: readonly string[]) => {
  const held = ROLE_PERMISSIONS[role] as readonly string[];
  return held.includes('all') || scopes.every((s) => held.includes(s));
};

describe('roles are scope sets, judged like keys', () => {
  it('Member.permissions shows each role\'s set', async () => {
    const members = (await orgs.a.admin.gql(ops.MembersDocument)).data!.organization.members;
    for (const role of ['OWNER', 'ADMIN', 'MEMBER', 'VIEWER'] as const)
      expect(members.find((m) => m.email === `${role.toLowerCase()}@people.example`)?.permissions).toEqual([...ROLE_PERMISSIONS[role]]);
    expect(ROLE_PERMISSIONS.VIEWER).toEqual(['monitors:read', 'journeys:read', 'alerts:read', 'organization:read']);
  });

  it.each(['VIEWER', 'MEMBER', 'ADMIN', 'OWNER'] as const)('a %s session gets 403 exactly where its role lacks a scope, over the whole registry', async (role) => {
    for (const op of OPERATIONS.filter((o) => !o.name.startsWith('delete') && o.name !== 'removeMember'))
      for (const surface of surfaces(op)) {
        const res = await call(people[role].client, op, orgs.a.ids, surface);
        if (holds(role, [...op.scopes, ...(op.roleScopes ?? [])]) && allows(ROLE_PERMISSIONS[role], op)) expect([op.name, surface, res.status !== 401 && res.status !== 403]).toEqual([op.name, surface, true]);
        else expect([op.name, surface, res.status, res.code]).toEqual([op.name, surface, 403, 'FORBIDDEN']);
      }
  });

  it("another organization's objects do not exist for a session either", async () => {
    for (const op of OPERATIONS.filter((o) => o.byId))
      for (const surface of surfaces(op)) {
        const res = await call(people.OWNER.client, op, orgs.b.ids, surface);
        expect([op.name, surface, res.status, res.code]).toEqual([op.name, surface, 404, 'NOT_FOUND']);
      }
  });
});

describe('CSRF: a signed-in request that changes state comes from this origin', () => {
  const create = { input: { name: 'csrf', url: 'http://127.0.0.1:1/' } };

  it('refuses a mutation without Origin or Referer, or from another origin, before it runs; accepts its own', async () => {
    const before = (await orgs.a.admin.gql(ops.MonitorsDocument, { first: 100 })).data!.monitors.nodes.length;
    const owner = people.OWNER.client;
    for (const headers of [{ origin: undefined }, { origin: 'https://evil.example' }, { origin: undefined, referer: 'https://evil.example/page' }, { origin: 'null' }]) {
      const res = await owner.withHeaders(headers).gql(ops.CreateMonitorDocument, create);
      expect([JSON.stringify(headers), res.status, res.errors?.[0].extensions?.code]).toEqual([JSON.stringify(headers), 403, 'FORBIDDEN']);
      const rest = await owner.withHeaders(headers).rest('POST', '/v1/monitors', { name: 'csrf', url: 'http://127.0.0.1:1/' });
      expect(rest.status).toBe(403);
    }
    expect((await orgs.a.admin.gql(ops.MonitorsDocument, { first: 100 })).data!.monitors.nodes.length).toBe(before);
    expect((await owner.withHeaders({ origin: undefined, referer: `${t.baseUrl}/dashboard/` }).gql(ops.CreateMonitorDocument, create)).status).toBe(200);
    expect((await owner.gql(ops.CreateMonitorDocument, create)).status).toBe(200);
  });

  it('a GET changes nothing and needs no Origin; a key is not a cookie and needs none either', async () => {
    const res = await fetch(`${t.baseUrl}/graphql?query=${encodeURIComponent('{ me { organization { id } } }')}`, { headers: { cookie: people.VIEWER.cookie, 'apollo-require-preflight': 'true' } });
    expect(res.status).toBe(200);
    const viaGet = await fetch(`${t.baseUrl}/graphql?query=${encodeURIComponent('mutation { revokeSession(id: "ses_x") }')}`, {
      headers: { cookie: people.VIEWER.cookie, 'apollo-require-preflight': 'true' },
    });
    expect(viaGet.status).toBe(405); // Apollo runs no mutation over GET
    expect((await orgs.a.admin.withHeaders({ origin: 'https://evil.example' }).gql(ops.CreateMonitorDocument, create)).status).toBe(200);
  });

  it('sign-in from another site\'s page is refused; sign-out without this origin ends nothing', async () => {
    const foreign = await signIn(t, 'viewer@people.example', GOOD_PASSWORD, { origin: 'https://evil.example' });
    expect([foreign.res.status, foreign.body.error?.code]).toEqual([403, 'FORBIDDEN']);
    const out = await fetch(`${t.baseUrl}/auth/sign-out`, { method: 'POST', headers: { cookie: people.VIEWER.cookie, origin: 'https://evil.example' } });
    expect(out.status).toBe(403);
    expect((await people.VIEWER.client.gql(ops.MeDocument)).status).toBe(200);
  });
});

describe('what ends sessions', () => {
  it('sessions lists one\'s own; revokeSession ends one of them and nobody else\'s', async () => {
    const org = orgA;
    const first = await addPerson(t, org, 'twice@people.example', 'MEMBER');
    const second = (await signIn(t, 'twice@people.example', GOOD_PASSWORD)).client!;
    const list = (await second.gql(ops.SessionsDocument)).data!.sessions;
    expect(list.map((s) => s.current)).toEqual([true, false]);
    const other = (await people.VIEWER.client.gql(ops.SessionsDocument)).data!.sessions[0].id;
    expect((await second.gql(ops.RevokeSessionDocument, { id: other })).errors?.[0].extensions?.code).toBe('NOT_FOUND');
    expect((await second.gql(ops.RevokeSessionDocument, { id: list[1].id })).data?.revokeSession).toBe(list[1].id);
    expect((await first.client.gql(ops.MeDocument)).status).toBe(401);
    expect((await second.gql(ops.MeDocument)).status).toBe(200);
    expect((await orgs.a.admin.gql(ops.SessionsDocument)).data?.sessions).toEqual([]);
  });

  it('a new role, removal, or a new password ends the member\'s sessions at once', async () => {
    const org = orgA;
    const promoted = await addPerson(t, org, 'promoted@people.example', 'VIEWER');
    const removed = await addPerson(t, org, 'removed@people.example', 'MEMBER');
    const reset = await addPerson(t, org, 'reset@people.example', 'MEMBER');
    for (const p of [promoted, removed, reset]) expect((await p.client.gql(ops.MeDocument)).status).toBe(200); // cached now

    expect((await people.OWNER.client.gql(ops.UpdateMemberRoleDocument, { id: promoted.memberId, role: 'MEMBER' })).status).toBe(200);
    expect((await promoted.client.gql(ops.MeDocument)).status).toBe(401);
    const again = await signIn(t, 'promoted@people.example', GOOD_PASSWORD);
    expect(((again.body.data as { member: { permissions: string[] } }).member.permissions)).toEqual([...ROLE_PERMISSIONS.MEMBER]);

    expect((await people.ADMIN.client.gql(ops.RemoveMemberDocument, { id: removed.memberId })).status).toBe(200);
    expect((await removed.client.gql(ops.MeDocument)).status).toBe(401);
    expect((await signIn(t, 'removed@people.example', GOOD_PASSWORD)).res.status).toBe(401);

    const { token } = await t.app.services.accounts.passwordLink(t.db.orm.em.fork(), reset.memberId);
    expect((await post(t.baseUrl, '/auth/reset-password', { token, password: 'amber-lantern-orbit-5531' })).status).toBe(204);
    expect((await reset.client.gql(ops.MeDocument)).status).toBe(401);
    expect((await signIn(t, 'reset@people.example', GOOD_PASSWORD)).res.status).toBe(401);
    expect((await signIn(t, 'reset@people.example', 'amber-lantern-orbit-5531')).res.status).toBe(200);
  });

  it('an ADMIN may not make, change or remove an OWNER; the last OWNER cannot leave or step down', async () => {
    const admin = people.ADMIN.client;
    const owner = people.OWNER;
    expect((await admin.gql(ops.UpdateMemberRoleDocument, { id: owner.memberId, role: 'VIEWER' })).errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect((await admin.gql(ops.RemoveMemberDocument, { id: owner.memberId })).errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect((await admin.gql(ops.UpdateMemberRoleDocument, { id: people.VIEWER.memberId, role: 'OWNER' })).errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect((await admin.gql(ops.InviteMemberDocument, { input: { email: 'boss@people.example', role: 'OWNER' } })).errors?.[0].extensions?.code).toBe('FORBIDDEN');
    // Org A has one OWNER member: it can neither step down nor leave.
    expect((await owner.client.gql(ops.UpdateMemberRoleDocument, { id: owner.memberId, role: 'ADMIN' })).errors?.[0].extensions?.code).toBe('CONFLICT');
    expect((await owner.client.gql(ops.RemoveMemberDocument, { id: owner.memberId })).errors?.[0].extensions?.code).toBe('CONFLICT');
    expect((await owner.client.gql(ops.MeDocument)).status).toBe(200);
  });
});

describe('keys and the audit log under a session', () => {
  it('a member grants keys within its role only, and is recorded as the one who acted', async () => {
    const admin = people.ADMIN.client;
    const all = await admin.gql(ops.CreateApiKeyDocument, { input: { name: 'too much', permissions: ['all'] } });
    expect(all.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const made = await admin.gql(ops.CreateApiKeyDocument, { input: { name: 'deploy', permissions: ['monitors:read', 'monitors:run'] } });
    expect(made.data?.createApiKey.apiKey).toMatchObject({ createdBy: { type: 'MEMBER', id: people.ADMIN.memberId, name: 'admin@people.example' }, permissions: ['monitors:read', 'monitors:run'] });
    expect((await t.client(made.data!.createApiKey.key).gql(ops.MeDocument)).status).toBe(200);
    const events = (await people.OWNER.client.gql(ops.AuditEventsDocument, { first: 5, action: 'api_key.created' })).data!.auditEvents.nodes;
    expect(events[0]).toMatchObject({ actorKeyId: people.ADMIN.memberId, actor: { type: 'MEMBER', id: people.ADMIN.memberId }, target: made.data!.createApiKey.apiKey.id, ip: '127.0.0.1' });
  });
});

describe('with an https PUBLIC_URL', () => {
  it('the cookie is __Host-tracer_session and Secure, and only PUBLIC_URL\'s origin may change state', async () => {
    const secure = await startTestApp({ PUBLIC_URL: 'https://tracer.example' });
    try {
      const org = await secure.org('Secure Inc');
      const em = secure.db.orm.em.fork();
      const member = await secure.app.services.members.invite(em, null, { keyId: 'cli', organizationId: org.id, name: 'cli', ip: null }, { email: 'sec@example.com', role: 'OWNER' });
      const { token } = await secure.app.services.accounts.passwordLink(em, member.id);
      expect((await post(secure.baseUrl, '/auth/reset-password', { token, password: GOOD_PASSWORD })).status).toBe(204);
      const res = await post(secure.baseUrl, '/auth/sign-in', { email: 'sec@example.com', password: GOOD_PASSWORD }, { origin: 'https://tracer.example' });
      expect(res.status).toBe(200);
      expect(res.headers.get('set-cookie')).toMatch(/^__Host-tracer_session=[0-9A-Za-z]{43}; Path=\/; HttpOnly; SameSite=Lax; Secure; Max-Age=2592000$/);
      const cookie = res.headers.get('set-cookie')!.split(';')[0];
      const create = { input: { name: 'm', url: 'http://127.0.0.1:1/' } };
      expect((await secure.client().withHeaders({ cookie, origin: secure.baseUrl }).gql(ops.CreateMonitorDocument, create)).status).toBe(403);
      expect((await secure.client().withHeaders({ cookie, origin: 'https://tracer.example' }).gql(ops.CreateMonitorDocument, create)).status).toBe(200);
      // The unprefixed name means nothing there.
      expect((await secure.client().withHeaders({ cookie: cookie.replace('__Host-', ''), origin: 'https://tracer.example' }).gql(ops.MeDocument)).status).toBe(401);
    } finally {
      await secure.close();
    }
  });
});
