import type PgBoss from 'pg-boss';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { FastifyBaseLogger } from 'fastify';
import type { CheckJob } from '../runs/check-job';
import { QueueConsumer } from '../queue/consumer';
import { ensureQueue, queueName } from './queue';
import { fetchFair } from './fair-share';

/** How long a recorded job may wait to be completed together with others, in milliseconds. */
const COMPLETE_EVERY_MS = 50;

/** Runs one job's check and records it; what a failed check is, is its answer, not an exception. */
export interface CheckJobRunner {
  execute(em: EntityManager, job: CheckJob): Promise<unknown>;
}

export interface CheckWorkerOptions {
  location: string;
  /** Checks this process runs at the same time. */
  concurrency: number;
  /** How long to wait before asking again when the queue was empty, in milliseconds (a nudge cuts it short). */
  pollMs: number;
  /** WORKER_ORG_SHARE: the largest fraction of the location's slots one organization may hold (fair-share.ts). */
  orgShare: number;
  /** WORKER_RESERVED_SHARE: the fraction of the location's slots kept for organizations holding none (fair-share.ts). */
  reservedShare: number;
  /** A worker of the location counts (its slots) while its heartbeat is this recent, in seconds. */
  liveWindowSeconds: number;
}

/**
 * Takes this location's jobs from the queue and runs them, at most `concurrency` at a time (the loop, leases and
 * hand-back are QueueConsumer's), each organization's only within its fair share of the location's slots
 * (fair-share.ts: pg-boss's own fetch knows no organizations); each job is completed once its run is recorded. An
 * engine failure (the database, a bug) fails the job, which pg-boss retries with backoff; a FAILED check is a
 * result, recorded and completed, never retried. A job run again after its worker died records nothing twice: the
 * run's unique (check, location, slot) key keeps the record single. It polls every pollMs without backing off:
 * scheduled slots fall due by the clock, and a worker backing off would start them late.
 */
export class CheckWorker extends QueueConsumer<CheckJob> {
  /** Jobs whose run is recorded, completed in the queue together every COMPLETE_EVERY_MS (one statement). */
  private done: string[] = [];
  private flushing: Promise<void> = Promise.resolve();
  private flushTimer: NodeJS.Timeout | undefined;

  constructor(
    boss: PgBoss,
    private readonly orm: MikroORM,
    private readonly runner: CheckJobRunner,
    log: FastifyBaseLogger,
    private readonly settings: CheckWorkerOptions,
  ) {
    super(boss, log, { queue: queueName(settings.location), concurrency: settings.concurrency, pollMs: settings.pollMs, maxIdleMs: settings.pollMs });
  }

  get location(): string {
    return this.settings.location;
  }

  override async start(): Promise<void> {
    await ensureQueue(this.boss, this.settings.location, new Set());
    super.start();
  }

  protected fetch(room: number): Promise<PgBoss.Job<CheckJob>[]> {
    const { location, concurrency, orgShare, reservedShare, liveWindowSeconds } = this.settings;
    return fetchFair(this.orm, { location, queue: this.opts.queue, concurrency, orgShare, reservedShare, liveWindowSeconds }, room);
  }

  protected take(jobs: PgBoss.Job<CheckJob>[]): void {
    for (const job of jobs) {
      // Its lease ran out while it still runs here, and the queue offered it again: the running task completes it.
      if (this.inFlight.has(job.id)) continue;
      this.track(job.id, async () => {
        try {
          await this.runner.execute(this.orm.em.fork(), job.data);
          this.complete(job.id);
          this.completed++;
        } catch (err) {
          this.log.error({ err: (err as Error).message, checkId: job.data.checkId, location: job.data.location }, 'check job failed; the queue retries it');
          await this.failJob(job.id, err);
        }
      });
    }
  }

  /**
   * Completes recorded jobs in batches: a job whose completion is lost (the process died first) runs again after
   * its lease and records nothing twice, so completing a little later is safe, and it saves a statement per check.
   */
  private complete(id: string): void {
    this.done.push(id);
    this.flushTimer ??= setTimeout(() => void this.flush(), COMPLETE_EVERY_MS);
  }

  private flush(): Promise<void> {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    const ids = this.done.splice(0);
    if (!ids.length) return this.flushing;
    this.flushing = this.flushing.then(() =>
      this.boss.complete(this.opts.queue, ids).then(
        () => undefined,
        (err) => this.log.warn({ err: (err as Error).message, jobs: ids.length }, 'could not complete jobs; they run again after their lease and record nothing twice'),
      ),
    );
    return this.flushing;
  }

  protected override finish(): Promise<void> {
    return this.flush();
  }
}
