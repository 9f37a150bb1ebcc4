import DataLoader from 'dataloader';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Run } from './run.entity';
import { badInput } from '../../errors';

/**
 * `recentRuns` of every monitor (or journey) in a list, in ONE query: a window function keeps each source's newest
 * `limit` runs. One loader per request and per (column, limit), so lists stay N+1 free whatever their length.
 */
export class RecentRunsLoaders {
  private loaders = new Map<string, DataLoader<string, Run[]>>();

  constructor(private readonly em: EntityManager) {}

  load(column: 'monitor_id' | 'journey_id', sourceId: string, limit: number): Promise<Run[]> {
    const key = `${column}:${limit}`;
    let loader = this.loaders.get(key);
    if (!loader) {
      loader = new DataLoader((ids) => this.batch(column, ids, limit));
      this.loaders.set(key, loader);
    }
    return loader.load(sourceId);
  }

  private async batch(column: 'monitor_id' | 'journey_id', ids: readonly string[], limit: number): Promise<Run[][]> {
    const rows = await this.em.getConnection().execute(
      `select * from (
         select r.*, row_number() over (partition by r.${column} order by r.started_at desc, r.id desc) as rn
           from runs r where r.${column} in (${ids.map(() => '?').join(', ')})
       ) t where t.rn <= ? order by t.started_at desc, t.id desc`,
      [...ids, limit],
    );
    const byId = new Map<string, Run[]>(ids.map((id) => [id, []]));
    for (const row of rows) {
      const { rn: _rn, ...data } = row as Record<string, unknown>;
      byId.get(data[column] as string)?.push(this.em.map(Run, data));
    }
    return ids.map((id) => byId.get(id)!);
  }
}

/** `recentRuns(limit:)` takes 1 to 50; anything else is BAD_USER_INPUT on `limit`. */
export function recentRunsLimit(limit: number): number {
  if (limit < 1 || limit > 50) throw badInput([{ field: 'limit', message: 'must be 1 to 50' }]);
  return limit;
}
