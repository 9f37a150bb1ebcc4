import type { EntityManager } from '@mikro-orm/postgresql';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { conflict, notFound } from '../../errors';
import { Organization } from '../organization/organization.entity';
import { lockOrganization } from '../organization/organization.service';
import { Member, type MemberRole } from './member.entity';
import { audit, type Actor } from '../audit/audit';

/**
 * Members of one organization. Invitations take effect at once (joinedAt = invite time): tracer sends no email.
 * The last OWNER can be neither removed nor demoted; the check and the change share one locked transaction.
 */
export class MemberService {
  constructor(private readonly now: () => Date) {}

  list(em: EntityManager, organizationId: string): Promise<Member[]> {
    return em.find(Member, { organization: organizationId }, { orderBy: { joinedAt: 'asc', id: 'asc' } });
  }

  async invite(em: EntityManager, actor: Actor, input: { email: string; role: MemberRole; name?: string | null }): Promise<Member> {
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

  async updateRole(em: EntityManager, actor: Actor, id: string, role: MemberRole): Promise<Member> {
    const { organizationId } = actor;
    return em.transactional(async (tx) => {
      await lockOrganization(tx, organizationId);
      const member = await this.get(tx, organizationId, id);
      if (member.role === 'OWNER' && role !== 'OWNER') await this.assertNotLastOwner(tx, organizationId);
      if (member.role !== role) audit(tx, actor, 'member.role_changed', id, this.now());
      member.role = role;
      return member;
    });
  }

  async remove(em: EntityManager, actor: Actor, id: string): Promise<string> {
    const { organizationId } = actor;
    return em.transactional(async (tx) => {
      await lockOrganization(tx, organizationId);
      const member = await this.get(tx, organizationId, id);
      if (member.role === 'OWNER') await this.assertNotLastOwner(tx, organizationId);
      tx.remove(member);
      audit(tx, actor, 'member.removed', id, this.now());
      return id;
    });
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
