/**
 * Invitations (issue 25): an invitation emailed through a real SMTP server in process, its link accepted over HTTP
 * into a signed-in member of the invited role; without SMTP the link handed back once; revoke, expiry, single use,
 * replacement, CONFLICT, no escalation, other organizations NOT_FOUND. Every refused link looks the same.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as ops from '../../src/client/generated/graphql';
import { startTestApp, type TestApp } from '../helpers/app';
import { startMailbox, linkIn, type Mailbox } from '../helpers/mailbox';
import { acceptInvite, addPerson, GOOD_PASSWORD, post, signIn, tokenOf } from '../helpers/people';

let mail: TestApp; // SMTP_URL set: invitations are emailed
let plain: TestApp; // no SMTP_URL: the link is answered to the inviter
let mailbox: Mailbox;

beforeAll(async () => {
  mailbox = await startMailbox();
  mail = await startTestApp({ SMTP_URL: mailbox.url, SMTP_FROM: 'tracer <people@tracer.example>', PUBLIC_URL: 'https://status.example.com' });
  plain = await startTestApp();
});
afterAll(async () => {
  await mail?.close();
  await plain?.close();
  await mailbox?.close();
});

/** A refused link's answer without its request id: every way a link fails must give exactly this. */
const REFUSED = {
  status: 400,
  body: { success: false, error: { code: 'BAD_USER_INPUT', message: 'token: is invalid, used, revoked or expired; ask for a new invitation', fields: [{ field: 'token', message: 'is invalid, used, revoked or expired; ask for a new invitation' }] } },
};
async function refusal(res: Response) {
  const body = (await res.json()) as { error?: Record<string, unknown> };
  delete body.error?.request_id;
  return { status: res.status, body, cookie: res.headers.get('set-cookie') };
}
const accept = (t: TestApp, link: string, password = GOOD_PASSWORD) => post(t.baseUrl, '/auth/accept-invite', { token: tokenOf(link), name: 'Someone', password });

describe('an emailed invitation', () => {
  it('mails a single-use link; accepting it makes a member of that role, signed in; the link then fails', async () => {
    const org = await mail.org('Acme Inc');
    const { client } = await mail.key(org, ['all'], { name: 'Admin key' });
    const before = mailbox.mails.length;
    const invited = await client.gql(ops.InviteMemberDocument, { input: { email: 'Ann@Example.com', role: 'MEMBER', name: 'Ann' } });
    expect(invited.errors).toBeUndefined();
    expect(invited.data!.inviteMember.inviteUrl).toBeNull(); // sent: the link is not shown to the inviter
    const { invitation } = invited.data!.inviteMember;
    expect(invitation).toMatchObject({ id: expect.stringMatching(/^inv_/), email: 'ann@example.com', name: 'Ann', role: 'MEMBER', invitedBy: 'Admin key' });
    expect(new Date(invitation.expiresAt).getTime() - new Date(invitation.createdAt).getTime()).toBe(7 * 86_400_000);

    const message = await mailbox.next('ann@example.com', before);
    expect(message.data).toMatch(/^Subject: \[tracer\] Invitation to Acme Inc\r?$/m);
    expect(message.data).toContain('"Admin key" invited you to the organization "Acme Inc" on tracer, a monitoring service, as MEMBER.');
    expect(message.data).toMatch(/^From: tracer <people@tracer\.example>/m);
    const link = linkIn(message, '/dashboard/accept-invite');
    expect(link).toMatch(/^https:\/\/status\.example\.com\/dashboard\/accept-invite\?token=[0-9A-Za-z]{43}$/);
    // Stored as a hash only: the token is nowhere in the table.
    const rows = await mail.db.orm.em.fork().getConnection().execute('select * from invitations where id = ?', [invitation.id]);
    expect(JSON.stringify(rows)).not.toContain(tokenOf(link));

    expect((await client.gql(ops.InvitationsDocument)).data!.invitations.map((i) => i.id)).toEqual([invitation.id]);
    const joined = await acceptInvite(mail, link, 'Ann Smith');
    expect(joined.res.status).toBe(200);
    expect(joined.res.headers.get('set-cookie')).toMatch(/^__Host-tracer_session=[0-9A-Za-z]{43}; Path=\/; HttpOnly; SameSite=Lax; Secure; Max-Age=2592000$/);
    expect(joined.body).toEqual({
      success: true,
      data: {
        member: { id: expect.stringMatching(/^mem_/), email: 'ann@example.com', name: 'Ann Smith', role: 'MEMBER', joined_at: expect.any(String), permissions: expect.arrayContaining(['monitors:write']), mfa_enabled: false },
        organization: { id: org.id, name: 'Acme Inc', created_at: org.createdAt.toISOString() },
      },
    });
    // The invitation is gone from the pending list, the member is on the members list.
    expect((await client.gql(ops.InvitationsDocument)).data!.invitations).toEqual([]);
    expect((await client.gql(ops.MembersDocument)).data!.organization.members.map((m) => [m.email, m.role])).toContainEqual(['ann@example.com', 'MEMBER']);
    // Used once: the same refusal as any other bad link, and no cookie.
    expect(await refusal(await accept(mail, link))).toEqual({ ...REFUSED, cookie: null });
    // The member signs in again with the password chosen on acceptance.
    expect((await post(mail.baseUrl, '/auth/sign-in', { email: 'ann@example.com', password: GOOD_PASSWORD })).status).toBe(200);
  });
});

describe('without SMTP', () => {
  it('answers the link once as inviteUrl; the session it opens holds exactly the role', async () => {
    const org = await plain.org('No Mail Inc');
    const { client } = await plain.key(org, ['all']);
    const invited = (await client.gql(ops.InviteMemberDocument, { input: { email: 'vic@example.com', role: 'VIEWER' } })).data!.inviteMember;
    expect(invited.inviteUrl).toMatch(/^http:\/\/127\.0\.0\.1:4000\/dashboard\/accept-invite\?token=[0-9A-Za-z]{43}$/);
    // Shown once: the list never carries a link.
    expect(JSON.stringify((await client.gql(ops.InvitationsDocument)).data)).not.toContain(tokenOf(invited.inviteUrl!));
    const joined = await acceptInvite(plain, invited.inviteUrl!);
    expect(joined.res.status).toBe(200);
    const viewer = joined.client!;
    expect((await viewer.gql(ops.SignedInMeDocument)).data!.me.member).toMatchObject({ email: 'vic@example.com', role: 'VIEWER' });
    expect((await viewer.gql(ops.MonitorsDocument, {})).status).toBe(200);
    const write = await viewer.gql(ops.CreateMonitorDocument, { input: { name: 'm', url: 'http://127.0.0.1:1/' } });
    expect([write.status, write.errors?.[0].extensions?.code]).toEqual([403, 'FORBIDDEN']);
  });

  it('revoked, replaced, expired, used and unknown links all fail alike; a refused password leaves the link usable', async () => {
    const org = await plain.org('Links Inc');
    const { client } = await plain.key(org, ['all']);
    const invite = async (email: string) => (await client.gql(ops.InviteMemberDocument, { input: { email, role: 'MEMBER' } })).data!.inviteMember;

    const revoked = await invite('rev@example.com');
    expect((await client.gql(ops.RevokeInvitationDocument, { id: revoked.invitation.id })).data?.revokeInvitation).toBe(revoked.invitation.id);
    expect((await client.gql(ops.RevokeInvitationDocument, { id: revoked.invitation.id })).errors?.[0].extensions?.code).toBe('NOT_FOUND');
    expect(await refusal(await accept(plain, revoked.inviteUrl!))).toEqual({ ...REFUSED, cookie: null });

    // Inviting the same email again replaces its pending invitation: the first link stops working.
    const first = await invite('again@example.com');
    const second = await invite('again@example.com');
    expect((await client.gql(ops.InvitationsDocument)).data!.invitations.filter((i) => i.email === 'again@example.com').map((i) => i.id)).toEqual([second.invitation.id]);
    expect(await refusal(await accept(plain, first.inviteUrl!))).toEqual({ ...REFUSED, cookie: null });

    // A refused password spends nothing.
    const weak = await refusal(await accept(plain, second.inviteUrl!, 'password1234'));
    expect(weak).toMatchObject({ status: 400, body: { error: { code: 'BAD_USER_INPUT', fields: [{ field: 'password' }] } } });
    expect((await accept(plain, second.inviteUrl!)).status).toBe(200);
    expect(await refusal(await accept(plain, second.inviteUrl!))).toEqual({ ...REFUSED, cookie: null });

    // Valid for 7 days to the millisecond.
    const late = await invite('late@example.com');
    plain.clock.now = new Date(late.invitation.expiresAt);
    try {
      expect((await client.gql(ops.InvitationsDocument)).data!.invitations.map((i) => i.email)).not.toContain('late@example.com');
      expect(await refusal(await accept(plain, late.inviteUrl!))).toEqual({ ...REFUSED, cookie: null });
    } finally {
      plain.clock.now = null;
    }
    expect(await refusal(await post(plain.baseUrl, '/auth/accept-invite', { token: 'A'.repeat(43), name: 'x', password: GOOD_PASSWORD }))).toEqual({ ...REFUSED, cookie: null });
    expect(await refusal(await post(plain.baseUrl, '/auth/accept-invite', { token: 'short', name: 'x', password: GOOD_PASSWORD }))).toEqual({ ...REFUSED, cookie: null });
  });

  it('two acceptances of one link at once: one member, one refusal', async () => {
    const org = await plain.org('Race Inc');
    const { client } = await plain.key(org, ['all']);
    const { inviteUrl } = (await client.gql(ops.InviteMemberDocument, { input: { email: 'race@example.com', role: 'VIEWER' } })).data!.inviteMember;
    const answers = await Promise.all([accept(plain, inviteUrl!), accept(plain, inviteUrl!)]);
    expect(answers.map((r) => r.status).sort()).toEqual([200, 400]);
    expect((await client.gql(ops.MembersDocument)).data!.organization.members.filter((m) => m.email === 'race@example.com')).toHaveLength(1);
  });

  it('an existing member is CONFLICT; nothing is written', async () => {
    const org = await plain.org('Conflict Inc');
    const { client } = await plain.key(org, ['all']);
    await addPerson(plain, org, 'here@example.com', 'VIEWER');
    const dup = await client.gql(ops.InviteMemberDocument, { input: { email: 'HERE@example.com', role: 'ADMIN' } });
    expect([dup.status, dup.errors?.[0].extensions?.code]).toEqual([409, 'CONFLICT']);
    expect((await client.gql(ops.InvitationsDocument)).data!.invitations).toEqual([]);
    const events = (await client.gql(ops.AuditEventsDocument, { action: 'member.invited' })).data!.auditEvents.nodes;
    expect(events.map((e) => e.actorKeyId)).toEqual(['cli']); // the member's own, added by the CLI: none by the key
  });
});

describe('no escalation, no other organization', () => {
  it('an ADMIN session invites up to ADMIN, never an OWNER, and cannot revoke an invitation to OWNER', async () => {
    const org = await plain.org('Roles Inc');
    const { client: owner } = await plain.key(org, ['all']);
    const admin = await addPerson(plain, org, 'admin@roles.example', 'ADMIN');
    const refused = await admin.client.gql(ops.InviteMemberDocument, { input: { email: 'boss@roles.example', role: 'OWNER' } });
    expect([refused.status, refused.errors?.[0].extensions?.code, refused.errors?.[0].extensions?.missingScopes]).toEqual([403, 'FORBIDDEN', ['all']]);
    expect((await admin.client.gql(ops.InviteMemberDocument, { input: { email: 'peer@roles.example', role: 'ADMIN' } })).errors).toBeUndefined();
    const toOwner = (await owner.gql(ops.InviteMemberDocument, { input: { email: 'heir@roles.example', role: 'OWNER' } })).data!.inviteMember;
    const revoke = await admin.client.gql(ops.RevokeInvitationDocument, { id: toOwner.invitation.id });
    expect([revoke.status, revoke.errors?.[0].extensions?.code]).toEqual([403, 'FORBIDDEN']);
    // A MEMBER has no organization:write at all: refused before anything runs.
    const member = await addPerson(plain, org, 'member@roles.example', 'MEMBER');
    const byMember = await member.client.gql(ops.InviteMemberDocument, { input: { email: 'x@roles.example', role: 'VIEWER' } });
    expect([byMember.status, byMember.errors?.[0].extensions?.code]).toEqual([403, 'FORBIDDEN']);
    // A key with organization:write but few scopes invites only to roles it holds.
    const { client: narrow } = await plain.key(org, ['organization:read', 'organization:write']);
    const narrowInvite = await narrow.gql(ops.InviteMemberDocument, { input: { email: 'y@roles.example', role: 'VIEWER' } });
    expect(narrowInvite.errors?.[0].extensions).toMatchObject({ code: 'FORBIDDEN', missingScopes: ['monitors:read', 'journeys:read', 'alerts:read'] });
    expect((await owner.gql(ops.InvitationsDocument)).data!.invitations.map((i) => i.email).sort()).toEqual(['heir@roles.example', 'peer@roles.example']);
  });

  it("another organization's invitation is NOT_FOUND and never listed", async () => {
    const a = await plain.org('Org A');
    const b = await plain.org('Org B');
    const { client: keyA } = await plain.key(a, ['all']);
    const { client: keyB } = await plain.key(b, ['all']);
    const invited = (await keyA.gql(ops.InviteMemberDocument, { input: { email: 'a-only@example.com', role: 'VIEWER' } })).data!.inviteMember;
    const revoke = await keyB.gql(ops.RevokeInvitationDocument, { id: invited.invitation.id });
    expect([revoke.status, revoke.errors?.[0].extensions?.code]).toEqual([404, 'NOT_FOUND']);
    expect((await keyB.gql(ops.InvitationsDocument)).data!.invitations).toEqual([]);
    expect((await keyA.gql(ops.InvitationsDocument)).data!.invitations.map((i) => i.id)).toEqual([invited.invitation.id]);
    // Accepting joins the inviting organization, whoever's browser it is.
    const joined = await acceptInvite(plain, invited.inviteUrl!);
    expect(joined.body.data!.organization.id).toBe(a.id);
  });
});

describe('the audit log', () => {
  it('records invite and revoke by the inviter, acceptance by the new member', async () => {
    const org = await plain.org('Audit Inc');
    const { client, id: keyId } = await plain.key(org, ['all']);
    const one = (await client.gql(ops.InviteMemberDocument, { input: { email: 'one@audit.example', role: 'VIEWER' } })).data!.inviteMember;
    await client.gql(ops.RevokeInvitationDocument, { id: one.invitation.id });
    const two = (await client.gql(ops.InviteMemberDocument, { input: { email: 'two@audit.example', role: 'VIEWER' } })).data!.inviteMember;
    const member = (await acceptInvite(plain, two.inviteUrl!)).body.data!.member;
    const events = (await client.gql(ops.AuditEventsDocument, { first: 10 })).data!.auditEvents.nodes
      .filter((e) => e.action !== 'api_key.created') // the test's own key
      .map((e) => [e.action, e.actorKeyId, e.target])
      .reverse();
    expect(events).toEqual([
      ['member.invited', keyId, one.invitation.id],
      ['invitation.revoked', keyId, one.invitation.id],
      ['member.invited', keyId, two.invitation.id],
      ['invitation.accepted', member.id, member.id],
    ]);
  });
});

describe('signing in after', () => {
  it('a wrong password for an invited member is the ordinary sign-in refusal', async () => {
    const org = await plain.org('After Inc');
    const { client } = await plain.key(org, ['all']);
    const { inviteUrl } = (await client.gql(ops.InviteMemberDocument, { input: { email: 'after@example.com', role: 'VIEWER' } })).data!.inviteMember;
    await acceptInvite(plain, inviteUrl!);
    expect((await signIn(plain, 'after@example.com', `${GOOD_PASSWORD}!`)).res.status).toBe(401);
    expect((await signIn(plain, 'after@example.com', GOOD_PASSWORD)).res.status).toBe(200);
  });
});
