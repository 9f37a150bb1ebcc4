import { ArrayMaxSize, ArrayUnique, IsOptional, Matches } from 'class-validator';
import { Args, ArgsType, Ctx, Field, Query, Resolver } from 'type-graphql';
import { RequiresAnyScope } from '../../authorization/directives';
import type { RequestContext } from '../../context/request-context';
import { connectionOf, PageArgs } from '../common/pagination';
import { CheckInterface, CheckType } from './check-interface';
import { listChecks } from './check-list.service';
import { CheckStatusEnum } from './check-view';
import { KIND_APIS } from './kinds/apis';
import { MAX_TAGS, TAG, TAG_RULE } from './scheduled-check';

export const CheckConnection = connectionOf(CheckInterface as unknown as new () => CheckInterface, 'CheckConnection');

@ArgsType()
export class ChecksArgs extends PageArgs {
  @Field(() => [CheckType], { nullable: true, description: 'Only these kinds; default every kind.' })
  kinds?: string[] | null;

  @Field(() => [String], { nullable: true, description: 'Only checks carrying every one of these tags.' })
  @IsOptional()
  @ArrayMaxSize(MAX_TAGS, { message: `at most ${MAX_TAGS} tags` })
  @ArrayUnique({ message: 'must not repeat a tag' })
  @Matches(TAG, { each: true, message: TAG_RULE })
  tags?: string[] | null;

  @Field(() => CheckStatusEnum, { nullable: true })
  status?: CheckStatusEnum | null;
}

/** Every kind's read scope, once each (registry order). */
const READ_SCOPES = [...new Set(KIND_APIS.map((api) => api.kind.scopes.read))];

const views = new Map(KIND_APIS.map((api) => [api.kind.entity, api.resolver.view]));

@Resolver()
export class CheckListResolver {
  @Query(() => CheckConnection, {
    description:
      'Checks of every kind, newest first, through the `Check` interface (`... on TcpMonitor { host port }` for what a kind adds); ' +
      '`kinds` (default every kind whose read scope the key holds), `tags` (every one of them) and `status` narrow it. ' +
      'Any kind\'s read scope will do: the list holds the kinds the key may read, and naming in `kinds` one it may not is FORBIDDEN.',
  })
  // Any kind's read scope; listChecks keeps to the kinds the principal may read.
  @RequiresAnyScope(READ_SCOPES)
  async checks(@Args(() => ChecksArgs) args: ChecksArgs, @Ctx() { em, principal }: RequestContext) {
    const page = await listChecks(em, principal.organizationId, principal.held, args);
    return { nodes: page.nodes.map((c) => views.get(c.constructor as never)!.from(c as never)), pageInfo: page.pageInfo };
  }
}
