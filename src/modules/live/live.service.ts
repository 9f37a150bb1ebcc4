import type { EntityManager } from '@mikro-orm/postgresql';
import { badInput, notFound } from '../../errors';
import type { Principal } from '../auth/principal';
import { kindOfId } from '../checks/kinds/registry';
import type { CheckKindName } from '../checks/kinds/registry';
import type { RunService } from '../runs/run.service';
import type { CheckSessionService } from '../check-sessions/check-session.service';
import { CheckSessionStatus, type CheckSessionView } from '../check-sessions/check-session.types';
import type { LiveBus, LiveEvent } from '../common/live-events';

/** A subscriber this far behind (events heard, not yet sent) is a slow consumer: its connection is closed (4408). */
export const MAX_QUEUED_EVENTS = 1000;

/** Thrown by a stream whose subscriber fell MAX_QUEUED_EVENTS behind; the server closes the connection with 4408. */
export class SlowConsumer extends Error {}

export interface LiveDeps {
  bus: LiveBus;
  runs: RunService;
  checkSessions: CheckSessionService;
  /** A fresh EntityManager for each read of a stream (never one identity map for the hours a subscription lasts). */
  fork(): EntityManager;
  now: () => Date;
}

export type StatusEvent = Extract<LiveEvent, { type: 'status' }>;
export type RunEvent = Extract<LiveEvent, { type: 'run' }>;
export type AlertEvent = Extract<LiveEvent, { type: 'alert' }>;

/**
 * The event streams behind the subscription fields. A stream hears only its principal's organization (LiveBus is
 * keyed by it) and checks what it is asked for at subscribe time, through the same services as the queries: another
 * organization's id is NOT_FOUND before anything is streamed.
 */
export class LiveService {
  constructor(private readonly deps: LiveDeps) {}

  /** The event streams this instance holds open: one per subscription, none left once they are completed or closed. */
  get streams(): number {
    return this.deps.bus.subscribers;
  }

  /** Every run of one check, in the order they are recorded. */
  async runs(principal: Principal, checkId: string): Promise<AsyncGenerator<RunEvent>> {
    await this.checkOf(principal, checkId);
    return this.stream(principal.organizationId, (e): e is RunEvent => e.type === 'run' && e.check === checkId);
  }

  /** Status changes of the organization's checks: all of them, or those named or tagged (either matches). */
  async statuses(principal: Principal, checkIds: readonly string[], tags: readonly string[]): Promise<AsyncGenerator<StatusEvent>> {
    for (const id of checkIds) await this.checkOf(principal, id);
    const ids = new Set(checkIds);
    const everything = !ids.size && !tags.length;
    return this.stream(principal.organizationId, (e): e is StatusEvent => e.type === 'status', async (e) => {
      if (everything || ids.has(e.check)) return true;
      if (!tags.length) return false;
      // Tags can change: read the check's as they are now (a deleted check matches nothing).
      const kind = kindOfId(e.check);
      if (!kind) return false;
      const [row] = await this.deps.fork().getConnection().execute<{ tags: string[] }[]>(`select tags from "${kind.table}" where id = ? and organization_id = ?`, [e.check, principal.organizationId]);
      return !!row?.tags?.some((t) => tags.includes(t));
    });
  }

  alerts(principal: Principal): AsyncGenerator<AlertEvent> {
    return this.stream(principal.organizationId, (e): e is AlertEvent => e.type === 'alert');
  }

  /**
   * A check session as it is now, then again each time one of its runs lands, ending once it is no longer RUNNING
   * (PASSED, or FAILED: a run failed or its deadline passed, TIMED_OUT). Read by `CheckSessionService.get` under
   * the subscriber's principal, so it needs what `checkSession(id:)` needs.
   */
  async session(principal: Principal, id: string): Promise<AsyncGenerator<CheckSessionView>> {
    const read = () => this.deps.checkSessions.get(this.deps.fork(), principal, id);
    const first = await read(); // NOT_FOUND or FORBIDDEN before anything is streamed
    const runIds = new Set(first.runs.map((r) => r.runId));
    const landed = this.stream(principal.organizationId, (e): e is RunEvent => e.type === 'run' && runIds.has(e.run));
    const deadline = first.deadlineAt.getTime();
    const now = this.deps.now;
    const views = (async function* () {
      try {
        let view = first;
        yield view;
        while (view.status === CheckSessionStatus.RUNNING) {
          // Past its deadline a session is read once more (its missing runs are TIMED_OUT) and ends.
          const wait = Math.max(0, deadline - now().getTime()) + 50;
          let timer: NodeJS.Timeout | undefined;
          const deadlinePassed = new Promise<'deadline'>((r) => (timer = setTimeout(() => r('deadline'), Math.min(wait, 2 ** 31 - 1)).unref()));
          try {
            await Promise.race([landed.next(), deadlinePassed]);
          } finally {
            clearTimeout(timer); // one timer per wait, not one per run landed until the deadline
          }
          view = await read();
          yield view;
        }
      } finally {
        await landed.return(undefined);
      }
    })();
    const done = views.return.bind(views);
    views.return = async (value) => {
      await landed.return(undefined);
      return done(value);
    };
    return views;
  }

  private async checkOf(principal: Principal, id: string): Promise<void> {
    const kind = kindOfId(id);
    if (!kind) throw notFound(`Check ${id}`);
    await this.deps.runs.getCheck(this.deps.fork(), principal.organizationId, kind.name as CheckKindName, id);
  }

  /**
   * The organization's events of one sort, queued as they are heard (at most MAX_QUEUED_EVENTS) and handed out one
   * at a time; `accept` may read the database. Returning the generator (the client completed, the socket closed)
   * stops hearing at once.
   */
  private stream<E extends LiveEvent>(org: string, is: (e: LiveEvent) => e is E, accept?: (e: E) => Promise<boolean>): AsyncGenerator<E> {
    const queue: E[] = [];
    let overflow = false;
    let wake: (() => void) | undefined;
    const off = this.deps.bus.on(org, (e) => {
      if (!is(e)) return;
      if (queue.length >= MAX_QUEUED_EVENTS) overflow = true;
      else queue.push(e);
      wake?.();
    });
    let stopped = false;
    const events = (async function* () {
      try {
        for (;;) {
          if (stopped) return;
          if (overflow) throw new SlowConsumer();
          const next = queue.shift();
          if (!next) {
            await new Promise<void>((r) => (wake = r));
            wake = undefined;
            continue;
          }
          if (!accept || (await accept(next))) yield next;
        }
      } finally {
        off();
      }
    })();
    // A generator returned before it started never runs its `finally`: stop hearing in either case. One waiting
    // for an event is woken to see it is stopped: its `return()` would otherwise wait for the next event.
    const done = events.return.bind(events);
    events.return = (value) => {
      stopped = true;
      off();
      wake?.();
      return done(value);
    };
    return events;
  }
}

/** Arguments as given, checked like the query's inputs (type-graphql validates only a resolver's own arguments). */
export function listArgument(values: unknown, field: string, max: number): string[] {
  if (values == null) return [];
  if (!Array.isArray(values) || values.some((v) => typeof v !== 'string' || v.length > 200 || v.includes('\u0000'))) throw badInput([{ field, message: 'must be a list of strings' }]);
  if (values.length > max) throw badInput([{ field, message: `at most ${max}` }]);
  return values as string[];
}
