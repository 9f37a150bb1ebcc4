import type { EntityManager } from '@mikro-orm/postgresql';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { conflict, forbidden, notFound } from '../../errors';
import { ALL, missingScopes } from '../../authorization/scopes';
import type { Principal } from '../auth/principal';
import { Organization } from '../organization/organization.entity';
import { lockOrganization } from '../organization/organization.service';
import { Member, type MemberRole } from './member.entity';
import { ROLE_PERMISSIONS } from './roles';
import { audit, type Actor } from '../audit/audit';
import { flagKeysOfRemovedCreator } from '../api-keys/creator-removed';

/**
 * Members of one organization. `invite` adds a member at once, with no email and no password yet: what the CLI
 * (`members add`) and setup code use; the API's `inviteMember` makes an invitation instead (modules/invitations).
 * The last OWNER can be neither removed nor demoted; the check and the change share one locked transaction.
 * No escalation, whoever calls (a session or an API key; only the CLI, with no principal, is exempt): a role is
 * given only by a caller holding every scope of it, and a member is changed or removed only by a caller holding
 * every scope of its current role, the rule keys follow when they grant keys. So only `all` touches an OWNER, and an
 * ADMIN cannot mint an `organization:write` key and promote itself with it. A member removed or given another role
 * has every session ended, on every instance, before the change is answered. The keys a removed member created keep
 * working and are flagged `creatorRemoved`.
 */
/**
 * Ending a member's sessions, as the accounts module does it (`memberSessions` in accounts/session-ends.ts, given by
 * the wiring): `end` inside the change's transaction (the rows, and the word to every instance), `forget` on this
 * instance once it committed. An interface here, so members need nothing of accounts.
 */
export interface MemberSessions {
  end(tx: EntityManager, memberId: string): Promise<void>;
  forget(memberId: string): void;
}

export class MemberService {
  constructor(
    private readonly now: () => Date,
    private readonly sessions: MemberSessions,
  ) {}

  list(em: EntityManager, organizationId: string): Promise<Member[]> {
    return em.find(Member, { organization: organizationId }, { orderBy: { joinedAt: 'asc', id: 'asc' } });
  }

  async invite(em: EntityManager, principal: Principal | null, actor: Actor, input: { email: string; role: MemberRole; name?: string | null }): Promise<Member> {
    assertHoldsRoles(principal, [input.role], `give the role ${input.role}`);
    const member = em.create(Member, {
      organization: em.getReference(Organization, actor.organizationId),
      email: input.email.trim().toLowerCase(),
      name: input.name?.trim() || null,
      role: input.role,
      joinedAt: this.now(),
    });
    audit(em, actor, 'member.invited', member.id, this.now());
    try {
      await em.flush();
    } catch (e) {
      if (e instanceof UniqueConstraintViolationException) {
        em.clear();
        throw conflict(`${member.email} is already a member`);
      }
      throw e;
    }
    return member;
  }

  async updateRole(em: EntityManager, principal: Principal | null, actor: Actor, id: string, role: MemberRole): Promise<Member> {
    const { organizationId } = actor;
    const updated = await em.transactional(async (tx) => {
      await lockOrganization(tx, organizationId);
      const member = await this.get(tx, organizationId, id);
      assertHoldsRoles(principal, [member.role, role], `change a ${member.role} into a ${role}`);
      if (member.role === 'OWNER' && role !== 'OWNER') await this.assertNotLastOwner(tx, organizationId);
      if (member.role !== role) {
        audit(tx, actor, 'member.role_changed', id, this.now());
        // The sessions carry the old role's scopes: they end, and the member signs in again with the new ones.
        await this.sessions.end(tx, id);
      }
      member.role = role;
      return member;
    });
    this.sessions.forget(id);
    return updated;
  }

  async remove(em: EntityManager, principal: Principal | null, actor: Actor, id: string): Promise<string> {
    const { organizationId } = actor;
    await em.transactional(async (tx) => {
      await lockOrganization(tx, organizationId);
      const member = await this.get(tx, organizationId, id);
      assertHoldsRoles(principal, [member.role], `remove a ${member.role}`);
      if (member.role === 'OWNER') await this.assertNotLastOwner(tx, organizationId);
      await this.sessions.end(tx, id);
      await flagKeysOfRemovedCreator(tx, organizationId, id);
      tx.remove(member);
      audit(tx, actor, 'member.removed', id, this.now());
    });
    this.sessions.forget(id);
    return id;
  }

  private async get(em: EntityManager, organizationId: string, id: string): Promise<Member> {
    const member = await em.findOne(Member, { id, organization: organizationId });
    if (!member) throw notFound('Member');
    return member;
  }

  private async assertNotLastOwner(em: EntityManager, organizationId: string): Promise<void> {
    if ((await em.count(Member, { organization: organizationId, role: 'OWNER' })) <= 1)
      throw conflict('The last owner cannot be removed or demoted; make someone else an owner first');
  }
}

/**
 * The caller holds every scope of each of `roles` (`all` holds everything; only `all` holds OWNER's `all`), or
 * FORBIDDEN naming what it lacks, as a key grant is refused. The roles are the one a member is given and, for a
 * change or a removal, the one it has now. The CLI (no principal) acts with the operator's authority.
 */
export function assertHoldsRoles(principal: Principal | null, roles: readonly MemberRole[], what: string): void {
  if (!principal || principal.held.has(ALL)) return;
  const needed = roles.flatMap((r) => ROLE_PERMISSIONS[r]);
  const missing = needed.includes(ALL) ? [ALL] : missingScopes(principal.held, needed);
  if (missing.length) throw forbidden({ missingScopes: missing }, `Cannot ${what} without holding its permissions: ${missing.join(', ')}`);
}
