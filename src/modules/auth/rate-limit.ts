import type { MikroORM } from '@mikro-orm/postgresql';
import type { FastifyBaseLogger } from 'fastify';

const WINDOW_MS = 60_000;
const MAX_KEYS = 100_000;

export interface RateDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Seconds until the window resets. */
  reset: number;
}

interface KeyWindow {
  start: number;
  /** Requests this instance admitted in the window. */
  local: number;
  /** Of `local`, how many are not yet added to the shared counter. */
  unsynced: number;
  /** What other instances had counted when this one last synchronised. */
  others: number;
}

/**
 * The per-key request rate limit: `limit` requests per key per fixed one-minute window (aligned to the clock's
 * minute, so every instance agrees on the window).
 *
 * Deciding costs a Map lookup: nothing on the request path waits for the database. With PostgreSQL, instances share
 * their counts through the `request_counts` table: every `syncMs` each instance adds what it admitted since the last
 * sync (one INSERT … ON CONFLICT for all keys) and reads back the totals, also of keys it saw this minute but not
 * since (one SELECT), so a key's budget is shared by all instances. The price of not querying per request is a bounded overshoot: across N instances at most what they
 * admit within one sync interval before they hear of each other. The embedded database has one process, so its
 * counts stay in memory (no `sync`).
 */
export class RequestRateLimiter {
  private readonly windows = new Map<string, KeyWindow>();
  private timer: NodeJS.Timeout | undefined;
  private syncing: Promise<void> = Promise.resolve();
  private lastCleanup = 0;

  constructor(
    readonly limit: number,
    private readonly now: () => number,
    private readonly shared?: { orm: MikroORM; log: FastifyBaseLogger; syncMs: number },
  ) {
    if (shared) {
      this.timer = setInterval(() => void this.sync(), shared.syncMs);
      this.timer.unref();
    }
  }

  take(keyId: string): RateDecision {
    const now = this.now();
    const start = now - (now % WINDOW_MS);
    let w = this.windows.get(keyId);
    if (!w || w.start !== start) {
      if (!w && this.windows.size >= MAX_KEYS) this.prune(start);
      w = { start, local: 0, unsynced: 0, others: 0 };
      this.windows.set(keyId, w);
    }
    const reset = Math.max(1, Math.ceil((start + WINDOW_MS - now) / 1000));
    const used = w.local + w.others;
    if (used >= this.limit) return { allowed: false, limit: this.limit, remaining: 0, reset };
    w.local++;
    w.unsynced++;
    return { allowed: true, limit: this.limit, remaining: this.limit - used - 1, reset };
  }

  /** Adds this instance's new counts to the shared table and learns the totals. Serialised; never throws. */
  sync(): Promise<void> {
    this.syncing = this.syncing.then(() => this.push());
    return this.syncing;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    if (this.shared) await this.sync();
  }

  private async push(): Promise<void> {
    if (!this.shared) return;
    const now = this.now();
    const current = now - (now % WINDOW_MS);
    const changed: [string, KeyWindow, number][] = [];
    const idle: [string, KeyWindow][] = [];
    for (const [id, w] of this.windows) {
      if (w.start !== current) continue;
      if (w.unsynced > 0) {
        changed.push([id, w, w.unsynced]);
        w.unsynced = 0;
      } else {
        idle.push([id, w]); // nothing new here, but other instances may have used the key since
      }
    }
    const conn = this.shared.orm.em.getConnection();
    let pushed = false;
    try {
      const totals = new Map<string, number>();
      if (changed.length) {
        const values = changed.map(() => '(?, ?::bigint, ?::int)').join(', ');
        const rows = await conn.execute<{ key_id: string; count: number }[]>(
          `insert into request_counts (key_id, window_start, count) values ${values}
           on conflict (key_id, window_start) do update set count = request_counts.count + excluded.count
           returning key_id, count`,
          changed.flatMap(([id, , n]) => [id, current, n]),
        );
        pushed = true;
        for (const r of rows) totals.set(r.key_id, Number(r.count));
      }
      if (idle.length) {
        const rows = await conn.execute<{ key_id: string; count: number }[]>(
          `select key_id, count from request_counts where window_start = ? and key_id in (${idle.map(() => '?').join(', ')})`,
          [current, ...idle.map(([id]) => id)],
        );
        for (const r of rows) totals.set(r.key_id, Number(r.count));
      }
      for (const [id, w] of [...changed, ...idle]) {
        const total = totals.get(id);
        // Everything of ours in the total is what we pushed so far: local minus what is still unsynced.
        if (total !== undefined && this.windows.get(id) === w) w.others = Math.max(0, total - (w.local - w.unsynced));
      }
      if (now - this.lastCleanup >= WINDOW_MS) {
        this.lastCleanup = now;
        await conn.execute('delete from request_counts where window_start < ?', [current - WINDOW_MS], 'run');
      }
    } catch (err) {
      // The database is away: keep counting locally and push the counts with the next sync.
      if (!pushed) for (const [, w, n] of changed) w.unsynced += n;
      this.shared.log.warn({ err: (err as Error).message }, 'could not share request counts');
    }
  }

  private prune(start: number): void {
    for (const [k, w] of this.windows) if (w.start !== start) this.windows.delete(k);
    if (this.windows.size >= MAX_KEYS) this.windows.clear();
  }
}
