import type { EntityManager } from '@mikro-orm/postgresql';
import { Arg, Args, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import { RequiresScope } from '../../authorization/directives';
import { PageArgs } from '../common/pagination';
import type { RequestContext } from '../../context/request-context';
import type { Services } from '../../context/services';
import type { StatusPage } from './status-page.entity';
import { CreateStatusPageInput, StatusPageConnection, StatusPageView, UpdateStatusPageInput } from './status-page.types';

/** The page with its components and their states now. */
async function viewOf(em: EntityManager, services: Services, page: StatusPage): Promise<StatusPageView> {
  const components = await services.statusPages.components(em, page.id);
  return StatusPageView.from(page, components, await services.statusPages.states(em, page.organization.id, components), await services.subscribers.count(em, page.id));
}

@Resolver()
export class StatusPageResolver {
  @Query(() => StatusPageConnection, { description: 'Newest first.' })
  @RequiresScope('status_pages:read')
  async statusPages(@Args() args: PageArgs, @Ctx() { em, principal, services }: RequestContext) {
    const page = await services.statusPages.list(em, principal.organizationId, args);
    const nodes = [];
    // At most MAX_STATUS_PAGES_PER_ORGANIZATION pages: one small set of statements each.
    for (const p of page.nodes) nodes.push(await viewOf(em, services, await services.statusPages.get(em, principal.organizationId, p.id)));
    return { nodes, pageInfo: page.pageInfo };
  }

  @Query(() => StatusPageView)
  @RequiresScope('status_pages:read')
  async statusPage(@Arg('id', () => ID) id: string, @Ctx() { em, principal, services }: RequestContext) {
    return viewOf(em, services, await services.statusPages.get(em, principal.organizationId, id));
  }

  @Mutation(() => StatusPageView)
  @RequiresScope('status_pages:write')
  async createStatusPage(@Arg('input') input: CreateStatusPageInput, @Ctx() { em, actor, services }: RequestContext) {
    return viewOf(em, services, await services.statusPages.create(em, actor, input));
  }

  @Mutation(() => StatusPageView)
  @RequiresScope('status_pages:write')
  async updateStatusPage(@Arg('id', () => ID) id: string, @Arg('input') input: UpdateStatusPageInput, @Ctx() { em, actor, services }: RequestContext) {
    const page = await services.statusPages.update(em, actor, id, input);
    return viewOf(em.fork(), services, page);
  }

  @Mutation(() => StatusPageView, {
    description:
      'Proves the page\'s custom domain: looks up the TXT record `_tracer-challenge.<domain>` and marks the domain VERIFIED when it is `customDomainVerification.verificationRecord`. The first page to prove a domain holds it; other pages\' pending claims on it are dropped.',
  })
  @RequiresScope('status_pages:write')
  async verifyStatusPageDomain(@Arg('id', () => ID) id: string, @Ctx() { em, actor, services }: RequestContext) {
    const page = await services.statusPages.verifyDomain(em, actor, id);
    return viewOf(em.fork(), services, page);
  }

  @Mutation(() => ID, { description: 'Deletes the page with its components, incidents and subscribers; answers its id.' })
  @RequiresScope('status_pages:write')
  async deleteStatusPage(@Arg('id', () => ID) id: string, @Ctx() { em, actor, services }: RequestContext) {
    return services.statusPages.delete(em, actor, id);
  }
}
