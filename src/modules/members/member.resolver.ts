import { Arg, Ctx, FieldResolver, ID, Mutation, Resolver, Root } from 'type-graphql';
import { RequiresScope } from '../../authorization/directives';
import type { RequestContext } from '../../context/request-context';
import { MemberRoleEnum, MemberView } from './member.types';
import { OrganizationView } from '../organization/organization.types';

// Typed on Organization for its `members` field: the members module knows organizations, not the reverse.
@Resolver(() => OrganizationView)
export class MemberResolver {
  @Mutation(() => MemberView, { description: 'The last OWNER cannot be demoted: CONFLICT. Ends the member\'s sessions. Needs every scope of the member\'s role and of the new one, so only `all` changes an OWNER or makes one: FORBIDDEN otherwise.' })
  @RequiresScope('organization:write')
  async updateMemberRole(
    @Arg('id', () => ID) id: string,
    @Arg('role', () => MemberRoleEnum) role: MemberRoleEnum,
    @Ctx() { em, principal, actor, services }: RequestContext,
  ) {
    return MemberView.from(await services.members.updateRole(em, principal, actor, id, role));
  }

  @Mutation(() => ID, { description: 'Answers the removed member id; ends its sessions. The last OWNER cannot be removed: CONFLICT. Needs every scope of the member\'s role, so only `all` removes an OWNER: FORBIDDEN otherwise.' })
  @RequiresScope('organization:write')
  async removeMember(@Arg('id', () => ID) id: string, @Ctx() { em, principal, actor, services }: RequestContext) {
    return services.members.remove(em, principal, actor, id);
  }

  @FieldResolver(() => [MemberView], { description: 'Oldest first.' })
  @RequiresScope('organization:read')
  async members(@Root() _org: OrganizationView, @Ctx() { em, principal, services }: RequestContext) {
    // An Organization is only ever the caller's own (me.organization, organization).
    return (await services.members.list(em, principal.organizationId)).map(MemberView.from);
  }
}
