import type { MikroORM } from '@mikro-orm/postgresql';
import { storedAddress } from './client-address';
import type { FastifyBaseLogger } from 'fastify';

/** Failed authentications remembered between flushes; beyond this many keys the oldest counts are dropped. */
const MAX_PENDING_FAILURES = 10_000;

/**
 * Collects `lastUsedAt` / `lastUsedIp` and failed-authentication counts per key in memory and writes them in one
 * UPDATE each per interval and at shutdown (docs/explanation/security-model.md): never one write per request, so
 * neither normal traffic nor a flood of wrong secrets turns into database load.
 */
export class LastUsedTracker {
  private pending = new Map<string, { at: Date; ip: string | null }>();
  /** The batch being written: still unwritten for readers (`peek`) until its update has committed. */
  private writing = new Map<string, { at: Date; ip: string | null }>();
  private failures = new Map<string, { count: number; at: Date }>();
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
    this.pending.set(keyId, { at, ip: storedAddress(ip) });
  }

  /** A failed authentication naming an existing key; only the count and the time are kept, never what was sent. */
  recordFailure(keyId: string, at: Date): void {
    const f = this.failures.get(keyId);
    if (f) {
      f.count++;
      f.at = at;
    } else {
      if (this.failures.size >= MAX_PENDING_FAILURES) this.failures.delete(this.failures.keys().next().value!);
      this.failures.set(keyId, { count: 1, at });
    }
  }

  /** The newest use not yet written, if any. */
  peek(keyId: string): Date | undefined {
    return this.pending.get(keyId)?.at ?? this.writing.get(keyId)?.at;
  }

  /** Writes what is pending; concurrent calls are serialised so the newest value always lands last. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(() => this.write());
    return this.flushing;
  }

  private async write(): Promise<void> {
    await this.writeUses();
    await this.writeFailures();
  }

  private async writeFailures(): Promise<void> {
    if (this.failures.size === 0) return;
    const batch = [...this.failures];
    this.failures = new Map();
    const values = batch.map(() => '(?, ?::int, ?::timestamptz)').join(', ');
    const params = batch.flatMap(([id, f]) => [id, f.count, f.at.toISOString()]);
    try {
      await this.orm.em.getConnection().execute(
        `update api_keys as k set failed_auth_count = k.failed_auth_count + v.n,
                last_failed_auth_at = greatest(k.last_failed_auth_at, v.at)
           from (values ${values}) as v(id, n, at)
          where k.id = v.id`,
        params,
        'run',
      );
    } catch (err) {
      for (const [id, f] of batch) {
        const now = this.failures.get(id);
        this.failures.set(id, now ? { count: now.count + f.count, at: now.at } : f);
      }
      this.log.warn({ err: (err as Error).message }, 'could not write failed authentication counts');
    }
  }

  private async writeUses(): Promise<void> {
    if (this.pending.size === 0) return;
    const batch = [...this.pending];
    // Moved aside, not dropped: a read during the write (a list filtered on last use) still sees these uses.
    this.writing = this.pending;
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
    } finally {
      this.writing = new Map();
    }
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }
}
