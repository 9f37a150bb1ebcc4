import { Arg, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import { RequiresScope } from '../../graphql/directives';
import type { RequestContext } from '../auth/context';
import { ApiKeyView, CreateApiKeyInput, CreateApiKeyPayload } from './api-key.types';

@Resolver()
export class ApiKeyResolver {
  @Query(() => [ApiKeyView], { description: "The organization's keys, newest first." })
  @RequiresScope('organization:read')
  async apiKeys(@Ctx() { em, principal, services }: RequestContext): Promise<ApiKeyView[]> {
    const now = services.now();
    return (await services.apiKeys.list(em, principal.organizationId)).map((k) => ApiKeyView.from(k, now));
  }

  @Mutation(() => CreateApiKeyPayload, {
    description: 'Create a key with at most the permissions and lifetime of the calling key. The key is returned once.',
  })
  @RequiresScope('organization:write')
  async createApiKey(
    @Arg('input') input: CreateApiKeyInput,
    @Ctx() { em, principal, services }: RequestContext,
  ): Promise<CreateApiKeyPayload> {
    const { apiKey, key } = await services.apiKeys.create(em, principal, input);
    return { apiKey: ApiKeyView.from(apiKey, services.now()), key };
  }

  @Mutation(() => ApiKeyView, { description: 'Revoke a key: it stops working at once. Revoking again changes nothing.' })
  @RequiresScope('organization:write')
  async revokeApiKey(@Arg('id', () => ID) id: string, @Ctx() { em, principal, services }: RequestContext): Promise<ApiKeyView> {
    return ApiKeyView.from(await services.apiKeys.revoke(em, principal.organizationId, id), services.now());
  }
}
