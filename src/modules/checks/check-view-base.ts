import { Field, ID, Int, ObjectType } from 'type-graphql';
import { CheckInterface } from './check-interface';
import { CheckStatusEnum } from './check-view';
import { RetryPolicyType } from './probed-check';
import type { ScheduledCheck } from './scheduled-check';

/**
 * The fields every kind's view has, declared once: a kind's view extends one of these classes and declares only its
 * own fields, or restates one of these to say what it means for that kind (a journey's `timeoutMs` is per step).
 *
 * Not types of the schema: type-graphql copies an object type's fields and interfaces into the classes extending
 * it, and no field returns these. `Check` does not add its implementations to the schema by itself
 * (check-interface.ts), or these would be printed as types too. `implements` is here, not on the kinds: a kind's
 * own `implements` would put the interface's bare fields over the descriptions below.
 */
@ObjectType('CheckViewFields', { implements: CheckInterface })
export abstract class CheckView {
  @Field(() => ID) id!: string;
  @Field() name!: string;
  @Field() paused!: boolean;
  @Field(() => ID, { nullable: true, description: 'The escalation policy its alerts follow; null: the channels subscribed to them.' }) escalationPolicyId!: string | null;
  @Field(() => CheckStatusEnum) status!: CheckStatusEnum;
  @Field(() => Date, { nullable: true }) lastRunAt!: Date | null;
  @Field() createdAt!: Date;
  @Field() updatedAt!: Date;
  // `failureThreshold` and `tags` are the Check interface's; each kind says what they are for it.
  failureThreshold!: number;
  tags!: string[];
  /** Not a field: which organization's quota `quotaExhausted` reads. */
  organizationId!: string;
}

/** The view of a kind that probes a target on a schedule (monitors, journeys, TCP and DNS checks). */
@ObjectType('ProbedCheckViewFields')
export abstract class ProbedCheckView extends CheckView {
  @Field(() => Int) intervalSeconds!: number;
  @Field(() => Int) timeoutMs!: number;
  @Field(() => Int, { description: 'Consecutive failed runs that open an alert.' }) override failureThreshold!: number;
  @Field(() => [String], { description: 'Where it runs: each slot once in every one of these locations.' }) locations!: string[];
  @Field(() => Int, { description: 'Locations that must fail failureThreshold slots in a row to open an alert.' }) minFailedLocations!: number;
  @Field(() => [String], { description: 'Labels for selecting checks, e.g. `smoke`.' }) override tags!: string[];
  @Field(() => Int, { nullable: true, description: 'A passing run slower than this (ms) is DEGRADED; null: never.' }) degradedResponseTimeMs!: number | null;
  @Field(() => RetryPolicyType, { nullable: true, description: 'Retries of a failed attempt in the same slot; null: none.' }) retry!: RetryPolicyType | null;
}

type CheckRowFields = Pick<ScheduledCheck, 'status' | 'failureThreshold' | 'paused' | 'tags' | 'escalationPolicyId' | 'lastRunAt' | 'createdAt' | 'updatedAt'>;

/** The fields of CheckView that come from what every check row has (the kind sets `id` and `name`). */
export function setCheckFields(v: CheckView, c: CheckRowFields & { organization: { id: string } }): void {
  v.status = c.status as CheckStatusEnum;
  v.failureThreshold = c.failureThreshold;
  v.paused = c.paused;
  v.tags = c.tags;
  v.escalationPolicyId = c.escalationPolicyId;
  v.lastRunAt = c.lastRunAt;
  v.createdAt = c.createdAt;
  v.updatedAt = c.updatedAt;
  v.organizationId = c.organization?.id;
}

/** The schedule fields of ProbedCheckView, and CheckView's (setProbeFields sets `retry` and `degradedResponseTimeMs`). */
export function setScheduledFields(v: ProbedCheckView, c: ScheduledCheck & { organization: { id: string } }): void {
  setCheckFields(v, c);
  v.intervalSeconds = c.intervalSeconds;
  v.timeoutMs = c.timeoutMs;
  v.locations = c.locations;
  v.minFailedLocations = c.minFailedLocations;
}
