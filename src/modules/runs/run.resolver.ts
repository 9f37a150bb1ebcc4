import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Args, Ctx, ID, Info, Query, Resolver, type ClassType } from 'type-graphql';
import { RequiresScope } from '../../authorization/directives';
import type { RequestContext } from '../../context/request-context';
import type { CheckKind } from '../checks/check-kind';
import { CHECK_KINDS, type RegisteredKind } from '../checks/kinds/registry';
import { checkIdField } from './check-id-field';
import { kindsInWords, RUN_TYPES, RunConnection, runColumns, RunsArgs, RunView, runView } from './run.types';
import type { RunListArgs } from './run.service';

/** One kind's list of runs (`monitorRuns`), under its read scope. */
function kindRunsResolver(kind: RegisteredKind): ClassType {
  const { connection, listArgs } = RUN_TYPES.get(kind.name)!;
  @Resolver()
  class KindRunsResolver {
    @Query(() => connection, { name: `${kind.name}Runs`, description: `A ${kind.name}'s runs, newest first.` })
    @RequiresScope(kind.scopes.read)
    async list(@Args(() => listArgs) args: RunListArgs, @Ctx() { em, principal, services }: RequestContext, @Info() info: GraphQLResolveInfo) {
      await services.runs.getCheck(em, principal.organizationId, kind.name, args[checkIdField(kind)] as string); // NOT_FOUND for another org's id
      const page = await services.runs.list(em, principal.organizationId, args, runColumns(em, info));
      return { nodes: page.nodes.map(runView), pageInfo: page.pageInfo };
    }
  }
  return KindRunsResolver;
}

/** Every kind's read scope, as `@RequiresScope` each: the fields that may answer a run of any kind need them all. */
const everyReadScope: MethodDecorator = (target, key, descriptor) => {
  // As if written one per line in CHECK_KINDS order: decorators run bottom-up, and type-graphql turns them back.
  for (const kind of [...CHECK_KINDS].reverse()) RequiresScope(kind.scopes.read)(target, key, descriptor);
};

/** The kinds' lists first (in CHECK_KINDS order), then `runs` and `run`: the order type-graphql lists them in. */
const KIND_RUNS_RESOLVERS = CHECK_KINDS.map(kindRunsResolver);

const [either, both] = (CHECK_KINDS as readonly CheckKind[]).length === 2 ? ['either', 'both'] : ['any', 'all the'];
const capitalised = (word: string) => word[0].toUpperCase() + word.slice(1);

@Resolver()
export class RunResolver {
  @Query(() => RunConnection, {
    description:
      `Runs of ${kindsInWords((k) => `one ${k.name}`, 'or')} (exactly one of the ids), newest first. ${capitalised(either)} kind can come back, so this ` +
      `needs ${both} read scopes; ${CHECK_KINDS.map((k) => `\`${k.name}Runs\``).join(' / ')} need one.`,
  })
  @everyReadScope
  async runs(@Args() args: RunsArgs, @Ctx() { em, principal, services }: RequestContext, @Info() info: GraphQLResolveInfo) {
    for (const kind of CHECK_KINDS) {
      const id = args[checkIdField(kind)] as string | null | undefined;
      if (id) await services.runs.getCheck(em, principal.organizationId, kind.name, id);
    }
    const page = await services.runs.list(em, principal.organizationId, args, runColumns(em, info));
    return { nodes: page.nodes.map(runView), pageInfo: page.pageInfo };
  }

  @Query(() => RunView, { description: `One run of ${either} kind: needs ${both} read scopes.` })
  @everyReadScope
  async run(@Arg('id', () => ID) id: string, @Ctx() { em, principal, services }: RequestContext) {
    return runView(await services.runs.get(em, principal.organizationId, id));
  }
}

/** The resolvers of the runs module's queries, for the schema's list. */
export const RUN_RESOLVERS: ClassType[] = [...KIND_RUNS_RESOLVERS, RunResolver];
