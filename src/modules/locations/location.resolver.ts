import { Ctx, Query, Resolver } from 'type-graphql';
import { Authenticated } from '../../authorization/directives';
import type { RequestContext } from '../../context/request-context';
import { LocationView } from './location.types';

@Resolver()
export class LocationResolver {
  @Query(() => [LocationView], { description: 'Where checks can run: every known location with its live worker count.' })
  @Authenticated()
  async locations(@Ctx() { em, services }: RequestContext): Promise<LocationView[]> {
    return (await services.locations.list(em)).map((l) => Object.assign(new LocationView(), l));
  }
}
