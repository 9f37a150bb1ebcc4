import { Args, Ctx, Query, Resolver } from 'type-graphql';
import { RequiresScope } from '../../authorization/directives';
import type { RequestContext } from '../../context/request-context';
import { listAuditEvents } from './audit';
import { AuditEventConnection, AuditEventsArgs, AuditEventView } from './audit.types';

@Resolver()
export class AuditResolver {
  @Query(() => AuditEventConnection, { description: "The organization's audit log, newest first." })
  @RequiresScope('organization:read')
  async auditEvents(@Args() args: AuditEventsArgs, @Ctx() { em, principal }: RequestContext) {
    const page = await listAuditEvents(em, principal.organizationId, args);
    return { nodes: page.nodes.map(AuditEventView.from), pageInfo: page.pageInfo };
  }
}
