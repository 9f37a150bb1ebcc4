/** What the rule is told of a check: how many failed slots in a row make a location fail, and how many locations must. */
export interface AlertRule {
  failureThreshold: number;
  minFailedLocations: number;
}

/** One location of the check: its failed slots in a row, this run counted. */
export interface LocationState {
  location: string;
  consecutiveFailures: number;
}

export interface RuleInput {
  /** Every location of the check that has run (the run's own included). */
  states: readonly LocationState[];
  /** Whether the check is in a maintenance window at the run's finish. */
  underMaintenance: boolean;
  /** The run's error, for the alert's cause. */
  error: string | null;
}

/**
 * What to do with the check's alert. `open`: open one (an alert already open keeps its opening and names `failing`);
 * `name`: an open alert, if any, names `failing` (what still fails, or fails during a window); `resolve`: every
 * location passes, so the open alert resolves.
 */
export type AlertDecision = { action: 'open'; failing: string[]; cause: string } | { action: 'name'; failing: string[] } | { action: 'resolve' };

/**
 * The alert rule across locations (docs/reference/alerts.md), without a database: each location of a check counts its
 * failed slots in a row; an alert opens when at least minFailedLocations of them reached failureThreshold, naming
 * them, and resolves when every location passes again. During a maintenance window no alert opens; one already open
 * stays open and keeps naming what fails.
 */
export function decide(rule: AlertRule, input: RuleInput): AlertDecision {
  const failing = input.states.filter((s) => s.consecutiveFailures >= rule.failureThreshold).map((s) => s.location).sort();
  const worst = Math.max(0, ...input.states.map((s) => s.consecutiveFailures));
  if (failing.length >= rule.minFailedLocations) {
    if (input.underMaintenance) return { action: 'name', failing };
    const where = failing.length === 1 ? `in ${failing[0]}` : `in ${failing.length} locations (${failing.join(', ')})`;
    return { action: 'open', failing, cause: `${worst} failed runs in a row ${where}: ${input.error ?? 'failed'}` };
  }
  // Still failing somewhere, though below the rule: an open alert keeps naming what fails now.
  return worst === 0 ? { action: 'resolve' } : { action: 'name', failing };
}
