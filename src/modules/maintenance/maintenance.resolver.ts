import { Arg, Args, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import { RequiresScope } from '../../authorization/directives';
import { PageArgs } from '../common/pagination';
import type { RequestContext } from '../../context/request-context';
import { CreateMaintenanceWindowInput, MaintenanceWindowConnection, MaintenanceWindowView } from './maintenance.types';

@Resolver()
export class MaintenanceResolver {
  @Query(() => MaintenanceWindowConnection, { description: 'Newest first.' })
  @RequiresScope('alerts:read')
  async maintenanceWindows(@Args() args: PageArgs, @Ctx() { em, principal, services }: RequestContext) {
    const page = await services.maintenance.list(em, principal.organizationId, args);
    return { nodes: page.nodes.map(MaintenanceWindowView.from), pageInfo: page.pageInfo };
  }

  @Mutation(() => MaintenanceWindowView)
  @RequiresScope('alerts:write')
  async createMaintenanceWindow(@Arg('input') input: CreateMaintenanceWindowInput, @Ctx() { em, actor, services }: RequestContext) {
    return MaintenanceWindowView.from(await services.maintenance.create(em, actor, input));
  }

  @Mutation(() => ID, { description: 'Ends the window (deletes it); answers its id.' })
  @RequiresScope('alerts:write')
  async deleteMaintenanceWindow(@Arg('id', () => ID) id: string, @Ctx() { em, actor, services }: RequestContext) {
    return services.maintenance.delete(em, actor, id);
  }
}
