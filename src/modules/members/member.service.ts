import type { EntityManager } from '@mikro-orm/postgresql';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { conflict, forbidden, notFound } from '../../errors';
import { ALL } from '../../authorization/scopes';
import type { Principal } from '../auth/principal';
import { endMemberSessions, NO_SESSION_ENDS, type SessionEnds } from '../accounts/session-ends';
import { Organization } from '../organization/organization.entity';
import { lockOrganization } from '../organization/organization.service';
import { Member, type MemberRole } from './member.entity';
import { audit, type Actor } from '../audit/audit';

/**
 * Members of one organization. Invitations take effect at once (joinedAt = invite time): tracer sends no email.
 * The last OWNER can be neither removed nor demoted; the check and the change share one locked transaction.
 * A signed-in member without `all` (an ADMIN) may not make, change or remove an OWNER: no escalation by people
 * (keys keep their rule: what they grant is bounded by what they hold, api-keys). A member removed or given another
 * role has every session ended, on every instance, before the change is answered.
 */
export class MemberService {
  constructor(
    private readonly now: () => Date,
    private readonly sessions: SessionEnds = NO_SESSION_ENDS,
  ) {}

  list(em: EntityManager, organizationId: string): Promise<Member[]> {
    return em.find(Member, { organization: organizationId }, { orderBy: { joinedAt: 'asc', id: 'asc' } });
  }

  async invite(em: EntityManager, principal: Principal | null, actor: Actor, input: { email: string; role: MemberRole; name?: string | null }): Promise<Member> {
    if (input.role === 'OWNER') assertMayTouchOwners(principal);
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
      if (member.role === 'OWNER' || role === 'OWNER') assertMayTouchOwners(principal);
      if (member.role === 'OWNER' && role !== 'OWNER') await this.assertNotLastOwner(tx, organizationId);
      if (member.role !== role) {
        audit(tx, actor, 'member.role_changed', id, this.now());
        // The sessions carry the old role's scopes: they end, and the member signs in again with the new ones.
        await endMemberSessions(tx, this.sessions, id);
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
      if (member.role === 'OWNER') {
        assertMayTouchOwners(principal);
        await this.assertNotLastOwner(tx, organizationId);
      }
      await endMemberSessions(tx, this.sessions, id);
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

/** Only a caller holding `all` makes, changes or removes an OWNER when the caller is a person (an ADMIN may not). */
function assertMayTouchOwners(principal: Principal | null): void {
  if (principal?.actor.type === 'MEMBER' && !principal.held.has(ALL))
    throw forbidden({}, 'Only an owner can make, change or remove an owner');
}
