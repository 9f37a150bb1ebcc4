import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { FastifyBaseLogger } from 'fastify';
import { badInput } from '../../errors';

/** The location every check runs in unless told otherwise, and every worker serves unless LOCATION says. */
export const DEFAULT_LOCATION = 'local';

export interface LocationSummary {
  name: string;
  /** Workers whose heartbeat is recent. */
  workers: number;
  lastSeenAt: Date | null;
}

/**
 * Where checks can run. A location is known once a worker has announced it (`local` always is, so a fresh
 * install's defaults are valid before its first worker starts); a worker is live while its heartbeat is recent.
 */
export class LocationService {
  constructor(private readonly liveWindowMs: number) {}

  async list(em: EntityManager): Promise<LocationSummary[]> {
    const rows = await em.getConnection().execute<{ name: string; workers: number; last_seen_at: string | Date | null }[]>(
      `select l.name, l.last_seen_at,
              (select count(*)::int from workers w where w.location = l.name and w.last_seen_at > now() - make_interval(secs => ?)) as workers
         from (select name, last_seen_at from locations union all select ?, null where not exists (select 1 from locations where name = ?)) l
        order by l.name`,
      [this.liveWindowMs / 1000, DEFAULT_LOCATION, DEFAULT_LOCATION],
    );
    return rows.map((r) => ({ name: r.name, workers: Number(r.workers), lastSeenAt: r.last_seen_at ? new Date(r.last_seen_at) : null }));
  }

  async liveWorkers(em: EntityManager, location: string): Promise<number> {
    const [row] = await em
      .getConnection()
      .execute<{ n: number }[]>('select count(*)::int as n from workers where location = ? and last_seen_at > now() - make_interval(secs => ?)', [location, this.liveWindowMs / 1000]);
    return Number(row.n);
  }

  /** BAD_USER_INPUT on `locations` unless every name is known (see the class comment); answers them de-duplicated. */
  async assertKnown(em: EntityManager, locations: readonly string[], field = 'locations'): Promise<string[]> {
    const wanted = [...new Set(locations)];
    if (!wanted.length) throw badInput([{ field, message: 'must name at least one location' }]);
    const rows = await em.execute<{ name: string }[]>(`select name from locations where name in (${wanted.map(() => '?').join(', ')})`, wanted);
    const known = new Set([DEFAULT_LOCATION, ...rows.map((r) => r.name)]);
    const unknown = wanted.filter((l) => !known.has(l));
    if (unknown.length)
      throw badInput([{ field, message: `unknown location: ${unknown.join(', ')} (known: a worker has run there; see the locations query)` }]);
    return wanted;
  }
}

/**
 * A worker process announcing itself: its row in `workers` (and its location in `locations`) refreshed every
 * `intervalMs`, removed when it stops. Rows of workers that died are pruned after a while; their location stays.
 */
export class WorkerHeartbeat {
  readonly id = `wrk_${randomBytes(8).toString('hex')}`;
  private timer: NodeJS.Timeout | undefined;
  private beating: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly orm: MikroORM,
    private readonly log: FastifyBaseLogger,
    private readonly location: string,
    private readonly intervalMs: number,
  ) {}

  async start(): Promise<void> {
    await (this.beating = this.beat());
    this.timer = setInterval(() => {
      if (this.stopped) return;
      this.beating = this.beat().catch((err) => this.log.warn({ err: (err as Error).message }, 'worker heartbeat failed'));
    }, this.intervalMs);
    this.timer.unref();
  }

  private async beat(): Promise<void> {
    const conn = this.orm.em.getConnection();
    await conn.execute(
      `with l as (insert into locations (name, first_seen_at, last_seen_at) values (?, now(), now())
                  on conflict (name) do update set last_seen_at = now())
       insert into workers (id, location, host, pid, started_at, last_seen_at) values (?, ?, ?, ?, now(), now())
       on conflict (id) do update set last_seen_at = now()`,
      [this.location, this.id, this.location, hostname().slice(0, 255), process.pid],
      'run',
    );
    await conn.execute(`delete from workers where last_seen_at < now() - interval '1 day'`, [], 'run');
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.beating; // a beat under way would write the row again after the delete
    await this.orm.em.getConnection().execute('delete from workers where id = ?', [this.id], 'run').catch(() => {});
  }
}
