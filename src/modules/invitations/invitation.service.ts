import type { EntityManager } from '@mikro-orm/postgresql';
import { isEmail } from 'class-validator';
import { badInput, conflict, notFound, type FieldError } from '../../errors';
import type { Principal } from '../auth/principal';
import { audit, type Actor } from '../audit/audit';
import { Member, type MemberRole } from '../members/member.entity';
import { assertHoldsRoles } from '../members/member.service';
import { lockOrganization } from '../organization/organization.service';
import { Organization } from '../organization/organization.entity';
import type { AccountMailer } from '../accounts/account-mailer';
import type { PasswordHasher } from '../accounts/password-hash';
import { assertPasswordAcceptable } from '../accounts/password-policy';
import { looksLikeToken, newToken, tokenHash } from '../accounts/session-token';
import { openSession } from '../accounts/session-open';
import { storedAddress } from '../auth/client-address';
import { nameErrors } from '../common/names';
import { DAY_MS } from '../common/time';
import { Invitation, MAX_PENDING_INVITATIONS } from './invitation.entity';
import { inviteMail } from './invite-mail';
import type { PublicUrl } from '../common/public-url';

/** An invitation's link works for 7 days, the first start's setup link for 24 hours. */
export const INVITE_LINK_MS = 7 * DAY_MS;
export const SETUP_LINK_MS = DAY_MS;

export interface InvitationServiceDeps {
  now: () => Date;
  passwords: PasswordHasher;
  mailer: AccountMailer;
  /** PUBLIC_URL, or http://HOST:PORT: where the links in emails and on the console point. */
  publicUrl: PublicUrl;
  sessionMaxDays: number;
}

/** What a request that uses a link brings: where it came from, for the session it opens and the audit event. */
export interface Visitor {
  ip: string;
  userAgent: string | undefined;
}

/** The new member and its organization, signed in: `token` is the session cookie's. */
export interface Joined {
  token: string;
  member: Member;
  organization: Organization;
}

const INVALID = (what: string) => badInput([{ field: 'token', message: `is invalid, used, revoked or expired; ask for a new ${what}` }]);

/**
 * Invitations: a pending row per (organization, email) holding a link's hash, sent by email (or handed back to the
 * inviter once when there is no SMTP server); accepting makes the member, with the invitation's role, and signs it
 * in, in one transaction. The first start's setup link is an invitation of its own kind that makes the first OWNER.
 * No escalation: inviting to a role, or revoking an invitation to it, needs every scope of that role.
 */
export class InvitationService {
  constructor(private readonly deps: InvitationServiceDeps) {}

  /**
   * Invites `email` to the caller's organization with `role`: CONFLICT when it is a member already; a pending
   * invitation of the same email is replaced (its link stops working). The link is emailed; when it could not be
   * (no SMTP_URL, or the server refused), it is answered instead, once, as `inviteUrl`.
   */
  async invite(em: EntityManager, principal: Principal | null, actor: Actor, input: { email: string; role: MemberRole; name?: string | null }) {
    assertHoldsRoles(principal, [input.role], `invite to the role ${input.role}`);
    const email = input.email.trim().toLowerCase();
    const now = this.deps.now();
    const token = newToken();
    const invitation = await em.transactional(async (tx) => {
      await lockOrganization(tx, actor.organizationId);
      if (await tx.count(Member, { organization: actor.organizationId, email })) throw conflict(`${email} is already a member`);
      // Expired ones go first: they count for nothing, and an organization's table keeps only what may still be used.
      await tx.nativeDelete(Invitation, { organization: actor.organizationId, $or: [{ email, kind: 'invite' }, { expiresAt: { $lte: now } }] });
      if ((await tx.count(Invitation, { organization: actor.organizationId, kind: 'invite' })) >= MAX_PENDING_INVITATIONS)
        throw conflict(`The organization has ${MAX_PENDING_INVITATIONS} pending invitations, the most it may have; revoke some first`);
      const row = tx.create(Invitation, {
        organization: tx.getReference(Organization, actor.organizationId),
        kind: 'invite',
        email,
        name: input.name?.trim() || null,
        role: input.role,
        tokenHash: tokenHash(token),
        invitedBy: actor.name.slice(0, 254),
        createdAt: now,
        expiresAt: new Date(now.getTime() + INVITE_LINK_MS),
      });
      tx.persist(row);
      audit(tx, actor, 'member.invited', row.id, now);
      return row;
    });
    const url = this.link('accept-invite', token);
    if (!this.deps.mailer.configured) return { invitation, inviteUrl: url };
    const org = await em.findOneOrFail(Organization, { id: actor.organizationId });
    const sent = await this.deps.mailer.send(email, inviteMail({ organization: org.name, invitedBy: actor.name, role: input.role, url, expiresAt: invitation.expiresAt }));
    return { invitation, inviteUrl: sent ? null : url };
  }

  /** The organization's invitations that can still be accepted, the newest first. */
  list(em: EntityManager, organizationId: string): Promise<Invitation[]> {
    return em.find(Invitation, { organization: organizationId, kind: 'invite', expiresAt: { $gt: this.deps.now() } }, { orderBy: { createdAt: 'desc', id: 'desc' }, limit: MAX_PENDING_INVITATIONS });
  }

  /** Revokes a pending invitation (its link stops working); another organization's, or none, is NOT_FOUND. */
  async revoke(em: EntityManager, principal: Principal | null, actor: Actor, id: string): Promise<string> {
    await em.transactional(async (tx) => {
      const row = await tx.findOne(Invitation, { id, organization: actor.organizationId, kind: 'invite' });
      if (!row) throw notFound('Invitation');
      assertHoldsRoles(principal, [row.role], `revoke an invitation to the role ${row.role}`);
      // Deleted by the statement that finds it still there: an acceptance in between wins, and this is NOT_FOUND.
      if ((await tx.nativeDelete(Invitation, { id })) !== 1) throw notFound('Invitation');
      audit(tx, actor, 'invitation.revoked', id, this.deps.now());
    });
    return id;
  }

  /** Accepts an invitation: the member (the invitation's email and role) with its password, signed in. */
  async accept(em: EntityManager, input: { token: unknown; name: unknown; password: unknown }, visitor: Visitor): Promise<Joined> {
    const name = nameOf(input.name);
    if (!looksLikeToken(input.token)) throw INVALID('invitation');
    const found = await this.pending(em, input.token, 'invite');
    if (!found) throw INVALID('invitation');
    return this.join(em, found, { email: found.email!, name, password: input.password }, visitor, 'invitation');
  }

  /** Uses the first start's setup link: the first OWNER of its organization, signed in; only while it has no member. */
  async setup(em: EntityManager, input: { token: unknown; name: unknown; email: unknown; password: unknown }, visitor: Visitor): Promise<Joined> {
    const errors: FieldError[] = [];
    if (typeof input.email !== 'string' || !isEmail(input.email.trim()) || input.email.trim().length > 254) errors.push({ field: 'email', message: 'must be an email address' });
    const name = nameOf(input.name, errors);
    if (!looksLikeToken(input.token)) throw INVALID('setup link (npm run members -- add)');
    const found = await this.pending(em, input.token, 'setup');
    if (!found) throw INVALID('setup link (npm run members -- add)');
    if (errors.length) throw badInput(errors);
    return this.join(em, found, { email: (input.email as string).trim().toLowerCase(), name, password: input.password }, visitor, 'setup link (npm run members -- add)');
  }

  /** Makes the first start's setup link for `organizationId` (earlier ones stop working); answers the link. */
  async createSetupLink(em: EntityManager, organizationId: string): Promise<string> {
    const token = newToken();
    const now = this.deps.now();
    await em.transactional(async (tx) => {
      await tx.nativeDelete(Invitation, { organization: organizationId, kind: 'setup' });
      tx.persist(
        tx.create(Invitation, {
          organization: tx.getReference(Organization, organizationId),
          kind: 'setup',
          role: 'OWNER',
          tokenHash: tokenHash(token),
          invitedBy: 'first start',
          createdAt: now,
          expiresAt: new Date(now.getTime() + SETUP_LINK_MS),
        }),
      );
    });
    return this.link('setup', token);
  }

  private link(page: 'accept-invite' | 'setup', token: string): string {
    return `${this.deps.publicUrl}/dashboard/${page}?token=${token}`;
  }

  private pending(em: EntityManager, token: string, kind: Invitation['kind']): Promise<Invitation | null> {
    return em.findOne(Invitation, { tokenHash: tokenHash(token), kind, expiresAt: { $gt: this.deps.now() } });
  }

  /**
   * The member made from `invitation`, its session opened, the invitation spent, the event recorded: one
   * transaction. The password is checked and hashed before it (argon2 takes a while; no lock is held meanwhile).
   */
  private async join(em: EntityManager, invitation: Invitation, who: { email: string; name: string; password: unknown }, visitor: Visitor, what: string): Promise<Joined> {
    if (typeof who.password !== 'string') throw badInput([{ field: 'password', message: 'is required' }]);
    assertPasswordAcceptable(who.password, who.email);
    const passwordHash = await this.deps.passwords.hash(who.password);
    const now = this.deps.now();
    const organizationId = invitation.organization.id;
    return em.transactional(async (tx) => {
      await lockOrganization(tx, organizationId);
      // Spent by the statement that checks it is still there and unexpired: two uses at once cannot both pass.
      if ((await tx.nativeDelete(Invitation, { id: invitation.id, tokenHash: invitation.tokenHash, expiresAt: { $gt: now } })) !== 1) throw INVALID(what);
      // The setup link makes the first owner only: once anyone is a member (the CLI, another link), it is spent.
      if (invitation.kind === 'setup' && (await tx.count(Member, { organization: organizationId }))) throw INVALID(what);
      if (await tx.count(Member, { organization: organizationId, email: who.email })) throw conflict(`${who.email} is already a member`);
      const member = tx.create(Member, { organization: tx.getReference(Organization, organizationId), email: who.email, name: who.name, role: invitation.role, joinedAt: now, passwordHash });
      tx.persist(member);
      const token = openSession(tx, { now, sessionMaxDays: this.deps.sessionMaxDays }, { id: member.id, organizationId }, visitor.ip, visitor.userAgent);
      audit(tx, { keyId: member.id, organizationId, name: who.name, ip: storedAddress(visitor.ip) }, 'invitation.accepted', member.id, now);
      const organization = await tx.findOneOrFail(Organization, { id: organizationId });
      return { token, member, organization };
    });
  }
}

/** A person's name as given with a link: 1 to 100 characters, no control characters. */
function nameOf(value: unknown, errors?: FieldError[]): string {
  const name = typeof value === 'string' ? value.trim() : '';
  const problems: FieldError[] = name.length < 1 || name.length > 100 ? [{ field: 'name', message: 'must be 1 to 100 characters' }] : nameErrors('name', name);
  if (problems.length && !errors) throw badInput(problems);
  errors?.push(...problems);
  return name;
}
