import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BillingDocument,
  CreateMonitorDocument,
  InviteMemberDocument,
  MeDocument,
  MembersDocument,
  OrganizationDocument,
  RemoveMemberDocument,
  RunMonitorDocument,
  UpdateMemberRoleDocument,
  UpdateOrganizationDocument,
} from '../../src/client/generated/graphql';
import { acceptInvite } from '../helpers/people';
import { startTestApp, type TestApp } from '../helpers/app';
import { json, startTarget, type Target } from '../helpers/target';

let t: TestApp;
let target: Target;

beforeAll(async () => {
  t = await startTestApp();
  target = await startTarget();
  target.route('/ok', json(200, {}));
});
afterAll(async () => {
  await target?.close();
  await t?.close();
});

/** A key with every scope in an organization of the test's own (its name, its members). */
const adminOf = async (name: string) => t.key(await t.org(name), ['all']);

describe('organization and members', () => {
  it('reads and renames the organization', async () => {
    const admin = await adminOf('Rename Inc');
    const res = await admin.client.gql(UpdateOrganizationDocument, { name: 'Acme Corporation' });
    expect(res.data?.updateOrganization.name).toBe('Acme Corporation');
    expect((await admin.client.gql(OrganizationDocument)).data?.organization).toMatchObject({ name: 'Acme Corporation', members: [] });
    const bad = await admin.client.rest('PATCH', '/v1/organization', { name: '' });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ code: 'BAD_USER_INPUT', fields: [{ field: 'name' }] });
    // a field the route does not take is refused, not silently dropped (found by the adversarial REST sweep)
    const extra = await admin.client.rest('PATCH', '/v1/organization', { name: '!', plan: 'BUSINESS' });
    expect(extra.status).toBe(400);
    expect(extra.body.error).toMatchObject({ code: 'BAD_USER_INPUT', fields: [{ field: 'plan' }] });
    expect((await admin.client.gql(OrganizationDocument)).data?.organization.name).toBe('Acme Corporation');
  });

  it('invites with validated, case-insensitively unique emails', async () => {
    const admin = await adminOf('Invites Inc');
    const owner = await admin.client.gql(InviteMemberDocument, { input: { email: 'Ada@Example.com', role: 'OWNER', name: 'Ada' } });
    expect(owner.data?.inviteMember.invitation).toMatchObject({ email: 'ada@example.com', role: 'OWNER', name: 'Ada' });
    expect(owner.data?.inviteMember.invitation.id).toMatch(/^inv_/);
    // A member once the invitation is accepted; inviting the address again is then CONFLICT.
    expect((await acceptInvite(t, owner.data!.inviteMember.inviteUrl!, 'Ada')).res.status).toBe(200);
    const dup = await admin.client.gql(InviteMemberDocument, { input: { email: 'ADA@example.com', role: 'VIEWER' } });
    expect(dup.status).toBe(409);
    expect(dup.errors?.[0].extensions?.code).toBe('CONFLICT');
    const bad = await admin.client.rest('POST', '/v1/organization/members', { email: 'not-an-email', role: 'ADMIN' });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ code: 'BAD_USER_INPUT', fields: [{ field: 'email' }] });
    const role = await admin.client.rest('POST', '/v1/organization/members', { email: 'bob@example.com', role: 'KING' });
    expect(role.status).toBe(400);
    expect((await admin.client.gql(MembersDocument)).data?.organization.members.map((m) => m.email)).toEqual(['ada@example.com']);
  });

  it('never lets the last OWNER go, by removal or demotion', async () => {
    // An organization whose one member is its OWNER (keys are no members).
    const admin = await adminOf('Last Owner Inc');
    const adaInvited = (await admin.client.gql(InviteMemberDocument, { input: { email: 'ada@example.com', role: 'OWNER' } })).data!.inviteMember;
    expect((await acceptInvite(t, adaInvited.inviteUrl!, 'Ada')).res.status).toBe(200);
    const members = (await admin.client.gql(MembersDocument)).data!.organization.members;
    expect(members.map((m) => m.role)).toEqual(['OWNER']);
    const ada = members[0];
    const demote = await admin.client.gql(UpdateMemberRoleDocument, { id: ada.id, role: 'ADMIN' });
    expect(demote.status).toBe(409);
    const remove = await admin.client.rest('DELETE', `/v1/organization/members/${ada.id}`);
    expect(remove.status).toBe(409);
    expect(remove.body.error?.code).toBe('CONFLICT');

    const bobInvited = (await admin.client.gql(InviteMemberDocument, { input: { email: 'bob@example.com', role: 'MEMBER' } })).data!.inviteMember;
    const bob = (await acceptInvite(t, bobInvited.inviteUrl!, 'Bob')).body.data!.member;
    expect((await admin.client.gql(UpdateMemberRoleDocument, { id: bob.id, role: 'OWNER' })).data?.updateMemberRole.role).toBe('OWNER');
    expect((await admin.client.gql(UpdateMemberRoleDocument, { id: ada.id, role: 'VIEWER' })).data?.updateMemberRole.role).toBe('VIEWER');
    expect((await admin.client.gql(RemoveMemberDocument, { id: ada.id })).data?.removeMember).toBe(ada.id);
    expect((await admin.client.gql(RemoveMemberDocument, { id: bob.id })).status).toBe(409);
  });

  it('me.organization needs no scope, but its members do', async () => {
    const plain = await t.key(await t.org('Acme Inc'), ['monitors:read']);
    expect((await plain.client.gql(MeDocument)).status).toBe(200);
    const res = await plain.client.gql('{ me { organization { name members { email } } } }');
    expect(res.status).toBe(403);
    expect(res.errors?.[0].extensions).toMatchObject({ missingScopes: ['organization:read'], paths: ['me.organization.members', 'me.organization.members.email'] });
  });
});

describe('billing', () => {
  it("shows the plan, its limits and this month's usage", async () => {
    const org = await t.org('Billing Co');
    const k = await t.key(org, ['monitors:write', 'monitors:read', 'monitors:run', 'billing:read']);
    const m = (await k.client.gql(CreateMonitorDocument, { input: { name: 'x', url: `${target.url}/ok` } })).data!.createMonitor;
    await k.client.gql(RunMonitorDocument, { id: m.id });
    await k.client.gql(RunMonitorDocument, { id: m.id });
    const billing = (await k.client.gql(BillingDocument)).data!.billing;
    expect(billing).toMatchObject({
      plan: 'FREE',
      limits: { monitors: 10, journeys: 3, minIntervalSeconds: 300, runsPerMonth: 120000, locationsPerCheck: 1, maxConcurrentChecksPerLocation: 5 },
      usage: { runs: 2, monitors: 1, journeys: 0 },
      quotaExhausted: false,
      runsRemaining: 119998,
    });
    const now = new Date();
    expect(billing.usage.periodStart).toBe(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)).toISOString());
    const rest = await k.client.rest('GET', '/v1/billing');
    expect(rest.body).toMatchObject({
      success: true,
      data: { plan: 'FREE', limits: { runs_per_month: 120000, locations_per_check: 1 }, usage: { runs: 2 }, quota_exhausted: false, runs_remaining: 119998 },
    });
  });

  it('refuses runs beyond the monthly allowance with PLAN_LIMIT_EXCEEDED', async () => {
    const org = await t.org('Heavy Co');
    const k = await t.key(org, ['monitors:write', 'monitors:read', 'monitors:run']);
    const m = (await k.client.gql(CreateMonitorDocument, { input: { name: 'x', url: `${target.url}/ok` } })).data!.createMonitor;
    // Fill the month's counter directly: 120,000 real HTTP runs would only measure the loop (test/api/billing.test.ts
    // has the rest of the quota story).
    await t.db.orm.em.getConnection().execute(
      `insert into usage_counters (organization_id, period_start, runs) values (?, ?, 120000)`,
      [org.id, new Date(Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), 1))],
    );
    const res = await k.client.gql(RunMonitorDocument, { id: m.id });
    expect(res.status).toBe(402);
    expect(res.errors?.[0].extensions).toMatchObject({ code: 'PLAN_LIMIT_EXCEEDED', plan: 'FREE', limit: 120000, used: 120000 });
    expect(await t.db.orm.em.getConnection().execute('select count(*)::int as n from runs where check_id = ?', [m.id])).toEqual([{ n: 0 }]);
  });
});
