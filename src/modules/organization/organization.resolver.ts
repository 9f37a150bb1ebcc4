import { Arg, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import { RequiresScope } from '../../authorization/directives';
import type { RequestContext } from '../../context/request-context';
import { OrganizationView } from './organization.types';

@Resolver(() => OrganizationView)
export class OrganizationResolver {
  @Query(() => OrganizationView, { description: "The caller's organization." })
  @RequiresScope('organization:read')
  async organization(@Ctx() { em, principal, services }: RequestContext) {
    return OrganizationView.from(await services.organizations.get(em, principal.organizationId));
  }

  @Mutation(() => OrganizationView)
  @RequiresScope('organization:write')
  async updateOrganization(@Arg('name') name: string, @Ctx() { em, actor, services }: RequestContext) {
    return OrganizationView.from(await services.organizations.rename(em, actor, name));
  }
}
