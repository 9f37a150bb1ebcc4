import { Field, Int, ObjectType, registerEnumType } from 'type-graphql';
import { RequiresScope } from '../../graphql/directives';

export enum PlanEnum {
  FREE = 'FREE',
  TEAM = 'TEAM',
  BUSINESS = 'BUSINESS',
}
registerEnumType(PlanEnum, { name: 'Plan' });

@ObjectType('PlanLimits')
export class PlanLimitsType {
  @Field(() => Int) monitors!: number;
  @Field(() => Int) journeys!: number;
  @Field(() => Int) minIntervalSeconds!: number;
  @Field(() => Int) runsPerMonth!: number;
}

@ObjectType('Usage', { description: 'The current calendar month (UTC).' })
export class UsageType {
  @Field(() => Int) runs!: number;
  @Field(() => Int) monitors!: number;
  @Field(() => Int) journeys!: number;
  @Field() periodStart!: Date;
}

@ObjectType('Billing')
@RequiresScope('billing:read')
export class BillingView {
  @Field(() => PlanEnum) plan!: PlanEnum;
  @Field(() => PlanLimitsType) limits!: PlanLimitsType;
  @Field(() => UsageType) usage!: UsageType;
}
