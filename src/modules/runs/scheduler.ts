import type { MikroORM } from '@mikro-orm/postgresql';
import type { FastifyBaseLogger } from 'fastify';
import { AppError } from '../../errors';
import type { RunService } from './run.service';

export interface SchedulerOptions {
  tickMs: number;
  /** Checks this instance runs at once; it claims no more than it has room for. */
  concurrency: number;
}

type Kind = 'monitors' | 'journeys';

/**
 * Runs every unpaused monitor and journey every intervalSeconds. Due work is claimed with
 * `SELECT … FOR UPDATE SKIP LOCKED` and its next_run_at advanced in the same statement, so with several instances
 * on one database each due run happens exactly once, and a slow instance never blocks the others.
 */
export class Scheduler {
  private timer: NodeJS.Timeout | undefined;
  private readonly inFlight = new Set<Promise<void>>();
  private ticking = false;
  private stopped = false;

  constructor(
    private readonly orm: MikroORM,
    private readonly runs: RunService,
    private readonly log: FastifyBaseLogger,
    private readonly opts: SchedulerOptions,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.tick(), this.opts.tickMs);
    this.timer.unref();
  }

  /** Claims what is due (as much as there is room for) and starts running it. Answers how many it claimed. */
  async tick(): Promise<number> {
    if (this.ticking || this.stopped) return 0;
    this.ticking = true;
    try {
      let claimed = 0;
      for (const kind of ['monitors', 'journeys'] as const) {
        const room = this.opts.concurrency - this.inFlight.size;
        if (room <= 0) break;
        for (const row of await this.claim(kind, room)) {
          this.launch(kind, row.id, row.organization_id);
          claimed++;
        }
      }
      return claimed;
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'scheduler could not claim due checks');
      return 0;
    } finally {
      this.ticking = false;
    }
  }

  /** Resolves when every run this instance started has finished. */
  async idle(): Promise<void> {
    while (this.inFlight.size) await Promise.allSettled([...this.inFlight]);
  }

  /** Stops claiming and waits for the runs in flight (shutdown). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.idle();
  }

  private claim(kind: Kind, limit: number): Promise<Array<{ id: string; organization_id: string }>> {
    return this.orm.em.getConnection().execute(
      `with due as (
         select id from "${kind}" where paused = false and next_run_at <= now()
          order by next_run_at limit ? for update skip locked
       )
       update "${kind}" t set next_run_at = now() + make_interval(secs => t.interval_seconds)
         from due where t.id = due.id
       returning t.id, t.organization_id`,
      [limit],
    );
  }

  private launch(kind: Kind, id: string, organizationId: string): void {
    const em = this.orm.em.fork();
    const run = (async () => {
      try {
        if (kind === 'monitors') await this.runs.runMonitor(em, organizationId, id, 'SCHEDULED');
        else await this.runs.runJourney(em, organizationId, id, 'SCHEDULED');
      } catch (err) {
        if (err instanceof AppError && err.code === 'PLAN_LIMIT_EXCEEDED') this.log.warn({ id, organizationId }, err.message);
        else if (!(err instanceof AppError && err.code === 'NOT_FOUND')) this.log.error({ id, err: (err as Error).message }, 'scheduled run failed');
      }
    })();
    this.inFlight.add(run);
    void run.finally(() => this.inFlight.delete(run));
  }
}
