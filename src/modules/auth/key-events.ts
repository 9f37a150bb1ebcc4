import { Client } from 'pg';
import type { FastifyBaseLogger } from 'fastify';
import type { MikroORM } from '@mikro-orm/postgresql';

/** The PostgreSQL channel on which instances tell each other that a key changed (revoked, rolled). */
export const KEY_CHANNEL = 'tracer_api_keys';

/** Tells every instance (this one included, through its listener) that a key row changed. */
export async function publishKeyChange(orm: MikroORM, id: string): Promise<void> {
  await orm.em.getConnection().execute('select pg_notify(?, ?)', [KEY_CHANNEL, id]);
}

export interface KeyListenerHandlers {
  forget(id: string): void;
  /** false: stop trusting the cache (every request reads the row); true: subscribed again, cache cleared. */
  setTrusted(trusted: boolean): void;
}

/**
 * LISTENs for key changes on a connection of its own (outside the pool). If that connection drops, the instance
 * stops trusting its key cache at once and reconnects with backoff; once subscribed again it clears the cache,
 * since it may have missed notifications, and trusts it again.
 */
export class KeyChangeListener {
  private client: Client | undefined;
  private stopped = false;
  private retryMs = 100;
  private timer: NodeJS.Timeout | undefined;
  /** The backend pid of the listening connection (tests terminate it to prove the fallback). */
  backendPid: number | undefined;

  constructor(
    private readonly url: string,
    private readonly handlers: KeyListenerHandlers,
    private readonly log: FastifyBaseLogger,
  ) {}

  async start(): Promise<void> {
    this.handlers.setTrusted(false);
    await this.connect();
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const client = new Client({ connectionString: this.url, application_name: 'tracer-key-listener' });
    client.on('error', (err) => this.lost(client, err));
    client.on('end', () => this.lost(client));
    client.on('notification', (msg) => {
      if (msg.channel === KEY_CHANNEL && msg.payload) this.handlers.forget(msg.payload);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${KEY_CHANNEL}`);
      this.backendPid = (await client.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0].pid;
      this.client = client;
      this.retryMs = 100;
      this.handlers.setTrusted(true);
    } catch (err) {
      client.removeAllListeners('end');
      await client.end().catch(() => {});
      this.lost(client, err as Error);
    }
  }

  private lost(client: Client, err?: Error): void {
    if (this.client && this.client !== client) return;
    this.client = undefined;
    this.handlers.setTrusted(false);
    if (this.stopped || this.timer) return;
    this.log.warn({ err: err?.message }, 'key change listener lost; reading key rows from the database until it is back');
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
    const client = this.client;
    this.client = undefined;
    if (client) {
      client.removeAllListeners('end');
      await client.end().catch(() => {});
    }
  }
}
