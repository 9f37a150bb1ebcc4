import type { EntityClass } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { AppError, notFound } from '../../errors';
import { Organization } from '../organization/organization.entity';
import { lockOrganization } from '../organization/organization.service';
import { QuotaAlerts, RESOLVE_QUOTA_ALERT } from '../alerts/quota-alert';
import { CHECK_ALLOWANCES, monthStart, nextMonthStart, PLANS, planChange, planLimits, runRetentionDays, type CheckAllowance, type PlanLimits } from './plans';
import { PLAN_NAMES, type PlanName } from '../common/plan-names';

/**
 * What a plan limit needs of a check kind (checks/check-kind.ts's CheckKind fits it): the allowance it counts against,
 * its table and its entity to count. Structural, so billing sits below checks and never imports them: the wiring
 * passes the registered kinds in.
 */
export interface CountedKind {
  readonly allowance: CheckAllowance;
  readonly table: string;
  readonly entity: EntityClass<object>;
}

/** Runs this month, and the checks each allowance counts (`monitors`, `journeys`). */
export interface Usage extends Record<CheckAllowance, number> {
  runs: number;
  periodStart: Date;
}

/** Where an organization stands this month: what `billing` and `Monitor.quotaExhausted` show. */
export interface QuotaState {
  plan: string;
  limits: PlanLimits;
  /** Runs reserved this month. */
  runs: number;
  /** Runs left this month; null: no limit. */
  remaining: number | null;
  /** Nothing left: every run is refused until next month or a bigger plan. */
  exhausted: boolean;
}

/** Why a run was refused: the plan, its monthly limit and what is used. */
export interface QuotaExhausted {
  plan: string;
  limit: number;
  used: number;
}

/**
 * The answer of `reserveRun`. Running out is an expected outcome of the engine's hot path, not an exception:
 * `ok: false` says the month's runs are used up; anything else that goes wrong (the database) still throws.
 */
export type Reservation = { ok: true; plan: string; used: number; limit: number | null } | ({ ok: false } & QuotaExhausted);

/**
 * PLAN_LIMIT_EXCEEDED naming the plan, the limit and how to change the plan (a self-hosted operator who never chose
 * one must learn from the error itself where the limit comes from).
 */
export function limitError(organizationId: string, message: string, details: { plan: string } & Record<string, unknown>, fits: (limits: PlanLimits) => boolean): AppError {
  const { suggestedPlan, hint } = planChange(organizationId, details.plan, fits);
  return new AppError('PLAN_LIMIT_EXCEEDED', `${message}; ${hint}`, { ...details, suggestedPlan });
}

/**
 * The counter is an `int`: UNLIMITED counts up to its maximum (2^31 − 1, some 800 runs a second for a whole month)
 * instead of failing the statement on overflow.
 */
const COUNTER_MAX = 2_147_483_647;

/**
 * The organization with its plan's monthly run limit, in SQL: the limits live in plans.ts, and putting them in the
 * statement lets one round trip read the plan and hold the counter to it. An unknown plan is FREE, as planLimits().
 */
const PLAN_OF = `select o.id, o.name, o.plan, coalesce(l.runs_limit, ${PLANS.FREE.runsPerMonth}) as runs_limit
  from organizations o
  left join (values ${PLAN_NAMES.map((n) => `('${n}', ${PLANS[n].runsPerMonth ?? COUNTER_MAX})`).join(', ')}) as l(plan, runs_limit) on l.plan = o.plan
 where o.id = ?`;

/** Plans, usage and the limits every create and run is held to. */
export class BillingService {
  /** Each allowance's count of checks as a select list item (`usage`), and how many organization ids it takes. */
  private readonly usageCounts: { sql: string; params: number }[];

  constructor(
    private readonly now: () => Date,
    /** RUN_RETENTION_DAYS: how long the UNLIMITED plan keeps runs. */
    readonly unlimitedRunRetentionDays = 90,
    /** The organization's quota alert (alerts/quota-alert.ts): opened when the month is used up, once. */
    private readonly quotaAlerts = new QuotaAlerts(),
    /** Every check kind (the registry's), counted against its allowance in `usage` and `assertCanCreate`. */
    private readonly kinds: readonly CountedKind[] = [],
  ) {
    this.usageCounts = CHECK_ALLOWANCES.map((allowance) => {
      const tables = kinds.filter((k) => k.allowance === allowance).map((k) => k.table);
      const counts = tables.map((t) => `(select count(*)::int from ${t} where organization_id = ?)`);
      return { sql: `${counts.join(' + ') || '0'} as ${allowance}`, params: tables.length };
    });
  }

  async plan(em: EntityManager, organizationId: string): Promise<{ name: string; limits: PlanLimits & { runRetentionDays: number } }> {
    const org = await em.findOneOrFail(Organization, { id: organizationId });
    return { name: org.plan, limits: { ...planLimits(org.plan), runRetentionDays: runRetentionDays(org.plan, this.unlimitedRunRetentionDays) } };
  }

  /** This month's usage in one statement: the counter's row and each allowance's count of checks, bounded by the plan. */
  async usage(em: EntityManager, organizationId: string): Promise<Usage> {
    const periodStart = monthStart(this.now());
    const [row] = await em.getConnection().execute<Omit<Usage, 'periodStart'>[]>(
      `select coalesce((select runs from usage_counters where organization_id = ? and period_start = ?), 0) as runs,
              ${this.usageCounts.map((c) => c.sql).join(',\n              ')}`,
      [organizationId, periodStart, ...this.usageCounts.flatMap((c) => Array<string>(c.params).fill(organizationId))],
      'all',
      em.getTransactionContext(),
    );
    return { ...row, periodStart };
  }

  /** This month's standing of each organization, in one query (a list's `quotaExhausted` batches into it). */
  async quotaStates(em: EntityManager, organizationIds: readonly string[]): Promise<Map<string, QuotaState>> {
    const rows = await em.getConnection().execute<{ id: string; plan: string; runs: number }[]>(
      `select o.id, o.plan, coalesce(u.runs, 0) as runs from organizations o
         left join usage_counters u on u.organization_id = o.id and u.period_start = ?
        where o.id in (${organizationIds.map(() => '?').join(', ')})`,
      [monthStart(this.now()), ...organizationIds],
      'all',
      em.getTransactionContext(),
    );
    return new Map(rows.map((r) => [r.id, quotaState(r.plan, r.runs)]));
  }

  async quotaState(em: EntityManager, organizationId: string): Promise<QuotaState> {
    const state = (await this.quotaStates(em, [organizationId])).get(organizationId);
    if (!state) throw notFound('Organization');
    return state;
  }

  /**
   * Refuses a new check beyond the plan's allowance of its kind (every kind counting against the same allowance
   * counted). Call inside the creating transaction after `lockOrganization`, so two concurrent creates cannot both
   * take the last slot.
   */
  async assertCanCreate(em: EntityManager, organizationId: string, kind: CountedKind): Promise<void> {
    const { name, limits } = await this.plan(em, organizationId);
    const key = kind.allowance;
    const limit = limits[key];
    // Fail closed: a kind registered without an allowance in the plans is a bug, never an unlimited kind.
    if (typeof limit !== 'number' && limit !== null) throw new Error(`no plan allowance ${kind.allowance} for ${kind.table}`);
    if (limit === null) return;
    const counted = [kind, ...this.kinds.filter((k) => k.allowance === key && k.table !== kind.table)];
    let used = 0;
    for (const k of counted) used += await em.count(k.entity, { organization: organizationId } as never);
    if (used >= limit)
      throw limitError(organizationId, `The ${name} plan allows ${limit} ${key}`, { plan: name, limit, used }, (l) => l[key] === null || l[key] > used);
  }

  async assertInterval(em: EntityManager, organizationId: string, intervalSeconds: number): Promise<void> {
    const { name, limits } = await this.plan(em, organizationId);
    if (intervalSeconds < limits.minIntervalSeconds)
      throw limitError(
        organizationId,
        `The ${name} plan allows intervals of at least ${limits.minIntervalSeconds} s`,
        { plan: name, field: 'intervalSeconds', limit: limits.minIntervalSeconds },
        (l) => l.minIntervalSeconds <= intervalSeconds,
      );
  }

  /** A check may run in at most the plan's `locationsPerCheck` locations (each location is a run per slot). */
  async assertLocations(em: EntityManager, organizationId: string, count: number): Promise<void> {
    const { name, limits } = await this.plan(em, organizationId);
    if (limits.locationsPerCheck !== null && count > limits.locationsPerCheck)
      throw limitError(
        organizationId,
        `The ${name} plan runs a check in at most ${limits.locationsPerCheck} location${limits.locationsPerCheck === 1 ? '' : 's'}`,
        { plan: name, field: 'locations', limit: limits.locationsPerCheck },
        (l) => l.locationsPerCheck === null || l.locationsPerCheck >= count,
      );
  }

  /**
   * Reserves one run of this month's allowance, in ONE statement: the counter's upsert admits the run only while
   * it is below the plan's limit, so concurrent reservations (any number of processes) never admit more than the
   * limit. `ok: false` when the month's runs are used up; then call `quotaExhausted`.
   *
   * The same statement resolves the organization's open quota alert when the run is admitted (a new month, or a
   * bigger plan): a probe of a partial index that is empty unless an alert is open, so the admitted path costs no
   * second round trip, and it is right across processes without remembering which one saw the failure.
   */
  async reserveRun(em: EntityManager, organizationId: string): Promise<Reservation> {
    return this.reserveRuns(em, organizationId, 1);
  }

  /**
   * Reserves `count` runs at once, all or none (`reserveRun` is one): the same statement, so a batch of an
   * organization's runs takes its counter once. Refused when fewer than `count` are left; a caller that wants the
   * runs that still fit reserves them one by one.
   */
  async reserveRuns(em: EntityManager, organizationId: string, count: number): Promise<Reservation> {
    const now = this.now();
    const periodStart = monthStart(now);
    // `u.runs <= limit - n`, not `u.runs + n <= limit`: the counter may sit at the int's maximum (UNLIMITED). A month's
    // first reservation is held to the limit too (`runs_limit >= n`): a batch never starts a month over its plan.
    const rows = await em.getConnection().execute<{ plan: string; runs: number | null; seen: number | null }[]>(
      `with p as (${PLAN_OF}),
       counted as (
         insert into usage_counters as u (organization_id, period_start, runs)
         select p.id, ?::timestamptz, ?::int from p where p.runs_limit >= ?::int
         on conflict (organization_id, period_start) do update set runs = u.runs + excluded.runs
          where u.runs <= (select runs_limit from p) - excluded.runs
         returning u.runs
       ),
       resolved as (${RESOLVE_QUOTA_ALERT} and exists (select 1 from counted))
       select p.plan, (select runs from counted) as runs,
              case when not exists (select 1 from counted)
                then (select runs from usage_counters where organization_id = p.id and period_start = ?) end as seen
         from p`,
      [organizationId, periodStart, count, count, now, organizationId, periodStart],
      'all',
      em.getTransactionContext(),
    );
    if (!rows.length) throw notFound('Organization');
    const { plan, runs, seen } = rows[0];
    const limit = planLimits(plan).runsPerMonth;
    if (runs !== null) return { ok: true, plan, used: runs, limit };
    // Refused: the row held at least the limit when the upsert looked at it (`seen` is this statement's snapshot,
    // which a concurrent reservation may have passed since).
    const held = limit ?? COUNTER_MAX;
    return { ok: false, plan, limit: held, used: Math.max(seen ?? 0, held) };
  }

  /**
   * What the engine calls when `reserveRun` answered `ok: false`: opens the organization's quota alert (at most one
   * unresolved per organization, so calling it for every refused run is safe), only if the month is still used up
   * under the current plan (a plan change between the refusal and this call opens nothing). Answers whether this
   * call opened it.
   */
  async quotaExhausted(em: EntityManager, organizationId: string, details: QuotaExhausted): Promise<boolean> {
    const now = this.now();
    return this.quotaAlerts.open(em, {
      organizationId,
      at: now,
      cause: quotaCause(details, now),
      ...details,
      exhausted: {
        sql: `(${PLAN_OF}) p where coalesce((select runs from usage_counters where organization_id = p.id and period_start = ?), 0) >= p.runs_limit`,
        params: [organizationId, monthStart(now)],
      },
    });
  }

  /**
   * Reserves a run or refuses it with PLAN_LIMIT_EXCEEDED (`plan`, `limit`, `used`), opening the quota alert: the
   * admission of a manual run. The reservation is the admission, so a run that crashes after it and is never
   * recorded still counted: the safe side (an allowance can be undercounted by nothing, overcounted by crashes).
   */
  async reserveRunOrThrow(em: EntityManager, organizationId: string): Promise<void> {
    const reservation = await this.reserveRun(em, organizationId);
    if (reservation.ok) return;
    const { ok: _ok, ...details } = reservation;
    await this.quotaExhausted(em, organizationId, details);
    throw limitError(organizationId, `The ${details.plan} plan includes ${details.limit} runs a month, all used`, { ...details }, (l) => l.runsPerMonth === null || l.runsPerMonth > details.used);
  }

  /**
   * Changes the plan (operators: `npm run orgs -- set-plan`). When the new plan leaves room this month the quota
   * alert resolves at once, rather than at the next admitted run.
   */
  async setPlan(em: EntityManager, organizationId: string, plan: PlanName): Promise<Organization> {
    return em.transactional(async (tx) => {
      const org = await tx.findOne(Organization, { id: organizationId });
      if (!org) throw notFound('Organization');
      org.plan = plan;
      await tx.flush();
      await tx.getConnection().execute(
        `${RESOLVE_QUOTA_ALERT}
           and coalesce((select runs from usage_counters where organization_id = ? and period_start = ?), 0) < ?`,
        [this.now(), organizationId, organizationId, monthStart(this.now()), PLANS[plan].runsPerMonth ?? COUNTER_MAX],
        'run',
        tx.getTransactionContext(),
      );
      return org;
    });
  }

  lockOrganization = lockOrganization;
}

export function quotaState(plan: string, runs: number): QuotaState {
  const limits = planLimits(plan);
  const remaining = limits.runsPerMonth === null ? null : Math.max(0, limits.runsPerMonth - runs);
  return { plan, limits, runs, remaining, exhausted: remaining === 0 };
}

const month = (d: Date) => d.toLocaleString('en-US', { month: 'long', timeZone: 'UTC' });

/** "The FREE plan's 120,000 runs for December 2026 are used up; checks are paused until 1 January 2027 or an upgrade" */
export function quotaCause({ plan, limit }: QuotaExhausted, now: Date): string {
  const next = nextMonthStart(now);
  return (
    `The ${plan} plan's ${limit.toLocaleString('en-US')} runs for ${month(now)} ${now.getUTCFullYear()} are used up; ` +
    `checks are paused until 1 ${month(next)} ${next.getUTCFullYear()} or an upgrade`
  );
}
