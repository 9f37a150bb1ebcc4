import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Resolver, Root } from 'type-graphql';
import { RequiresScope } from '../../authorization/directives';
import type { RequestContext } from '../../context/request-context';
import type { CheckResolverExtension } from '../checks/check.resolver-base';
import { recentRunsLimit } from './recent-runs.loader';
import { RUN_TYPES, runView } from './run.types';

/**
 * What the runs module adds to each kind's resolver (checks/check.resolver-base.ts): `run<Kind>`, a manual run
 * answered when it has finished, and `recentRuns` on the kind's object type. Checks know nothing of runs; the schema
 * (src/graphql/check-resolvers.ts) hands this to every kind's resolver, between the kind's own mutations and its
 * view's other fields, which is where the printed schema lists them.
 */
export const runFields: CheckResolverExtension = (Base, { kind, view, descriptions }) => {
  const runType = RUN_TYPES.get(kind.name)!.view;

  @Resolver(() => view)
  abstract class RunFields extends Base {
    @Mutation(() => runType, { name: `run${kind.label}`, description: descriptions.run })
    @RequiresScope(kind.scopes.run)
    async runNow(
      @Arg('id', () => ID) id: string,
      @Arg('location', () => String, { nullable: true, description: "Where to run it: one of the check's locations (default: its first)." }) location: string | null,
      @Ctx() { em, actor, services }: RequestContext,
    ) {
      return runView(await services.runs.runNow(em, actor, kind.name as never, id, location));
    }

    @FieldResolver(() => [runType], { description: 'The newest runs, newest first (batched across a list).' })
    async recentRuns(@Root() check: { id: string }, @Arg('limit', () => Int, { defaultValue: 20 }) limit: number, @Ctx() { loaders }: RequestContext) {
      return (await loaders.recentRuns.load(check.id, recentRunsLimit(limit))).map(runView);
    }
  }
  return RunFields;
};
