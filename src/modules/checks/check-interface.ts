import { Field, ID, InterfaceType, Int, registerEnumType } from 'type-graphql';
import { CheckStatusEnum } from './check-view';
import { CHECK_KINDS, kindOfId } from './kinds/registry';

/** Each kind's enum value (`MONITOR`, `JOURNEY`, `TCP_MONITOR`, `DNS_MONITOR`), in the registry's order. */
export const CheckType = Object.freeze(Object.fromEntries(CHECK_KINDS.map((k) => [k.enumValue, k.enumValue])));
registerEnumType(CheckType, { name: 'CheckType' });

/** Which object type a check is, from its id's prefix; synchronous (TYPE_RESOLVERS in src/graphql/schema.ts). */
export const resolveCheckType = (check: { id: string }) => kindOfId(check.id)!.typeName;

/**
 * What every kind of check has (`checks(…)`, `checkStatusChanged`): its name, status and alert threshold. A schedule
 * (`intervalSeconds`, `timeoutMs`, `locations`) is not here: a heartbeat has none (it is pinged); each scheduled kind
 * has its own. An interface carries no
 * scope (docs/explanation/security-model.md): its object types do, so selecting these fields directly needs every
 * kind's read scope, and `... on Monitor { … }` only the monitors'.
 */
// Not autoRegisterImplementations: the views' abstract bases (check-view-base.ts) implement it and are no types of
// the schema; the schema build names every kind's view instead (src/graphql/schema.ts).
@InterfaceType('Check', { description: 'A check of any kind.', resolveType: resolveCheckType, autoRegisterImplementations: false })
export abstract class CheckInterface {
  @Field(() => ID) id!: string;
  @Field() name!: string;
  @Field(() => Int) failureThreshold!: number;
  @Field() paused!: boolean;
  @Field(() => [String]) tags!: string[];
  @Field(() => CheckStatusEnum) status!: CheckStatusEnum;
  @Field(() => Date, { nullable: true }) lastRunAt!: Date | null;
  @Field() createdAt!: Date;
  @Field() updatedAt!: Date;
}
