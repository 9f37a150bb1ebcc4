import type PgBoss from 'pg-boss';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { FastifyBaseLogger } from 'fastify';
import type { RunService } from '../runs/run.service';
import { ensureQueue, type CheckJob } from './queue';
import { fetchFair } from './fair-share';

/** How long a recorded job may wait to be completed together with others, in milliseconds. */
const COMPLETE_EVERY_MS = 50;

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
 * Takes this location's jobs from the queue and runs them, at most `concurrency` at a time. It fetches only as
 * many jobs as it has room for, so nothing it holds waits unstarted, and each organization's only within its fair
 * share of the location's slots (fair-share.ts: pg-boss's own fetch knows no organizations); each job is
 * completed once its run is recorded. An engine failure (the database, a bug) fails the job, which pg-boss retries with backoff; a FAILED
 * check is a result, recorded and completed, never retried. A worker that dies holds its jobs only until their
 * lease (pg-boss's expiry: the check's whole timeout plus a margin) runs out; then another worker of the same
 * location runs them, and the run's unique (check, location, slot) key keeps the record single.
 */
export class CheckWorker {
  private readonly inFlight = new Map<string, Promise<void>>();
  private stopping = false;
  private signalStop: () => void = () => {};
  /** Resolves when stop() is called: a worker waiting for a free slot stops waiting. */
  private readonly stopped = new Promise<void>((r) => (this.signalStop = r));
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private queue = '';
  /** Jobs finished since the worker started (tests and the benchmark read it). */
  completed = 0;
  /** Jobs whose run is recorded, completed in the queue together every COMPLETE_EVERY_MS (one statement). */
  private done: string[] = [];
  private flushing: Promise<void> = Promise.resolve();
  private flushTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly boss: PgBoss,
    private readonly orm: MikroORM,
    private readonly runs: RunService,
    private readonly log: FastifyBaseLogger,
    readonly opts: CheckWorkerOptions,
  ) {}

  async start(): Promise<void> {
    this.queue = await ensureQueue(this.boss, this.opts.location, new Set());
    this.loop = this.run();
  }

  /** Look at the queue now (a manual run was just enqueued for this location). */
  nudge(): void {
    this.wake?.();
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      const room = this.opts.concurrency - this.inFlight.size;
      if (room <= 0) {
        await Promise.race([...this.inFlight.values(), this.stopped]);
        continue;
      }
      let jobs: PgBoss.Job<CheckJob>[] = [];
      try {
        const { location, concurrency, orgShare, reservedShare, liveWindowSeconds } = this.opts;
        jobs = await fetchFair(this.orm, { location, queue: this.queue, concurrency, orgShare, reservedShare, liveWindowSeconds }, room);
      } catch (err) {
        this.log.warn({ err: (err as Error).message, location: this.opts.location }, 'worker could not fetch jobs');
      }
      if (this.stopping) {
        // Taken while stopping: handed back at once, not started.
        if (jobs.length) await this.boss.fail(this.queue, jobs.map((j) => j.id)).catch(() => {});
        break;
      }
      for (const job of jobs) this.launch(job);
      if (jobs.length < room) await this.pause();
    }
  }

  /** The queue had nothing more: wait a poll interval, or until nudged or stopped. */
  private pause(): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => this.wake?.(), this.opts.pollMs);
      this.wake = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
    });
  }

  private launch(job: PgBoss.Job<CheckJob>): void {
    // Its lease ran out while it still runs here, and the queue offered it again: the running task completes it.
    if (this.inFlight.has(job.id)) return;
    const task = (async () => {
      try {
        await this.runs.execute(this.orm.em.fork(), job.data);
        this.complete(job.id);
        this.completed++;
      } catch (err) {
        this.log.error({ err: (err as Error).message, checkId: job.data.checkId, location: job.data.location }, 'check job failed; the queue retries it');
        await this.boss.fail(this.queue, job.id, { message: (err as Error).message }).catch(() => {});
      }
    })().finally(() => {
      if (this.inFlight.get(job.id) === task) this.inFlight.delete(job.id);
    });
    this.inFlight.set(job.id, task);
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
      this.boss.complete(this.queue, ids).then(
        () => undefined,
        (err) => this.log.warn({ err: (err as Error).message, jobs: ids.length }, 'could not complete jobs; they run again after their lease and record nothing twice'),
      ),
    );
    return this.flushing;
  }

  /**
   * Stops taking jobs and lets the running ones finish for up to `deadlineMs`; whatever is still running then is
   * handed back (failed, so pg-boss offers it to another worker at once instead of after its lease).
   */
  async stop(deadlineMs: number): Promise<void> {
    this.stopping = true;
    this.signalStop();
    this.wake?.();
    // One deadline for all of it; a fetch stuck on a frozen database must not hold the stop either.
    const deadline = new Promise<boolean>((r) => setTimeout(() => r(true), deadlineMs).unref());
    await Promise.race([this.loop, deadline]);
    const timedOut = await Promise.race([Promise.allSettled(this.inFlight.values()).then(() => false), deadline]);
    if (timedOut && this.inFlight.size) {
      const ids = [...this.inFlight.keys()];
      this.log.warn({ jobs: ids.length }, 'worker stopped with checks still running; handing them back to the queue');
      await this.boss.fail(this.queue, ids).catch(() => {});
    }
    await this.flush();
  }
}
