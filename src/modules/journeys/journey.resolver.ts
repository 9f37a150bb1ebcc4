import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Args, Ctx, FieldResolver, ID, Info, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { RequiresScope } from '../../authorization/directives';
import type { RequestContext } from '../../context/request-context';
import { recentRunsLimit } from '../runs/recent-runs.loader';
import { JourneyRunView, journeyRunView } from '../runs/run.types';
import { CreateJourneyInput, journeyColumns, JourneyConnection, JourneysArgs, JourneyView, UpdateJourneyInput } from './journey.types';

@Resolver(() => JourneyView)
export class JourneyResolver {
  @Query(() => JourneyConnection, { description: 'Newest first.' })
  @RequiresScope('journeys:read')
  async journeys(@Args() args: JourneysArgs, @Ctx() { reader, principal, services }: RequestContext, @Info() info: GraphQLResolveInfo) {
    const page = await services.journeys.list(reader, principal.organizationId, args, journeyColumns(reader, info));
    return { nodes: page.nodes.map(JourneyView.from), pageInfo: page.pageInfo };
  }

  @Query(() => JourneyView)
  @RequiresScope('journeys:read')
  async journey(@Arg('id', () => ID) id: string, @Ctx() { em, principal, services }: RequestContext) {
    return JourneyView.from(await services.journeys.get(em, principal.organizationId, id));
  }

  @Mutation(() => JourneyView)
  @RequiresScope('journeys:write')
  async createJourney(@Arg('input') input: CreateJourneyInput, @Ctx() { em, actor, services }: RequestContext) {
    return JourneyView.from(await services.journeys.create(em, actor, input));
  }

  @Mutation(() => JourneyView, { description: 'Only the fields given change; `steps` replaces every step.' })
  @RequiresScope('journeys:write')
  async updateJourney(@Arg('id', () => ID) id: string, @Arg('input') input: UpdateJourneyInput, @Ctx() { em, actor, services }: RequestContext) {
    return JourneyView.from(await services.journeys.update(em, actor, id, input));
  }

  @Mutation(() => ID, { description: 'Deletes the journey with its runs and alerts; answers its id.' })
  @RequiresScope('journeys:write')
  async deleteJourney(@Arg('id', () => ID) id: string, @Ctx() { em, actor, services }: RequestContext) {
    return services.journeys.delete(em, actor, id);
  }

  @Mutation(() => JourneyView)
  @RequiresScope('journeys:write')
  async pauseJourney(@Arg('id', () => ID) id: string, @Ctx() { em, actor, services }: RequestContext) {
    return JourneyView.from(await services.journeys.setPaused(em, actor, id, true));
  }

  @Mutation(() => JourneyView)
  @RequiresScope('journeys:write')
  async resumeJourney(@Arg('id', () => ID) id: string, @Ctx() { em, actor, services }: RequestContext) {
    return JourneyView.from(await services.journeys.setPaused(em, actor, id, false));
  }

  @Mutation(() => JourneyRunView, { description: 'Runs every step now and answers the finished run.' })
  @RequiresScope('journeys:run')
  async runJourney(
    @Arg('id', () => ID) id: string,
    @Arg('location', () => String, { nullable: true, description: "Where to run it: one of the check's locations (default: its first)." }) location: string | null,
    @Ctx() { em, actor, services }: RequestContext,
  ) {
    return journeyRunView(await services.runs.runJourney(em, actor, id, location));
  }

  @FieldResolver(() => [JourneyRunView], { description: 'The newest runs, newest first (batched across a list).' })
  async recentRuns(@Root() journey: JourneyView, @Arg('limit', () => Int, { defaultValue: 20 }) limit: number, @Ctx() { loaders }: RequestContext) {
    return (await loaders.recentRuns.load('journey_id', journey.id, recentRunsLimit(limit))).map(journeyRunView);
  }

  @FieldResolver(() => Boolean, {
    description:
      "The organization's runs for this month are used up, so this check is not running (scheduled or manual) until next " +
      'month or a bigger plan (`billing.quotaExhausted`; the quota alert says so too).',
  })
  async quotaExhausted(@Root() journey: JourneyView, @Ctx() { loaders }: RequestContext): Promise<boolean> {
    return (await loaders.quota.load(journey.organizationId)).exhausted;
  }
}
