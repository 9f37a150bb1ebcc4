import { Arg, Ctx, FieldResolver, ID, Mutation, Resolver, Root } from 'type-graphql';
import { RequiresScope } from '../../authorization/directives';
import type { RequestContext } from '../../context/request-context';
import { HeartbeatView } from '../checks/kinds/heartbeat/heartbeat.types';
import type { HeartbeatService } from '../checks/kinds/heartbeat/heartbeat.service';

/** What a heartbeat has besides every kind's operations: its ping URL, and a new one. */
@Resolver(() => HeartbeatView)
export class HeartbeatPingResolver {
  // The URL is a credential that writes (a success hides a dead job, `/fail` pages someone): a key or role that may
  // only read heartbeats does not see it.
  @FieldResolver(() => String, { description: 'GET, POST or HEAD it (no API key): `/start`, `/fail` and `/<exit code>` after it say more. The token in it is the credential.' })
  @RequiresScope('monitors:write')
  pingUrl(@Root() h: HeartbeatView, @Ctx() { services }: RequestContext): string {
    return services.heartbeats.pingUrl(h.tokenSealed);
  }

  @Mutation(() => HeartbeatView, { description: 'A new ping URL; the old one answers 404 at once.' })
  @RequiresScope('monitors:write')
  async rotateHeartbeatToken(@Arg('id', () => ID) id: string, @Ctx() { em, actor, services }: RequestContext): Promise<HeartbeatView> {
    return HeartbeatView.from(await (services.checks.heartbeat as unknown as HeartbeatService).rotateToken(em, actor, id));
  }
}
