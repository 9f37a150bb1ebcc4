import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import type { FastifyBaseLogger } from 'fastify';
import type { EntityManager } from '@mikro-orm/postgresql';

/** The PostgreSQL channel on which instances tell each other that a key changed (revoked, rolled). */
export const KEY_CHANNEL = 'tracer_api_keys';

/**
 * Tells every instance (this one included, through its listener) that a key row changed. Called inside the
 * transaction that changes the row: PostgreSQL delivers the notification on commit and drops it on rollback, so a
 * change is committed and announced, or neither (a failed NOTIFY fails the change).
 */
export async function publishKeyChange(em: EntityManager, id: string): Promise<void> {
  await em.execute('select pg_notify(?, ?)', [KEY_CHANNEL, id]);
}

/**
 * How a process announces a key or session change: by NOTIFY on PostgreSQL (heard by every instance); the embedded
 * database has one process at a time (it is locked), so there is no one else to tell.
 */
export function keyChangeAnnouncer(databaseKind: 'postgresql' | 'embedded'): (em: EntityManager, id: string) => Promise<void> {
  return databaseKind === 'postgresql' ? publishKeyChange : async () => {};
}

export interface KeyListenerHandlers {
  forget(id: string): void;
  /** false: stop trusting the cache (every request reads the row); true: subscribed again, cache cleared. */
  setTrusted(trusted: boolean): void;
  /**
   * More channels heard on the same connection, under the same heartbeat (live/: runs, statuses and alerts for
   * subscribers): one connection per instance, and a frozen one is noticed for all of them at once.
   */
  channels?: Readonly<Record<string, (payload: string) => void>>;
}

export interface KeyListenerOptions {
  /** How often the listener proves its connection is alive, in milliseconds. */
  heartbeatMs: number;
  /** How long a heartbeat (and a reconnect) may take before the connection is declared dead, in milliseconds. */
  deadlineMs: number;
}

/**
 * LISTENs for key changes on a connection of its own (outside the pool). If that connection drops, the instance
 * stops trusting its key cache at once and reconnects with backoff; once subscribed again it clears the cache,
 * since it may have missed notifications, and trusts it again.
 *
 * A connection can also die silently: a frozen network path or a NAT that dropped its state sends no FIN and no
 * RST, and the socket looks open for ever. So every `heartbeatMs` the listener NOTIFYs a channel of its own on
 * that same connection and must hear it back within `deadlineMs` (the round trip proves that the server still
 * delivers notifications to this session); a missed heartbeat is treated as a lost connection. TCP keepalive is on
 * as well, for paths where the kernel notices first.
 */
export class KeyChangeListener {
  private client: Client | undefined;
  private stopped = false;
  private retryMs = 100;
  private timer: NodeJS.Timeout | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  /** The heartbeat sent and not heard back yet, with its deadline timer. */
  private awaiting: { token: string; deadline: NodeJS.Timeout } | undefined;
  private beat = 0;
  /** A channel only this listener listens on, for its heartbeats. */
  private readonly selfChannel = `tracer_heartbeat_${randomBytes(6).toString('hex')}`;
  /** The backend pid of the listening connection (tests terminate it to prove the fallback). */
  backendPid: number | undefined;
  /** When the current connection was declared lost, for the log line of the next successful subscribe. */
  private lostAt: number | undefined;

  constructor(
    private readonly url: string,
    private readonly handlers: KeyListenerHandlers,
    private readonly log: FastifyBaseLogger,
    private readonly opts: KeyListenerOptions,
  ) {}

  async start(): Promise<void> {
    this.handlers.setTrusted(false);
    await this.connect();
  }

  /** True while subscribed and the last heartbeat came back in time. */
  get healthy(): boolean {
    return this.client !== undefined;
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const client = new Client({
      connectionString: this.url,
      application_name: 'tracer-key-listener',
      keepAlive: true,
      keepAliveInitialDelayMillis: this.opts.heartbeatMs,
      connectionTimeoutMillis: this.opts.deadlineMs,
      // A subscribe that hangs on a frozen path must fail too, not wait for ever.
      query_timeout: this.opts.deadlineMs,
    });
    client.on('error', (err) => this.lost(client, err));
    client.on('end', () => this.lost(client));
    client.on('notification', (msg) => {
      if (msg.channel === KEY_CHANNEL && msg.payload) this.handlers.forget(msg.payload);
      else if (msg.payload && this.handlers.channels && Object.hasOwn(this.handlers.channels, msg.channel)) this.handlers.channels[msg.channel](msg.payload);
      else if (msg.channel === this.selfChannel && this.awaiting && msg.payload === this.awaiting.token) {
        clearTimeout(this.awaiting.deadline);
        this.awaiting = undefined;
      }
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${KEY_CHANNEL}`);
      for (const channel of Object.keys(this.handlers.channels ?? {})) await client.query(`LISTEN ${channel}`);
      await client.query(`LISTEN ${this.selfChannel}`);
      this.backendPid = (await client.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0].pid;
      if (this.stopped) return void (await client.end().catch(() => {}));
      this.client = client;
      this.retryMs = 100;
      this.handlers.setTrusted(true);
      if (this.lostAt !== undefined) this.log.info({ downMs: Date.now() - this.lostAt }, 'key change listener subscribed again; key cache emptied and trusted');
      this.lostAt = undefined;
      this.heartbeat = setInterval(() => this.sendHeartbeat(client), this.opts.heartbeatMs);
      this.heartbeat.unref();
    } catch (err) {
      client.removeAllListeners('end');
      destroy(client);
      this.lost(client, err as Error);
    }
  }

  private sendHeartbeat(client: Client): void {
    if (this.client !== client || this.awaiting) return; // the previous one is still within its deadline
    const token = String(++this.beat);
    const deadline = setTimeout(() => {
      this.log.warn({ deadlineMs: this.opts.deadlineMs }, 'key change listener missed its heartbeat');
      this.lost(client, new Error('heartbeat not answered in time'));
    }, this.opts.deadlineMs);
    deadline.unref();
    this.awaiting = { token, deadline };
    client.query('select pg_notify($1, $2)', [this.selfChannel, token]).catch((err) => this.lost(client, err as Error));
  }

  private lost(client: Client, err?: Error): void {
    if (this.client && this.client !== client) return;
    const wasSubscribed = this.client === client;
    this.client = undefined;
    this.handlers.setTrusted(false);
    clearInterval(this.heartbeat);
    if (this.awaiting) clearTimeout(this.awaiting.deadline);
    this.awaiting = undefined;
    if (wasSubscribed) {
      // A silently dead socket would never end by itself: cut it so nothing more is read from it.
      client.removeAllListeners('end');
      destroy(client);
    }
    const first = this.lostAt === undefined;
    if (first) this.lostAt = Date.now();
    if (this.stopped || this.timer) return;
    if (first) this.log.warn({ err: err?.message }, 'key change listener lost; reading key rows from the database until it is back');
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.connect();
    }, this.retryMs);
    this.timer.unref();
    this.retryMs = Math.min(this.retryMs * 2, 2000);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    clearInterval(this.heartbeat);
    if (this.awaiting) clearTimeout(this.awaiting.deadline);
    const client = this.client;
    this.client = undefined;
    if (client) {
      client.removeAllListeners('end');
      // A graceful end, bounded: on a frozen path the goodbye would never be answered.
      await Promise.race([client.end().catch(() => {}), new Promise((r) => setTimeout(r, 1000).unref())]);
      destroy(client);
    }
  }
}

/** Closes the client's socket at once (pg's `end()` waits for the server, which on a dead path never answers). */
function destroy(client: Client): void {
  (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
}
