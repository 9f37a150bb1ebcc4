import type { EntityManager } from '@mikro-orm/postgresql';
import { AppError } from '../../errors';
import { Organization } from '../organization/organization.entity';
import { lockOrganization } from '../organization/organization.service';
import { Monitor } from '../monitors/monitor.entity';
import { Journey } from '../journeys/journey.entity';
import { Run } from '../runs/run.entity';
import { monthStart, planLimits, type PlanLimits } from './plans';

export interface Usage {
  runs: number;
  monitors: number;
  journeys: number;
  periodStart: Date;
}

const limitError = (message: string, details: Record<string, unknown>) => new AppError('PLAN_LIMIT_EXCEEDED', message, details);

/** Plans, usage and the limits every create and run is held to. */
export class BillingService {
  constructor(private readonly now: () => Date) {}

  async plan(em: EntityManager, organizationId: string): Promise<{ name: string; limits: PlanLimits }> {
    const org = await em.findOneOrFail(Organization, { id: organizationId });
    return { name: org.plan, limits: planLimits(org.plan) };
  }

  async usage(em: EntityManager, organizationId: string): Promise<Usage> {
    const periodStart = monthStart(this.now());
    const [runs, monitors, journeys] = await Promise.all([
      em.count(Run, { organization: organizationId, startedAt: { $gte: periodStart } }),
      em.count(Monitor, { organization: organizationId }),
      em.count(Journey, { organization: organizationId }),
    ]);
    return { runs, monitors, journeys, periodStart };
  }

  /**
   * Refuses a new monitor or journey beyond the plan. Call inside the creating transaction after
   * `lockOrganization`, so two concurrent creates cannot both take the last slot.
   */
  async assertCanCreate(em: EntityManager, organizationId: string, kind: 'monitors' | 'journeys'): Promise<void> {
    const { name, limits } = await this.plan(em, organizationId);
    const limit = limits[kind];
    if (limit === null) return;
    const used = await em.count(kind === 'monitors' ? Monitor : Journey, { organization: organizationId });
    if (used >= limit) throw limitError(`The ${name} plan allows ${limit} ${kind}; upgrade to add more`, { plan: name, limit, used });
  }

  async assertInterval(em: EntityManager, organizationId: string, intervalSeconds: number): Promise<void> {
    const { name, limits } = await this.plan(em, organizationId);
    if (intervalSeconds < limits.minIntervalSeconds)
      throw limitError(`The ${name} plan runs checks at most every ${limits.minIntervalSeconds} seconds`, {
        plan: name,
        field: 'intervalSeconds',
        limit: limits.minIntervalSeconds,
      });
  }

  async assertCanRun(em: EntityManager, organizationId: string): Promise<void> {
    const { name, limits } = await this.plan(em, organizationId);
    if (limits.runsPerMonth === null) return;
    const runs = await em.count(Run, { organization: organizationId, startedAt: { $gte: monthStart(this.now()) } });
    if (runs >= limits.runsPerMonth)
      throw limitError(`The ${name} plan includes ${limits.runsPerMonth} runs a month, all used`, { plan: name, limit: limits.runsPerMonth, used: runs });
  }

  lockOrganization = lockOrganization;
}
