import { isPlanName, PLAN_NAMES, type PlanName } from '../common/plan-names';

/**
 * The allowances that count checks, each a column of the plan table below. A check kind names the one it counts
 * against (`CheckKind.allowance`): the monitors' and the journeys' their own; a new kind the monitors' (as it uses
 * their scopes), unless the plans get a column for it.
 */
export const CHECK_ALLOWANCES = ['monitors', 'journeys'] as const;
export type CheckAllowance = (typeof CHECK_ALLOWANCES)[number];

/** What a plan allows; `null` is no limit. */
export interface PlanLimits extends Record<CheckAllowance, number | null> {
  minIntervalSeconds: number;
  runsPerMonth: number | null;
  /** Locations one check may run from (the engine validates a check's `locations` against it). */
  locationsPerCheck: number | null;
  /** Days raw runs are kept (statistics, from rollups, for 400); null: the installation's RUN_RETENTION_DAYS. */
  runRetentionDays: number | null;
  /**
   * Checks of the organization one location runs at the same time (scheduled and manual together); further due
   * runs wait for one of these to finish. Also never more than WORKER_ORG_SHARE of the location's slots
   * (engine/fair-share.ts), so no organization starves the others. null: only that share bounds it.
   */
  maxConcurrentChecksPerLocation: number | null;
}

/** Rollups (statistics) and audit events are kept this many days, whatever the plan. */
export const ROLLUP_RETENTION_DAYS = 400;
export const AUDIT_RETENTION_DAYS = 400;

/** The interval a check gets when none is given, and the one every plan's run allowance is sized for. */
export const DEFAULT_INTERVAL_SECONDS = 300;

/**
 * Runs one check makes in the longest month at the default interval from one location:
 * 31 days × 86,400 s ÷ 300 s = 8,928.
 */
export const RUNS_PER_CHECK_MONTH = (31 * 86_400) / DEFAULT_INTERVAL_SECONDS;

/**
 * What each plan allows. Every allowance covers the plan's largest account running as it was sold: all its monitors
 * and journeys at the default interval from every location they may use, in a 31-day month, rounded up for headroom
 * (a plan whose own maximum stopped monitoring on day 3, as FREE's old 10,000 runs did, is not a plan):
 *
 *   FREE      (10 + 3)       × 1 × 8,928 =    116,064 →    120,000
 *   TEAM      (100 + 25)     × 3 × 8,928 =  3,348,000 →  3,500,000
 *   BUSINESS  (1,000 + 250)  × 5 × 8,928 = 55,800,000 → 60,000,000
 *
 * Shorter intervals than the default are the customer's choice and spend the allowance faster. UNLIMITED is for
 * self-hosted installations: nothing is limited but the interval (10 s).
 * New organizations start on DEFAULT_PLAN (UNLIMITED unless set; a hosted deployment sets FREE);
 * `npm run orgs -- set-plan` changes an organization's plan.
 */
export const PLANS: Readonly<Record<PlanName, PlanLimits>> = {
  FREE: { monitors: 10, journeys: 3, minIntervalSeconds: 300, runsPerMonth: 120_000, locationsPerCheck: 1, runRetentionDays: 7, maxConcurrentChecksPerLocation: 5 },
  TEAM: { monitors: 100, journeys: 25, minIntervalSeconds: 60, runsPerMonth: 3_500_000, locationsPerCheck: 3, runRetentionDays: 30, maxConcurrentChecksPerLocation: 20 },
  BUSINESS: { monitors: 1_000, journeys: 250, minIntervalSeconds: 30, runsPerMonth: 60_000_000, locationsPerCheck: 5, runRetentionDays: 90, maxConcurrentChecksPerLocation: 50 },
  UNLIMITED: { monitors: null, journeys: null, minIntervalSeconds: 10, runsPerMonth: null, locationsPerCheck: null, runRetentionDays: null, maxConcurrentChecksPerLocation: null },
};

export const planLimits = (plan: string): PlanLimits => (isPlanName(plan) ? PLANS[plan] : PLANS.FREE);

/**
 * How a plan error tells the reader what to do: the smallest plan after `current` that `fits` (else UNLIMITED),
 * and the operator command that moves the organization to it. Plans are changed by operators only (the CLI).
 */
export function planChange(organizationId: string, current: string, fits: (limits: PlanLimits) => boolean): { suggestedPlan: PlanName; hint: string } {
  const from = isPlanName(current) ? PLAN_NAMES.indexOf(current) : 0;
  const suggestedPlan = PLAN_NAMES.slice(from + 1).find((n) => fits(PLANS[n])) ?? 'UNLIMITED';
  return {
    suggestedPlan,
    hint: `change the plan with \`npm run orgs -- set-plan --org ${organizationId} --plan ${suggestedPlan}\` (DEFAULT_PLAN sets the plan of new organizations)`,
  };
}

/** Days a plan keeps raw runs, UNLIMITED's from the installation's RUN_RETENTION_DAYS. */
export const runRetentionDays = (plan: string, unlimitedDays: number): number => planLimits(plan).runRetentionDays ?? unlimitedDays;

/** The first instant of the calendar month (UTC) that `now` is in: usage resets then. */
export const monthStart = (now: Date) => new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));

/** The first instant of the next calendar month (UTC): when a used-up allowance comes back. */
export const nextMonthStart = (now: Date) => new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1));
