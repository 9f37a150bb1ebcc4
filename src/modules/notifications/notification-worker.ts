import type PgBoss from 'pg-boss';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { FastifyBaseLogger } from 'fastify';
import type { DeliveryAttempts } from './delivery';
import { NOTIFY_QUEUE, type DeliveryJob } from './notifier';
import type { ExpirySweep } from './expiry-sweep';

/** The longest wait between idle polls of the notification queue. */
export const MAX_IDLE_POLL_MS = 5_000;

export interface NotificationWorkerOptions {
  concurrency: number;
  pollMs: number;
  sweepMs: number;
}

/**
 * Sends notifications from their queue, at most `concurrency` at a time, in every worker process whatever its
 * location. A job is completed in the transaction that writes its attempt's outcome; a worker that dies holds its jobs until their
 * lease runs out, then another worker makes the attempt again (with the same webhook-id). Also runs the API key
 * expiry sweep every `sweepMs`.
 */
export class NotificationWorker {
  private readonly inFlight = new Map<string, Promise<void>>();
  private stopping = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private sweepTimer: NodeJS.Timeout | undefined;
  private sweeping: Promise<void> = Promise.resolve();
  /** Attempts finished since start (tests read it). */
  completed = 0;
  /** The wait before the next idle poll: pollMs, doubled by each poll that finds nothing, up to MAX_IDLE_POLL_MS. */
  idleMs: number;

  constructor(
    private readonly boss: PgBoss,
    private readonly orm: MikroORM,
    private readonly attempts: DeliveryAttempts,
    readonly sweep: ExpirySweep,
    private readonly log: FastifyBaseLogger,
    private readonly opts: NotificationWorkerOptions,
  ) {
    this.idleMs = opts.pollMs;
  }

  start(): void {
    this.loop = this.run();
    const tick = () => {
      this.sweeping = this.sweep.run(this.orm.em.fork()).then(() => undefined, (err) => this.log.warn({ err: (err as Error).message }, 'API key expiry sweep failed; it runs again'),
      );
      void this.sweeping.finally(() => {
        if (!this.stopping) this.sweepTimer = setTimeout(tick, this.opts.sweepMs);
      });
    };
    tick();
  }

  /** Something was enqueued in this process: look now rather than at the next poll. */
  nudge(): void {
    this.idleMs = this.opts.pollMs;
    // After the enqueuing transaction had a moment to commit (it is still open when the notifier returns).
    setTimeout(() => this.wake?.(), 5).unref();
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      const room = this.opts.concurrency - this.inFlight.size;
      if (room <= 0) {
        await Promise.race(this.inFlight.values());
        continue;
      }
      let jobs: PgBoss.Job<DeliveryJob>[] = [];
      try {
        jobs = await this.boss.fetch<DeliveryJob>(NOTIFY_QUEUE, { batchSize: room });
      } catch (err) {
        this.log.warn({ err: (err as Error).message }, 'could not fetch notification jobs');
      }
      if (this.stopping) {
        if (jobs.length) await this.boss.fail(NOTIFY_QUEUE, jobs.map((j) => j.id)).catch(() => {});
        break;
      }
      for (const job of jobs) this.launch(job);
      if (jobs.length < room) await this.pause(jobs.length > 0);
    }
  }

  /**
   * Waits for the next poll. Idle polls back off (pollMs, doubling to MAX_IDLE_POLL_MS): a quiet worker does not
   * query the queue every pollMs for ever (on the embedded database, through its one connection). Work found or a
   * nudge starts again from pollMs.
   */
  private pause(foundWork: boolean): Promise<void> {
    const delay = foundWork ? this.opts.pollMs : this.idleMs;
    this.idleMs = foundWork ? this.opts.pollMs : Math.min(Math.max(MAX_IDLE_POLL_MS, this.opts.pollMs), delay * 2);
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => this.wake?.(), delay);
      this.wake = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
    });
  }

  private launch(job: PgBoss.Job<DeliveryJob>): void {
    if (this.inFlight.has(job.id)) return;
    const task = (async () => {
      try {
        await this.attempts.run(this.orm.em.fork(), job.data.deliveryId, job.id, job.data.attempt); // completes the job
        this.completed++;
      } catch (err) {
        this.log.error({ err: (err as Error).message, deliveryId: job.data.deliveryId }, 'notification job failed; the queue retries it');
        await this.boss.fail(NOTIFY_QUEUE, job.id, { message: (err as Error).message }).catch(() => {});
      }
    })().finally(() => this.inFlight.delete(job.id));
    this.inFlight.set(job.id, task);
  }

  /** Stops taking jobs; attempts still running after `deadlineMs` are handed back to the queue. */
  async stop(deadlineMs: number): Promise<void> {
    this.stopping = true;
    clearTimeout(this.sweepTimer);
    this.wake?.();
    const deadline = new Promise<boolean>((r) => setTimeout(() => r(true), deadlineMs).unref());
    await Promise.race([this.loop, deadline]);
    const timedOut = await Promise.race([Promise.allSettled([...this.inFlight.values(), this.sweeping]).then(() => false), deadline]);
    if (timedOut && this.inFlight.size) await this.boss.fail(NOTIFY_QUEUE, [...this.inFlight.keys()]).catch(() => {});
    this.attempts.close();
  }
}
