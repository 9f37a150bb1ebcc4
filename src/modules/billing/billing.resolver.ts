import { Ctx, Query, Resolver } from 'type-graphql';
import { RequiresScope } from '../../authorization/directives';
import type { RequestContext } from '../../context/request-context';
import { quotaState } from './billing.service';
import { BillingView, type PlanEnum } from './billing.types';

@Resolver()
export class BillingResolver {
  @Query(() => BillingView, { description: 'Plan, its limits, and this month’s usage.' })
  @RequiresScope('billing:read')
  async billing(@Ctx() { em, principal, services }: RequestContext): Promise<BillingView> {
    const [plan, usage] = await Promise.all([
      services.billing.plan(em, principal.organizationId),
      services.billing.usage(em, principal.organizationId),
    ]);
    const quota = quotaState(plan.name, usage.runs);
    return { plan: plan.name as PlanEnum, limits: plan.limits, usage, quotaExhausted: quota.exhausted, runsRemaining: quota.remaining };
  }
}
