import { ArrayMaxSize, ArrayMinSize, IsOptional, Length, Max, Min, ValidateNested } from 'class-validator';
import { Field, ID, InputType, Int, ObjectType } from 'type-graphql';
import { RequiresScope } from '../../authorization/directives';
import { connectionOf } from '../common/pagination';
import type { FieldError } from '../../errors';
import type { ServiceRules } from '../../graphql/validation';
import { NoControlCharacters } from '../common/names';
import type { EscalationPolicy } from './escalation-policy.entity';
import { MAX_MINUTES, MAX_REPEATS, MAX_STEPS, type EscalationService } from './escalation.service';

@ObjectType('EscalationPolicyStep')
export class EscalationPolicyStepView {
  @Field(() => Int, { description: 'Minutes after the alert opened; 0 for the first step.' }) afterMinutes!: number;
  @Field(() => [ID]) channelIds!: string[];
}

@ObjectType('EscalationPolicy', {
  description:
    'Who hears a check’s alert, and when, until someone acknowledges it: step 1 when it opens, each later step `afterMinutes` after the opening, then every step’s channels again every `repeatAfterMinutes`, at most `maxRepeats` times. Acknowledging stops it; resolving tells every channel that heard the alert.',
})
@RequiresScope('alerts:read')
export class EscalationPolicyView {
  @Field(() => ID) id!: string;
  @Field() name!: string;
  @Field(() => [EscalationPolicyStepView]) steps!: EscalationPolicyStepView[];
  @Field(() => Int, { nullable: true, description: 'Null: no repeats.' }) repeatAfterMinutes!: number | null;
  @Field(() => Int) maxRepeats!: number;
  @Field() createdAt!: Date;
  @Field() updatedAt!: Date;

  static from(p: EscalationPolicy): EscalationPolicyView {
    return Object.assign(new EscalationPolicyView(), {
      id: p.id,
      name: p.name,
      steps: p.steps.map((s) => ({ afterMinutes: s.afterMinutes, channelIds: s.channelIds })),
      repeatAfterMinutes: p.repeatAfterMinutes,
      maxRepeats: p.maxRepeats,
      createdAt: p.createdAt,
      updatedAt: p.updatedAt,
    });
  }
}

export const EscalationPolicyConnection = connectionOf(EscalationPolicyView, 'EscalationPolicyConnection');

@InputType()
export class EscalationStepInput {
  @Field(() => Int, { description: `Minutes after the alert opened: 0 for the first step, more than the previous step’s for each later one; at most ${MAX_MINUTES}.` })
  @Min(0, { message: 'must be at least 0' })
  @Max(MAX_MINUTES, { message: `must be at most ${MAX_MINUTES} (a week)` })
  afterMinutes!: number;

  @Field(() => [ID], { description: 'Notification channels of the organization (1 to 10).' })
  @ArrayMinSize(1, { message: 'must name at least one channel' })
  @ArrayMaxSize(10, { message: 'at most 10 channels' })
  channelIds!: string[];
}

@InputType()
abstract class PolicyFields {
  @Field(() => Int, { nullable: true, description: `Minutes between repeats after the last step; 0 or null: none. At most ${MAX_MINUTES}.` })
  @IsOptional()
  @Min(0, { message: 'must be at least 0' })
  @Max(MAX_MINUTES, { message: `must be at most ${MAX_MINUTES} (a week)` })
  repeatAfterMinutes?: number | null;

  @Field(() => Int, { nullable: true, description: `How many times the steps repeat; default 0, at most ${MAX_REPEATS}.` })
  @IsOptional()
  @Min(0, { message: 'must be at least 0' })
  @Max(MAX_REPEATS, { message: `must be at most ${MAX_REPEATS}` })
  maxRepeats?: number | null;
}

@InputType()
export class CreateEscalationPolicyInput extends PolicyFields implements ServiceRules {
  @Field({ description: '1 to 100 characters.' })
  @Length(1, 100, { message: 'must be 1 to 100 characters' })
  @NoControlCharacters()
  name!: string;

  @Field(() => [EscalationStepInput], { description: `1 to ${MAX_STEPS} steps, in order.` })
  @ArrayMinSize(1, { message: 'must have at least one step' })
  @ArrayMaxSize(MAX_STEPS, { message: `at most ${MAX_STEPS} steps` })
  @ValidateNested({ each: true })
  steps!: EscalationStepInput[];

  serviceErrors(services: { escalation: Pick<EscalationService, 'inputErrors'> }): FieldError[] {
    return services.escalation.inputErrors(this);
  }
}

@InputType()
export class UpdateEscalationPolicyInput extends PolicyFields implements ServiceRules {
  @Field(() => String, { nullable: true })
  @IsOptional()
  @Length(1, 100, { message: 'must be 1 to 100 characters' })
  @NoControlCharacters()
  name?: string | null;

  @Field(() => [EscalationStepInput], { nullable: true, description: 'Replaces the steps.' })
  @IsOptional()
  @ArrayMinSize(1, { message: 'must have at least one step' })
  @ArrayMaxSize(MAX_STEPS, { message: `at most ${MAX_STEPS} steps` })
  @ValidateNested({ each: true })
  steps?: EscalationStepInput[] | null;

  serviceErrors(services: { escalation: Pick<EscalationService, 'inputErrors'> }): FieldError[] {
    return services.escalation.inputErrors(this);
  }
}
