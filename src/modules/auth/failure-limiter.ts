/**
 * Counts failed authentications per subject (a client address or IPv6 /64, a keyId at one address) in fixed
 * one-minute windows. The verifier counts only failures that cost work (a lookup of an unknown keyId, a bcrypt
 * compare of a wrong secret) and, once a subject is over the limit, answers 429 before that work, so guessing is
 * slow and cannot burn CPU, while free failures (no header, a bad checksum, a revoked key) never lock anyone out.
 * Kept in process: it protects this instance's CPU, which is what it is for.
 */
export class FailureLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>();
  private readonly windowMs = 60_000;

  constructor(
    private readonly limit: number,
    private readonly now: () => number = Date.now,
    private readonly maxEntries = 100_000,
  ) {}

  /** Seconds until `subject` may try again, or 0 if it may try now. */
  retryAfter(subject: string): number {
    const w = this.windows.get(subject);
    if (!w) return 0;
    const now = this.now();
    if (now - w.start >= this.windowMs) {
      this.windows.delete(subject);
      return 0;
    }
    return w.count >= this.limit ? Math.max(1, Math.ceil((w.start + this.windowMs - now) / 1000)) : 0;
  }

  fail(subject: string): void {
    const now = this.now();
    const w = this.windows.get(subject);
    if (!w || now - w.start >= this.windowMs) {
      if (this.windows.size >= this.maxEntries) this.prune(now);
      this.windows.set(subject, { start: now, count: 1 });
    } else {
      w.count++;
    }
  }

  /**
   * Takes back one failure counted in advance for an attempt that succeeded (sign-in counts each attempt before
   * its work, so concurrent attempts cannot all pass the check). A window that has rolled over meanwhile is left.
   */
  forgive(subject: string): void {
    const w = this.windows.get(subject);
    if (w && w.count > 0 && this.now() - w.start < this.windowMs) w.count--;
  }

  private prune(now: number): void {
    for (const [k, w] of this.windows) if (now - w.start >= this.windowMs) this.windows.delete(k);
    // Still full (a flood of distinct subjects): drop the oldest half rather than grow without bound.
    if (this.windows.size >= this.maxEntries) {
      let n = this.windows.size / 2;
      for (const k of this.windows.keys()) {
        if (n-- <= 0) break;
        this.windows.delete(k);
      }
    }
  }
}
