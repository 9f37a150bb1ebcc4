import { ArgsType, Field, ID, Int, InterfaceType, ObjectType, registerEnumType } from 'type-graphql';
import { AssertionResultType, HeaderType, HttpMethod, TimingsType } from '../checks/check.types';
import type { GraphQLResolveInfo } from 'graphql';
import type { EntityManager } from '@mikro-orm/postgresql';
import { connectionOf, PageArgs, pageColumns } from '../common/pagination';
import { Run } from './run.entity';
import { checkKind, type CheckKindName } from '../checks/kinds/registry';

export enum RunTriggerEnum {
  SCHEDULED = 'SCHEDULED',
  MANUAL = 'MANUAL',
}
registerEnumType(RunTriggerEnum, { name: 'RunTrigger' });

export enum RunStatusEnum {
  PASSED = 'PASSED',
  FAILED = 'FAILED',
  ERROR = 'ERROR',
}
registerEnumType(RunStatusEnum, {
  name: 'RunStatus',
  valuesConfig: {
    FAILED: { description: 'The target failed: wrong status, failed assertion, timeout, refused or blocked connection.' },
    ERROR: { description: 'tracer could not run the check; does not count toward alerts.' },
  },
});

export enum StepStatusEnum {
  PASSED = 'PASSED',
  FAILED = 'FAILED',
  SKIPPED = 'SKIPPED',
}
registerEnumType(StepStatusEnum, { name: 'StepStatus' });

/** Which object type a run is; synchronous, as graphql-jit needs it (see TYPE_RESOLVERS in src/graphql/schema.ts). */
export const resolveRunType = (run: { kind?: string }) => checkKind(run.kind ?? 'monitor').runType;

/** Fields every run has. An interface carries no scope (docs/explanation/security-model.md): its object types do. */
@InterfaceType('Run', { resolveType: resolveRunType })
export abstract class RunView {
  @Field(() => ID) id!: string;
  @Field(() => RunTriggerEnum) trigger!: RunTriggerEnum;
  @Field(() => ID, { nullable: true, description: 'The API key that started a manual run (runMonitor, runJourney, triggerChecks); null for scheduled runs.' })
  triggeredBy!: string | null;
  @Field(() => RunStatusEnum) status!: RunStatusEnum;
  @Field({ description: 'Where it ran: the location of the worker that ran it.' }) location!: string;
  @Field(() => Date, { nullable: true, description: 'The slot it ran for; null for manual runs. `startedAt − scheduledAt` is the schedule lag.' })
  scheduledAt!: Date | null;
  @Field() startedAt!: Date;
  @Field() finishedAt!: Date;
  @Field(() => Int) durationMs!: number;
  @Field(() => Int, { nullable: true, description: 'HTTP status of the (last) response.' }) responseStatus!: number | null;
  @Field(() => TimingsType, { nullable: true }) timings!: TimingsType | null;
  @Field(() => String, { nullable: true, description: 'Why it failed, in words.' }) error!: string | null;
  kind!: CheckKindName;
}

/**
 * Run types carry no scope of their own: the way to them does. Listing and reading runs needs the owner's read
 * scope (monitorRuns, Monitor.recentRuns, run); runMonitor answers the run it just made to any key that may make
 * it, so a CI key with only monitors:run still learns whether its check passed.
 */
@ObjectType('MonitorRun', { implements: RunView })
export class MonitorRunView extends RunView {
  @Field(() => ID) monitorId!: string;
  @Field(() => [AssertionResultType]) assertions!: AssertionResultType[];
}

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

@ObjectType('JourneyRun', { implements: RunView })
export class JourneyRunView extends RunView {
  @Field(() => ID) journeyId!: string;
  @Field(() => [StepResultType]) steps!: StepResultType[];
}

export const RunConnection = connectionOf(RunView as unknown as new () => RunView, 'RunConnection');
export const MonitorRunConnection = connectionOf(MonitorRunView, 'MonitorRunConnection');
export const JourneyRunConnection = connectionOf(JourneyRunView, 'JourneyRunConnection');

@ArgsType()
export class RunsArgs extends PageArgs {
  @Field(() => ID, { nullable: true }) monitorId?: string | null;
  @Field(() => ID, { nullable: true }) journeyId?: string | null;
}

/** Filters of `monitorRuns` / `journeyRuns`; every one optional, all of them together (AND). */
@ArgsType()
export class RunFilterArgs extends PageArgs {
  @Field(() => Date, { nullable: true, description: 'Runs started at or after this instant.' }) since?: Date | null;
  @Field(() => Date, { nullable: true, description: 'Runs started before this instant.' }) until?: Date | null;
  @Field(() => RunStatusEnum, { nullable: true }) status?: RunStatusEnum | null;
  @Field(() => String, { nullable: true, description: 'Runs of one location.' }) location?: string | null;
}

@ArgsType()
export class MonitorRunsArgs extends RunFilterArgs {
  @Field(() => ID) monitorId!: string;
}

@ArgsType()
export class JourneyRunsArgs extends RunFilterArgs {
  @Field(() => ID) journeyId!: string;
}

/**
 * The columns a run list's selection reads: the view's fields are the properties of the same name (`runView`),
 * `monitorId` / `journeyId` the check; which check it has decides the kind, so both are always read.
 */
export const runColumns = (em: EntityManager, info: GraphQLResolveInfo) =>
  pageColumns(em, Run, info, { monitorId: ['monitor'], journeyId: ['journey'] }, ['monitor', 'journey']);

/** Entity → view (or a list page's row, with the properties its selection reads); the kind picks the GraphQL type. */
export function runView(run: Run): MonitorRunView | JourneyRunView {
  let v: MonitorRunView | JourneyRunView;
  if (run.journey) {
    const j = (v = new JourneyRunView());
    j.kind = 'journey';
    j.journeyId = run.journey.id;
    j.steps = (run.steps ?? []) as never;
  } else {
    const m = (v = new MonitorRunView());
    m.kind = 'monitor';
    m.monitorId = run.monitor!.id;
    m.assertions = run.assertions as never;
  }
  // Property by property (a page makes 50 of these): see MonitorView.from.
  v.id = run.id;
  v.trigger = run.trigger as RunTriggerEnum;
  v.triggeredBy = run.triggeredBy;
  v.status = run.status as RunStatusEnum;
  v.location = run.location;
  v.scheduledAt = run.scheduledAt;
  v.startedAt = run.startedAt;
  v.finishedAt = run.finishedAt;
  v.durationMs = run.durationMs;
  v.responseStatus = run.responseStatus;
  v.timings = run.timings;
  v.error = run.error;
  return v;
}
export const monitorRunView = (run: Run) => runView(run) as MonitorRunView;
export const journeyRunView = (run: Run) => runView(run) as JourneyRunView;
