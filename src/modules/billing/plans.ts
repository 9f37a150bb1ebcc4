export type PlanName = 'FREE' | 'TEAM' | 'BUSINESS';

export interface PlanLimits {
  monitors: number;
  journeys: number;
  minIntervalSeconds: number;
  runsPerMonth: number;
}

/** What each plan allows. New organizations start on FREE; `npm run orgs -- set-plan` changes it. */
export const PLANS: Readonly<Record<PlanName, PlanLimits>> = {
  FREE: { monitors: 10, journeys: 3, minIntervalSeconds: 300, runsPerMonth: 10_000 },
  TEAM: { monitors: 100, journeys: 25, minIntervalSeconds: 60, runsPerMonth: 250_000 },
  BUSINESS: { monitors: 1_000, journeys: 250, minIntervalSeconds: 30, runsPerMonth: 2_500_000 },
};

export const planLimits = (plan: string): PlanLimits => PLANS[plan as PlanName] ?? PLANS.FREE;

/** The first instant of the calendar month (UTC) that `now` is in: usage resets then. */
export const monthStart = (now: Date) => new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
