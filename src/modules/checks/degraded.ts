import type { CheckOutcome } from './check-runner';

/**
 * Whether a run is DEGRADED: it passed, but its response time (the request's total, a journey's steps together)
 * exceeded the check's `degradedResponseTimeMs`. A degraded run still passes: it counts as up for alerts and
 * uptime, and statistics count it apart.
 */
export function isDegraded(outcome: Pick<CheckOutcome, 'status' | 'timings'>, thresholdMs: number | null | undefined): boolean {
  if (thresholdMs == null || outcome.status !== 'PASSED' || !outcome.timings) return false;
  return outcome.timings.total > thresholdMs;
}
