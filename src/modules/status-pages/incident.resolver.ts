import type { EntityManager } from '@mikro-orm/postgresql';
import { Arg, Args, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import { RequiresScope } from '../../authorization/directives';
import { PageArgs } from '../common/pagination';
import type { RequestContext } from '../../context/request-context';
import type { Services } from '../../context/services';
import type { Incident } from './status-page.entity';
import { AddIncidentUpdateInput, CreateIncidentInput, IncidentConnection, IncidentView } from './incident.types';

async function viewsOf(em: EntityManager, services: Services, incidents: Incident[]): Promise<IncidentView[]> {
  const updates = await services.incidents.updatesOf(em, incidents.map((i) => i.id));
  return incidents.map((i) => IncidentView.from(i, updates.get(i.id) ?? []));
}

@Resolver()
export class IncidentResolver {
  @Query(() => IncidentConnection, { description: "A status page's incidents, newest first." })
  @RequiresScope('status_pages:read')
  async incidents(@Arg('statusPageId', () => ID) statusPageId: string, @Args() args: PageArgs, @Ctx() { em, principal, services }: RequestContext) {
    await services.statusPages.get(em, principal.organizationId, statusPageId);
    const page = await services.incidents.list(em, principal.organizationId, statusPageId, args);
    return { nodes: await viewsOf(em, services, page.nodes as Incident[]), pageInfo: page.pageInfo };
  }

  @Mutation(() => IncidentView)
  @RequiresScope('status_pages:write')
  async createIncident(@Arg('input') input: CreateIncidentInput, @Ctx() { em, actor, services }: RequestContext) {
    const [view] = await viewsOf(em.fork(), services, [await services.incidents.create(em, actor, input)]);
    return view;
  }

  @Mutation(() => IncidentView, { description: 'Adds an update; its status becomes the incident’s (RESOLVED ends it).' })
  @RequiresScope('status_pages:write')
  async addIncidentUpdate(@Arg('input') input: AddIncidentUpdateInput, @Ctx() { em, actor, services }: RequestContext) {
    const [view] = await viewsOf(em.fork(), services, [await services.incidents.addUpdate(em, actor, input)]);
    return view;
  }

  @Mutation(() => IncidentView, { description: 'Publishes a draft incident: the public page shows it and its subscribers are sent it (once). A published one is answered unchanged.' })
  @RequiresScope('status_pages:write')
  async publishIncident(@Arg('id', () => ID) id: string, @Ctx() { em, actor, services }: RequestContext) {
    const [view] = await viewsOf(em.fork(), services, [await services.incidents.publish(em, actor, id)]);
    return view;
  }
}
