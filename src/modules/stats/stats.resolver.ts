import { Arg, Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import type { RequestContext } from '../../context/request-context';
import { MonitorView } from '../checks/kinds/monitor/monitor.types';
import { JourneyView } from '../checks/kinds/journey/journey.types';
import { statsLocation } from './stats.service';
import { CheckStatsType, OrganizationOverviewType, SeriesIntervalEnum, StatsBucketType, StatsWindowEnum } from './stats.types';
import { OrganizationView } from '../organization/organization.types';
import { RequiresScope } from '../../authorization/directives';

const LOCATION = 'One location only; every location of the check when omitted.';

/**
 * `stats` and `series` on Monitor and Journey. They carry no scope of their own: the parent type's read scope
 * (monitors:read / journeys:read) is what reaches them.
 */
function statsResolver<T extends { id: string; organizationId: string }>(parent: new () => T) {
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

export const MonitorStatsResolver = statsResolver(MonitorView);
export const JourneyStatsResolver = statsResolver(JourneyView);

@Resolver(() => OrganizationView)
export class OrganizationOverviewResolver {
  // organization:read reaches the organization; the overview also reads checks and alerts, so it needs their read
  // scopes too (requirements compose by AND): a key that may not list monitors does not learn how many are down.
  @FieldResolver(() => OrganizationOverviewType, { description: 'Checks up, down and paused, unresolved alerts, and uptime over 24 hours.' })
  @RequiresScope('monitors:read')
  @RequiresScope('journeys:read')
  @RequiresScope('alerts:read')
  overview(@Root() _org: OrganizationView, @Ctx() { em, principal, services }: RequestContext) {
    // An Organization is only ever the caller's own (me.organization, organization).
    return services.stats.overview(em, principal.organizationId);
  }
}
