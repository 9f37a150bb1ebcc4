import type PgBoss from 'pg-boss';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { FastifyBaseLogger } from 'fastify';
import { QueueConsumer } from '../queue/consumer';
import type { DeliveryAttempts, Deferral } from './delivery';
import type { DeliveryGate } from './delivery-gate';
import { NOTIFY_QUEUE, type DeliveryJob } from './notifier';

/** A periodic look of the worker (the API key expiry notices, the lost deliveries): any number may run at once. */
export interface Sweep {
  /** Named in the log when it fails. */
  name: string;
  run(em: EntityManager): Promise<number>;
}

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
 * lease runs out, then another worker makes the attempt again (with the same webhook-id). Also runs its sweeps (the
 * API key expiry notices, the lost deliveries) every `sweepMs`, one after the other.
 */
export class NotificationWorker extends QueueConsumer<DeliveryJob> {
  /**
   * Jobs fetched but kept from starting by a cap, oldest first: at most MAX_HELD_PER_SLOT × concurrency (more are
   * put back at once). Holding costs no query, so a flood is held here while the jobs behind it are fetched.
   */
  private readonly held: Held[] = [];
  /** Jobs to put back on the queue, written together by the next flush (one transaction). */
  private deferrals: Deferral[] = [];
  private sweepTimer: NodeJS.Timeout | undefined;
  private sweeping: Promise<void> = Promise.resolve();

  constructor(
    boss: PgBoss,
    private readonly orm: MikroORM,
    private readonly attempts: DeliveryAttempts,
    private readonly gate: DeliveryGate,
    readonly sweeps: Sweep[],
    log: FastifyBaseLogger,
    private readonly settings: NotificationWorkerOptions,
  ) {
    super(boss, log, { queue: NOTIFY_QUEUE, concurrency: settings.concurrency, pollMs: settings.pollMs, maxIdleMs: MAX_IDLE_POLL_MS });
  }

  override start(): void {
    super.start();
    const tick = () => {
      this.sweeping = (async () => {
        for (const sweep of this.sweeps)
          await sweep.run(this.orm.em.fork()).catch((err) => this.log.warn({ err: (err as Error).message, sweep: sweep.name }, 'sweep failed; it runs again'));
      })();
      void this.sweeping.finally(() => {
        if (!this.stopping) this.sweepTimer = setTimeout(tick, this.settings.sweepMs);
      });
    };
    tick();
  }

  /** Something was enqueued in this process: look now rather than at the next poll. */
  override nudge(): void {
    // After the enqueuing transaction had a moment to commit (it is still open when the notifier returns).
    super.nudge(5);
  }

  protected fetch(room: number): Promise<PgBoss.Job<DeliveryJob>[]> {
    return this.boss.fetch<DeliveryJob>(NOTIFY_QUEUE, { batchSize: room });
  }

  /** Held jobs get their chance first, then the fetched ones; deferrals are written together. */
  protected take(jobs: PgBoss.Job<DeliveryJob>[]): void {
    this.release();
    for (const job of jobs) this.admit(job, Date.now());
    this.flushDeferrals();
  }

  protected override waiting(): number {
    return this.held.length;
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
    if (verdict.wait && Date.now() - since < this.settings.holdMs && (isHeld || this.held.length < MAX_HELD_PER_SLOT * this.opts.concurrency)) {
      if (!isHeld) this.held.push({ job, since });
      return false;
    }
    // Put back: until the circuit lets it through, or, when there is no room, after another hold's time.
    const until = verdict.wait ? new Date(Date.now() + this.settings.holdMs + Math.floor(Math.random() * 1000)) : verdict.until;
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
        await this.handBack(items.map((i) => i.job.id));
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
        await this.failJob(job.id, err);
      }
    });
  }

  /** A task ended: held jobs get their chance at the room it left. */
  protected override settled(): void {
    this.release();
  }

  override async stop(deadlineMs: number): Promise<void> {
    clearTimeout(this.sweepTimer);
    await super.stop(deadlineMs);
  }

  /** Held jobs never started: back to the queue at once. */
  protected override async handBackUnstarted(): Promise<void> {
    const held = this.held.splice(0).map((h) => h.job.id);
    if (held.length) await this.handBack(held);
  }

  protected override background(): Promise<unknown>[] {
    return [this.sweeping];
  }

  protected override async finish(): Promise<void> {
    this.attempts.close();
  }
}
