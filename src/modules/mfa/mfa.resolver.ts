import { Arg, Ctx, FieldResolver, Mutation, Resolver, Root } from 'type-graphql';
import { RequiresScope } from '../../authorization/directives';
import type { RequestContext } from '../../context/request-context';
import { OrganizationView } from '../organization/organization.types';

// Typed on Organization for its `requireMfa` field: the mfa module knows organizations, not the reverse.
@Resolver(() => OrganizationView)
export class MfaResolver {
  @Mutation(() => OrganizationView, {
    description:
      'Whether members must sign in with two-factor: those without it may then only set it up (MFA_SETUP_REQUIRED for anything else); API keys are not affected. OWNER only (a principal holding `all`): FORBIDDEN otherwise.',
  })
  @RequiresScope('organization:write')
  async setRequireMfa(@Arg('requireMfa') requireMfa: boolean, @Ctx() { em, principal, actor, services }: RequestContext) {
    return OrganizationView.from(await services.mfa.setRequired(em, principal, actor, requireMfa));
  }

  @FieldResolver(() => Boolean, { description: 'Members without two-factor may do nothing but set it up (`setRequireMfa`).' })
  async requireMfa(@Root() org: OrganizationView, @Ctx() { em, services }: RequestContext): Promise<boolean> {
    // Known when the view came from the row; `me` builds it from the cached key or session, without this column.
    return org.requireMfa ?? (await services.organizations.get(em, org.id)).requireMfa;
  }
}
