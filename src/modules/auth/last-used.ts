import type { MikroORM } from '@mikro-orm/postgresql';
import type { FastifyBaseLogger } from 'fastify';

/**
 * Collects `lastUsedAt` / `lastUsedIp` in memory and writes them in one UPDATE per interval and at shutdown
 * (ARCHITECTURE.md §2): at most one write per key per interval, never one per request.
 */
export class LastUsedTracker {
  private pending = new Map<string, { at: Date; ip: string }>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly orm: MikroORM,
    private readonly log: FastifyBaseLogger,
    intervalMs: number,
  ) {
    this.timer = setInterval(() => void this.flush(), intervalMs);
    this.timer.unref();
  }

  record(keyId: string, at: Date, ip: string): void {
    this.pending.set(keyId, { at, ip });
  }

  /** The newest use not yet written, if any. */
  peek(keyId: string): Date | undefined {
    return this.pending.get(keyId)?.at;
  }

  /** Writes what is pending; concurrent calls are serialised so the newest value always lands last. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(() => this.write());
    return this.flushing;
  }

  private async write(): Promise<void> {
    if (this.pending.size === 0) return;
    const batch = [...this.pending];
    this.pending = new Map();
    const values = batch.map(() => '(?, ?::timestamptz, ?)').join(', ');
    const params = batch.flatMap(([id, v]) => [id, v.at.toISOString(), v.ip]);
    try {
      await this.orm.em.getConnection().execute(
        `update api_keys as k set last_used_at = v.at, last_used_ip = v.ip
           from (values ${values}) as v(id, at, ip)
          where k.id = v.id and (k.last_used_at is null or k.last_used_at < v.at)`,
        params,
        'run',
      );
    } catch (err) {
      // Losing a last-used time must never fail a request; keep the values for the next attempt.
      for (const [id, v] of batch) if (!this.pending.has(id)) this.pending.set(id, v);
      this.log.warn({ err: (err as Error).message }, 'could not write lastUsedAt');
    }
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }
}
