import type { EntityManager } from '@mikro-orm/postgresql';
import { AUDIT_RETENTION_DAYS, PLAN_NAMES, ROLLUP_RETENTION_DAYS, runRetentionDays } from '../billing/plans';
import { DAY_MS } from '../common/time';

/** What one pruning removed. */
export interface PruneResult {
  runs: number;
  rollups: number;
  auditEvents: number;
}

/**
 * Retention (README › Statistics and retention): raw runs per plan (`runRetentionDays`), rollups and audit events
 * 400 days. Run by the maintenance job (engine/maintenance.ts), once per interval across all workers.
 */
export class RetentionService {
  constructor(
    private readonly now: () => Date,
    /** RUN_RETENTION_DAYS: the UNLIMITED plan's run retention. */
    readonly unlimitedRunRetentionDays: number,
  ) {}

  /** Days each plan keeps runs (an unknown plan: FREE's, as everywhere). */
  retentionByPlan(): Record<string, number> {
    return Object.fromEntries(PLAN_NAMES.map((p) => [p, runRetentionDays(p, this.unlimitedRunRetentionDays)]));
  }

  /** The longest any plan keeps runs: nothing older is kept for anyone. */
  longestRunRetentionDays(): number {
    return Math.max(...Object.values(this.retentionByPlan()));
  }

  /** The maintenance job's work: everything due, in order. */
  async maintain(em: EntityManager): Promise<Record<string, unknown>> {
    return { pruned: await this.prune(em) };
  }

  async prune(em: EntityManager): Promise<PruneResult> {
    const now = this.now().getTime();
    const conn = em.getConnection();
    const byPlan = this.retentionByPlan();
    // One statement for every organization: each organization's cutoff from its plan, the (organization_id,
    // started_at) index finding its old runs.
    const plans = Object.entries(byPlan)
      .map(([plan, days]) => `('${plan}', ${days})`)
      .join(', ');
    const runs = await conn.execute<{ affectedRows: number }>(
      `delete from runs r using organizations o
         left join (values ${plans}) as p(plan, days) on p.plan = o.plan
        where r.organization_id = o.id
          and r.started_at < ?::timestamptz - make_interval(days => coalesce(p.days, ${byPlan.FREE}))`,
      [new Date(now)],
      'run',
    );
    const rollups = await conn.execute<{ affectedRows: number }>('delete from run_rollups where bucket_start < ?', [new Date(now - ROLLUP_RETENTION_DAYS * DAY_MS)], 'run');
    const audit = await conn.execute<{ affectedRows: number }>('delete from audit_events where created_at < ?', [new Date(now - AUDIT_RETENTION_DAYS * DAY_MS)], 'run');
    return { runs: runs.affectedRows, rollups: rollups.affectedRows, auditEvents: audit.affectedRows };
  }
}
