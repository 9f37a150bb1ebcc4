import type PgBoss from 'pg-boss';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { FastifyBaseLogger } from 'fastify';
import type { DeliveryAttempts, Deferral } from './delivery';
import type { DeliveryGate } from './delivery-gate';
import { NOTIFY_QUEUE, type DeliveryJob } from './notifier';
import type { ExpirySweep } from './expiry-sweep';

/** Jobs held for room (see `held`) per slot of concurrency. */
const MAX_HELD_PER_SLOT = 10;

/** The longest wait between idle polls of the notification queue. */
export const MAX_IDLE_POLL_MS = 5_000;

export interface NotificationWorkerOptions {
  concurrency: number;
  pollMs: number;
  sweepMs: number;
  /**
   * How long a job kept from starting by its organization's or channel's in-flight cap waits here for room before it
   * is put back on the queue (for as long again): below the lease margin, so a held job still starts within its lease.
   */
  holdMs: number;
}

interface Held {
  job: PgBoss.Job<DeliveryJob>;
  since: number;
}

/**
 * Sends notifications from their queue, at most `concurrency` at a time, in every worker process whatever its
 * location. A job is completed in the transaction that writes its attempt's outcome; a worker that dies holds its jobs until their
 * lease runs out, then another worker makes the attempt again (with the same webhook-id). Also runs the API key
 * expiry sweep every `sweepMs`.
 */
export class NotificationWorker {
  private readonly inFlight = new Map<string, Promise<void>>();
  /**
   * Jobs fetched but kept from starting by a cap, oldest first: at most MAX_HELD_PER_SLOT × concurrency (more are
   * put back at once). Holding costs no query, so a flood is held here while the jobs behind it are fetched.
   */
  private readonly held: Held[] = [];
  /** Jobs to put back on the queue, written together by the next flush (one transaction). */
  private deferrals: Deferral[] = [];
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
    private readonly gate: DeliveryGate,
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
      this.release();
      for (const job of jobs) this.admit(job, Date.now());
      this.flushDeferrals();
      if (jobs.length < room) await this.pause(jobs.length > 0 || this.held.length > 0);
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

  /**
   * Starts a job, holds it for room, or puts it back on the queue, as the gate says. Jobs written before they
   * carried their organization and channel are not gated.
   */
  private admit(job: PgBoss.Job<DeliveryJob>, since: number): boolean {
    if (this.inFlight.has(job.id)) return true;
    const { organizationId, channelId, attempt } = job.data;
    if (!organizationId || !channelId || attempt === undefined) {
      this.launch(job);
      return true;
    }
    const verdict = this.gate.judge(organizationId, channelId);
    if (verdict.run) {
      this.gate.start(organizationId, channelId);
      this.launch(job, () => this.gate.finish(organizationId, channelId, undefined), (health) => this.gate.finish(organizationId, channelId, health));
      return true;
    }
    const isHeld = this.held.some((h) => h.job.id === job.id);
    if (verdict.wait && Date.now() - since < this.opts.holdMs && (isHeld || this.held.length < MAX_HELD_PER_SLOT * this.opts.concurrency)) {
      if (!isHeld) this.held.push({ job, since });
      return false;
    }
    // Put back: until the circuit lets it through, or, when there is no room, after another hold's time.
    const until = verdict.wait ? new Date(Date.now() + this.opts.holdMs + Math.floor(Math.random() * 1000)) : verdict.until;
    this.deferrals.push({ job: { id: job.id, deliveryId: job.data.deliveryId, attempt, organizationId, channelId }, until, note: verdict.wait ? undefined : verdict.note });
    return true;
  }

  /** Writes the deferrals gathered so far, in one transaction. */
  private flushDeferrals(): void {
    if (!this.deferrals.length) return;
    const items = this.deferrals;
    this.deferrals = [];
    this.track(`defer:${items[0].job.id}`, () =>
      this.attempts.defer(this.orm.em.fork(), items).catch(async (err) => {
        this.log.error({ err: (err as Error).message, jobs: items.length }, 'could not put notification jobs off; the queue retries them');
        await this.boss.fail(NOTIFY_QUEUE, items.map((i) => i.job.id)).catch(() => {});
      }),
    );
  }

  /** Held jobs, oldest first: those with room start, those held too long (or short-circuited) go back to the queue. */
  private release(): void {
    for (const h of [...this.held]) {
      if (this.admit(h.job, h.since)) this.held.splice(this.held.indexOf(h), 1);
    }
    this.flushDeferrals();
  }

  private launch(job: PgBoss.Job<DeliveryJob>, onError: () => void = () => {}, onDone: (health: Awaited<ReturnType<DeliveryAttempts['run']>>) => void = () => {}): void {
    this.track(job.id, async () => {
      try {
        const health = await this.attempts.run(this.orm.em.fork(), job.data.deliveryId, job.id, job.data.attempt); // completes the job
        this.completed++;
        onDone(health);
      } catch (err) {
        onError();
        this.log.error({ err: (err as Error).message, deliveryId: job.data.deliveryId }, 'notification job failed; the queue retries it');
        await this.boss.fail(NOTIFY_QUEUE, job.id, { message: (err as Error).message }).catch(() => {});
      }
    });
  }

  /** Runs a task counted in flight; when it ends, held jobs get their chance at the room it leaves. */
  private track(id: string, work: () => Promise<void>): void {
    const task = work().finally(() => {
      this.inFlight.delete(id);
      if (!this.stopping) this.release();
    });
    this.inFlight.set(id, task);
  }

  /** Stops taking jobs; attempts still running after `deadlineMs` are handed back to the queue. */
  async stop(deadlineMs: number): Promise<void> {
    this.stopping = true;
    clearTimeout(this.sweepTimer);
    this.wake?.();
    const deadline = new Promise<boolean>((r) => setTimeout(() => r(true), deadlineMs).unref());
    await Promise.race([this.loop, deadline]);
    // Held jobs never started: back to the queue at once.
    const held = this.held.splice(0).map((h) => h.job.id);
    if (held.length) await this.boss.fail(NOTIFY_QUEUE, held).catch(() => {});
    const timedOut = await Promise.race([Promise.allSettled([...this.inFlight.values(), this.sweeping]).then(() => false), deadline]);
    if (timedOut && this.inFlight.size) await this.boss.fail(NOTIFY_QUEUE, [...this.inFlight.keys()]).catch(() => {});
    this.attempts.close();
  }
}
