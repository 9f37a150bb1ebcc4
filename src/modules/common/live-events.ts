import type { EntityManager } from '@mikro-orm/postgresql';

/** The PostgreSQL channel on which instances hear what changed (runs, statuses, alerts) for their subscribers. */
export const LIVE_CHANNEL = 'tracer_live';

/**
 * What changed, as it travels between processes: ids, enum values and an instant, nothing else (no name, URL or
 * error text). Each subscriber reads the objects again through its own principal, so what it sees is decided by its
 * own scopes and organization, never by the event.
 */
export type LiveEvent =
  | { type: 'run'; org: string; check: string; run: string; at: number }
  | { type: 'status'; org: string; check: string; run: string | null; status: string; previous: string; at: number }
  | { type: 'alert'; org: string; alert: string; change: 'OPENED' | 'ACKNOWLEDGED' | 'RESOLVED'; at: number };

/** Tells every instance's subscribers what changed: called in the transaction of the change, delivered once it commits. */
export interface LivePublisher {
  publish(em: EntityManager, events: readonly LiveEvent[]): Promise<void>;
}

/** A process with no subscribers anywhere to tell (the admin CLI). */
export const NO_LIVE: LivePublisher = { publish: async () => {} };

type Handler = (event: LiveEvent) => void;

/**
 * This instance's subscribers, by organization: an event is handed only to the streams of its own organization, so
 * another organization's events never reach a subscription at all.
 */
export class LiveBus {
  private readonly byOrg = new Map<string, Set<Handler>>();

  on(org: string, handler: Handler): () => void {
    let set = this.byOrg.get(org);
    if (!set) this.byOrg.set(org, (set = new Set()));
    set.add(handler);
    return () => {
      set.delete(handler);
      if (!set.size && this.byOrg.get(org) === set) this.byOrg.delete(org);
    };
  }

  emit(event: LiveEvent): void {
    for (const handler of this.byOrg.get(event.org) ?? []) handler(event);
  }

  /** A payload heard on LIVE_CHANNEL; anything that is not an event is dropped. */
  receive(payload: string): void {
    let event: LiveEvent;
    try {
      event = JSON.parse(payload) as LiveEvent;
    } catch {
      return;
    }
    if (event && typeof event === 'object' && typeof event.org === 'string') this.emit(event);
  }

  get subscribers(): number {
    let n = 0;
    for (const set of this.byOrg.values()) n += set.size;
    return n;
  }
}

/**
 * The embedded database has one process: events go to this process's subscribers, once the transaction they were
 * published in commits (MikroORM's afterTransactionCommit of the root transaction); a rollback drops them. Outside
 * a transaction they go at once.
 */
export class LocalPublisher implements LivePublisher {
  private readonly pending = new WeakMap<object, LiveEvent[]>();

  constructor(
    private readonly bus: LiveBus,
    orm: { em: { getEventManager(): { registerSubscriber(s: object): void } } },
  ) {
    const settle = (transaction: object | undefined, deliver: boolean) => {
      const events = transaction && this.pending.get(transaction);
      if (!events) return;
      this.pending.delete(transaction);
      if (deliver) for (const e of events) this.bus.emit(e);
    };
    orm.em.getEventManager().registerSubscriber({
      afterTransactionCommit: (args: { transaction?: object }) => settle(args.transaction, true),
      afterTransactionRollback: (args: { transaction?: object }) => settle(args.transaction, false),
    });
  }

  async publish(em: EntityManager, events: readonly LiveEvent[]): Promise<void> {
    const transaction = rootTransaction(em.getTransactionContext());
    if (!transaction) return void events.forEach((e) => this.bus.emit(e));
    let list = this.pending.get(transaction);
    if (!list) this.pending.set(transaction, (list = []));
    list.push(...events);
  }
}

/** The outermost transaction of a (possibly nested, savepoint) transaction context: the one whose commit counts. */
function rootTransaction(ctx: object | undefined): object | undefined {
  let current = ctx;
  for (let i = 0; current && i < 100; i++) {
    const parentKey = Object.getOwnPropertySymbols(current).find((s) => s.description === 'parentTransaction');
    if (!parentKey) return current;
    current = (current as Record<symbol, object | undefined>)[parentKey];
  }
  return current;
}

/**
 * PostgreSQL: one NOTIFY per event on LIVE_CHANNEL in the transaction that makes the change, so PostgreSQL delivers
 * it on commit and drops it on rollback (as key changes: modules/auth/key-events.ts). Every instance's listener
 * (the key listener's connection, with its heartbeat) hears it, this one included.
 */
export class NotifyPublisher implements LivePublisher {
  async publish(em: EntityManager, events: readonly LiveEvent[]): Promise<void> {
    if (!events.length) return;
    // A few events a transaction at most (a run, a status, an alert): one statement.
    const params = events.flatMap((e) => [LIVE_CHANNEL, JSON.stringify(e)]);
    // `em.execute` runs in em's transaction: the notification leaves on its commit, not before.
    await em.execute(`select ${events.map(() => 'pg_notify(?, ?)').join(', ')}`, params);
  }
}
