import DataLoader from 'dataloader';
import { defineLoader } from '../../context/loaders';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { CheckStats, SeriesBucket, SeriesInterval, StatsService, StatsWindow } from './stats.service';

/**
 * `stats` and `series` of every check in a list, in ONE statement per (window, interval, location): a page of 50
 * monitors with their statistics costs the same number of statements as one monitor. One set per request.
 */
export class StatsLoaders {
  private readonly statsLoaders = new Map<string, DataLoader<string, CheckStats>>();
  private readonly seriesLoaders = new Map<string, DataLoader<string, SeriesBucket[]>>();

  constructor(
    private readonly em: EntityManager,
    private readonly service: StatsService,
  ) {}

  stats(organizationId: string, checkId: string, window: StatsWindow, location: string | null): Promise<CheckStats> {
    const key = `${organizationId}|${window}|${location ?? ''}`;
    let loader = this.statsLoaders.get(key);
    if (!loader) {
      loader = new DataLoader((ids) => this.service.stats(this.em, organizationId, ids, window, location));
      this.statsLoaders.set(key, loader);
    }
    return loader.load(checkId);
  }

  series(organizationId: string, checkId: string, window: StatsWindow, interval: SeriesInterval, location: string | null): Promise<SeriesBucket[]> {
    const key = `${organizationId}|${window}|${interval}|${location ?? ''}`;
    let loader = this.seriesLoaders.get(key);
    if (!loader) {
      loader = new DataLoader((ids) => this.service.series(this.em, organizationId, ids, window, interval, location));
      this.seriesLoaders.set(key, loader);
    }
    return loader.load(checkId);
  }
}

declare module '../../context/loaders' {
  interface Loaders {
    stats: StatsLoaders;
  }
}

/** The statistics module's loader on `context.loaders` (registered in src/wiring/api.ts). */
export const statsLoader = defineLoader('stats', ({ em, services }) => new StatsLoaders(em, services.stats));
