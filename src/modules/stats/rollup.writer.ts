import type { EntityManager } from '@mikro-orm/postgresql';
import { underMaintenance } from '../maintenance/under-maintenance';
import { bucketOf } from './histogram';

/** What a recorded run adds to its check's rollups. */
export interface RolledRun {
  /** The check, of any kind: rollups reference its `checks` row. */
  checkId: string;
  organizationId: string;
  location: string;
  /** Which hour and UTC day the run counts in. */
  startedAt: Date;
  /** Whether it counts at all: a run that finished inside a maintenance window of its check does not. */
  finishedAt: Date;
  passed: boolean;
  /** A passing run slower than its check's degradedResponseTimeMs: counted apart (it still passed). */
  degraded?: boolean;
  durationMs: number;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

export const hourStart = (t: Date) => new Date(Math.floor(t.getTime() / HOUR_MS) * HOUR_MS);
export const dayStart = (t: Date) => new Date(Math.floor(t.getTime() / DAY_MS) * DAY_MS);

/**
 * Adds one run to its hour row and its UTC-day row (an upsert of two rows) inside the transaction that records the
 * run: a run is never counted without being stored, nor twice. Recording does both in ONE statement
 * (`insertWithRun`: the run's insert as a CTE, the upsert only if it inserted a row), so the rollup costs recording
 * no round trip of its own. Rows of the same check are written under the lock the recording transaction holds on
 * the check, so they never deadlock.
 *
 * A run under maintenance is recorded but not counted: the upsert inserts nothing when the check is in one of its
 * organization's maintenance windows at the run's FINISH — the instant the alert rule is told about (RunRecorder
 * passes it this statement's answer), through the same condition (`underMaintenance`), so the runs a window keeps
 * out of the statistics are the runs it keeps from opening an alert. The rows are still bucketed by the run's start.
 */
export class RollupWriter {
  /**
   * Runs `insert` (the run's `insert … on conflict do nothing`, `?` placeholders) and adds the run to its rollups
   * only if that inserted a row, in one statement. Answers whether it inserted one, and whether the check is under
   * maintenance at the run's finish: asked once, in this statement's snapshot, so the alert rule (which takes the
   * answer) and the rollups never disagree about a window created or deleted meanwhile.
   */
  async insertWithRun(tx: EntityManager, insert: { sql: string; params: readonly unknown[] }, run: RolledRun): Promise<{ inserted: boolean; underMaintenance: boolean }> {
    const maintenance = underMaintenance(run.organizationId, run.checkId, run.finishedAt);
    const upsert = this.upsert(run, { sql: 'exists (select 1 from inserted) and not (select under from m)', params: [] });
    const [row] = await tx.execute<{ inserted: number; under: boolean }[]>(
      `with m as (select ${maintenance.sql} as under), inserted as (${insert.sql} returning 1), rolled as (${upsert.sql})
       select (select count(*)::int from inserted) as inserted, (select under from m) as under`,
      [...maintenance.params, ...insert.params, ...upsert.params] as never[],
    );
    return { inserted: row.inserted > 0, underMaintenance: row.under };
  }

  /** The upsert of one run, adding it only where `gate` holds (which says whether the check is under maintenance). */
  private upsert(run: RolledRun, gate: { sql: string; params: unknown[] }): { sql: string; params: unknown[] } {
    const bucket = String(bucketOf(run.durationMs));
    // A run adds exactly one histogram bucket, the same to both rows: one key set, not a merge of two objects
    // (merging with jsonb_each_text and jsonb_object_agg took a third of the statement's execution time).
    return {
      sql: `insert into run_rollups (check_id, location, span, bucket_start, organization_id, runs, failures, degraded, response_sum_ms, histogram)
       select ?, ?, s.span, s.bucket_start, ?, 1, ?, ?, ?, jsonb_build_object(?::text, 1)
         from (values ('HOUR', ?::timestamptz), ('DAY', ?::timestamptz)) s (span, bucket_start)
        where ${gate.sql}
       on conflict (check_id, span, bucket_start, location) do update set
         runs = run_rollups.runs + excluded.runs,
         failures = run_rollups.failures + excluded.failures,
         degraded = run_rollups.degraded + excluded.degraded,
         response_sum_ms = run_rollups.response_sum_ms + excluded.response_sum_ms,
         histogram = run_rollups.histogram || jsonb_build_object(?::text, coalesce((run_rollups.histogram ->> ?::text)::int, 0) + 1)`,
      params: [
        run.checkId,
        run.location,
        run.organizationId,
        run.passed ? 0 : 1,
        run.degraded ? 1 : 0,
        run.durationMs,
        bucket,
        hourStart(run.startedAt),
        dayStart(run.startedAt),
        ...gate.params,
        bucket,
        bucket,
      ],
    };
  }
}
