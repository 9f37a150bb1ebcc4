import type { EntityManager } from '@mikro-orm/postgresql';
import { AUDIT_RETENTION_DAYS, ROLLUP_RETENTION_DAYS, runRetentionDays } from '../billing/plans';
import { PLAN_NAMES } from '../common/plan-names';
import { DAY_MS } from '../common/time';
import { dropPartitionsBefore, ensurePartitions, WEEK_MS, WEEKS_AHEAD } from '../runs/run-partitions';

/** What one pruning removed. */
export interface PruneResult {
  /** Rows deleted (runs in dropped partitions are not counted). */
  runs: number;
  partitionsDropped: string[];
  rollups: number;
  auditEvents: number;
}

/**
 * Retention (docs/explanation/statistics-and-retention.md): raw runs per plan (`runRetentionDays`), rollups and audit
 * events 400 days. Run by the maintenance job (engine/maintenance.ts), once per interval across all workers.
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

  /** The maintenance job's work: partitions ahead, then pruning. */
  async maintain(em: EntityManager): Promise<Record<string, unknown>> {
    const now = this.now();
    const partitionsMade = await ensurePartitions(em, now, new Date(now.getTime() + WEEKS_AHEAD * WEEK_MS));
    return { partitionsMade, ...(await this.prune(em)) };
  }

  /**
   * Whole weekly partitions older than the longest retention are dropped (no row-by-row delete, no bloat); inside
   * the partitions still kept, organizations on shorter plans lose their older runs by DELETE, one statement per
   * retention length, bounded by the partition key so only the partitions past its cutoff are visited.
   */
  async prune(em: EntityManager): Promise<PruneResult> {
    const now = this.now().getTime();
    const conn = em.getConnection();
    const byPlan = this.retentionByPlan();
    const longest = this.longestRunRetentionDays();
    const longestCutoff = new Date(now - longest * DAY_MS);
    const partitionsDropped = await dropPartitionsBefore(em, longestCutoff);
    let runs = 0;
    // Past the longest retention, in partitions that straddle the cutoff and in the default partition.
    runs += (await conn.execute<{ affectedRows: number }>('delete from runs where slot_at < ?', [longestCutoff], 'run')).affectedRows;
    for (const days of new Set(Object.values(byPlan))) {
      if (days >= longest) continue;
      const plans = Object.keys(byPlan).filter((p) => byPlan[p] === days);
      // An unknown plan is FREE's, as everywhere else.
      const unknown = plans.includes('FREE') ? ` or o.plan not in (${PLAN_NAMES.map((p) => `'${p}'`).join(', ')})` : '';
      const res = await conn.execute<{ affectedRows: number }>(
        `delete from runs where slot_at < ? and organization_id in (
           select o.id from organizations o where o.plan in (${plans.map((p) => `'${p}'`).join(', ')})${unknown})`,
        [new Date(now - days * DAY_MS)],
        'run',
      );
      runs += res.affectedRows;
    }
    const rollups = await conn.execute<{ affectedRows: number }>('delete from run_rollups where bucket_start < ?', [new Date(now - ROLLUP_RETENTION_DAYS * DAY_MS)], 'run');
    const audit = await conn.execute<{ affectedRows: number }>('delete from audit_events where created_at < ?', [new Date(now - AUDIT_RETENTION_DAYS * DAY_MS)], 'run');
    return { runs, partitionsDropped, rollups: rollups.affectedRows, auditEvents: audit.affectedRows };
  }
}
