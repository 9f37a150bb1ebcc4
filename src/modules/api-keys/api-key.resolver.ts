import { Arg, Args, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import { RequiresScope } from '../../authorization/directives';
import type { RequestContext } from '../../context/request-context';
import { ApiKeyConnection, ApiKeysArgs, ApiKeyView, CreateApiKeyInput, CreateApiKeyPayload, GracePeriod } from './api-key.types';

@Resolver()
export class ApiKeyResolver {
  @Query(() => ApiKeyConnection, { description: "The organization's keys, newest first." })
  @RequiresScope('organization:read')
  async apiKeys(@Args() args: ApiKeysArgs, @Ctx() { em, principal, services }: RequestContext) {
    const now = services.now();
    const page = await services.apiKeys.list(em, principal.organizationId, args);
    return { nodes: page.nodes.map((k) => ApiKeyView.from(k, now)), pageInfo: page.pageInfo };
  }

  @Mutation(() => CreateApiKeyPayload, {
    description: 'Create a key with at most the permissions and lifetime of the calling key. The key is returned once.',
  })
  @RequiresScope('organization:write')
  async createApiKey(
    @Arg('input') input: CreateApiKeyInput,
    @Ctx() { em, principal, ip, services }: RequestContext,
  ): Promise<CreateApiKeyPayload> {
    const { apiKey, key } = await services.apiKeys.create(em, principal, input, ip);
    return { apiKey: ApiKeyView.from(apiKey, services.now()), key };
  }

  @Mutation(() => ApiKeyView, {
    description:
      'Revoke a key: it stops working at once. Revoking again changes nothing. A key may revoke itself, or a key whose permissions it could grant.',
  })
  @RequiresScope('organization:write')
  async revokeApiKey(@Arg('id', () => ID) id: string, @Ctx() { em, principal, actor, services }: RequestContext): Promise<ApiKeyView> {
    return ApiKeyView.from(await services.apiKeys.revoke(em, principal, actor, id), services.now());
  }

  @Mutation(() => CreateApiKeyPayload, {
    description:
      'Replace a key: a new key (returned once) with the same name and permissions, expiring no later than the old one; ' +
      'the old key keeps working for the grace period. Needs the right to create such a key.',
  })
  @RequiresScope('organization:write')
  async rollApiKey(
    @Arg('id', () => ID) id: string,
    @Arg('gracePeriod', () => GracePeriod) gracePeriod: GracePeriod,
    @Ctx() { em, principal, ip, services }: RequestContext,
  ): Promise<CreateApiKeyPayload> {
    const { apiKey, key } = await services.apiKeys.roll(em, principal, ip, id, gracePeriod);
    return { apiKey: ApiKeyView.from(apiKey, services.now()), key };
  }
}
