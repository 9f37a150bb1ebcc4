import type { EntityManager } from '@mikro-orm/postgresql';
import { bucketOf } from './histogram';

/** What a recorded run adds to its check's rollups. */
export interface RolledRun {
  kind: 'monitor' | 'journey';
  checkId: string;
  organizationId: string;
  location: string;
  startedAt: Date;
  passed: boolean;
  durationMs: number;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

export const hourStart = (t: Date) => new Date(Math.floor(t.getTime() / HOUR_MS) * HOUR_MS);
export const dayStart = (t: Date) => new Date(Math.floor(t.getTime() / DAY_MS) * DAY_MS);

/**
 * Adds one run to its hour row and its UTC-day row in ONE statement (an upsert of two rows), inside the transaction
 * that records the run: a run is never counted without being stored, nor twice (the caller adds only a run it
 * actually inserted). Rows of the same check are written under the lock the recording transaction holds on the
 * check, so they never deadlock.
 */
export class RollupWriter {
  /**
   * The one place maintenance windows will plug in: a run inside one is recorded but not counted toward statistics.
   * Nothing excludes runs yet.
   */
  countsTowardStats(_run: RolledRun): boolean {
    return true;
  }

  async add(tx: EntityManager, run: RolledRun): Promise<void> {
    if (!this.countsTowardStats(run)) return;
    const monitorId = run.kind === 'monitor' ? run.checkId : null;
    const journeyId = run.kind === 'journey' ? run.checkId : null;
    const failures = run.passed ? 0 : 1;
    const histogram = JSON.stringify({ [bucketOf(run.durationMs)]: 1 });
    const row = (span: 'HOUR' | 'DAY', start: Date) => [run.checkId, run.location, span, start, run.organizationId, monitorId, journeyId, failures, run.durationMs, histogram];
    await tx.execute(
      `insert into run_rollups (check_id, location, span, bucket_start, organization_id, monitor_id, journey_id, runs, failures, response_sum_ms, histogram)
       values (?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?::jsonb), (?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?::jsonb)
       on conflict (check_id, span, bucket_start, location) do update set
         runs = run_rollups.runs + excluded.runs,
         failures = run_rollups.failures + excluded.failures,
         response_sum_ms = run_rollups.response_sum_ms + excluded.response_sum_ms,
         histogram = run_rollups.histogram || (
           select jsonb_object_agg(e.key, e.value::int + coalesce((run_rollups.histogram ->> e.key)::int, 0))
             from jsonb_each_text(excluded.histogram) e)`,
      [...row('HOUR', hourStart(run.startedAt)), ...row('DAY', dayStart(run.startedAt))],
    );
  }
}
