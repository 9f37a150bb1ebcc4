import { Ctx, Query, Resolver } from 'type-graphql';
import { Authenticated } from '../../authorization/directives';
import type { RequestContext } from '../../context/request-context';
import { ApiKeyView } from '../api-keys/api-key.types';
import { OrganizationView } from '../organization/organization.types';
import { MeView } from './me.types';

@Resolver()
export class MeResolver {
  @Query(() => MeView, { description: 'Verify a key: who it belongs to and what it may do. Needs no scope.' })
  @Authenticated()
  me(@Ctx() { principal, services }: RequestContext): MeView {
    // Everything comes from the verified key's record: `me` costs no SQL (the health check of every CI job).
    const k = principal.record!;
    return {
      organization: Object.assign(new OrganizationView(), { id: k.organizationId, name: k.organizationName, createdAt: k.organizationCreatedAt }),
      key: ApiKeyView.from(services.apiKeys.withPendingUse(k), services.now()),
    };
  }
}
