import { Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import type { RequestContext } from '../../context/request-context';
import { CHECK_KINDS } from '../checks/kinds/registry';
import { OrganizationOverviewType } from './stats.types';
import { OrganizationView } from '../organization/organization.types';
import { RequiresScope } from '../../authorization/directives';
import type { Scope } from '../../authorization/scopes';

/**
 * `@RequiresScope` for each of these scopes, once, in this order, as if written one above the other (decorators
 * apply bottom first).
 */
function requiresScopes(scopes: readonly Scope[]): MethodDecorator {
  const each = [...new Set(scopes)].reverse().map((s) => RequiresScope(s));
  return (target, key, descriptor) => each.forEach((d) => d(target, key, descriptor));
}

@Resolver(() => OrganizationView)
export class OrganizationOverviewResolver {
  // organization:read reaches the organization; the overview also reads checks and alerts, so it needs their read
  // scopes too (requirements compose by AND): a key that may not list monitors does not learn how many are down.
  // Every kind's read scope, in the registry's order (kinds sharing a scope family state it once).
  @FieldResolver(() => OrganizationOverviewType, { description: 'Checks up, down and paused, unresolved alerts, and uptime over 24 hours.' })
  @requiresScopes([...CHECK_KINDS.map((k) => k.scopes.read), 'alerts:read'])
  overview(@Root() _org: OrganizationView, @Ctx() { em, principal, services }: RequestContext) {
    // An Organization is only ever the caller's own (me.organization, organization).
    return services.stats.overview(em, principal.organizationId);
  }
}
