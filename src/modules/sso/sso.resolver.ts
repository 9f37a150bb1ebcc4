import { Arg, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { RequiresScope } from '../../authorization/directives';
import type { RequestContext } from '../../context/request-context';
import { OrganizationView } from '../organization/organization.types';
import { CreateSsoConnectionInput, SsoConnectionView } from './sso.types';

// Typed on Organization for its `enforceSso` field: the sso module knows organizations, not the reverse.
@Resolver(() => OrganizationView)
export class SsoResolver {
  @Query(() => [SsoConnectionView], { description: 'The organization\'s single sign-on connections, the oldest first.' })
  @RequiresScope('organization:read')
  async ssoConnections(@Ctx() { em, principal, services }: RequestContext): Promise<SsoConnectionView[]> {
    return (await services.sso.list(em, principal.organizationId)).map(SsoConnectionView.from);
  }

  @Mutation(() => SsoConnectionView, {
    description:
      'Adds an OpenID Connect provider for members of `emailDomains` (`/auth/sso/start`), each domain PENDING until proven by DNS (`verifySsoDomain`); they are made members with `defaultRole` at their first sign-in. A domain VERIFIED by another connection is CONFLICT. OWNER only (a principal holding `all`): FORBIDDEN otherwise.',
  })
  @RequiresScope('organization:write')
  async createSsoConnection(@Arg('input') input: CreateSsoConnectionInput, @Ctx() { em, principal, actor, services }: RequestContext): Promise<SsoConnectionView> {
    return SsoConnectionView.from(await services.sso.create(em, principal, actor, input));
  }

  @Mutation(() => SsoConnectionView, {
    description:
      'Proves `domain` of the connection: looks up the TXT records of `_tracer-challenge.<domain>` and marks it VERIFIED when one is its `verificationRecord`; other organizations\' pending claims on it are dropped. No such record is BAD_USER_INPUT, a DNS server that does not answer SERVICE_UNAVAILABLE, a domain verified by another connection first CONFLICT. OWNER only.',
  })
  @RequiresScope('organization:write')
  async verifySsoDomain(
    @Arg('connectionId', () => ID) connectionId: string,
    @Arg('domain') domain: string,
    @Ctx() { em, principal, actor, services }: RequestContext,
  ): Promise<SsoConnectionView> {
    return SsoConnectionView.from(await services.sso.verifyDomain(em, principal, actor, connectionId, domain));
  }

  @Mutation(() => ID, { description: 'Removes an SSO connection; its members keep their accounts. Answers its id. OWNER only.' })
  @RequiresScope('organization:write')
  async deleteSsoConnection(@Arg('id', () => ID) id: string, @Ctx() { em, principal, actor, services }: RequestContext): Promise<string> {
    return services.sso.delete(em, principal, actor, id);
  }

  @Mutation(() => OrganizationView, {
    description:
      'Whether members of the SSO connections\' domains may sign in only through SSO (a password sign-in is then SSO_REQUIRED); API keys are not affected. Needs a connection to turn on (CONFLICT). OWNER only.',
  })
  @RequiresScope('organization:write')
  async setEnforceSso(@Arg('enforceSso') enforceSso: boolean, @Ctx() { em, principal, actor, services }: RequestContext): Promise<OrganizationView> {
    return OrganizationView.from(await services.sso.setEnforced(em, principal, actor, enforceSso));
  }

  @FieldResolver(() => Boolean, { description: 'Members of the SSO connections\' domains sign in only through SSO (`setEnforceSso`).' })
  async enforceSso(@Root() org: OrganizationView, @Ctx() { em, services }: RequestContext): Promise<boolean> {
    return org.enforceSso ?? (await services.organizations.get(em, org.id)).enforceSso;
  }
}
