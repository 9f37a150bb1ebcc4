import type { KeyRecord } from './principal';
import { Lru } from '../common/lru';

/**
 * Bounded LRU of key rows (docs/explanation/security-model.md). A row read from the database is only cached if no
 * invalidation happened while it was being read (the epoch did not move), so a revocation racing a cache fill cannot
 * leave a revoked row behind. While `trusted` is false (the NOTIFY listener is down) nothing is read from or put in it.
 * A row older than `maxAgeMs` is read again, so even a notification lost without the listener noticing has a bound: a
 * revoked key stops working everywhere within that age.
 */
export class KeyCache<R = KeyRecord> {
  private readonly rows: Lru<string, { row: R; at: number }>;
  private epochValue = 0;
  trusted = true;

  constructor(
    private readonly maxAgeMs = 30_000,
    max = 10_000,
    /** A monotonic clock in milliseconds (a test's wall clock may stand still or jump). */
    private readonly clock: () => number = () => performance.now(),
    /** What a row is looked up by (a key's id; a session's token hash). */
    private readonly keyOf: (row: R) => string = (row) => (row as { id: string }).id,
  ) {
    this.rows = new Lru(max);
  }

  get epoch(): number {
    return this.epochValue;
  }

  get(id: string): R | undefined {
    if (!this.trusted) return undefined;
    const entry = this.rows.get(id);
    if (!entry) return undefined;
    if (this.clock() - entry.at > this.maxAgeMs) {
      this.rows.delete(id);
      return undefined; // too old to trust: read it again
    }
    return entry.row;
  }

  /** Caches `row` if nothing was invalidated since `epoch` was read. */
  set(row: R, epoch: number): void {
    if (!this.trusted || epoch !== this.epochValue) return;
    this.rows.set(this.keyOf(row), { row, at: this.clock() });
  }

  /** Drops the row; true if it was cached. */
  invalidate(id: string): boolean {
    this.epochValue++;
    return this.rows.delete(id);
  }

  clear(): void {
    this.epochValue++;
    this.rows.clear();
  }

  get size(): number {
    return this.rows.size;
  }
}
