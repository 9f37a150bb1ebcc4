import { IsOptional, Matches } from 'class-validator';
import type { EntityName } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { GraphQLResolveInfo } from 'graphql';
import { ArgsType, Field, registerEnumType } from 'type-graphql';
import { PageArgs, pageColumns, type PageColumns } from '../common/pagination';
import { TAG } from './scheduled-check';

export enum CheckStatusEnum {
  UP = 'UP',
  DOWN = 'DOWN',
  PAUSED = 'PAUSED',
  PENDING = 'PENDING',
  DEGRADED = 'DEGRADED',
}
registerEnumType(CheckStatusEnum, {
  name: 'CheckStatus',
  description: 'Derived from runs: PENDING until the first run.',
  valuesConfig: { DEGRADED: { description: 'Passing, but a location\'s last run was slower than degradedResponseTimeMs: between UP and DOWN.' } },
});

/**
 * The columns a kind's list selection reads: every field of its view is the property of the same name (`from`),
 * `organizationId` is the organization (always read); the field resolvers every kind has (`recentRuns`,
 * `quotaExhausted`, `stats`, `series`) read only the id and the organization.
 */
export const checkColumns =
  (entity: EntityName<object>) =>
  (em: EntityManager, info: GraphQLResolveInfo): PageColumns | undefined =>
    pageColumns(em, entity, info, { recentRuns: [], quotaExhausted: [], stats: [], series: [], retry: ['retryStrategy', 'retryMaxRetries', 'retryBaseBackoffMs'] });

/** A kind's list arguments (`monitors(status:, tag:, first:, after:)`): `name` is the class's (`MonitorsArgs`), `plural` its words. */
export function checkListArgs(name: string, plural: string) {
  @ArgsType()
  class CheckListArgs extends PageArgs {
    @Field(() => CheckStatusEnum, { nullable: true })
    status?: CheckStatusEnum | null;

    @Field(() => String, { nullable: true, description: `Only ${plural} with this tag.` })
    @IsOptional()
    @Matches(TAG, { message: 'is not a tag (1-40 lower-case letters, digits and - _ . : /)' })
    tag?: string | null;
  }
  Object.defineProperty(CheckListArgs, 'name', { value: name }); // validation messages and their memo name the class
  return CheckListArgs;
}
