/**
 * No escalation through members, whoever calls: giving a role needs every scope of it, and changing or removing a
 * member needs every scope of its current role, under a session and under an API key alike. So an ADMIN cannot
 * mint an `organization:write` key and make itself OWNER with it, and only `all` touches an OWNER.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as ops from '../../src/client/generated/graphql';
import { SCOPES, type Permission } from '../../src/authorization/scopes';
import { startTestApp, type TestApp } from '../helpers/app';
import { acceptInvite, addPerson, type Person } from '../helpers/people';
import type { Client } from '../helpers/client';

let t: TestApp;
let org: Awaited<ReturnType<TestApp['org']>>;
let owner: Person;
let admin: Person;

beforeAll(async () => {
  t = await startTestApp();
  org = await t.org('Escalation Inc');
  owner = await addPerson(t, org, 'owner@escalation.example', 'OWNER');
  admin = await addPerson(t, org, 'admin@escalation.example', 'ADMIN');
});
afterAll(async () => {
  await t?.close();
});

const refusal = (res: { status: number; errors?: readonly { extensions?: Record<string, unknown> }[] }) => ({
  status: res.status,
  code: res.errors?.[0]?.extensions?.code,
  missing: res.errors?.[0]?.extensions?.missingScopes,
});
const roleOf = async (id: string) => (await owner.client.gql(ops.MembersDocument)).data!.organization.members.find((m) => m.id === id)?.role;
const invite = (client: Client, email: string, role: 'OWNER' | 'ADMIN' | 'MEMBER' | 'VIEWER') => client.gql(ops.InviteMemberDocument, { input: { email, role } });
/** Invited by `client` and accepted over HTTP by the person: the member it makes. */
const join = async (client: Client, email: string, role: 'OWNER' | 'ADMIN' | 'MEMBER' | 'VIEWER') => {
  const invited = await invite(client, email, role);
  expect(invited.errors).toBeUndefined();
  return (await acceptInvite(t, invited.data!.inviteMember.inviteUrl!)).body.data!.member;
};

describe('an ADMIN session cannot escalate through a key it mints', () => {
  it('the minted organization:write key cannot make the ADMIN an OWNER, nor demote or remove the OWNER', async () => {
    const minted = await admin.client.gql(ops.CreateApiKeyDocument, { input: { name: 'side door', permissions: ['organization:read', 'organization:write'] } });
    expect(minted.errors).toBeUndefined();
    const key = t.client(minted.data!.createApiKey.key);

    expect(refusal(await key.gql(ops.UpdateMemberRoleDocument, { id: admin.memberId, role: 'OWNER' }))).toEqual({ status: 403, code: 'FORBIDDEN', missing: ['all'] });
    expect(refusal(await key.gql(ops.UpdateMemberRoleDocument, { id: owner.memberId, role: 'VIEWER' }))).toMatchObject({ status: 403, code: 'FORBIDDEN', missing: ['all'] });
    expect(refusal(await key.gql(ops.RemoveMemberDocument, { id: owner.memberId }))).toMatchObject({ status: 403, code: 'FORBIDDEN', missing: ['all'] });
    expect(await roleOf(admin.memberId)).toBe('ADMIN');
    expect(await roleOf(owner.memberId)).toBe('OWNER');
    // Nor does the session itself.
    expect(refusal(await admin.client.gql(ops.UpdateMemberRoleDocument, { id: admin.memberId, role: 'OWNER' }))).toMatchObject({ status: 403, code: 'FORBIDDEN' });
  });
});

describe('API keys give and change only roles they hold', () => {
  it('a plain organization:write key cannot invite an OWNER or an ADMIN, nor demote or remove an OWNER; it is told what it lacks', async () => {
    const { client } = await t.key(org, ['organization:read', 'organization:write']);
    expect(refusal(await invite(client, 'boss@escalation.example', 'OWNER'))).toEqual({ status: 403, code: 'FORBIDDEN', missing: ['all'] });
    const asAdmin = refusal(await invite(client, 'boss@escalation.example', 'ADMIN'));
    expect(asAdmin).toMatchObject({ status: 403, code: 'FORBIDDEN' });
    expect([...(asAdmin.missing as string[])].sort()).toEqual(SCOPES.filter((s) => s !== 'organization:read' && s !== 'organization:write').sort());
    expect(refusal(await client.gql(ops.UpdateMemberRoleDocument, { id: owner.memberId, role: 'ADMIN' }))).toMatchObject({ status: 403, code: 'FORBIDDEN', missing: ['all'] });
    expect(refusal(await client.gql(ops.RemoveMemberDocument, { id: owner.memberId }))).toMatchObject({ status: 403, code: 'FORBIDDEN', missing: ['all'] });
    expect(refusal(await client.gql(ops.UpdateMemberRoleDocument, { id: admin.memberId, role: 'VIEWER' }))).toMatchObject({ status: 403, code: 'FORBIDDEN' });
    const members = (await owner.client.gql(ops.MembersDocument)).data!.organization.members;
    expect(members.map((m) => [m.email, m.role])).toEqual([
      ['owner@escalation.example', 'OWNER'],
      ['admin@escalation.example', 'ADMIN'],
    ]);
  });

  it('a key holding every scope of a role gives it and changes its holders, but nothing above', async () => {
    const viewerScopes: Permission[] = ['monitors:read', 'journeys:read', 'alerts:read', 'organization:read', 'organization:write'];
    const { client } = await t.key(org, viewerScopes);
    const viewer = await join(client, 'viewer@escalation.example', 'VIEWER');
    expect(viewer.role).toBe('VIEWER');
    expect(refusal(await client.gql(ops.UpdateMemberRoleDocument, { id: viewer.id, role: 'MEMBER' }))).toEqual({
      status: 403,
      code: 'FORBIDDEN',
      missing: ['monitors:write', 'monitors:run', 'journeys:write', 'journeys:run', 'alerts:write', 'status_pages:read'],
    });
    expect((await client.gql(ops.RemoveMemberDocument, { id: viewer.id })).data?.removeMember).toBe(viewer.id);
  });

  it('an `all` key does all of it, and the last OWNER still cannot leave or step down (CONFLICT)', async () => {
    const other = await t.org('All Inc');
    const only = await addPerson(t, other, 'only@all.example', 'OWNER');
    const { client } = await t.key(other, ['all']);
    expect(refusal(await client.gql(ops.UpdateMemberRoleDocument, { id: only.memberId, role: 'ADMIN' }))).toMatchObject({ status: 409, code: 'CONFLICT' });
    expect(refusal(await client.gql(ops.RemoveMemberDocument, { id: only.memberId }))).toMatchObject({ status: 409, code: 'CONFLICT' });
    const second = await join(client, 'second@all.example', 'OWNER');
    const admin2 = await join(client, 'admin@all.example', 'ADMIN');
    expect((await client.gql(ops.UpdateMemberRoleDocument, { id: admin2.id, role: 'OWNER' })).data?.updateMemberRole.role).toBe('OWNER');
    expect((await client.gql(ops.UpdateMemberRoleDocument, { id: only.memberId, role: 'VIEWER' })).data?.updateMemberRole.role).toBe('VIEWER');
    expect((await client.gql(ops.RemoveMemberDocument, { id: second.id })).data?.removeMember).toBe(second.id);
  });
});
