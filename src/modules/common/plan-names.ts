/** The plans an organization can be on; what each allows is billing's (modules/billing/plans.ts). */
export const PLAN_NAMES = ['FREE', 'TEAM', 'BUSINESS', 'UNLIMITED'] as const;
export type PlanName = (typeof PLAN_NAMES)[number];

export const isPlanName = (plan: string): plan is PlanName => (PLAN_NAMES as readonly string[]).includes(plan);
