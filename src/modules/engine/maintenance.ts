import type PgBoss from 'pg-boss';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { FastifyBaseLogger } from 'fastify';
import { jobId } from '../queue/job-id';

export const MAINTENANCE_QUEUE = 'maintenance';

/** The work of one maintenance period (retention, run partitions); answers what it did, for the log. */
export type MaintenanceTask = (em: EntityManager) => Promise<Record<string, unknown>>;

export interface MaintenanceOptions {
  intervalMs: number;
  now: () => Date;
}

/**
 * The periodic maintenance job, on the queue: every scheduling worker enqueues the current period's job under an
 * id derived from the period, so however many workers there are the queue holds ONE job per period (pg-boss
 * inserts with ON CONFLICT DO NOTHING), and whichever worker fetches it first runs it (SKIP LOCKED). A worker that
 * dies mid-job loses it for the job's expiry; the next worker to look picks it up again (pg-boss's retry).
 */
export class MaintenanceJob {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private ready = false;
  /** Periods this process ran (tests read it). */
  ran = 0;

  constructor(
    private readonly boss: PgBoss,
    private readonly orm: MikroORM,
    private readonly log: FastifyBaseLogger,
    private readonly task: MaintenanceTask,
    private readonly opts: MaintenanceOptions,
  ) {}

  start(): void {
    // Looks every tenth of the interval (at most a minute): a job a dead worker left is retried soon.
    this.timer = setInterval(() => void this.tick(), Math.min(this.opts.intervalMs / 10, 60_000));
    this.timer.unref();
    void this.tick();
  }

  /** Enqueues this period's job (once across workers) and runs it if this process gets it. */
  tick(): Promise<void> {
    this.running ??= this.once().finally(() => (this.running = undefined));
    return this.running;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  private async once(): Promise<void> {
    try {
      if (!this.ready) {
        if (!(await this.boss.getQueue(MAINTENANCE_QUEUE)))
          await this.boss.createQueue(MAINTENANCE_QUEUE, { name: MAINTENANCE_QUEUE, retryLimit: 3, retryDelay: 30 }).catch(() => {}); // another process made it
        this.ready = true;
      }
      const period = Math.floor(this.opts.now().getTime() / this.opts.intervalMs) * this.opts.intervalMs;
      const at = new Date(period).toISOString();
      await this.boss.send(MAINTENANCE_QUEUE, { period: at }, { id: jobId('maintenance', 'all', at), expireInSeconds: 3600, retentionSeconds: this.opts.intervalMs / 1000 });
      const [job] = await this.boss.fetch<{ period: string }>(MAINTENANCE_QUEUE);
      if (!job) return;
      try {
        const done = await this.task(this.orm.em.fork());
        await this.boss.complete(MAINTENANCE_QUEUE, job.id);
        this.ran++;
        this.log.info({ period: job.data.period, ...done }, 'maintenance done');
      } catch (err) {
        await this.boss.fail(MAINTENANCE_QUEUE, job.id, { message: (err as Error).message }).catch(() => {});
        throw err;
      }
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'maintenance failed; it is tried again later');
    }
  }
}
