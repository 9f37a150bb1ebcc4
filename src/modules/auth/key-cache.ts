import type { Permission } from './scopes';
import type { Principal } from './principal';

/** What a request needs to know about its key, read once and kept: the row, its organization's name, a Principal. */
export interface KeyRecord {
  id: string;
  organizationId: string;
  organizationName: string;
  organizationCreatedAt: Date;
  name: string;
  hash: string;
  permissions: Permission[];
  expiresAt: Date | null;
  revokedAt: Date | null;
  createdAt: Date;
  createdBy: string;
  lastUsedAt: Date | null;
  failedAuthCount: number;
  lastFailedAuthAt: Date | null;
  replacedBy: string | null;
  /** Built once per record, so a request allocates nothing for it. */
  principal: Principal;
}

/**
 * Bounded LRU of key rows (ARCHITECTURE.md §2). A row read from the database is only cached if no invalidation
 * happened while it was being read (the epoch did not move), so a revocation racing a cache fill cannot leave a
 * revoked row behind. While `trusted` is false (the NOTIFY listener is down) nothing is read from or put in it.
 */
export class KeyCache {
  private readonly rows = new Map<string, KeyRecord>();
  private epochValue = 0;
  trusted = true;

  constructor(private readonly max = 10_000) {}

  get epoch(): number {
    return this.epochValue;
  }

  get(id: string): KeyRecord | undefined {
    if (!this.trusted) return undefined;
    const row = this.rows.get(id);
    if (row) {
      // Map order is recency order: move to the end.
      this.rows.delete(id);
      this.rows.set(id, row);
    }
    return row;
  }

  /** Caches `row` if nothing was invalidated since `epoch` was read. */
  set(row: KeyRecord, epoch: number): void {
    if (!this.trusted || epoch !== this.epochValue) return;
    this.rows.set(row.id, row);
    if (this.rows.size > this.max) this.rows.delete(this.rows.keys().next().value!);
  }

  invalidate(id: string): void {
    this.epochValue++;
    this.rows.delete(id);
  }

  clear(): void {
    this.epochValue++;
    this.rows.clear();
  }

  get size(): number {
    return this.rows.size;
  }
}
