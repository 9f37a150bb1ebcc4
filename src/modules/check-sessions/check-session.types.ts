import { ArrayMaxSize, ArrayUnique, IsOptional, Matches } from 'class-validator';
import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { MAX_TAGS, TAG, TAG_RULE } from '../checks/scheduled-check';
import { LOCATION_NAME } from '../engine/queue';
import { CHECK_KINDS } from '../checks/kinds/registry';
import { CheckType } from '../checks/check-interface';

/** An id of any registered kind: its prefix, an underscore and base62. */
const CHECK_ID = new RegExp(`^(${CHECK_KINDS.map((k) => k.idPrefix).join('|')})_[0-9A-Za-z]{1,40}$`);

/** "monitor (mon_…) or journey (jrn_…)": every kind with its id prefix, quoted with `quote`. */
const kindIds = (quote: string, joiner: string) => CHECK_KINDS.map((k) => `${k.name} (${quote}${k.idPrefix}_…${quote})`).join(joiner);
const capitalized = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

/** The most checks one session runs (a tag matching more is refused, not cut short). */
export const MAX_SESSION_CHECKS = 100;

export enum CheckSessionStatus {
  RUNNING = 'RUNNING',
  PASSED = 'PASSED',
  FAILED = 'FAILED',
}
registerEnumType(CheckSessionStatus, {
  name: 'CheckSessionStatus',
  description: 'RUNNING until every run is recorded (or the deadline passed); then PASSED if every run passed, else FAILED.',
});

export enum SessionRunStatus {
  RUNNING = 'RUNNING',
  PASSED = 'PASSED',
  FAILED = 'FAILED',
  ERROR = 'ERROR',
  TIMED_OUT = 'TIMED_OUT',
}
registerEnumType(SessionRunStatus, {
  name: 'SessionRunStatus',
  description: "A run's RunStatus once recorded; RUNNING before; TIMED_OUT when the session's deadline passed without it.",
});

// Each kind's enum value, in the registry's order: `checks(kinds:)` takes it too.
export { CheckType };

@ObjectType('CheckSessionRun', { description: 'One check a session ran, and how its run went.' })
export class CheckSessionRunView {
  @Field(() => ID, { description: 'The run (`run(id:)`, `monitorRuns`, `journeyRuns`) once recorded.' }) runId!: string;
  @Field(() => ID) checkId!: string;
  @Field(() => CheckType) checkType!: string;
  @Field({ description: "The check's name when it was triggered." }) name!: string;
  @Field() location!: string;
  @Field(() => SessionRunStatus) status!: SessionRunStatus;
  @Field(() => Int, { nullable: true }) responseStatus!: number | null;
  @Field(() => Int, { nullable: true }) durationMs!: number | null;
  @Field(() => String, { nullable: true, description: 'Why it failed, when it did.' }) error!: string | null;
  @Field(() => Date, { nullable: true }) finishedAt!: Date | null;
}

@ObjectType('CheckSession', { description: 'Checks started together by `triggerChecks` (a CI step), followed with `checkSession(id:)`.' })
export class CheckSessionView {
  @Field(() => ID) id!: string;
  @Field(() => CheckSessionStatus) status!: CheckSessionStatus;
  @Field(() => String, { nullable: true, description: 'The location asked for; null: each check ran in its first location.' }) location!: string | null;
  @Field(() => [String], { description: 'The tags asked for.' }) tags!: string[];
  @Field() createdAt!: Date;
  @Field({ description: 'A run not recorded by then is TIMED_OUT.' }) deadlineAt!: Date;
  @Field(() => [CheckSessionRunView], { description: 'In the order the checks were selected: the ids given first, then the tagged checks, oldest first.' })
  runs!: CheckSessionRunView[];
}

@InputType()
export class TriggerChecksInput {
  @Field(() => [ID], { nullable: true, description: `${capitalized(kindIds('`', ' and '))} ids, run even when paused; at most ${MAX_SESSION_CHECKS}.` })
  @IsOptional()
  @ArrayMaxSize(MAX_SESSION_CHECKS, { message: `at most ${MAX_SESSION_CHECKS} checks` })
  @ArrayUnique({ message: 'must not repeat an id' })
  @Matches(CHECK_ID, { each: true, message: `each must be a ${kindIds('', ' or ')} id` })
  checkIds?: string[] | null;

  @Field(() => [String], { nullable: true, description: 'Also every monitor and journey with any of these tags that is not paused.' })
  @IsOptional()
  @ArrayMaxSize(MAX_TAGS, { message: `at most ${MAX_TAGS} tags` })
  @ArrayUnique({ message: 'must not repeat a tag' })
  @Matches(TAG, { each: true, message: TAG_RULE })
  tags?: string[] | null;

  @Field(() => String, { nullable: true, description: "Where to run them: one of each selected check's locations (default: each check's first)." })
  @IsOptional()
  @Matches(LOCATION_NAME, { message: 'must be lower-case letters, digits and hyphens' })
  location?: string | null;
}
