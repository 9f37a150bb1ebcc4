import type { GraphQLResolveInfo } from 'graphql';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Arg, Args, Ctx, FieldResolver, ID, Info, Mutation, Query, Resolver, Root, type ClassType } from 'type-graphql';
import { RequiresScope } from '../../authorization/directives';
import type { RequestContext } from '../../context/request-context';
import type { PageColumns } from '../common/pagination';
import { apiPlural, type CheckEntity, type CheckKind } from './check-kind';
import type { CheckListArgs, KindService } from './check.service-base';
import { CHECK_KINDS, type CheckKindName } from './kinds/registry';

/** What differs between kinds' resolvers: their GraphQL types and their words. */
export interface CheckResolverTypes<E extends CheckEntity, V extends { id: string; organizationId: string }> {
  kind: CheckKind<E>;
  /** The object type, and how a row (or a list page's row) becomes it. */
  view: ClassType<V> & { from(check: E): V };
  connection: ClassType;
  listArgs: ClassType;
  createInput: ClassType;
  updateInput: ClassType;
  /** The columns a list's selection reads (see `paginate`). */
  columns(em: EntityManager, info: GraphQLResolveInfo): PageColumns | undefined;
  /** Texts of its mutations: `update<Kind>`, `delete<Kind>`, and `run<Kind>` (which the runs module adds). */
  descriptions: { update: string; delete: string; run: string };
}

/** A class its resolver may extend: type-graphql's resolver inheritance needs only the constructor. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type ResolverBase = abstract new (...args: any[]) => object;

/**
 * Adds to a kind's resolver fields that another module owns, given the kind's types (the runs module: `run<Kind>`
 * and the view's `recentRuns`). It returns a subclass of `Base`, made with type-graphql's decorators.
 */
export type CheckResolverExtension = <B extends ResolverBase>(Base: B, types: CheckResolverTypes<CheckEntity, { id: string; organizationId: string }>) => B;

/**
 * One kind's queries and mutations (`monitors`, `monitor`, `createMonitor` … `resumeMonitor`), what `extend` adds,
 * then its view's `quotaExhausted`, named after the kind: type-graphql's resolver inheritance, so the kinds share one
 * body and each states only its types. type-graphql lists fields in the order their decorators ran, so the three
 * layers are made in the printed schema's order.
 */
export function createCheckResolver<E extends CheckEntity, V extends { id: string; organizationId: string }>(
  t: CheckResolverTypes<E, V>,
  extend: CheckResolverExtension,
) {
  const { kind, view } = t;
  const Label = kind.label;
  const { read, write } = kind.scopes;
  // Its service, built by the wiring from kinds/apis.ts under the kind's name.
  const service = (services: RequestContext['services']) => services.checks[kind.name as CheckKindName] as KindService<E>;

  // Not listed in the schema's resolvers itself: the last layer is. The type is named here for the field resolvers.
  @Resolver(() => view)
  abstract class CheckOperations {
    @Query(() => t.connection, { name: apiPlural(kind), description: 'Newest first.' })
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
  }

  @Resolver(() => view)
  class CheckResolver extends extend(CheckOperations, t as never) {
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

/**
 * Every kind's resolver, made in `CHECK_KINDS` order (the order of the printed schema), each with what `extend` adds.
 * A registered kind without its types here, or one out of order, fails at start rather than missing from the API.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function checkResolvers(types: readonly CheckResolverTypes<any, any>[], extend: CheckResolverExtension): ClassType[] {
  const given = types.map((t) => t.kind.name).join(', ');
  const registered = CHECK_KINDS.map((k) => k.name).join(', ');
  if (given !== registered) throw new Error(`check resolvers are for ${given}; the registered kinds are ${registered} (kinds/registry.ts)`);
  return types.map((t) => createCheckResolver(t, extend));
}
