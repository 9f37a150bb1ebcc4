import { Arg, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import { Authenticated } from '../../authorization/directives';
import type { RequestContext } from '../../context/request-context';
import { CheckSessionView, TriggerChecksInput } from './check-session.types';

// Both fields are @authenticated: the scopes they need depend on what they select, so the service checks them
// (src/authorization/selection-scopes.ts) with the scope check's own FORBIDDEN answer.
@Resolver()
export class CheckSessionResolver {
  @Mutation(() => CheckSessionView, {
    description:
      'Starts one run of each selected check (the ids given, and every active check with any of the tags) through the queue with ' +
      "a manual run's priority, and answers the session at once, RUNNING; follow it with `checkSession(id:)`. Each run counts " +
      'against the monthly quota like a manual run (all admitted, or PLAN_LIMIT_EXCEEDED and none). Nothing selected is BAD_USER_INPUT.',
  })
  @Authenticated()
  async triggerChecks(@Arg('input') input: TriggerChecksInput, @Ctx() { em, principal, ip, services }: RequestContext): Promise<CheckSessionView> {
    return services.checkSessions.trigger(em, principal, ip, input);
  }

  @Query(() => CheckSessionView, { description: "A session's runs and overall status. Another organization's session is NOT_FOUND." })
  @Authenticated()
  async checkSession(@Arg('id', () => ID) id: string, @Ctx() { em, principal, services }: RequestContext): Promise<CheckSessionView> {
    return services.checkSessions.get(em, principal, id);
  }
}
