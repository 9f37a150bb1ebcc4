import { ArrayMaxSize, ArrayMinSize, IsOptional, Length, ValidateNested } from 'class-validator';
import { Field, InputType, Int, ObjectType } from 'type-graphql';
import { RequiresScope } from '../../../../authorization/directives';
import { AssertionType, ExtractionType, RequestInput, RequestType, type HttpMethod } from '../../check.types';
import { maskHeaders } from '../../secrets';
import { ProbeFields, RetryPolicyType, setProbeFields } from '../../probed-check';
import { connectionOf } from '../../../common/pagination';
import { checkColumns, checkListArgs } from '../../check-view';
import { ProbedCheckView, setScheduledFields } from '../../check-view-base';
import { Journey } from './journey.entity';
import type { FieldError } from '../../../../errors';
import type { ServiceRules } from '../../../../graphql/validation';
import type { JourneyService } from './journey.service';
import { NoControlCharacters } from '../../../common/names';

@ObjectType('JourneyStep')
export class JourneyStepType {
  @Field() name!: string;
  @Field(() => RequestType) request!: RequestType;
  @Field(() => [AssertionType]) assertions!: AssertionType[];
  @Field(() => [ExtractionType]) extractions!: ExtractionType[];
}

@ObjectType('Journey', { description: 'An ordered list of 1-20 HTTP steps; values extracted by a step feed later ones as {{name}}.' })
@RequiresScope('journeys:read')
export class JourneyView extends ProbedCheckView {
  @Field(() => [JourneyStepType]) steps!: JourneyStepType[];
  @Field(() => Int, { description: 'Per step.' }) override timeoutMs!: number;
  @Field(() => Int, { nullable: true, description: 'A passing run slower than this (ms, all steps together) is DEGRADED; null: never.' }) override degradedResponseTimeMs!: number | null;
  @Field(() => RetryPolicyType, { nullable: true, description: 'Retries of a failed attempt (the whole journey again) in the same slot; null: none.' }) override retry!: RetryPolicyType | null;

  /**
   * The view of a journey, or of a list page's row, which carries only the properties its selection reads
   * (`journeyColumns`): the steps' headers are masked when the steps were read.
   */
  static from(j: Journey): JourneyView {
    // Property by property (a page makes 50 of these): see MonitorView.from.
    const v = new JourneyView();
    v.id = j.id;
    v.name = j.name;
    v.steps = j.steps?.map((s) => ({
        name: s.name,
        request: { method: s.request.method as HttpMethod, url: s.request.url, headers: maskHeaders(s.request.headers), body: s.request.body },
        assertions: s.assertions,
        extractions: s.extractions,
      }));
    setProbeFields(v, j);
    setScheduledFields(v, j);
    return v;
  }
}

export const JourneyConnection = connectionOf(JourneyView, 'JourneyConnection');

export const journeyColumns = checkColumns(Journey);

export const JourneysArgs = checkListArgs('JourneysArgs', 'journeys');

@InputType()
export class JourneyStepInput {
  @Field()
  @Length(1, 100, { message: 'must be 1 to 100 characters' })
  @NoControlCharacters()
  name!: string;

  @Field(() => RequestInput)
  @ValidateNested()
  request!: RequestInput;

  @Field(() => [AssertionType], { defaultValue: [] })
  @ArrayMaxSize(20, { message: 'at most 20 assertions' })
  @ValidateNested({ each: true })
  assertions!: AssertionType[];

  @Field(() => [ExtractionType], { defaultValue: [] })
  @ArrayMaxSize(20, { message: 'at most 20 extractions' })
  @ValidateNested({ each: true })
  extractions!: ExtractionType[];
}

@InputType()
export class CreateJourneyInput extends ProbeFields implements ServiceRules {
  @Field()
  @Length(1, 100, { message: 'must be 1 to 100 characters' })
  @NoControlCharacters()
  name!: string;

  @Field(() => [JourneyStepInput])
  @ArrayMinSize(1, { message: 'must have 1 to 20 steps' })
  @ArrayMaxSize(20, { message: 'must have 1 to 20 steps' })
  @ValidateNested({ each: true })
  steps!: JourneyStepInput[];

  serviceErrors(services: { checks: { journey: Pick<JourneyService, 'inputErrors'> } }): FieldError[] {
    return services.checks.journey.inputErrors(this);
  }
}

@InputType()
export class UpdateJourneyInput extends ProbeFields implements ServiceRules {
  @Field(() => String, { nullable: true })
  @IsOptional()
  @Length(1, 100, { message: 'must be 1 to 100 characters' })
  @NoControlCharacters()
  name?: string | null;

  @Field(() => [JourneyStepInput], { nullable: true, description: 'Replaces every step.' })
  @IsOptional()
  @ArrayMinSize(1, { message: 'must have 1 to 20 steps' })
  @ArrayMaxSize(20, { message: 'must have 1 to 20 steps' })
  @ValidateNested({ each: true })
  steps?: JourneyStepInput[] | null;

  serviceErrors(services: { checks: { journey: Pick<JourneyService, 'inputErrors'> } }): FieldError[] {
    return services.checks.journey.inputErrors(this);
  }
}
