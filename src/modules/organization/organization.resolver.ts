import { Arg, Ctx, FieldResolver, Mutation, Query, Resolver, Root } from 'type-graphql';
import { RequiresScope } from '../../authorization/directives';
import type { RequestContext } from '../../context/request-context';
import { MemberView } from '../members/member.types';
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

  @FieldResolver(() => [MemberView], { description: 'Oldest first.' })
  @RequiresScope('organization:read')
  async members(@Root() _org: OrganizationView, @Ctx() { em, principal, services }: RequestContext) {
    // An Organization is only ever the caller's own (me.organization, organization).
    return (await services.members.list(em, principal.organizationId)).map(MemberView.from);
  }
}
