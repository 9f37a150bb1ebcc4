import type PgBoss from 'pg-boss';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { FastifyBaseLogger } from 'fastify';
import { newId } from '../common/ids';
import { phasedSlotSql } from '../checks/phase';
import { jobId } from '../queue/job-id';
import { ormDb } from '../queue/pg-boss-db';
import type { CheckJob } from '../runs/check-job';
import { ensureQueue, queueName } from './queue';
import { CHECK_KINDS, type RegisteredKind } from '../checks/kinds/registry';

export interface SchedulerOptions {
  tickMs: number;
  /** Slots due within this many milliseconds are enqueued now, to start at their time (the queue holds them). */
  lookaheadMs: number;
  /** Added to a check's whole timeout to make its lease (how long a worker may hold its job), in seconds. */
  leaseMarginSeconds: number;
  /** Due checks claimed per statement. */
  batch: number;
  /** JOURNEY_MAX_DURATION_MS: a journey's whole timeout is never longer. */
  journeyMaxDurationMs: number;
}

interface DueRow {
  id: string;
  organization_id: string;
  locations: string[];
  slot: Date;
  interval_seconds: number;
  /** The longest a run may take: timeoutMs, times the steps for a journey (at most JOURNEY_MAX_DURATION_MS). */
  total_timeout_ms: number;
}

/**
 * A claimed check's next slot: its first phased slot (checks/phase.ts) at least half an interval after this one.
 * After a phased slot that is exactly one interval later; after a slot that was not phased (a new check's first,
 * a catch-up after downtime, a row from before phases) it is the check's phase, between half an interval and one
 * and a half later, so a check never runs twice in a row for want of a phase.
 */
const NEXT_SLOT = phasedSlotSql('t.id', 't.interval_seconds', "(slots.slot + make_interval(secs => t.interval_seconds / 2.0))");

/** Priority of scheduled slots; manual runs go first. */
export const SCHEDULED_PRIORITY = 0;

/**
 * Turns due slots into jobs, once per location. Due checks are claimed with `FOR UPDATE SKIP LOCKED` and their
 * `next_run_at` advanced in the same transaction that inserts the jobs (pg-boss writes through that transaction),
 * and each job's id is derived from (check, location, slot): however many processes schedule, each slot is
 * enqueued once per location, or — if the transaction fails — not at all and claimed again on the next tick.
 * A check whose slot is more than one interval in the past (the schedulers were all down) runs once now, not
 * once per missed slot.
 */
export class SlotScheduler {
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<number> | undefined;
  private stopping = false;
  private readonly queues = new Set<string>();
  /** Jobs enqueued since start (tests and the benchmark read it). */
  enqueued = 0;

  constructor(
    private readonly orm: MikroORM,
    private readonly boss: PgBoss,
    private readonly log: FastifyBaseLogger,
    private readonly opts: SchedulerOptions,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.tick(), this.opts.tickMs);
    this.timer.unref();
    void this.tick();
  }

  /** Enqueues everything due now (within the lookahead). Answers how many jobs it enqueued. */
  tick(): Promise<number> {
    this.ticking ??= this.enqueueDue().finally(() => (this.ticking = undefined));
    return this.ticking;
  }

  async stop(): Promise<void> {
    this.stopping = true; // a catch-up of many batches ends after the one under way
    clearInterval(this.timer);
    this.timer = undefined;
    await this.ticking;
  }

  private async enqueueDue(): Promise<number> {
    let total = 0;
    try {
      for (const kind of await this.dueKinds())
        for (;;) {
          const result = await this.claimAndEnqueue(kind);
          if ('missing' in result) {
            // A location whose queue this process has not made yet: make it, outside the transaction (which
            // rolled back, so the slots are still due), and claim again.
            for (const location of result.missing) await ensureQueue(this.boss, location, this.queues);
            continue;
          }
          total += result.jobs;
          if (result.claimed < this.opts.batch || this.stopping) break;
        }
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'scheduler could not enqueue due checks; it tries again on the next tick');
    }
    this.enqueued += total;
    return total;
  }

  /**
   * The kinds run by slot (not heartbeats: pinged, never run by slot, see heartbeats/deadline-watcher.ts) that have a
   * slot due within the lookahead. One read, outside any transaction, with the claim's own predicate: an idle tick
   * is this one statement, where it was a transaction of three statements per kind, every second, in every worker
   * (on the embedded default, statements the API's process runs beside its requests). A slot falling due just after
   * it is claimed by the next tick, as one falling due just after a claim always was.
   */
  private async dueKinds(): Promise<RegisteredKind[]> {
    const kinds = CHECK_KINDS.filter((kind) => !('pushed' in kind && kind.pushed));
    if (!kinds.length) return [];
    const sql = kinds
      .map((kind) => `select ? as kind where exists (select 1 from "${kind.table}" where paused = false and next_run_at <= now() + make_interval(secs => ?))`)
      .join(' union all ');
    const rows = await this.orm.em.getConnection().execute<{ kind: string }[]>(sql, kinds.flatMap((kind) => [kind.table, this.opts.lookaheadMs / 1000]), 'all');
    const due = new Set(rows.map((row) => row.kind));
    return kinds.filter((kind) => due.has(kind.table));
  }

  private async claimAndEnqueue(kind: RegisteredKind): Promise<{ claimed: number; jobs: number } | { missing: string[] }> {
    const missing = new Set<string>();
    const result = await this.orm.em.fork().transactional(async (tx) => {
      const totalTimeout = kind.totalTimeoutSql(this.opts.journeyMaxDurationMs);
      const rows = await tx.getConnection().execute<DueRow[]>(
        `with due as (
           select id from "${kind.table}"
            where paused = false and next_run_at <= now() + make_interval(secs => ?)
            order by next_run_at limit ? for no key update skip locked
         ), slots as (
           select t.id,
                  case when t.next_run_at < now() - make_interval(secs => t.interval_seconds)
                       then date_trunc('milliseconds', now()) else t.next_run_at end as slot
             from "${kind.table}" t join due on due.id = t.id
         )
         update "${kind.table}" t set next_run_at = ${NEXT_SLOT}
           from slots where t.id = slots.id
         returning t.id, t.organization_id, t.locations, slots.slot, t.interval_seconds, ${totalTimeout} as total_timeout_ms`,
        [this.opts.lookaheadMs / 1000, this.opts.batch],
        'all',
        tx.getTransactionContext(),
      );
      if (!rows.length) return { claimed: 0, jobs: 0 };
      const jobs: PgBoss.JobInsert<CheckJob>[] = [];
      for (const row of rows) {
        const slot = new Date(row.slot);
        const lease = Math.ceil(Number(row.total_timeout_ms) / 1000) + this.opts.leaseMarginSeconds;
        for (const location of row.locations) {
          // pg-boss drops jobs of a queue that does not exist: never enqueue blind.
          if (!this.queues.has(queueName(location))) missing.add(location);
          const scheduledAt = slot.toISOString();
          jobs.push({
            id: jobId(row.id, location, scheduledAt),
            name: queueName(location),
            data: { kind: kind.name, checkId: row.id, organizationId: row.organization_id, location, scheduledAt, runId: newId('run'), trigger: 'SCHEDULED' },
            priority: SCHEDULED_PRIORITY,
            startAfter: scheduledAt,
            expireInSeconds: lease,
            // A slot no worker of its location could start by then is dropped (the location was down); later
            // slots carry on. Two intervals and a lease leave room for a dead worker's job to be re-run.
            keepUntil: new Date(slot.getTime() + (2 * row.interval_seconds + lease) * 1000).toISOString(),
          });
        }
      }
      if (missing.size) throw new MissingQueues();
      await this.boss.insert(jobs, { db: ormDb(tx) });
      return { claimed: rows.length, jobs: jobs.length };
    }).catch((e) => {
      if (e instanceof MissingQueues) return undefined;
      throw e;
    });
    return result ?? { missing: [...missing] };
  }
}

/** Rolls the claiming transaction back: its slots stay due until their queues exist. */
class MissingQueues extends Error {}
