import { Arg, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import { Authenticated } from '../../authorization/directives';
import type { RequestContext } from '../../context/request-context';
import { SessionView } from './session.types';

@Resolver()
export class SessionResolver {
  @Query(() => [SessionView], { description: 'The calling member\'s own sessions, the newest 100 first; empty under an API key.' })
  @Authenticated()
  async sessions(@Ctx() { em, principal, services }: RequestContext): Promise<SessionView[]> {
    return (await services.accounts.list(em, principal)).map((s) => SessionView.from(s, principal.session?.id));
  }

  @Mutation(() => ID, { description: 'Ends one of the calling member\'s own sessions on every instance at once. Answers its id; any other id is NOT_FOUND.' })
  @Authenticated()
  async revokeSession(@Arg('id', () => ID) id: string, @Ctx() { em, principal, actor, services }: RequestContext): Promise<string> {
    return services.accounts.revoke(em, principal, actor, id);
  }
}
