/**
 * Keys and the audit log say who: a key's `createdBy` and an audit event's `actor` are the member, the key or the
 * system that acted, over GraphQL and the REST mirror; sign-in, sign-out and session revocation are audited; a
 * removed member's keys keep working and are flagged for review; a session grants keys within its role only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as ops from '../../src/client/generated/graphql';
import { migratorOf } from '../../src/db/database';
import { startTestApp, type TestApp } from '../helpers/app';
import { openTestDatabase } from '../helpers/database';
import { addPerson, GOOD_PASSWORD, post, signIn, type Person } from '../helpers/people';
import type { Organization } from '../../src/modules/organization/organization.entity';

let t: TestApp;
let org: Organization;
let admin: Awaited<ReturnType<TestApp['key']>>;
let owner: Person;

beforeAll(async () => {
  t = await startTestApp();
  org = await t.org('Actors Inc');
  admin = await t.key(org, ['all'], { name: 'Admin key' });
  owner = await addPerson(t, org, 'owner@actors.example', 'OWNER');
});
afterAll(() => t?.close());

type Event = ops.AuditEventsQuery['auditEvents']['nodes'][number];
const eventsOf = async (action: string, keyId?: string): Promise<Event[]> => {
  const res = await admin.client.gql(ops.AuditEventsDocument, { first: 100, action, keyId });
  expect(res.errors).toBeUndefined();
  return res.data!.auditEvents.nodes;
};
type Row = Record<string, unknown> & { id: string };
const restNodes = async (path: string): Promise<Row[]> => ((await admin.client.rest('GET', path)).body.data as { nodes: Row[] }).nodes;
const keyById = async (id: string) => (await admin.client.gql(ops.ApiKeysDocument, { first: 100 })).data!.apiKeys.nodes.find((k) => k.id === id)!;

describe('ApiKey.createdBy is an Actor', () => {
  it('a key created by a signed-in member: MEMBER with the member id and name; the old string as createdByLabel', async () => {
    const made = await owner.client.gql(ops.CreateApiKeyDocument, { input: { name: 'made by a person', permissions: ['monitors:read'] } });
    expect(made.errors).toBeUndefined();
    const creator = { type: 'MEMBER', id: owner.memberId, name: 'owner@actors.example' }; // no name: the email
    expect(made.data!.createApiKey.apiKey).toMatchObject({ createdBy: creator, createdByLabel: owner.memberId, creatorRemoved: false });
    expect((await keyById(made.data!.createApiKey.apiKey.id)).createdBy).toEqual(creator);

    const [event] = await eventsOf('api_key.created', owner.memberId);
    expect(event).toMatchObject({ target: made.data!.createApiKey.apiKey.id, actor: creator, actorKeyId: owner.memberId, ip: '127.0.0.1' });
  });

  it('a key created by a key: API_KEY with the key id and name, over GraphQL and the REST mirror', async () => {
    const rest = await admin.client.rest('POST', '/v1/api-keys', { name: 'made by a key', permissions: ['monitors:read'] });
    expect(rest.status).toBe(201);
    const apiKey = (rest.body.data as { api_key: Row }).api_key;
    const creator = { type: 'API_KEY', id: admin.id, name: 'Admin key' };
    expect(apiKey).toMatchObject({ created_by: creator, created_by_label: admin.id, creator_removed: false });
    expect((await keyById(apiKey.id)).createdBy).toEqual(creator);
    const listed = (await restNodes('/v1/api-keys?first=100')).find((k) => k.id === apiKey.id);
    expect(listed?.created_by).toEqual(creator);

    const [event] = await eventsOf('api_key.created', admin.id);
    expect(event).toMatchObject({ target: apiKey.id, actor: creator });
    const restEvents = await restNodes(`/v1/audit-events?action=api_key.created&key_id=${admin.id}`);
    expect(restEvents[0]).toMatchObject({ target: apiKey.id, actor: creator, actor_key_id: admin.id });
  });

  it('a key of the CLI or the first start: SYSTEM `cli` / `bootstrap`', async () => {
    expect((await keyById(admin.id)).createdBy).toEqual({ type: 'SYSTEM', id: 'cli', name: 'cli' });
    const { apiKey } = await t.app.services.apiKeys.createTrusted(t.db.orm.em.fork(), org.id, 'bootstrap', { name: 'first start', permissions: ['all'] });
    const boot = await keyById(apiKey.id);
    expect(boot).toMatchObject({ createdBy: { type: 'SYSTEM', id: 'bootstrap', name: 'bootstrap' }, createdByLabel: 'bootstrap' });
    expect((await eventsOf('api_key.created', 'bootstrap'))[0]).toMatchObject({ target: apiKey.id, actor: { type: 'SYSTEM', id: 'bootstrap' }, ip: null });
    // `me` answers the calling key's creator from the verified record, with no query of its own.
    expect((await admin.client.gql(ops.MeDocument)).data!.me.key!.createdBy).toEqual({ type: 'SYSTEM', id: 'cli', name: 'cli' });
  });

  it('createdByLabel is marked deprecated in the schema', async () => {
    type Fields = { __type: { fields: { name: string; isDeprecated: boolean; deprecationReason: string | null }[] } };
    const res = await admin.client.gql<Fields>('{ __type(name: "ApiKey") { fields(includeDeprecated: true) { name isDeprecated deprecationReason } } }');
    const fields = Object.fromEntries(res.data!.__type.fields.map((f) => [f.name, f]));
    expect(fields.createdByLabel).toMatchObject({ isDeprecated: true, deprecationReason: expect.stringContaining('createdBy') });
    expect(fields.createdBy.isDeprecated).toBe(false);
  });
});

describe('audit events carry the actor for both principals', () => {
  it('a change made under a session names the member; the same change under a key names the key', async () => {
    const bySession = await owner.client.gql(ops.CreateMonitorDocument, { input: { name: 'by a person', url: 'https://example.com/' } });
    const byKey = await admin.client.gql(ops.CreateMonitorDocument, { input: { name: 'by a key', url: 'https://example.com/' } });
    const events = await eventsOf('monitor.created');
    expect(events.find((e) => e.target === bySession.data!.createMonitor.id)?.actor).toEqual({ type: 'MEMBER', id: owner.memberId, name: 'owner@actors.example' });
    expect(events.find((e) => e.target === byKey.data!.createMonitor.id)?.actor).toEqual({ type: 'API_KEY', id: admin.id, name: 'Admin key' });
  });
});

describe('sign-in, sign-out and session revocation are audited', () => {
  it('member.signed_in with the member as actor and target, and its address', async () => {
    const person = await addPerson(t, org, 'ana@actors.example', 'VIEWER');
    const [event] = await eventsOf('member.signed_in', person.memberId);
    expect(event).toMatchObject({ action: 'member.signed_in', target: person.memberId, ip: '127.0.0.1', actor: { type: 'MEMBER', id: person.memberId, name: 'ana@actors.example' } });
  });

  it('a wrong password for a known member: member.sign_in_failed, never the password; an unknown email records nothing', async () => {
    const person = await addPerson(t, org, 'bea@actors.example', 'VIEWER');
    const wrong = `${GOOD_PASSWORD}-wrong`;
    const failed = await signIn(t, 'bea@actors.example', wrong, {});
    expect(failed.res.status).toBe(401);
    const count = async () => Number((await t.db.orm.em.fork().getConnection().execute(`select count(*) as n from audit_events where action = 'member.sign_in_failed'`))[0].n);
    // Written off the answer's path (a known email must not answer later than an unknown one): it lands shortly after.
    await expect.poll(async () => (await eventsOf('member.sign_in_failed', person.memberId)).length).toBe(1);
    const [event] = await eventsOf('member.sign_in_failed', person.memberId);
    expect(event).toMatchObject({ target: person.memberId, ip: '127.0.0.1', actor: { type: 'MEMBER', id: person.memberId } });

    const before = await count();
    expect((await signIn(t, 'nobody@actors.example', wrong)).res.status).toBe(401);
    await t.app.services.accounts.settled();
    expect(await count()).toBe(before);
    const rows = await t.db.orm.em.fork().getConnection().execute(`select * from audit_events`);
    expect(JSON.stringify(rows)).not.toContain(wrong);
    expect(JSON.stringify(rows)).not.toContain(GOOD_PASSWORD);
  });

  it('sign-out is member.signed_out; revokeSession is session.revoked with the session as target', async () => {
    const person = await addPerson(t, org, 'cid@actors.example', 'MEMBER');
    const { client: second, cookie } = await signIn(t, 'cid@actors.example', GOOD_PASSWORD);
    if (!second || !cookie) throw new Error('sign-in failed');
    const sessions = (await second.gql(ops.SessionsDocument)).data!.sessions;
    const other = sessions.find((s) => !s.current)!;
    expect((await second.gql(ops.RevokeSessionDocument, { id: other.id })).data?.revokeSession).toBe(other.id);
    const [revoked] = await eventsOf('session.revoked', person.memberId);
    expect(revoked).toMatchObject({ target: other.id, actor: { type: 'MEMBER', id: person.memberId } });

    const out = await fetch(`${t.baseUrl}/auth/sign-out`, { method: 'POST', headers: { cookie, origin: t.baseUrl } });
    expect(out.status).toBe(204);
    const [signedOut] = await eventsOf('member.signed_out', person.memberId);
    expect(signedOut).toMatchObject({ target: person.memberId, actor: { type: 'MEMBER', id: person.memberId, name: 'cid@actors.example' } });
    // Ending a session that is already gone records nothing more.
    expect((await post(t.baseUrl, '/auth/sign-out', {}, { cookie, origin: t.baseUrl })).status).toBe(401);
    expect(await eventsOf('member.signed_out', person.memberId)).toHaveLength(1);
  });
});

describe('removing a member leaves its keys working and flags them', () => {
  it('creatorRemoved: true on the keys it created, and only those; the keys still work; the creator still reads as who it was', async () => {
    const leaver = await addPerson(t, org, 'dan@actors.example', 'ADMIN');
    const its = (await leaver.client.gql(ops.CreateApiKeyDocument, { input: { name: 'deploy bot', permissions: ['monitors:read', 'monitors:run'] } })).data!.createApiKey;
    const others = (await owner.client.gql(ops.CreateApiKeyDocument, { input: { name: 'owner bot', permissions: ['monitors:read'] } })).data!.createApiKey;
    expect((await t.client(its.key).gql(ops.MeDocument)).status).toBe(200); // cached now

    expect((await owner.client.gql(ops.RemoveMemberDocument, { id: leaver.memberId })).data?.removeMember).toBe(leaver.memberId);

    expect(await keyById(its.apiKey.id)).toMatchObject({ status: 'ACTIVE', creatorRemoved: true, createdBy: { type: 'MEMBER', id: leaver.memberId, name: 'dan@actors.example' } });
    expect((await keyById(others.apiKey.id)).creatorRemoved).toBe(false);
    expect((await t.client(its.key).gql(ops.MonitorsDocument, {})).status).toBe(200);
    expect((await t.client(its.key).rest('GET', '/v1/me')).status).toBe(200);
    const rest = (await restNodes('/v1/api-keys?first=100')).find((k) => k.id === its.apiKey.id);
    expect(rest?.creator_removed).toBe(true);
  });
});

describe('a session grants keys within its role only, by the rule keys follow', () => {
  it('VIEWER and MEMBER sessions cannot create keys at all: 403 naming organization:write, before anything runs', async () => {
    for (const role of ['VIEWER', 'MEMBER'] as const) {
      const person = await addPerson(t, org, `${role.toLowerCase()}-grant@actors.example`, role);
      const before = (await admin.client.gql(ops.ApiKeysDocument, { first: 100 })).data!.apiKeys.nodes.length;
      const gql = await person.client.gql(ops.CreateApiKeyDocument, { input: { name: 'more', permissions: ['monitors:read'] } });
      expect([gql.status, gql.errors?.[0].extensions?.code, gql.errors?.[0].extensions?.missingScopes]).toEqual([403, 'FORBIDDEN', ['organization:write']]);
      const rest = await person.client.rest('POST', '/v1/api-keys', { name: 'more', permissions: ['all'] });
      expect([rest.status, rest.body.error?.code, rest.body.error?.missing_scopes]).toEqual([403, 'FORBIDDEN', ['organization:write']]);
      expect((await admin.client.gql(ops.ApiKeysDocument, { first: 100 })).data!.apiKeys.nodes.length).toBe(before);
    }
  });

  it('an ADMIN session cannot grant `all` (403, missingScopes [all]) nor beyond what a key it made holds; any expiry choice is its own', async () => {
    const person = await addPerson(t, org, 'admin-grant@actors.example', 'ADMIN');
    const all = await person.client.gql(ops.CreateApiKeyDocument, { input: { name: 'everything', permissions: ['all'] } });
    expect([all.status, all.errors?.[0].extensions?.code, all.errors?.[0].extensions?.missingScopes]).toEqual([403, 'FORBIDDEN', ['all']]);
    // A session has no expiry of its own to compare with: every choice, NEVER included.
    for (const expiresIn of ['THIRTY_DAYS', 'NINETY_DAYS', 'ONE_YEAR', 'NEVER'] as const) {
      const made = await person.client.gql(ops.CreateApiKeyDocument, { input: { name: `admin ${expiresIn}`, permissions: ['organization:write', 'monitors:read'], expiresIn } });
      expect(made.errors, expiresIn).toBeUndefined();
    }
    // The key it made holds organization:write and monitors:read only: the same rule refuses it more.
    const minted = (await person.client.gql(ops.CreateApiKeyDocument, { input: { name: 'minted', permissions: ['organization:write', 'monitors:read'] } })).data!.createApiKey;
    const beyond = await t.client(minted.key).gql(ops.CreateApiKeyDocument, { input: { name: 'beyond', permissions: ['monitors:write'] } });
    expect([beyond.status, beyond.errors?.[0].extensions?.missingScopes]).toEqual([403, ['monitors:write']]);
  });
});

describe('the migration derives who created existing keys and who acted in existing events', () => {
  it('key_ → API_KEY with that key name, mem_ → MEMBER (flagged when the member is gone), cli / bootstrap → SYSTEM', async () => {
    const db = await openTestDatabase();
    try {
      await (await migratorOf(db.orm)).down({ to: 'Migration20261205211616' }); // this migration and any after it
      const sql = (q: string) => db.orm.em.getConnection().execute(q);
      await sql(`insert into organizations (id, name, plan, created_at) values ('org_mig', 'M', 'FREE', now())`);
      await sql(`insert into members (id, organization_id, email, name, role, joined_at) values ('mem_here', 'org_mig', 'here@m.example', null, 'ADMIN', now())`);
      const key = (id: string, name: string, by: string) =>
        `('${id}', 'org_mig', '${name}', '$2b$04$x', '{all}', now(), '${by}')`;
      await sql(
        `insert into api_keys (id, organization_id, name, hash, permissions, created_at, created_by) values
         ${key('key_boot', 'Bootstrap admin key', 'bootstrap')}, ${key('key_cli', 'From CLI', 'cli')}, ${key('key_child', 'Child', 'key_boot')},
         ${key('key_gone', 'Orphan', 'key_deleted0')}, ${key('key_mem', 'By member', 'mem_here')}, ${key('key_left', 'By leaver', 'mem_left')}`,
      );
      await sql(
        `insert into audit_events (id, organization_id, action, actor_key_id, target, created_at) values
         ('aud_1', 'org_mig', 'api_key.created', 'key_boot', 'key_child', now()), ('aud_2', 'org_mig', 'member.invited', 'mem_here', 'mem_here', now()),
         ('aud_3', 'org_mig', 'api_key.created', 'cli', 'key_cli', now())`,
      );
      await (await migratorOf(db.orm)).up();
      const keys = await sql(`select id, created_by, created_by_type, created_by_name, creator_removed from api_keys order by id`);
      expect(keys).toEqual([
        { id: 'key_boot', created_by: 'bootstrap', created_by_type: 'SYSTEM', created_by_name: 'bootstrap', creator_removed: false },
        { id: 'key_child', created_by: 'key_boot', created_by_type: 'API_KEY', created_by_name: 'Bootstrap admin key', creator_removed: false },
        { id: 'key_cli', created_by: 'cli', created_by_type: 'SYSTEM', created_by_name: 'cli', creator_removed: false },
        { id: 'key_gone', created_by: 'key_deleted0', created_by_type: 'API_KEY', created_by_name: 'key_deleted0', creator_removed: false },
        { id: 'key_left', created_by: 'mem_left', created_by_type: 'MEMBER', created_by_name: 'mem_left', creator_removed: true },
        { id: 'key_mem', created_by: 'mem_here', created_by_type: 'MEMBER', created_by_name: 'here@m.example', creator_removed: false },
      ]);
      const events = await sql(`select id, actor_type, actor_name from audit_events where organization_id = 'org_mig' order by id`);
      expect(events).toEqual([
        { id: 'aud_1', actor_type: 'API_KEY', actor_name: 'Bootstrap admin key' },
        { id: 'aud_2', actor_type: 'MEMBER', actor_name: 'here@m.example' },
        { id: 'aud_3', actor_type: 'SYSTEM', actor_name: 'cli' },
      ]);
    } finally {
      await db.close();
    }
  });
});
