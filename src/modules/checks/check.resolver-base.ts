import type { GraphQLResolveInfo } from 'graphql';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Arg, Args, Ctx, FieldResolver, ID, Info, Int, Mutation, Query, Resolver, Root, type ClassType } from 'type-graphql';
import { RequiresScope } from '../../authorization/directives';
import type { RequestContext } from '../../context/request-context';
import type { PageColumns } from '../common/pagination';
import { recentRunsLimit } from '../runs/recent-runs.loader';
import { runView } from '../runs/run.types';
import type { CheckEntity, CheckKind } from './check-kind';
import type { CheckListArgs, KindService } from './check.service-base';
import type { CheckKindName } from './kinds/registry';

/** What differs between kinds' resolvers: their GraphQL types and their words. */
export interface CheckResolverTypes<E extends CheckEntity, V extends { id: string; organizationId: string }> {
  kind: CheckKind<E>;
  /** The object type, and how a row (or a list page's row) becomes it. */
  view: ClassType<V> & { from(check: E): V };
  connection: ClassType;
  listArgs: ClassType;
  createInput: ClassType;
  updateInput: ClassType;
  /** The object type of its runs (`MonitorRun`). */
  runView: ClassType;
  /** The columns a list's selection reads (see `paginate`). */
  columns(em: EntityManager, info: GraphQLResolveInfo): PageColumns | undefined;
  descriptions: { update: string; delete: string; run: string };
}

/**
 * One kind's queries and mutations (`monitors`, `monitor`, `createMonitor` … `runMonitor`) and its view's
 * `recentRuns` and `quotaExhausted`, named after the kind: type-graphql's resolver inheritance, so the kinds share
 * one body and each states only its types. The fields are declared in the printed schema's order.
 */
export function createCheckResolver<E extends CheckEntity, V extends { id: string; organizationId: string }>(t: CheckResolverTypes<E, V>) {
  const { kind, view } = t;
  const Label = kind.label;
  const { read, write, run } = kind.scopes;
  // Its service, built by the wiring from kinds/apis.ts under the kind's name.
  const service = (services: RequestContext['services']) => services.checks[kind.name as CheckKindName] as KindService<E>;

  // Not listed in the schema's resolvers itself: the kind's subclass is. The type is named here for the field resolvers.
  @Resolver(() => view)
  abstract class CheckResolver {
    @Query(() => t.connection, { name: kind.table, description: 'Newest first.' })
    @RequiresScope(read)
    async list(@Args(() => t.listArgs) args: CheckListArgs, @Ctx() { reader, principal, services }: RequestContext, @Info() info: GraphQLResolveInfo) {
      const page = await service(services).list(reader, principal.organizationId, args, t.columns(reader, info));
      return { nodes: page.nodes.map((c) => view.from(c)), pageInfo: page.pageInfo };
    }

    @Query(() => view, { name: kind.name })
    @RequiresScope(read)
    async get(@Arg('id', () => ID) id: string, @Ctx() { em, principal, services }: RequestContext) {
      return view.from(await service(services).get(em, principal.organizationId, id));
    }

    @Mutation(() => view, { name: `create${Label}` })
    @RequiresScope(write)
    async create(@Arg('input', () => t.createInput) input: object, @Ctx() { em, actor, services }: RequestContext) {
      return view.from(await service(services).create(em, actor, input as never));
    }

    @Mutation(() => view, { name: `update${Label}`, description: t.descriptions.update })
    @RequiresScope(write)
    async update(@Arg('id', () => ID) id: string, @Arg('input', () => t.updateInput) input: object, @Ctx() { em, actor, services }: RequestContext) {
      return view.from(await service(services).update(em, actor, id, input as never));
    }

    @Mutation(() => ID, { name: `delete${Label}`, description: t.descriptions.delete })
    @RequiresScope(write)
    async delete(@Arg('id', () => ID) id: string, @Ctx() { em, actor, services }: RequestContext) {
      return service(services).delete(em, actor, id);
    }

    @Mutation(() => view, { name: `pause${Label}` })
    @RequiresScope(write)
    async pause(@Arg('id', () => ID) id: string, @Ctx() { em, actor, services }: RequestContext) {
      return view.from(await service(services).setPaused(em, actor, id, true));
    }

    @Mutation(() => view, { name: `resume${Label}` })
    @RequiresScope(write)
    async resume(@Arg('id', () => ID) id: string, @Ctx() { em, actor, services }: RequestContext) {
      return view.from(await service(services).setPaused(em, actor, id, false));
    }

    @Mutation(() => t.runView, { name: `run${Label}`, description: t.descriptions.run })
    @RequiresScope(run)
    async run(
      @Arg('id', () => ID) id: string,
      @Arg('location', () => String, { nullable: true, description: "Where to run it: one of the check's locations (default: its first)." }) location: string | null,
      @Ctx() { em, actor, services }: RequestContext,
    ) {
      return runView(await services.runs.runNow(em, actor, kind.name as never, id, location));
    }

    @FieldResolver(() => [t.runView], { description: 'The newest runs, newest first (batched across a list).' })
    async recentRuns(@Root() check: V, @Arg('limit', () => Int, { defaultValue: 20 }) limit: number, @Ctx() { loaders }: RequestContext) {
      return (await loaders.recentRuns.load(kind.column as never, check.id, recentRunsLimit(limit))).map(runView);
    }

    @FieldResolver(() => Boolean, {
      description:
        "The organization's runs for this month are used up, so this check is not running (scheduled or manual) until next " +
        'month or a bigger plan (`billing.quotaExhausted`; the quota alert says so too).',
    })
    async quotaExhausted(@Root() check: V, @Ctx() { loaders }: RequestContext): Promise<boolean> {
      return (await loaders.quota.load(check.organizationId)).exhausted;
    }
  }
  return CheckResolver;
}
