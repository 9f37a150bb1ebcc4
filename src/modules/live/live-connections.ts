import type { FastifyBaseLogger } from 'fastify';
import type { Principal } from '../auth/principal';

/** Close codes of the live connections, besides graphql-ws's own (docs/how-to/live-updates.md). */
export const CLOSE = {
  /** No or bad credentials at connection_init: the same for every cause. */
  UNAUTHORIZED: 4401,
  /** The credentials stopped working: the key revoked, expired or past a roll's grace; the session ended. */
  REVOKED: 4403,
  /** The client reads slower than events come: more than LIVE_SEND_BUFFER_BYTES waiting. */
  SLOW_CONSUMER: 4408,
  /** Too many connections for the key (LIVE_MAX_CONNECTIONS_PER_KEY), or too many failed authentications. */
  TOO_MANY: 4429,
  /** The database could not be asked about the credentials: try again. */
  UNAVAILABLE: 1013,
} as const;

/** One authenticated WebSocket connection, as the registry knows it. */
export interface LiveConnection {
  principal: Principal;
  /** Asks again whether the credential still works (the key's or the session's row as it is now). */
  recheck(): Promise<Principal | undefined>;
  close(code: number, reason: string): void;
  /** Set by the registry. */
  expiry?: NodeJS.Timeout;
}

const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * The instance's authenticated connections, by the id they are counted by (`key_…`, or `mem_…` under a session).
 * When a credential changes (revoked, rolled, a session ended: told by this instance's services at once, and by the
 * key listener for every other instance's) its connections ask again and close with 4403 if it no longer works;
 * each is also closed at its credential's expiry instant. While the listener cannot be trusted (its connection lost or
 * frozen), every connection asks again every `pollMs`, as every request then reads its key's row.
 */
export class LiveConnections {
  private readonly byId = new Map<string, Set<LiveConnection>>();
  /** Moves on every change heard: a connection whose authentication overlapped one asks again once added. */
  private changes = 0;
  private poll: NodeJS.Timeout | undefined;
  private readonly sweep: NodeJS.Timeout;

  constructor(
    private readonly now: () => Date,
    private readonly log: FastifyBaseLogger,
    private readonly opts: { pollMs: number; maxAgeMs: number },
  ) {
    // The key cache's own bound on a notification lost without the listener noticing holds here too.
    this.sweep = setInterval(() => void this.recheckAll(), Math.max(1000, opts.maxAgeMs));
    this.sweep.unref();
  }

  count(id: string): number {
    return this.byId.get(id)?.size ?? 0;
  }

  get size(): number {
    let n = 0;
    for (const set of this.byId.values()) n += set.size;
    return n;
  }

  /** Read before authenticating; given to `add`. */
  get epoch(): number {
    return this.changes;
  }

  /**
   * Registers a connection authenticated since `epoch`. If a key or session changed meanwhile (its row read before
   * a revocation, answered after it), it asks again at once: the change was announced before it was listed here.
   */
  add(conn: LiveConnection, epoch = this.changes): void {
    const id = conn.principal.keyId;
    let set = this.byId.get(id);
    if (!set) this.byId.set(id, (set = new Set()));
    set.add(conn);
    if (epoch !== this.changes) void this.recheck(conn);
    else this.scheduleExpiry(conn);
  }

  remove(conn: LiveConnection): void {
    clearTimeout(conn.expiry);
    const id = conn.principal.keyId;
    const set = this.byId.get(id);
    if (!set) return;
    set.delete(conn);
    if (!set.size) this.byId.delete(id);
  }

  /** A key changed (`key_…`): its connections ask again. Anything else is a session change: every session's ask. */
  async changed(id: string): Promise<void> {
    this.changes++;
    if (id.startsWith('key_')) await Promise.all([...(this.byId.get(id) ?? [])].map((c) => this.recheck(c)));
    else await Promise.all(this.all().filter((c) => c.principal.session).map((c) => this.recheck(c)));
  }

  /** The listener's state: untrusted, every connection asks now and every pollMs; trusted again, once more. */
  setTrusted(trusted: boolean): void {
    this.changes++;
    clearInterval(this.poll);
    this.poll = undefined;
    if (!trusted) {
      this.poll = setInterval(() => void this.recheckAll(), this.opts.pollMs);
      this.poll.unref();
    }
    void this.recheckAll();
  }

  async recheckAll(): Promise<void> {
    await Promise.all(this.all().map((c) => this.recheck(c)));
  }

  /** Closes every connection (shutdown). */
  closeAll(code: number, reason: string): void {
    for (const conn of this.all()) {
      this.remove(conn);
      conn.close(code, reason);
    }
    clearInterval(this.poll);
    clearInterval(this.sweep);
  }

  private all(): LiveConnection[] {
    return [...this.byId.values()].flatMap((set) => [...set]);
  }

  private async recheck(conn: LiveConnection): Promise<void> {
    let principal: Principal | undefined;
    try {
      principal = await conn.recheck();
    } catch (err) {
      // Whether it still works cannot be told: closed (fail closed), and the client connects again.
      this.log.warn({ err: (err as Error).message, keyId: conn.principal.keyId }, 'live connection closed: its credential could not be checked');
      this.remove(conn);
      return conn.close(CLOSE.UNAVAILABLE, 'Try again later');
    }
    if (!principal) {
      this.log.info({ keyId: conn.principal.keyId }, 'live connection closed: its credential no longer works');
      this.remove(conn);
      return conn.close(CLOSE.REVOKED, 'Credential revoked or expired');
    }
    conn.principal = principal;
    this.scheduleExpiry(conn);
  }

  /** At the credential's expiry instant (a key's, a roll's grace end, a session's maximum age) it asks again. */
  private scheduleExpiry(conn: LiveConnection): void {
    clearTimeout(conn.expiry);
    conn.expiry = undefined;
    const at = conn.principal.session?.expiresAt ?? conn.principal.expiresAt;
    if (!at) return;
    // Never sooner than 100 ms again: a test's clock that stands still must not make this spin.
    const wait = Math.min(MAX_TIMER_MS, Math.max(100, at.getTime() - this.now().getTime()));
    conn.expiry = setTimeout(() => void this.recheck(conn), wait);
    conn.expiry.unref();
  }
}
