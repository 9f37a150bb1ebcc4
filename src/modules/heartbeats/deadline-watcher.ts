import type { FastifyBaseLogger } from 'fastify';
import type { PingService } from './ping.service';

/**
 * Notices late heartbeats: every `tickMs` one indexed query (heartbeats_deadline_index) asks for those whose deadline
 * passed, and each is recorded once (PingService.recordMissed, a transaction per batch); a tick that recorded some asks
 * again at once, so a burst is drained without waiting a tick between batches. No timer per heartbeat: 10,000 waiting heartbeats
 * cost the same query as one (docs/reference/heartbeats.md has the measurements). Started with the worker role; any
 * number of workers may run it.
 */
export class DeadlineWatcher {
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<number> | undefined;
  private stopping = false;
  /** Missed deadlines recorded since start (the measurement script reads it). */
  recorded = 0;

  constructor(
    private readonly pings: PingService,
    private readonly log: FastifyBaseLogger,
    private readonly tickMs: number,
  ) {}

  start(): void {
    this.stopping = false;
    this.timer = setInterval(() => void this.tick(), this.tickMs);
    this.timer.unref();
    void this.tick(); // deadlines that passed while no worker ran are recorded at once
  }

  tick(): Promise<number> {
    this.ticking ??= this.drain()
      .catch((err) => {
        this.log.warn({ err: (err as Error).message }, 'could not record missed heartbeat deadlines; trying again on the next tick');
        return 0;
      })
      .finally(() => (this.ticking = undefined));
    return this.ticking;
  }

  /**
   * Records until nothing more is due: deadlines that passed while a burst was being recorded are taken at once,
   * not a whole tick later.
   */
  private async drain(): Promise<number> {
    let total = 0;
    for (;;) {
      const n = await this.pings.recordMissed();
      this.recorded += n;
      total += n;
      if (n === 0 || this.stopping) return total;
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.timer);
    this.timer = undefined;
    await this.ticking;
  }
}
