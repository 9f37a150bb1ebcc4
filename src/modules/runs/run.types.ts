import { ArgsType, Field, ID, Int, InterfaceType, ObjectType, registerEnumType, type ClassType } from 'type-graphql';
import { TimingsType } from '../checks/check.types';
import { TlsInfoType } from '../checks/tls-info';
import type { GraphQLResolveInfo } from 'graphql';
import type { EntityManager } from '@mikro-orm/postgresql';
import { connectionOf, PageArgs, pageColumns } from '../common/pagination';
import { Run } from './run.entity';
import type { CheckKind } from '../checks/check-kind';
import { checkIdField } from './check-id-field';
import { CHECK_KINDS, checkKind, kindOfCheckId, type CheckKindName } from '../checks/kinds/registry';

export enum RunTriggerEnum {
  SCHEDULED = 'SCHEDULED',
  MANUAL = 'MANUAL',
  PING = 'PING',
}
registerEnumType(RunTriggerEnum, { name: 'RunTrigger', valuesConfig: { PING: { description: "A heartbeat's ping." } } });

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

/** Which object type a run is; synchronous, as graphql-jit needs it (see TYPE_RESOLVERS in src/graphql/schema.ts). */
export const resolveRunType = (run: { kind?: string }) => checkKind(run.kind ?? CHECK_KINDS[0].name).runType;

/** The kinds in words, for the texts of fields that serve every kind ("one monitor or one journey"). */
export function kindsInWords(words: (kind: CheckKind) => string, last: string): string {
  const all = CHECK_KINDS.map(words);
  return all.length === 1 ? all[0] : `${all.slice(0, -1).join(', ')} ${last} ${all.at(-1)}`;
}

/** Fields every run has. An interface carries no scope (docs/explanation/security-model.md): its object types do. */
@InterfaceType('Run', { resolveType: resolveRunType })
export abstract class RunView {
  @Field(() => ID) id!: string;
  @Field(() => RunTriggerEnum) trigger!: RunTriggerEnum;
  @Field(() => ID, {
    nullable: true,
    description: `The API key that started a manual run (${CHECK_KINDS.map((k) => `run${k.label}`).join(', ')}, triggerChecks); null for scheduled runs.`,
  })
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
  @Field({ description: "PASSED, but slower than the check's degradedResponseTimeMs (the check is DEGRADED)." }) degraded!: boolean;
  @Field(() => Int, { description: 'Attempts made in the slot: 1, plus the retries of failed attempts (the check\'s `retry`).' }) attempts!: number;
  @Field(() => [String], { description: 'The error of each attempt that failed, in order (the last is `error` when the run FAILED).' }) attemptErrors!: string[];
  @Field(() => TlsInfoType, { nullable: true, description: 'The certificate an HTTPS run saw; null over plain HTTP or when no handshake finished.' })
  tls!: TlsInfoType | null;
  kind!: CheckKindName;
}

/** One kind's run type, its page of runs and the arguments of its list (`MonitorRun`, `monitorRuns(…)`). */
export interface KindRunTypes {
  view: ClassType<RunView>;
  connection: ClassType;
  listArgs: ClassType;
}

/** Filters of each kind's run list (`monitorRuns`, …); every one optional, all of them together (AND). */
@ArgsType()
export class RunFilterArgs extends PageArgs {
  @Field(() => Date, { nullable: true, description: 'Runs started at or after this instant.' }) since?: Date | null;
  @Field(() => Date, { nullable: true, description: 'Runs started before this instant.' }) until?: Date | null;
  @Field(() => RunStatusEnum, { nullable: true }) status?: RunStatusEnum | null;
  @Field(() => String, { nullable: true, description: 'Runs of one location.' }) location?: string | null;
}

/**
 * A kind's run type: every run's fields, the check's id (`monitorId`) and the kind's own detail (`runDetail`).
 * Run types carry no scope of their own: the way to them does. Listing and reading runs needs the owner's read scope
 * (monitorRuns, Monitor.recentRuns, run); runMonitor answers the run it just made to any key that may make it, so a
 * CI key with only monitors:run still learns whether its check passed. Fields are declared by calling type-graphql's
 * decorators, as `@Field` on a property would.
 */
function kindRunTypes(kind: CheckKind): KindRunTypes {
  @ObjectType(kind.runType, { implements: RunView })
  class KindRunView extends RunView {}
  Field(() => ID)(KindRunView.prototype, checkIdField(kind));
  Field(kind.runDetail.type)(KindRunView.prototype, kind.runDetail.field);

  @ArgsType()
  class KindRunsArgs extends RunFilterArgs {}
  Field(() => ID)(KindRunsArgs.prototype, checkIdField(kind));

  return { view: KindRunView, connection: connectionOf(KindRunView, `${kind.runType}Connection`), listArgs: KindRunsArgs };
}

/** Each kind's run types, made in `CHECK_KINDS` order (the order the printed schema lists them). */
export const RUN_TYPES: ReadonlyMap<string, KindRunTypes> = new Map(CHECK_KINDS.map((kind) => [kind.name, kindRunTypes(kind)]));

export const RunConnection = connectionOf(RunView as unknown as new () => RunView, 'RunConnection');

/** `runs(…)`: the id of one check of any kind. */
@ArgsType()
export class RunsArgs extends PageArgs {
  [checkId: string]: unknown;
}
for (const kind of CHECK_KINDS) Field(() => ID, { nullable: true })(RunsArgs.prototype, checkIdField(kind));

/**
 * The columns a run list's selection reads: the view's fields are the properties of the same name (`runView`),
 * `monitorId` / `journeyId` the check; its id decides the kind, so the check is always read.
 */
export const runColumns = (em: EntityManager, info: GraphQLResolveInfo) =>
  pageColumns(
    em,
    Run,
    info,
    Object.fromEntries(CHECK_KINDS.flatMap((k) => [[checkIdField(k), ['check']], [k.runDetail.field, (k.runDetail as { reads?: readonly string[] }).reads ?? [k.runDetail.field]]])),
    ['check'],
  );

/** Entity → view (or a list page's row, with the properties its selection reads); the kind picks the GraphQL type. */
export function runView(run: Run): RunView {
  // A run references one check, of the kind its id's prefix names (a list page's row always reads it, runColumns).
  const kind = kindOfCheckId(run.check.id);
  const v = new (RUN_TYPES.get(kind.name)!.view)() as RunView & Record<string, unknown>;
  v.kind = kind.name as CheckKindName;
  v[checkIdField(kind)] = run.check.id;
  v[kind.runDetail.field] = kind.runDetail.value(run);
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
  v.degraded = run.degraded;
  v.attempts = run.attempts;
  v.attemptErrors = run.attemptErrors ?? [];
  v.tls = run.tls && { ...run.tls, validFrom: new Date(run.tls.validFrom), validTo: new Date(run.tls.validTo) };
  return v;
}
