import type { EntityManager } from '@mikro-orm/postgresql';
import { badInput } from '../../errors';
import { mergeInto, percentile, type Histogram } from './histogram';
import { dayStart, hourStart } from './rollup.writer';
import { CHECK_KINDS } from '../checks/kinds/registry';

export const STATS_WINDOWS = ['LAST_24_HOURS', 'LAST_7_DAYS', 'LAST_30_DAYS', 'LAST_90_DAYS'] as const;
export type StatsWindow = (typeof STATS_WINDOWS)[number];
export const SERIES_INTERVALS = ['HOUR', 'DAY'] as const;
export type SeriesInterval = (typeof SERIES_INTERVALS)[number];

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
const WINDOW_DAYS: Record<StatsWindow, number> = { LAST_24_HOURS: 1, LAST_7_DAYS: 7, LAST_30_DAYS: 30, LAST_90_DAYS: 90 };

export interface ResponseTime {
  p50: number | null;
  p95: number | null;
  p99: number | null;
  avg: number | null;
}

export interface CheckStats {
  uptimePercent: number | null;
  runs: number;
  failures: number;
  degraded: number;
  responseTime: ResponseTime;
}

export interface SeriesBucket {
  start: Date;
  runs: number;
  failures: number;
  degraded: number;
  uptimePercent: number | null;
  p50: number | null;
  p95: number | null;
}

interface RollupRow {
  check_id: string;
  span: 'HOUR' | 'DAY';
  bucket_start: Date;
  runs: number;
  failures: number;
  /** Absent from rows cached before the column existed. */
  degraded?: number | null;
  response_sum_ms: string | number;
  histogram: Histogram | string;
}

/** A time range [from, to) read from rows of one span. */
interface Range {
  span: 'HOUR' | 'DAY';
  from: Date;
  to: Date;
}

/** Accumulates rollup rows into counts and one histogram. */
class Tally {
  runs = 0;
  failures = 0;
  degraded = 0;
  sumMs = 0;
  histogram: Histogram = {};

  /** Adds another tally (a cached one) into this one. */
  merge(t: Tally): this {
    this.runs += t.runs;
    this.failures += t.failures;
    this.degraded += t.degraded;
    this.sumMs += t.sumMs;
    mergeInto(this.histogram, t.histogram);
    return this;
  }

  add(row: RollupRow) {
    this.runs += row.runs;
    this.failures += row.failures;
    this.degraded += row.degraded ?? 0;
    this.sumMs += Number(row.response_sum_ms);
    mergeInto(this.histogram, typeof row.histogram === 'string' ? JSON.parse(row.histogram) : row.histogram);
  }

  get uptimePercent(): number | null {
    return this.runs ? round2((100 * (this.runs - this.failures)) / this.runs) : null;
  }

  p(n: number): number | null {
    const v = percentile(this.histogram, n);
    return v === null ? null : Math.round(v);
  }

  stats(): CheckStats {
    return {
      uptimePercent: this.uptimePercent,
      runs: this.runs,
      failures: this.failures,
      degraded: this.degraded,
      responseTime: { p50: this.p(50), p95: this.p(95), p99: this.p(99), avg: this.runs ? Math.round(this.sumMs / this.runs) : null },
    };
  }
}

const round2 = (x: number) => Math.round(x * 100) / 100;

/** A UTC day is sealed this long after it ends: longer than any run's lease (its whole timeout plus the margin). */
const SEAL_MS = 2 * HOUR_MS;
/** Sealed tallies kept per process (a check's histogram is tens of buckets: a few MB at most). */
const SEALED_CACHE_MAX = 20_000;

/**
 * What a window reads. LAST_24_HOURS: the current hour (partial) and the 23 before it, from hour rows. The others:
 * today (partial) and the UTC days before it, e.g. 7 for LAST_7_DAYS, from day rows (today's is kept current by
 * every run like the hour's). So a 30-day window is 30 rows per check and location, whatever the run interval and
 * however long the history: hour rows at its ends (46 more) made the statistics of a 30-day history cost twice
 * those of a 1-day one (docs/explanation/performance.md).
 */
export function windowRanges(window: StatsWindow, now: Date): Range[] {
  if (window === 'LAST_24_HOURS') {
    const to = new Date(hourStart(now).getTime() + HOUR_MS);
    return [{ span: 'HOUR', from: new Date(to.getTime() - DAY_MS), to }];
  }
  const to = new Date(dayStart(now).getTime() + DAY_MS);
  return [{ span: 'DAY', from: new Date(to.getTime() - WINDOW_DAYS[window] * DAY_MS), to }];
}

/** The buckets of a series: hours of the window, or the window's UTC days ending with today. */
export function seriesRange(window: StatsWindow, interval: SeriesInterval, now: Date): Range & { step: number } {
  const days = WINDOW_DAYS[window];
  if (interval === 'HOUR') {
    const to = new Date(hourStart(now).getTime() + HOUR_MS);
    return { span: 'HOUR', from: new Date(to.getTime() - days * DAY_MS), to, step: HOUR_MS };
  }
  const to = new Date(dayStart(now).getTime() + DAY_MS);
  return { span: 'DAY', from: new Date(to.getTime() - days * DAY_MS), to, step: DAY_MS };
}

/** `location`, when given, is a location name: 1 to 40 characters. */
export function statsLocation(location: string | null | undefined): string | null {
  if (location == null) return null;
  if (location.length < 1 || location.length > 40) throw badInput([{ field: 'location', message: 'must be 1 to 40 characters' }]);
  return location;
}

/**
 * Uptime and response-time statistics, read from rollups only (rollup.writer.ts keeps them). Every read takes many
 * checks at once, so a list's statistics are one statement (stats.loader.ts); ids must already be the caller's
 * organization's (the parent objects were read scoped), and the statement is scoped by the organization too.
 */
export class StatsService {
  /**
   * Tallies of sealed UTC days per (check, location, first day, end): a day two hours past its end takes no more
   * runs (a run is rolled up by its start, and recorded within its lease of it), so what its rows say is final and
   * a 30-day window reads 1–2 day rows per check instead of 30 once warm: its cost stops growing with history.
   * Bounded, oldest entry out first; each process has its own, and they agree because sealed days do not change.
   */
  private readonly sealed = new Map<string, Tally>();

  constructor(readonly now: () => Date) {}

  async stats(em: EntityManager, organizationId: string, checkIds: readonly string[], window: StatsWindow, location: string | null): Promise<CheckStats[]> {
    const now = this.now();
    const [range] = windowRanges(window, now);
    const tallies = new Map(checkIds.map((id) => [id, new Tally()]));
    // Day windows: the sealed days come from the cache where it has them, read once otherwise; the open days (today,
    // and yesterday for two hours after midnight) are always read.
    const sealedEnd = range.span === 'DAY' ? new Date(Math.max(range.from.getTime(), dayStart(new Date(now.getTime() - SEAL_MS)).getTime())) : range.from;
    if (sealedEnd > range.from) {
      const key = (id: string) => `${id}|${location ?? ''}|${range.from.toISOString()}|${sealedEnd.toISOString()}`;
      const missing = checkIds.filter((id) => !this.sealed.has(key(id)));
      if (missing.length) {
        const sealed = new Map(missing.map((id) => [id, new Tally()]));
        for (const row of await this.read(em, organizationId, missing, [{ span: 'DAY', from: range.from, to: sealedEnd }], location)) sealed.get(row.check_id)?.add(row);
        for (const [id, t] of sealed) this.remember(key(id), t);
      }
      for (const id of checkIds) tallies.get(id)!.merge(this.sealed.get(key(id)) ?? new Tally());
    }
    for (const row of await this.read(em, organizationId, checkIds, [{ span: range.span, from: sealedEnd, to: range.to }], location)) tallies.get(row.check_id)?.add(row);
    return checkIds.map((id) => tallies.get(id)!.stats());
  }

  private remember(key: string, t: Tally) {
    if (this.sealed.size >= SEALED_CACHE_MAX) this.sealed.delete(this.sealed.keys().next().value!); // oldest first out
    this.sealed.set(key, t);
  }

  async series(em: EntityManager, organizationId: string, checkIds: readonly string[], window: StatsWindow, interval: SeriesInterval, location: string | null): Promise<SeriesBucket[][]> {
    const range = seriesRange(window, interval, this.now());
    const rows = await this.read(em, organizationId, checkIds, [range], location);
    const count = Math.round((range.to.getTime() - range.from.getTime()) / range.step);
    const byCheck = new Map(checkIds.map((id) => [id, Array.from({ length: count }, () => new Tally())]));
    for (const row of rows) {
      const i = Math.floor((new Date(row.bucket_start).getTime() - range.from.getTime()) / range.step);
      byCheck.get(row.check_id)?.[i]?.add(row);
    }
    return checkIds.map((id) =>
      byCheck.get(id)!.map((t, i) => ({
        start: new Date(range.from.getTime() + i * range.step),
        runs: t.runs,
        failures: t.failures,
        degraded: t.degraded,
        uptimePercent: t.uptimePercent,
        p50: t.p(50),
        p95: t.p(95),
      })),
    );
  }

  /** Checks by status, unresolved alerts, and the organization's uptime over LAST_24_HOURS: three small statements. */
  async overview(em: EntityManager, organizationId: string) {
    const conn = em.getConnection();
    const [counts, [alerts], uptimePercent24h] = await Promise.all([
      conn.execute<{ status: string; n: number }[]>(
        `select status, count(*)::int as n from (
           ${CHECK_KINDS.map((k) => `select status from ${k.table} where organization_id = ?`).join(' union all ')}
         ) c group by status`,
        CHECK_KINDS.map(() => organizationId),
      ),
      conn.execute<{ n: number }[]>(`select count(*)::int as n from alerts where organization_id = ? and status <> 'RESOLVED'`, [organizationId]),
      this.organizationUptime(em, organizationId),
    ]);
    const by = (status: string) => counts.find((c) => c.status === status)?.n ?? 0;
    return { checks: { up: by('UP'), down: by('DOWN'), degraded: by('DEGRADED'), paused: by('PAUSED'), pending: by('PENDING') }, openAlerts: alerts.n, uptimePercent24h };
  }

  /** Passed over all runs of every check of the organization in the last 24 hours (hour rows); null with no runs. */
  async organizationUptime(em: EntityManager, organizationId: string): Promise<number | null> {
    const [{ from, to }] = windowRanges('LAST_24_HOURS', this.now());
    const [row] = await em
      .getConnection()
      .execute<{ runs: string | null; failures: string | null }[]>(
        `select sum(runs) as runs, sum(failures) as failures from run_rollups
          where organization_id = ? and span = 'HOUR' and bucket_start >= ? and bucket_start < ?`,
        [organizationId, from, to],
      );
    const runs = Number(row?.runs ?? 0);
    return runs ? round2((100 * (runs - Number(row.failures))) / runs) : null;
  }

  private read(em: EntityManager, organizationId: string, checkIds: readonly string[], ranges: Range[], location: string | null): Promise<RollupRow[]> {
    if (!checkIds.length) return Promise.resolve([]);
    const params: unknown[] = [organizationId, [...checkIds]];
    const conditions = ranges.map((r) => {
      params.push(r.span, r.from, r.to);
      return '(span = ? and bucket_start >= ? and bucket_start < ?)';
    });
    if (location) params.push(location);
    // `array[?]`: MikroORM inlines an array parameter as a list of literals (as recent-runs.loader.ts does).
    return em.getConnection().execute<RollupRow[]>(
      `select check_id, span, bucket_start, runs, failures, degraded, response_sum_ms, histogram from run_rollups
        where organization_id = ? and check_id = any(array[?]::text[]) and (${conditions.join(' or ')})${location ? ' and location = ?' : ''}`,
      params,
    );
  }
}
