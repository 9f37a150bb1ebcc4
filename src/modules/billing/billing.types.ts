import { Field, Int, ObjectType, registerEnumType } from 'type-graphql';
import { RequiresScope } from '../../authorization/directives';

export enum PlanEnum {
  FREE = 'FREE',
  TEAM = 'TEAM',
  BUSINESS = 'BUSINESS',
  UNLIMITED = 'UNLIMITED',
}
registerEnumType(PlanEnum, {
  name: 'Plan',
  valuesConfig: { UNLIMITED: { description: 'Self-hosted installations: no limit but a 10 s minimum interval.' } },
});

const NO_LIMIT = 'null: no limit.';

@ObjectType('PlanLimits')
export class PlanLimitsType {
  @Field(() => Int, { nullable: true, description: NO_LIMIT }) monitors!: number | null;
  @Field(() => Int, { nullable: true, description: NO_LIMIT }) journeys!: number | null;
  @Field(() => Int) minIntervalSeconds!: number;
  @Field(() => Int, { nullable: true, description: `Covers every monitor and journey at the default 300 s interval from every location in a 31-day month. ${NO_LIMIT}` })
  runsPerMonth!: number | null;
  @Field(() => Int, { nullable: true, description: `Locations one check may run from. ${NO_LIMIT}` })
  locationsPerCheck!: number | null;
  @Field(() => Int, {
    nullable: true,
    description: `Checks one location runs for the organization at the same time (scheduled and manual); further due runs wait their turn. Never more than the installation's WORKER_ORG_SHARE of a location's slots. ${NO_LIMIT}`,
  })
  maxConcurrentChecksPerLocation!: number | null;
  @Field(() => Int, { description: 'Days raw runs are kept; statistics (rollups) are kept 400 days whatever the plan. UNLIMITED: the installation’s RUN_RETENTION_DAYS.' })
  runRetentionDays!: number;
}

@ObjectType('Usage', { description: 'The current calendar month (UTC).' })
export class UsageType {
  @Field(() => Int, { description: 'Runs admitted this month (manual and scheduled).' }) runs!: number;
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
  @Field({ description: "This month's runs are used up: every further run is refused until next month or a bigger plan." })
  quotaExhausted!: boolean;
  @Field(() => Int, { nullable: true, description: `Runs left this month. ${NO_LIMIT}` })
  runsRemaining!: number | null;
}
