import { Ctx, Query, Resolver } from 'type-graphql';
import { Authenticated } from '../../graphql/directives';
import type { RequestContext } from '../auth/context';
import { ApiKey } from '../api-keys/api-key.entity';
import { ApiKeyView } from '../api-keys/api-key.types';
import { notFound } from '../../errors';
import { MeView } from './me.types';
import { OrganizationView } from '../organization/organization.types';

@Resolver()
export class MeResolver {
  @Query(() => MeView, { description: 'Verify a key: who it belongs to and what it may do. Needs no scope.' })
  @Authenticated()
  async me(@Ctx() { em, principal, services }: RequestContext): Promise<MeView> {
    const key = await em.findOne(ApiKey, { id: principal.keyId }, { populate: ['organization'] });
    if (!key) throw notFound('API key');
    return { organization: OrganizationView.from(key.organization.getEntity()), key: ApiKeyView.from(key, services.now()) };
  }
}
