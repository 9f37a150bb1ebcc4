import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Args, Ctx, ID, Info, Query, Resolver } from 'type-graphql';
import { RequiresScope } from '../../authorization/directives';
import type { RequestContext } from '../../context/request-context';
import {
  JourneyRunConnection,
  JourneyRunsArgs,
  journeyRunView,
  MonitorRunConnection,
  MonitorRunsArgs,
  monitorRunView,
  RunConnection,
  runColumns,
  RunsArgs,
  RunView,
  runView,
} from './run.types';

@Resolver()
export class RunResolver {
  @Query(() => MonitorRunConnection, { description: "A monitor's runs, newest first." })
  @RequiresScope('monitors:read')
  async monitorRuns(@Args() args: MonitorRunsArgs, @Ctx() { em, principal, services }: RequestContext, @Info() info: GraphQLResolveInfo) {
    await services.monitors.get(em, principal.organizationId, args.monitorId); // NOT_FOUND for another org's id
    const page = await services.runs.list(em, principal.organizationId, { ...args, journeyId: null }, runColumns(em, info));
    return { nodes: page.nodes.map(monitorRunView), pageInfo: page.pageInfo };
  }

  @Query(() => JourneyRunConnection, { description: "A journey's runs, newest first." })
  @RequiresScope('journeys:read')
  async journeyRuns(@Args() args: JourneyRunsArgs, @Ctx() { em, principal, services }: RequestContext, @Info() info: GraphQLResolveInfo) {
    await services.journeys.get(em, principal.organizationId, args.journeyId);
    const page = await services.runs.list(em, principal.organizationId, { ...args, monitorId: null }, runColumns(em, info));
    return { nodes: page.nodes.map(journeyRunView), pageInfo: page.pageInfo };
  }

  @Query(() => RunConnection, {
    description:
      'Runs of one monitor or one journey (exactly one of the ids), newest first. Either kind can come back, so this ' +
      'needs both read scopes; `monitorRuns` / `journeyRuns` need one.',
  })
  @RequiresScope('monitors:read')
  @RequiresScope('journeys:read')
  async runs(@Args() args: RunsArgs, @Ctx() { em, principal, services }: RequestContext, @Info() info: GraphQLResolveInfo) {
    if (args.monitorId) await services.monitors.get(em, principal.organizationId, args.monitorId);
    if (args.journeyId) await services.journeys.get(em, principal.organizationId, args.journeyId);
    const page = await services.runs.list(em, principal.organizationId, args, runColumns(em, info));
    return { nodes: page.nodes.map(runView), pageInfo: page.pageInfo };
  }

  @Query(() => RunView, { description: 'One run of either kind: needs both read scopes.' })
  @RequiresScope('monitors:read')
  @RequiresScope('journeys:read')
  async run(@Arg('id', () => ID) id: string, @Ctx() { em, principal, services }: RequestContext) {
    return runView(await services.runs.get(em, principal.organizationId, id));
  }
}
