export const RETRY_STRATEGIES = ['FIXED', 'LINEAR', 'EXPONENTIAL'] as const;
export type RetryStrategy = (typeof RETRY_STRATEGIES)[number];

/** How a failed attempt is tried again within the same slot, before the run is FAILED. */
export interface RetryPolicy {
  strategy: RetryStrategy;
  /** 0 to 3. */
  maxRetries: number;
  baseBackoffMs: number;
}

export const MAX_RETRIES = 3;
export const MAX_BASE_BACKOFF_MS = 10_000;

/**
 * The wait before retry `n` (from 1): FIXED `base`, LINEAR `base × n`, EXPONENTIAL `base × 2^(n−1)`.
 * (Checkly's three strategies, with the same meaning.)
 */
export function backoffMs(policy: RetryPolicy, n: number): number {
  if (policy.strategy === 'LINEAR') return policy.baseBackoffMs * n;
  if (policy.strategy === 'EXPONENTIAL') return policy.baseBackoffMs * 2 ** (n - 1);
  return policy.baseBackoffMs;
}

/** Every wait of the policy together. */
export function totalBackoffMs(policy: RetryPolicy | null): number {
  if (!policy) return 0;
  let sum = 0;
  for (let n = 1; n <= policy.maxRetries; n++) sum += backoffMs(policy, n);
  return sum;
}

/** The longest a run may take with its retries: every attempt its whole time, and every wait. Its lease covers it. */
export const retryBudgetMs = (attemptMs: number, policy: RetryPolicy | null): number =>
  attemptMs * (1 + (policy?.maxRetries ?? 0)) + totalBackoffMs(policy);

/**
 * The same as SQL, over the columns of a check aliased `t` (`retry_strategy`, `retry_max_retries`,
 * `retry_base_backoff_ms`, see ProbedCheck), given the SQL of one attempt's time: the scheduler's lease.
 */
export function retryBudgetSql(attemptSql: string): string {
  const n = 'coalesce(t.retry_max_retries, 0)';
  const b = 'coalesce(t.retry_base_backoff_ms, 0)';
  const waits = `case t.retry_strategy when 'LINEAR' then ${b} * ${n} * (${n} + 1) / 2 when 'EXPONENTIAL' then ${b} * ((1 << ${n}) - 1) else ${b} * ${n} end`;
  return `((${attemptSql}) * (1 + ${n}) + ${waits})`;
}

/** What an attempt answers, as far as retrying reads it (a CheckOutcome). */
interface Attempt {
  status: string;
  error: string | null;
}

/** A run's outcome with its attempts: how many were made, and each failed attempt's error in order. */
export type AttemptedOutcome<T extends Attempt> = T & { attempts: number; attemptErrors: string[] };

/**
 * Runs `attempt` until it does not FAIL, at most 1 + maxRetries times, waiting the policy's backoff between. Only
 * FAILED is retried: PASSED is the answer, and ERROR (tracer could not run it) would fail the same way again. The
 * outcome is the last attempt's; the quota was reserved once, before the first (RunService.execute).
 */
export async function withRetries<T extends Attempt>(
  policy: RetryPolicy | null,
  attempt: () => Promise<T>,
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
): Promise<AttemptedOutcome<T>> {
  const errors: string[] = [];
  const max = 1 + Math.min(policy?.maxRetries ?? 0, MAX_RETRIES);
  for (let n = 1; ; n++) {
    const outcome = await attempt();
    if (outcome.status === 'FAILED') errors.push(outcome.error ?? 'failed');
    if (outcome.status !== 'FAILED' || n >= max) return { ...outcome, attempts: n, attemptErrors: errors };
    await sleep(backoffMs(policy!, n));
  }
}
