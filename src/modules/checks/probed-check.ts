import { Property } from '@mikro-orm/core';
import { IsIn, IsOptional, Max, Min, ValidateNested } from 'class-validator';
import { Field, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import type { FieldError } from '../../errors';
import { ScheduledCheck, ScheduleFields, type ScheduleInput } from './scheduled-check';
import { MAX_BASE_BACKOFF_MS, MAX_RETRIES, RETRY_STRATEGIES, retryBudgetMs, type RetryPolicy, type RetryStrategy } from './retry';

/**
 * A check that probes a target (monitors, journeys, TCP and DNS checks): besides its schedule, when a passing run is
 * DEGRADED and how a failed attempt is retried in its slot. A mapped superclass like ScheduledCheck: each kind's
 * table has these columns. Kinds opt in through CheckKind's `retryPolicy` and `degradedAfterMs` (retry.ts,
 * degraded.ts hold the rules; the runs module applies them).
 */
export abstract class ProbedCheck extends ScheduledCheck {
  /** A passing run slower than this (ms) is DEGRADED; null: never. */
  @Property({ type: 'integer', nullable: true })
  degradedResponseTimeMs: number | null = null;

  /** Null: no retries. */
  @Property({ type: 'string', length: 12, nullable: true })
  retryStrategy: RetryStrategy | null = null;

  @Property({ type: 'integer', default: 0 })
  retryMaxRetries: number = 0;

  @Property({ type: 'integer', default: 0 })
  retryBaseBackoffMs: number = 0;
}

/** The check's retry policy, or null when it retries nothing. */
export const retryPolicyOf = (c: ProbedCheck): RetryPolicy | null =>
  c.retryStrategy && c.retryMaxRetries > 0 ? { strategy: c.retryStrategy, maxRetries: c.retryMaxRetries, baseBackoffMs: c.retryBaseBackoffMs } : null;

export enum RetryStrategyEnum {
  FIXED = 'FIXED',
  LINEAR = 'LINEAR',
  EXPONENTIAL = 'EXPONENTIAL',
}
registerEnumType(RetryStrategyEnum, {
  name: 'RetryStrategy',
  description: 'The wait before retry n (from 1): FIXED baseBackoffMs, LINEAR baseBackoffMs × n, EXPONENTIAL baseBackoffMs × 2^(n−1).',
});

@ObjectType('RetryPolicy', { description: 'A failed attempt is tried again in the same slot, up to maxRetries times, before the run is FAILED.' })
export class RetryPolicyType {
  @Field(() => RetryStrategyEnum) strategy!: RetryStrategyEnum;
  @Field(() => Int) maxRetries!: number;
  @Field(() => Int) baseBackoffMs!: number;
}

@InputType('RetryPolicyInput')
export class RetryPolicyInput {
  @Field(() => RetryStrategyEnum)
  @IsIn(RETRY_STRATEGIES)
  strategy!: RetryStrategyEnum;

  @Field(() => Int, { description: `0 to ${MAX_RETRIES}.` })
  @Min(0, { message: 'must be at least 0' })
  @Max(MAX_RETRIES, { message: `must be at most ${MAX_RETRIES}` })
  maxRetries!: number;

  @Field(() => Int, { description: `0 to ${MAX_BASE_BACKOFF_MS} ms.` })
  @Min(0, { message: 'must be at least 0' })
  @Max(MAX_BASE_BACKOFF_MS, { message: `must be at most ${MAX_BASE_BACKOFF_MS} ms` })
  baseBackoffMs!: number;
}

/** What create and update take besides the schedule (absent = keep / default; null = none). */
export interface ProbeInput extends ScheduleInput {
  degradedResponseTimeMs?: number | null;
  retry?: RetryPolicyInput | null;
}

/** The input keys applyProbeInput applies (a kind's service leaves them out of its own patch). */
export const PROBE_KEYS = ['degradedResponseTimeMs', 'retry'] as const;

/** The fields of create and update inputs of a probing kind: the schedule's, and these. */
@InputType()
export abstract class ProbeFields extends ScheduleFields {
  // Null turns these off (absent keeps them): see applyProbeInput.
  @Field(() => Int, { nullable: true, description: 'A passing run slower than this (ms) is DEGRADED. Default none; null turns it off.' })
  @IsOptional()
  @Min(1, { message: 'must be at least 1 ms' })
  @Max(600_000, { message: 'must be at most 600000 ms' })
  degradedResponseTimeMs?: number | null;

  @Field(() => RetryPolicyInput, {
    nullable: true,
    description: 'Retries of a failed attempt in the same slot. Default none; null turns them off. Every attempt and wait must fit the interval.',
  })
  @IsOptional()
  @ValidateNested()
  retry?: RetryPolicyInput | null;
}

/**
 * Applies `degradedResponseTimeMs` and `retry` as given to the check: absent (undefined) keeps them, null turns them
 * off (unlike the other fields, where null keeps: these have no value to fall back to but "none").
 */
export function applyProbeInput(check: ProbedCheck, given: ProbeInput): void {
  if (given.degradedResponseTimeMs !== undefined) check.degradedResponseTimeMs = given.degradedResponseTimeMs ?? null;
  if (given.retry !== undefined) {
    const r = given.retry;
    check.retryStrategy = r && r.maxRetries > 0 ? (r.strategy as RetryStrategy) : null;
    check.retryMaxRetries = r && r.maxRetries > 0 ? r.maxRetries : 0;
    check.retryBaseBackoffMs = r && r.maxRetries > 0 ? r.baseBackoffMs : 0;
  }
}

/**
 * The retry budget rule: every attempt at its whole time (`attemptMs`, the kind's) and every wait must fit the
 * check's interval, so a slot's retries never run into the next slot, and the lease (which covers them) stays
 * below it.
 */
export function probeErrors(check: ProbedCheck, attemptMs: number): FieldError[] {
  const policy = retryPolicyOf(check);
  if (!policy) return [];
  const budget = retryBudgetMs(attemptMs, policy);
  const interval = check.intervalSeconds * 1000;
  return budget > interval
    ? [{ field: 'retry', message: `${1 + policy.maxRetries} attempts of up to ${attemptMs} ms and their waits take up to ${budget} ms, more than the interval (${interval} ms)` }]
    : [];
}

/** The view's `retry` and `degradedResponseTimeMs`. */
export function setProbeFields(v: { retry: RetryPolicyType | null; degradedResponseTimeMs: number | null }, c: ProbedCheck): void {
  const p = retryPolicyOf(c);
  v.retry = p && Object.assign(new RetryPolicyType(), p);
  v.degradedResponseTimeMs = c.degradedResponseTimeMs;
}
