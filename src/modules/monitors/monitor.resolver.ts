import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Args, Ctx, FieldResolver, ID, Info, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { recentRunsLimit } from '../runs/recent-runs.loader';
import { RequiresScope } from '../../authorization/directives';
import type { RequestContext } from '../../context/request-context';
import { MonitorRunView, monitorRunView } from '../runs/run.types';
import { CreateMonitorInput, monitorColumns, MonitorConnection, MonitorsArgs, MonitorView, UpdateMonitorInput } from './monitor.types';

@Resolver(() => MonitorView)
export class MonitorResolver {
  @Query(() => MonitorConnection, { description: 'Newest first.' })
  @RequiresScope('monitors:read')
  async monitors(@Args() args: MonitorsArgs, @Ctx() { reader, principal, services }: RequestContext, @Info() info: GraphQLResolveInfo) {
    const page = await services.monitors.list(reader, principal.organizationId, args, monitorColumns(reader, info));
    return { nodes: page.nodes.map(MonitorView.from), pageInfo: page.pageInfo };
  }

  @Query(() => MonitorView)
  @RequiresScope('monitors:read')
  async monitor(@Arg('id', () => ID) id: string, @Ctx() { em, principal, services }: RequestContext) {
    return MonitorView.from(await services.monitors.get(em, principal.organizationId, id));
  }

  @Mutation(() => MonitorView)
  @RequiresScope('monitors:write')
  async createMonitor(@Arg('input') input: CreateMonitorInput, @Ctx() { em, actor, services }: RequestContext) {
    return MonitorView.from(await services.monitors.create(em, actor, input));
  }

  @Mutation(() => MonitorView, { description: 'Only the fields given change; `[masked]` header values keep what is stored while the URL keeps its origin.' })
  @RequiresScope('monitors:write')
  async updateMonitor(@Arg('id', () => ID) id: string, @Arg('input') input: UpdateMonitorInput, @Ctx() { em, actor, services }: RequestContext) {
    return MonitorView.from(await services.monitors.update(em, actor, id, input));
  }

  @Mutation(() => ID, { description: 'Deletes the monitor with its runs and alerts; answers its id.' })
  @RequiresScope('monitors:write')
  async deleteMonitor(@Arg('id', () => ID) id: string, @Ctx() { em, actor, services }: RequestContext) {
    return services.monitors.delete(em, actor, id);
  }

  @Mutation(() => MonitorView)
  @RequiresScope('monitors:write')
  async pauseMonitor(@Arg('id', () => ID) id: string, @Ctx() { em, actor, services }: RequestContext) {
    return MonitorView.from(await services.monitors.setPaused(em, actor, id, true));
  }

  @Mutation(() => MonitorView)
  @RequiresScope('monitors:write')
  async resumeMonitor(@Arg('id', () => ID) id: string, @Ctx() { em, actor, services }: RequestContext) {
    return MonitorView.from(await services.monitors.setPaused(em, actor, id, false));
  }

  @Mutation(() => MonitorRunView, { description: 'Runs the check now, through the queue ahead of scheduled slots, in one of its locations, and answers the finished run (bounded by its timeout plus a margin).' })
  @RequiresScope('monitors:run')
  async runMonitor(
    @Arg('id', () => ID) id: string,
    @Arg('location', () => String, { nullable: true, description: "Where to run it: one of the check's locations (default: its first)." }) location: string | null,
    @Ctx() { em, actor, services }: RequestContext,
  ) {
    return monitorRunView(await services.runs.runMonitor(em, actor, id, location));
  }

  @FieldResolver(() => [MonitorRunView], { description: 'The newest runs, newest first (batched across a list).' })
  async recentRuns(
    @Root() monitor: MonitorView,
    @Arg('limit', () => Int, { defaultValue: 20 }) limit: number,
    @Ctx() { loaders }: RequestContext,
  ) {
    return (await loaders.recentRuns.load('monitor_id', monitor.id, recentRunsLimit(limit))).map(monitorRunView);
  }

  @FieldResolver(() => Boolean, {
    description:
      "The organization's runs for this month are used up, so this check is not running (scheduled or manual) until next " +
      'month or a bigger plan (`billing.quotaExhausted`; the quota alert says so too).',
  })
  async quotaExhausted(@Root() monitor: MonitorView, @Ctx() { loaders }: RequestContext): Promise<boolean> {
    return (await loaders.quota.load(monitor.organizationId)).exhausted;
  }
}
