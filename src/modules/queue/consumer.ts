import type PgBoss from 'pg-boss';
import type { FastifyBaseLogger } from 'fastify';

export interface ConsumerOptions {
  /** The queue its jobs come from, and are handed back to. */
  queue: string;
  /** Jobs this process runs at the same time. */
  concurrency: number;
  /** The wait before the next poll when a poll found less than there was room for, in milliseconds. */
  pollMs: number;
  /**
   * Idle polls (that found nothing and left nothing waiting) back off, doubling from pollMs up to this; pollMs or
   * less: no back-off. A nudge or work found starts again from pollMs.
   */
  maxIdleMs: number;
}

/** What the process runs: `start` and `stop` are all the engine needs of a consumer. */
export interface Consumer {
  start(): void | Promise<void>;
  /** Stops taking jobs; whatever is still running after `deadlineMs` is handed back to the queue. */
  stop(deadlineMs: number): Promise<void>;
}

/**
 * The fetch loop shared by the check worker and the notification worker: it fetches only as many jobs as it has
 * room for (so nothing it holds waits unstarted for long), backs off when idle, and on stop hands back to the queue
 * (fails, so pg-boss offers them to another worker at once instead of after their lease) what it fetched while
 * stopping and what is still running at the deadline. A worker that dies holds its jobs only until their lease
 * (pg-boss's expiry) runs out. What to fetch and how to run a job are the subclass's.
 */
export abstract class QueueConsumer<T extends object> implements Consumer {
  /** Tasks running, by job id. */
  protected readonly inFlight = new Map<string, Promise<void>>();
  protected stopping = false;
  private signalStop: () => void = () => {};
  /** Resolves when stop() is called: a loop waiting for a free slot stops waiting. */
  private readonly stopped = new Promise<void>((r) => (this.signalStop = r));
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  /** Jobs finished since start (tests and the benchmark read it). */
  completed = 0;
  /** The wait before the next idle poll: pollMs, doubled by each poll that finds nothing, up to maxIdleMs. */
  idleMs: number;

  constructor(
    protected readonly boss: PgBoss,
    protected readonly log: FastifyBaseLogger,
    readonly opts: ConsumerOptions,
  ) {
    this.idleMs = opts.pollMs;
  }

  /** Up to `room` jobs from the queue. */
  protected abstract fetch(room: number): Promise<PgBoss.Job<T>[]>;

  /** Starts (through `track`) or holds the jobs of one fetch. */
  protected abstract take(jobs: PgBoss.Job<T>[]): void;

  /** Jobs fetched but not started (held for room): the loop polls at pollMs while there are some. */
  protected waiting(): number {
    return 0;
  }

  /** Called when stopping, once the loop ended: hand back what was fetched and never started. */
  protected async handBackUnstarted(): Promise<void> {}

  /** Work besides the jobs that a stop lets finish within its deadline. */
  protected background(): Promise<unknown>[] {
    return [];
  }

  /** The last step of a stop (write what was batched, close what was opened). */
  protected async finish(): Promise<void> {}

  /** A task ended: room was left. */
  protected settled(): void {}

  start(): void | Promise<void> {
    this.loop = this.run();
  }

  /** Something was enqueued for this consumer: look after `delayMs` rather than at the next poll. */
  nudge(delayMs = 0): void {
    this.idleMs = this.opts.pollMs;
    if (delayMs > 0) setTimeout(() => this.wake?.(), delayMs).unref();
    else this.wake?.();
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      const room = this.opts.concurrency - this.inFlight.size;
      if (room <= 0) {
        await Promise.race([...this.inFlight.values(), this.stopped]);
        continue;
      }
      let jobs: PgBoss.Job<T>[] = [];
      try {
        jobs = await this.fetch(room);
      } catch (err) {
        this.log.warn({ err: (err as Error).message, queue: this.opts.queue }, 'could not fetch jobs');
      }
      if (this.stopping) {
        // Taken while stopping: handed back at once, not started.
        if (jobs.length) await this.handBack(jobs.map((j) => j.id));
        break;
      }
      this.take(jobs);
      if (jobs.length < room) await this.pause(jobs.length > 0 || this.waiting() > 0);
    }
  }

  /**
   * Waits for the next poll. Idle polls back off (pollMs, doubling to maxIdleMs): a quiet worker does not query
   * the queue every pollMs for ever (on the embedded database, through its one connection).
   */
  private pause(foundWork: boolean): Promise<void> {
    const delay = foundWork ? this.opts.pollMs : this.idleMs;
    this.idleMs = foundWork ? this.opts.pollMs : Math.min(Math.max(this.opts.maxIdleMs, this.opts.pollMs), delay * 2);
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => this.wake?.(), delay);
      this.wake = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
    });
  }

  /** Runs a task counted in flight under `id`. */
  protected track(id: string, work: () => Promise<void>): void {
    const task = work().finally(() => {
      if (this.inFlight.get(id) === task) this.inFlight.delete(id);
      if (!this.stopping) this.settled();
    });
    this.inFlight.set(id, task);
  }

  /** Fails jobs so pg-boss offers them again (to this or another worker) at once. */
  protected handBack(ids: string[]): Promise<void> {
    return this.boss.fail(this.opts.queue, ids).catch(() => {});
  }

  /** Fails a job whose run went wrong (not the check: the engine), saying why; pg-boss retries it with backoff. */
  protected failJob(id: string, err: unknown): Promise<void> {
    return this.boss.fail(this.opts.queue, id, { message: (err as Error).message }).catch(() => {});
  }

  /**
   * Stops taking jobs and lets the running ones finish for up to `deadlineMs`; whatever is still running then is
   * handed back. One deadline for all of it: a fetch stuck on a frozen database must not hold the stop either.
   */
  async stop(deadlineMs: number): Promise<void> {
    this.stopping = true;
    this.signalStop();
    this.wake?.();
    const deadline = new Promise<boolean>((r) => setTimeout(() => r(true), deadlineMs).unref());
    await Promise.race([this.loop, deadline]);
    await this.handBackUnstarted();
    const timedOut = await Promise.race([Promise.allSettled([...this.inFlight.values(), ...this.background()]).then(() => false), deadline]);
    if (timedOut && this.inFlight.size) {
      const ids = [...this.inFlight.keys()];
      this.log.warn({ jobs: ids.length, queue: this.opts.queue }, 'worker stopped with jobs still running; handing them back to the queue');
      await this.handBack(ids);
    }
    await this.finish();
  }
}
