import { Field, Int, ObjectType, registerEnumType } from 'type-graphql';
import { AssertionResultType, HeaderType, HttpMethod, TimingsType } from '../../check.types';

export enum StepStatusEnum {
  PASSED = 'PASSED',
  FAILED = 'FAILED',
  SKIPPED = 'SKIPPED',
}
registerEnumType(StepStatusEnum, { name: 'StepStatus' });

@ObjectType('StepRequest')
export class StepRequestType {
  @Field(() => HttpMethod) method!: HttpMethod;
  @Field() url!: string;
  @Field(() => [HeaderType]) headers!: HeaderType[];
}

@ObjectType('ExtractedValue')
export class ExtractedValueType {
  @Field() name!: string;
  @Field(() => String, { nullable: true, description: 'Values from credential headers or secret-named variables read `[masked]`.' })
  value!: string | null;
}

/** What a journey's run shows of each step: `JourneyRun.steps`, the kind's `runDetail`. */
@ObjectType('StepResult')
export class StepResultType {
  @Field() name!: string;
  @Field(() => StepRequestType) request!: StepRequestType;
  @Field(() => StepStatusEnum) status!: StepStatusEnum;
  @Field(() => Int, { nullable: true }) responseStatus!: number | null;
  @Field(() => TimingsType, { nullable: true }) timings!: TimingsType | null;
  @Field(() => [AssertionResultType]) assertions!: AssertionResultType[];
  @Field(() => [ExtractedValueType]) extracted!: ExtractedValueType[];
  @Field(() => String, { nullable: true }) error!: string | null;
}
