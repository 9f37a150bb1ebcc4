import { Arg, Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import type { RequestContext } from '../../context/request-context';
import { statsLocation } from './stats.service';
import { CheckStatsType, SeriesIntervalEnum, StatsBucketType, StatsWindowEnum } from './stats.types';

const LOCATION = 'One location only; every location of the check when omitted.';

/**
 * `stats` and `series` on a kind's object type (Monitor, Journey): the schema makes one for each kind's view
 * (kinds/apis.ts). They carry no scope of their own: the parent type's read scope (the kind's `scopes.read`) is
 * what reaches them.
 */
export function checkStatsResolver<T extends { id: string; organizationId: string }>(parent: new () => T) {
  @Resolver(() => parent)
  class StatsFieldResolver {
    @FieldResolver(() => CheckStatsType, { description: 'Uptime and response times over a window (batched across a list).' })
    stats(
      @Root() check: T,
      @Arg('window', () => StatsWindowEnum, { defaultValue: StatsWindowEnum.LAST_24_HOURS }) window: StatsWindowEnum,
      @Arg('location', () => String, { nullable: true, description: LOCATION }) location: string | null,
      @Ctx() { loaders }: RequestContext,
    ) {
      return loaders.stats.stats(check.organizationId, check.id, window, statsLocation(location));
    }

    @FieldResolver(() => [StatsBucketType], { description: 'Buckets for a chart, oldest first, every bucket of the window (empty ones too).' })
    series(
      @Root() check: T,
      @Arg('window', () => StatsWindowEnum, { defaultValue: StatsWindowEnum.LAST_24_HOURS }) window: StatsWindowEnum,
      @Arg('interval', () => SeriesIntervalEnum, { defaultValue: SeriesIntervalEnum.HOUR }) interval: SeriesIntervalEnum,
      @Arg('location', () => String, { nullable: true, description: LOCATION }) location: string | null,
      @Ctx() { loaders }: RequestContext,
    ) {
      return loaders.stats.series(check.organizationId, check.id, window, interval, statsLocation(location));
    }
  }
  return StatsFieldResolver;
}
