import type { EntityManager } from '@mikro-orm/postgresql';
import type { AlertService, AlertSource } from '../alerts/alert.service';
import { decide, type LocationState } from '../alerts/alert-rule';
import type { RollupWriter } from '../stats/rollup.writer';
import { checkKind, type CheckKindName } from '../checks/kinds/registry';
import type { CheckEntity } from '../checks/check-kind';
import type { CheckJob } from './check-job';
import type { CheckOutcome } from '../checks/check-runner';
import { Run } from './run.entity';
import type { LiveEvent, LivePublisher } from '../common/live-events';
import { decideTlsExpiry } from '../alerts/tls-expiry-rule';

/** A check as jobs name it: its kind's name (checks/kinds/registry.ts) and its row. */
export type Check = { kind: CheckKindName; entity: CheckEntity };

/** One run to record: its check, its job and what came of it. */
export type RecordItem = { check: Check; job: CheckJob; result: RunResult };

/** What became of one job. */
export type Execution = 'recorded' | 'duplicate' | 'gone' | 'quota';

/**
 * A check's outcome with its times: what is recorded. `attempts` and `attemptErrors` come from the retries
 * (checks/retry.ts; one attempt and none when absent), `degraded` from checks/degraded.ts.
 */
export type RunResult = CheckOutcome & { startedAt: Date; finishedAt: Date; attempts?: number; attemptErrors?: string[]; degraded?: boolean };

export interface RunRecorderDeps {
  alerts: AlertService;
  /** Keeps the hourly and daily statistics; null only in the benchmark's baseline (recording without them). */
  rollups: RollupWriter | null;
  /** Subscribers on every instance hear of the run and of a status it changed (live/), on commit. */
  live?: LivePublisher;
}

/**
 * Records a run and everything it changes in ONE transaction under ONE lock of the check row: the run row and its
 * rollups (one statement), its location's failures in a row and the check's status, then the alert rule's decision
 * (alerts/alert-rule.ts, pure) applied by the alert service, whose notifications are enqueued in the same
 * transaction. A run is never stored without its effect, nor the other way round. A run already recorded (same id,
 * or same check, location and slot) is left alone and applied to nothing: the job may run twice, the record never.
 * (The usage counter is not written here: it is reserved at admission, before the check runs, so a refused run
 * never runs; billing.reserveRun.)
 */
export class RunRecorder {
  constructor(private readonly deps: RunRecorderDeps) {}

  async record(em: EntityManager, check: Check, job: CheckJob, result: RunResult): Promise<Execution> {
    return (await this.recordBatch(em, [{ check, job, result }]))[0];
  }

  /**
   * Records several runs in ONE transaction (`record` is a batch of one): one statement locks every check of the
   * batch (in id order, so two batches never wait on each other crosswise), then each run goes through the same
   * steps as alone, and the batch's live events go out in one statement. Answers each run's execution, in order.
   * A check may appear twice: its second run sees the status the first left.
   */
  async recordBatch(em: EntityManager, items: readonly RecordItem[]): Promise<Execution[]> {
    if (!items.length) return [];
    return em.transactional(async (tx) => {
      // Lock the checks first: runs of one check finishing together (two locations, a manual run and a slot) are
      // applied one after the other. Taken after the run insert, the lock would wait for the other transaction's
      // foreign-key share lock on the same row, and the other for ours: a deadlock.
      // The status before this batch comes with the lock: a change of it is told to subscribers.
      const statusOf = new Map<string, string>();
      const byTable = new Map<string, Set<string>>();
      for (const { check } of items) {
        const { table } = checkKind(check.kind);
        if (!byTable.has(table)) byTable.set(table, new Set());
        byTable.get(table)!.add(check.entity.id);
      }
      for (const [table, ids] of [...byTable].sort(([a], [b]) => a.localeCompare(b))) {
        const locked = await tx.execute<{ id: string; status: string }[]>(`select id, status from "${table}" where id = any(?::text[]) order by id for no key update`, [`{${[...ids].sort().join(',')}}`]);
        for (const r of locked) statusOf.set(r.id, r.status);
      }
      const events: LiveEvent[] = [];
      const executions: Execution[] = [];
      for (const item of items) executions.push(await this.recordOne(tx, item, statusOf, events));
      if (events.length) await this.deps.live?.publish(tx, events);
      return executions;
    });
  }

  /** One run of a batch, its check locked: `statusOf` holds each check's status (updated here), `events` collects. */
  private async recordOne(tx: EntityManager, { check, job, result }: RecordItem, statusOf: Map<string, string>, events: LiveEvent[]): Promise<Execution> {
    const source: AlertSource = { kind: check.kind, id: check.entity.id, organizationId: job.organizationId, name: check.entity.name };
    const durationMs = Math.max(0, result.finishedAt.getTime() - result.startedAt.getTime());
    const insert = tx
      .createQueryBuilder(Run)
      .insert({
        id: job.runId,
        slotAt: new Date(job.scheduledAt ?? job.requestedAt ?? result.startedAt),
        organization: job.organizationId,
        check: check.entity.id,
        trigger: job.trigger,
        triggeredBy: job.triggeredBy ?? null,
        location: job.location,
        scheduledAt: job.scheduledAt ? new Date(job.scheduledAt) : null,
        startedAt: result.startedAt,
        finishedAt: result.finishedAt,
        durationMs,
        status: result.status,
        responseStatus: result.responseStatus,
        timings: result.timings,
        assertions: result.assertions,
        steps: result.steps,
        error: result.error,
        detail: result.detail ?? null,
        degraded: result.degraded ?? false,
        attempts: result.attempts ?? 1,
        attemptErrors: result.attemptErrors ?? [],
        tls: result.tls ?? null,
        ping: result.ping ?? null,
      })
      .onConflict()
      .ignore();
    // The run and its rollups in one statement (RollupWriter.insertWithRun); without rollups (the benchmark's
    // baseline), the insert alone.
    const { sql, bindings } = insert.getKnexQuery().toSQL();
    const { inserted, underMaintenance } = this.deps.rollups
      ? await this.deps.rollups.insertWithRun(tx, { sql, params: bindings }, {
          checkId: check.entity.id,
          organizationId: job.organizationId,
          location: job.location,
          startedAt: result.startedAt,
          finishedAt: result.finishedAt,
          passed: result.status === 'PASSED',
          degraded: result.degraded ?? false,
          durationMs,
        })
      : { inserted: (await insert.execute('run')).affectedRows > 0, underMaintenance: undefined };
    if (!inserted) return 'duplicate';
    const told: LiveEvent = { type: 'run', org: job.organizationId, check: check.entity.id, run: job.runId, at: result.finishedAt.getTime() };
    // ERROR runs (a bug in tracer, not the target's fault) change neither status nor alerts.
    if (result.status === 'ERROR') {
      events.push(told);
      return 'recorded';
    }
    const { states, status } = await this.countLocation(tx, check, job.location, result);
    const previous = statusOf.get(check.entity.id);
    if (status !== undefined) statusOf.set(check.entity.id, status);
    events.push(told, ...(previous !== undefined && status !== previous ? [{ ...told, type: 'status' as const, status, previous }] : []));
    // Whether a window holds was asked in the rollups' statement, so statistics and alerts agree on it. Without
    // rollups (the benchmark's baseline) it is asked only when it matters: when the rule would open an alert.
    const input = { states, underMaintenance: underMaintenance ?? false, error: result.error };
    let decision = decide(check.entity, input);
    if (underMaintenance === undefined && decision.action === 'open')
      decision = decide(check.entity, { ...input, underMaintenance: await this.deps.alerts.underMaintenance(tx, job.organizationId, check.entity.id, result.finishedAt) });
    await this.deps.alerts.apply(tx, source, decision, result.finishedAt);
    await this.applyOptIns(tx, check, job, result, source, { status, previous, underMaintenance });
    return 'recorded';
  }

  /**
   * What kinds opt into (CheckKind): the certificate rule on a run that saw one, and CHECK_DEGRADED when the check
   * just became DEGRADED. In the recording transaction, after the failure rule. A window is asked of the database
   * only when it matters and the rollups' statement did not answer it (the benchmark's baseline).
   */
  private async applyOptIns(
    tx: EntityManager,
    check: Check,
    job: CheckJob,
    result: RunResult,
    source: AlertSource,
    { status, previous, underMaintenance }: { status: string; previous: string | undefined; underMaintenance: boolean | undefined },
  ): Promise<void> {
    const kind = checkKind(check.kind);
    let maintenance = underMaintenance;
    const window = async () => (maintenance ??= await this.deps.alerts.underMaintenance(tx, job.organizationId, check.entity.id, result.finishedAt));
    if (result.tls && kind.tlsExpiryWarningDays) {
      const warningDays = kind.tlsExpiryWarningDays(check.entity);
      const opens = warningDays !== null && result.tls.daysRemaining < warningDays;
      const decision = decideTlsExpiry({ warningDays, tls: result.tls, underMaintenance: opens ? await window() : false });
      await this.deps.alerts.applyTls(tx, source, decision, job.location, result.finishedAt);
    }
    if (status === 'DEGRADED' && previous !== 'DEGRADED' && result.degraded) {
      const thresholdMs = kind.degradedAfterMs?.(check.entity) ?? 0;
      const run = { id: job.runId, location: job.location, responseTimeMs: Math.round(result.timings?.total ?? 0), thresholdMs };
      await this.deps.alerts.degraded(tx, source, run, result.finishedAt, await window());
    }
  }

  /**
   * Counts the run's location's failures in a row, reads every location of the check, and sets the check's status
   * and failure count from the worst of them (in `tx`, under the check's lock).
   */
  private async countLocation(tx: EntityManager, check: Check, location: string, result: RunResult): Promise<{ states: LocationState[]; status: string }> {
    const failed = result.status === 'FAILED';
    const id = check.entity.id;
    const { table } = checkKind(check.kind);
    const sql = <T extends object[] = object[]>(text: string, params: unknown[]) => tx.execute<T>(text, params as never[]);
    // A location's last status is DEGRADED for a degraded run: the check is DEGRADED while any location's is.
    const lastStatus = result.degraded ? 'DEGRADED' : result.status;
    const states = await sql<{ location: string; consecutive_failures: number; last_status: string }[]>(
      `with counted as (
         insert into check_locations (check_id, location, consecutive_failures, last_status, last_run_at)
         values (?, ?, ?, ?, ?)
         on conflict (check_id, location) do update set
           consecutive_failures = case when ? then check_locations.consecutive_failures + 1 else 0 end,
           last_status = excluded.last_status, last_run_at = excluded.last_run_at
         returning location, consecutive_failures, last_status)
       select location, consecutive_failures, last_status from counted
       union all
       select location, consecutive_failures, last_status from check_locations
        where check_id = ? and location <> ? and location = any(?::text[])`,
      [id, location, failed ? 1 : 0, lastStatus, result.finishedAt, failed, id, location, `{${check.entity.locations.join(',')}}`],
    );
    const worst = Math.max(0, ...states.map((s) => s.consecutive_failures));
    const degraded = states.some((s) => s.last_status === 'DEGRADED');
    const [updated] = await sql<{ status: string }[]>(
      `update "${table}" set consecutive_failures = ?, status = case when paused then 'PAUSED' when ? then 'DOWN' when ? then 'DEGRADED' else 'UP' end, last_run_at = ? where id = ? returning status`,
      [worst, worst > 0, degraded, result.finishedAt, id],
    );
    return { states: states.map((s) => ({ location: s.location, consecutiveFailures: s.consecutive_failures })), status: updated?.status };
  }
}
