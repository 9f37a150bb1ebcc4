import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Args, Ctx, ID, Info, Mutation, Query, Resolver } from 'type-graphql';
import { RequiresScope } from '../../authorization/directives';
import type { RequestContext } from '../../context/request-context';
import { alertColumns, AlertConnection, AlertsArgs, AlertView } from './alert.types';

@Resolver()
export class AlertResolver {
  @Query(() => AlertConnection, { description: 'Newest first.' })
  @RequiresScope('alerts:read')
  async alerts(@Args() args: AlertsArgs, @Ctx() { reader, principal, services }: RequestContext, @Info() info: GraphQLResolveInfo) {
    const page = await services.alerts.list(reader, principal.organizationId, args, alertColumns(reader, info));
    return { nodes: page.nodes.map(AlertView.from), pageInfo: page.pageInfo };
  }

  @Query(() => AlertView)
  @RequiresScope('alerts:read')
  async alert(@Arg('id', () => ID) id: string, @Ctx() { em, principal, services }: RequestContext) {
    return AlertView.from(await services.alerts.get(em, principal.organizationId, id));
  }

  @Mutation(() => AlertView, { description: 'Records which key acknowledged it and when. A resolved alert: CONFLICT.' })
  @RequiresScope('alerts:write')
  async acknowledgeAlert(@Arg('id', () => ID) id: string, @Ctx() { em, actor, services }: RequestContext) {
    return AlertView.from(await services.alerts.acknowledge(em, actor, id));
  }

  @Mutation(() => AlertView, { description: 'Records which key resolved it and when. Resolving twice: CONFLICT.' })
  @RequiresScope('alerts:write')
  async resolveAlert(@Arg('id', () => ID) id: string, @Ctx() { em, actor, services }: RequestContext) {
    return AlertView.from(await services.alerts.resolve(em, actor, id));
  }
}
