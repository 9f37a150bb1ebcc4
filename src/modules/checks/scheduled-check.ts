import { Property } from '@mikro-orm/core';
import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsOptional, Matches, Max, Min } from 'class-validator';
import { Field, InputType, Int } from 'type-graphql';
import type { EntityManager } from '@mikro-orm/postgresql';
import { badInput } from '../../errors';
import { DEFAULT_INTERVAL_SECONDS } from '../billing/plans';
import { phasedSlotAtOrAfter } from './phase';

export type CheckStatus = 'UP' | 'DOWN' | 'PAUSED' | 'PENDING' | 'DEGRADED';

/**
 * What monitors and journeys share: their schedule, their failure count and the status derived from their runs.
 * A mapped superclass: each entity has these columns in its own table.
 */
export abstract class ScheduledCheck {
  /** The plans' run allowances are sized for this default (billing/plans.ts). */
  @Property({ type: 'integer' })
  intervalSeconds: number = DEFAULT_INTERVAL_SECONDS;

  /** Per request (per step, for a journey). */
  @Property({ type: 'integer' })
  timeoutMs: number = 10_000;

  @Property({ type: 'integer' })
  failureThreshold: number = 2;

  /** Where it runs: each slot runs once in every one of these locations. */
  @Property({ type: 'string[]', columnType: 'text[]', default: "{local}" })
  locations: string[] = ['local'];

  /** How many of its locations must fail failureThreshold slots in a row before an alert opens. */
  @Property({ type: 'integer', default: 1 })
  minFailedLocations: number = 1;

  @Property({ type: 'boolean' })
  paused: boolean = false;

  /** Labels for selecting checks (`triggerChecks(input: { tags })`, `monitors(tag:)`); GIN-indexed per table. */
  @Property({ type: 'string[]', columnType: 'text[]', default: '{}' })
  tags: string[] = [];

  @Property({ type: 'string', length: 8 })
  status: CheckStatus = 'PENDING';

  /** Failed runs in a row; the alert opens when it reaches failureThreshold. */
  @Property({ type: 'integer' })
  consecutiveFailures: number = 0;

  @Property({ type: 'Date', columnType: 'timestamptz(3)', nullable: true })
  lastRunAt: Date | null = null;

  /**
   * When the scheduler runs it next; advanced in the same statement that claims it, to the check's next phased
   * slot (checks/phase.ts). A new check's first slot is its creation (it runs at once); the following are phased.
   */
  @Property({ type: 'Date', columnType: 'timestamptz(3)' })
  nextRunAt: Date = new Date();

  @Property({ type: 'Date', columnType: 'timestamptz(3)' })
  createdAt: Date = new Date();

  @Property({ type: 'Date', columnType: 'timestamptz(3)', onUpdate: () => new Date() })
  updatedAt: Date = new Date();
}

/** Status while not paused, from what the runs said so far. */
export const activeStatus = (c: { lastRunAt: Date | null; consecutiveFailures: number }): CheckStatus =>
  c.lastRunAt === null ? 'PENDING' : c.consecutiveFailures > 0 ? 'DOWN' : 'UP';

/**
 * Pausing shows PAUSED; resuming shows what the runs said and checks again at the check's next phased slot (within
 * one interval), not at once: checks resumed together would otherwise fire together for ever.
 */
export function applyPaused(check: ScheduledCheck & { id: string }, paused: boolean, now: Date): void {
  check.paused = paused;
  check.status = paused ? 'PAUSED' : activeStatus(check);
  if (!paused) check.nextRunAt = phasedSlotAtOrAfter(check.id, check.intervalSeconds, now);
}

/**
 * The longest the slot scheduler looks ahead (engine.ts: `Math.min(SCHEDULE_TICK_MS, 2000)`): it claims and enqueues
 * a slot this long before it is due.
 */
export const SCHEDULER_MAX_LOOKAHEAD_MS = 2000;

/**
 * A changed interval moves the check to its phase in the new interval: its next slot becomes the new phased slot
 * at or after now. A slot already due (a new check not yet run) stays due: it still runs at once. So does a slot
 * within the scheduler's lookahead: a scheduler may be enqueueing it now, and a new slot just after it would run
 * the check twice about a second apart (the slot after it is phased in the new interval when it is claimed).
 */
export function applyInterval(check: ScheduledCheck & { id: string }, now: Date): void {
  if (check.nextRunAt.getTime() > now.getTime() + SCHEDULER_MAX_LOOKAHEAD_MS) check.nextRunAt = phasedSlotAtOrAfter(check.id, check.intervalSeconds, now);
}

/** What create and update take of the schedule, as the services see it (null = keep / default). */
export interface ScheduleInput {
  intervalSeconds?: number | null;
  timeoutMs?: number | null;
  failureThreshold?: number | null;
  paused?: boolean | null;
  locations?: string[] | null;
  minFailedLocations?: number | null;
  tags?: string[] | null;
}

/** A tag: lower-case letters and digits, inner `-`, `_`, `.`, `:` or `/`; 1-40 characters (e.g. `smoke`, `team:payments`). */
export const TAG = /^[a-z0-9](?:[a-z0-9_.:/-]{0,38}[a-z0-9])?$/;
export const MAX_TAGS = 20;
export const TAG_RULE = 'each must be 1-40 lower-case letters, digits and - _ . : / (starting and ending with a letter or digit)';

/** The schedule fields of create and update inputs, all optional (null = keep / default). */
@InputType()
export abstract class ScheduleFields {
  // 10 s is the shortest any plan allows (UNLIMITED); the plan's own minimum is BillingService.assertInterval's to
  // enforce, so 10-29 s on another plan is PLAN_LIMIT_EXCEEDED naming the plan, not a bad input.
  @Field(() => Int, { nullable: true, description: "At least the plan's `minIntervalSeconds` (10 on UNLIMITED, 300 on FREE); default 300." })
  @IsOptional()
  @Min(10, { message: 'must be at least 10 seconds' })
  @Max(86_400, { message: 'must be at most 86400 seconds (a day)' })
  intervalSeconds?: number | null;

  @Field(() => Int, { nullable: true, description: 'Per request (per step for a journey); at most 30000; default 10000.' })
  @IsOptional()
  @Min(100, { message: 'must be at least 100 ms' })
  @Max(30_000, { message: 'must be at most 30000 ms' })
  timeoutMs?: number | null;

  @Field(() => Int, { nullable: true, description: 'Consecutive failed runs that open an alert; default 2.' })
  @IsOptional()
  @Min(1, { message: 'must be at least 1' })
  @Max(10, { message: 'must be at most 10' })
  failureThreshold?: number | null;

  @Field(() => Boolean, { nullable: true })
  paused?: boolean | null;

  @Field(() => [String], {
    nullable: true,
    description: 'Where it runs: every slot runs once in each of these locations. Default `["local"]`; each must be a known location (see `locations`).',
  })
  @IsOptional()
  @ArrayMinSize(1, { message: 'must name at least one location' })
  @ArrayMaxSize(10, { message: 'at most 10 locations' })
  @Matches(/^[a-z0-9][a-z0-9-]{0,38}$/, { each: true, message: 'each must be lower-case letters, digits and hyphens' })
  locations?: string[] | null;

  @Field(() => Int, { nullable: true, description: 'How many locations must fail failureThreshold slots in a row to open an alert; default 1.' })
  @IsOptional()
  @Min(1, { message: 'must be at least 1' })
  @Max(10, { message: 'must be at most 10' })
  minFailedLocations?: number | null;

  @Field(() => [String], { nullable: true, description: `Labels for selecting checks (\`triggerChecks\`, \`tag:\` filters): at most ${MAX_TAGS}, each 1-40 lower-case letters, digits and \`- _ . : /\`. Default none; an update replaces them.` })
  @IsOptional()
  @ArrayMaxSize(MAX_TAGS, { message: `at most ${MAX_TAGS} tags` })
  @ArrayUnique({ message: 'must not repeat a tag' })
  @Matches(TAG, { each: true, message: TAG_RULE })
  tags?: string[] | null;
}

/** The rules of `locations` a GraphQL type cannot state: known names, and enough of them for the alert rule. */
export async function checkLocations(
  em: EntityManager,
  known: { assertKnown(em: EntityManager, locations: readonly string[]): Promise<string[]> },
  check: ScheduledCheck,
): Promise<void> {
  check.locations = await known.assertKnown(em, check.locations);
  if (check.minFailedLocations > check.locations.length)
    throw badInput([{ field: 'minFailedLocations', message: `must be at most the number of locations (${check.locations.length})` }]);
}
