import { Arg, Args, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import { RequiresScope } from '../../authorization/directives';
import { PageArgs } from '../common/pagination';
import type { RequestContext } from '../../context/request-context';
import { CreateEscalationPolicyInput, EscalationPolicyConnection, EscalationPolicyView, UpdateEscalationPolicyInput } from './escalation.types';

@Resolver()
export class EscalationResolver {
  @Query(() => EscalationPolicyConnection, { description: 'Newest first.' })
  @RequiresScope('alerts:read')
  async escalationPolicies(@Args() args: PageArgs, @Ctx() { em, principal, services }: RequestContext) {
    const page = await services.escalation.list(em, principal.organizationId, args);
    return { nodes: page.nodes.map(EscalationPolicyView.from), pageInfo: page.pageInfo };
  }

  @Mutation(() => EscalationPolicyView, { description: 'Channels must be the organization’s. Checks name it with `escalationPolicyId`.' })
  @RequiresScope('alerts:write')
  async createEscalationPolicy(@Arg('input') input: CreateEscalationPolicyInput, @Ctx() { em, actor, services }: RequestContext) {
    return EscalationPolicyView.from(await services.escalation.create(em, actor, input));
  }

  @Mutation(() => EscalationPolicyView, { description: 'Alerts opened afterwards follow the new steps; alerts escalating already keep theirs.' })
  @RequiresScope('alerts:write')
  async updateEscalationPolicy(@Arg('id', () => ID) id: string, @Arg('input') input: UpdateEscalationPolicyInput, @Ctx() { em, actor, services }: RequestContext) {
    return EscalationPolicyView.from(await services.escalation.update(em, actor, id, input));
  }

  @Mutation(() => ID, { description: 'Answers its id. Checks naming it go back to their channels’ subscriptions.' })
  @RequiresScope('alerts:write')
  async deleteEscalationPolicy(@Arg('id', () => ID) id: string, @Ctx() { em, actor, services }: RequestContext) {
    return services.escalation.delete(em, actor, id);
  }
}
