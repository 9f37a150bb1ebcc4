import type { FastifyBaseLogger } from 'fastify';
import type { PingService } from './ping.service';

/**
 * Notices late heartbeats: every `tickMs` one indexed query (heartbeats_deadline_index) asks for those whose deadline
 * passed, and each is recorded once (PingService.recordMissed). No timer per heartbeat: 10,000 waiting heartbeats
 * cost the same query as one (docs/reference/heartbeats.md has the measurements). Started with the worker role; any
 * number of workers may run it.
 */
export class DeadlineWatcher {
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<number> | undefined;
  /** Missed deadlines recorded since start (the measurement script reads it). */
  recorded = 0;

  constructor(
    private readonly pings: PingService,
    private readonly log: FastifyBaseLogger,
    private readonly tickMs: number,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.tick(), this.tickMs);
    this.timer.unref();
    void this.tick(); // deadlines that passed while no worker ran are recorded at once
  }

  tick(): Promise<number> {
    this.ticking ??= this.pings
      .recordMissed()
      .then((n) => (this.recorded += n, n))
      .catch((err) => {
        this.log.warn({ err: (err as Error).message }, 'could not record missed heartbeat deadlines; trying again on the next tick');
        return 0;
      })
      .finally(() => (this.ticking = undefined));
    return this.ticking;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.ticking;
  }
}
