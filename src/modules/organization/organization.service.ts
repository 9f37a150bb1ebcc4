import type { EntityManager } from '@mikro-orm/postgresql';
import { badInput, notFound } from '../../errors';
import type { PlanName } from '../common/plan-names';
import { Organization } from './organization.entity';
import { audit, type Actor } from '../audit/audit';
import { nameErrors } from '../common/names';

export class OrganizationService {
  constructor(
    private readonly now: () => Date,
    /** The plan new organizations get (DEFAULT_PLAN). */
    private readonly defaultPlan: PlanName = 'UNLIMITED',
  ) {}

  async get(em: EntityManager, id: string): Promise<Organization> {
    const org = await em.findOne(Organization, { id });
    if (!org) throw notFound('Organization');
    return org;
  }

  /**
   * `--org` in the CLI is an id (`org_…`) or a name; a name that does not exist yet is created unless told not to,
   * on `plan` if given, else on DEFAULT_PLAN. An existing organization keeps its plan.
   */
  async findOrCreate(
    em: EntityManager,
    idOrName: string,
    opts: { create?: boolean; plan?: PlanName } = {},
  ): Promise<{ org: Organization; created: boolean }> {
    if (idOrName.startsWith('org_')) return { org: await this.get(em, idOrName), created: false };
    const matches = await em.find(Organization, { name: idOrName }, { orderBy: { createdAt: 'asc' } });
    if (matches.length > 1)
      throw new Error(`Several organizations are named "${idOrName}": pass one of their ids (${matches.map((o) => o.id).join(', ')})`);
    if (matches[0]) return { org: matches[0], created: false };
    if (opts.create === false) throw notFound(`Organization "${idOrName}"`);
    const bad = nameErrors('org', idOrName);
    if (bad.length) throw badInput(bad);
    const org = em.create(Organization, { name: idOrName, plan: opts.plan ?? this.defaultPlan, createdAt: this.now() });
    await em.flush();
    return { org, created: true };
  }

  /** Renames the actor's organization; the audit event is written by the same flush (none when nothing changes). */
  async rename(em: EntityManager, actor: Actor, name: string): Promise<Organization> {
    const trimmed = name.trim();
    if (trimmed.length < 1 || trimmed.length > 100) throw badInput([{ field: 'name', message: 'must be 1 to 100 characters' }]);
    const bad = nameErrors('name', trimmed);
    if (bad.length) throw badInput(bad);
    const org = await this.get(em, actor.organizationId);
    if (org.name !== trimmed) {
      org.name = trimmed;
      audit(em, actor, 'organization.updated', org.id, this.now(), ['name']);
    }
    await em.flush();
    return org;
  }

  async count(em: EntityManager): Promise<number> {
    return em.count(Organization, {});
  }
}

/**
 * Serialises writes that check an organization-wide rule (plan limits, the last owner) inside a transaction:
 * the organization's row stays locked until the transaction ends.
 */
export async function lockOrganization(em: EntityManager, organizationId: string): Promise<void> {
  await em.getConnection().execute('select id from organizations where id = ? for update', [organizationId], 'all', em.getTransactionContext());
}
