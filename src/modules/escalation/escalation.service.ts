import type { EntityManager } from '@mikro-orm/postgresql';
import { badInput, notFound, type FieldError } from '../../errors';
import { paginate, type Page, type PageArgs } from '../common/pagination';
import { audit, type Actor } from '../audit/audit';
import { Organization } from '../organization/organization.entity';
import { EscalationPolicy, type PolicyStep } from './escalation-policy.entity';

export interface PolicyInput {
  name?: string | null;
  steps?: PolicyStep[] | null;
  repeatAfterMinutes?: number | null;
  maxRepeats?: number | null;
}

export const MAX_STEPS = 10;
export const MAX_REPEATS = 100;
/** A week: the longest wait a step or a repeat may name. */
export const MAX_MINUTES = 10_080;

/**
 * Escalation policies of one organization (every query scoped by it: another organization's id is NOT_FOUND). A
 * policy is read when an alert opens: its steps are planned then (escalation_steps), so editing it changes the
 * alerts opened afterwards, not the ones already escalating.
 */
export class EscalationService {
  constructor(private readonly now: () => Date) {}

  list(em: EntityManager, organizationId: string, args: PageArgs): Promise<Page<EscalationPolicy>> {
    return paginate(em, EscalationPolicy, { organization: organizationId }, 'createdAt', args);
  }

  async get(em: EntityManager, organizationId: string, id: string): Promise<EscalationPolicy> {
    const policy = await em.findOne(EscalationPolicy, { id, organization: organizationId });
    if (!policy) throw notFound('Escalation policy');
    return policy;
  }

  async create(em: EntityManager, actor: Actor, input: PolicyInput & { name: string; steps: PolicyStep[] }): Promise<EscalationPolicy> {
    const policy = em.create(
      EscalationPolicy,
      {
        organization: em.getReference(Organization, actor.organizationId),
        name: input.name.trim(),
        steps: input.steps.map(cleanStep),
        repeatAfterMinutes: input.repeatAfterMinutes ?? null,
        maxRepeats: input.maxRepeats ?? 0,
        createdAt: this.now(),
        updatedAt: this.now(),
      },
      { persist: false },
    );
    await this.assertValid(em, actor.organizationId, policy);
    em.persist(policy);
    audit(em, actor, 'escalation_policy.created', policy.id, this.now());
    await em.flush();
    return policy;
  }

  async update(em: EntityManager, actor: Actor, id: string, input: PolicyInput): Promise<EscalationPolicy> {
    const policy = await this.get(em, actor.organizationId, id);
    if (input.name != null) policy.name = input.name.trim();
    if (input.steps != null) policy.steps = input.steps.map(cleanStep);
    // null keeps; 0 turns repeats off.
    if (input.repeatAfterMinutes != null) policy.repeatAfterMinutes = input.repeatAfterMinutes || null;
    if (input.maxRepeats != null) policy.maxRepeats = input.maxRepeats;
    await this.assertValid(em, actor.organizationId, policy);
    policy.updatedAt = this.now();
    audit(em, actor, 'escalation_policy.updated', id, this.now());
    await em.flush();
    return policy;
  }

  /** Deletes it; checks naming it go back to their channels' subscriptions, alerts escalating under it go on. */
  async delete(em: EntityManager, actor: Actor, id: string): Promise<string> {
    const policy = await this.get(em, actor.organizationId, id);
    await em.transactional(async (tx) => {
      // Every table with the column (each check kind's: scheduled-check.ts), found from the metadata.
      for (const meta of Object.values(tx.getMetadata().getAll()))
        if (!meta.embeddable && !meta.abstract && meta.properties.escalationPolicyId)
          await tx.execute(`update "${meta.tableName}" set escalation_policy_id = null where escalation_policy_id = ? and organization_id = ?`, [id, actor.organizationId]);
      tx.remove(tx.getReference(EscalationPolicy, policy.id));
      audit(tx, actor, 'escalation_policy.deleted', id, this.now());
    });
    return id;
  }

  /** The rules a GraphQL type cannot state, on the fields given. */
  inputErrors(input: PolicyInput): FieldError[] {
    const errors: FieldError[] = [];
    if (input.name != null && !input.name.trim()) errors.push({ field: 'name', message: 'must not be blank' });
    const steps = input.steps;
    if (steps != null) {
      if (!steps.length) errors.push({ field: 'steps', message: 'must have at least one step' });
      if (steps.length > MAX_STEPS) errors.push({ field: 'steps', message: `at most ${MAX_STEPS} steps` });
      steps.forEach((s, i) => {
        if (!s.channelIds.length) errors.push({ field: `steps.${i}.channelIds`, message: 'must name at least one channel' });
        if (i === 0 && s.afterMinutes !== 0) errors.push({ field: 'steps.0.afterMinutes', message: 'must be 0: the first step is notified when the alert opens' });
        if (i > 0 && s.afterMinutes <= steps[i - 1].afterMinutes) errors.push({ field: `steps.${i}.afterMinutes`, message: 'must be more than the previous step’s' });
      });
    }
    return errors;
  }

  private async assertValid(em: EntityManager, organizationId: string, p: EscalationPolicy): Promise<void> {
    const errors = this.inputErrors(p);
    if (p.maxRepeats > 0 && !p.repeatAfterMinutes) errors.push({ field: 'repeatAfterMinutes', message: 'is needed when maxRepeats is more than 0' });
    const ids = [...new Set(p.steps.flatMap((s) => s.channelIds))];
    if (ids.length) {
      const found = await em.execute<{ id: string }[]>(`select id from notification_channels where organization_id = ? and id = any(?::text[]) and not subscriber`, [organizationId, `{${ids.map(quoteItem).join(',')}}`]);
      const known = new Set(found.map((r) => r.id));
      p.steps.forEach((s, i) => {
        if (s.channelIds.some((c) => !known.has(c))) errors.push({ field: `steps.${i}.channelIds`, message: 'names a notification channel that does not exist' });
      });
    }
    if (errors.length) throw badInput(errors);
  }
}

const cleanStep = (s: PolicyStep): PolicyStep => ({ afterMinutes: s.afterMinutes, channelIds: [...new Set(s.channelIds)] });

/** An element of a text[] literal, quoted (ids come from the caller here). */
const quoteItem = (v: string) => `"${v.replace(/["\\]/g, '\\$&')}"`;
