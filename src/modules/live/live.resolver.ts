import { Arg, Ctx, ID, Resolver, Root, Subscription, type SubscribeResolverData } from 'type-graphql';
import { Authenticated, RequiresScope } from '../../authorization/directives';
import type { RequestContext } from '../../context/request-context';
import { CHECK_KINDS, kindOfId, type CheckKindName } from '../checks/kinds/registry';
import { KIND_APIS } from '../checks/kinds/apis';
import { MAX_TAGS } from '../checks/scheduled-check';
import { RunView, runView } from '../runs/run.types';
import { AlertView } from '../alerts/alert.types';
import { CheckSessionView, MAX_SESSION_CHECKS } from '../check-sessions/check-session.types';
import { AlertChange, AlertEventView, CheckStatusEventView } from './live.types';
import { listArgument, type AlertEvent, type RunEvent, type StatusEvent } from './live.service';
import type { CheckStatusEnum } from '../checks/check-view';

type Subscribed = SubscribeResolverData<unknown, Record<string, unknown>, RequestContext>;

/** Every kind's read scope, one `@RequiresScope` each (as `run(id:)`): these fields may deliver a check of any kind. */
const everyReadScope: MethodDecorator = (target, key, descriptor) => {
  for (const kind of [...CHECK_KINDS].reverse()) RequiresScope(kind.scopes.read)(target, key, descriptor);
};

/**
 * The subscriptions (graphql-transport-ws on /graphql: live-server.ts). Each `subscribe` checks its arguments
 * against the caller's organization before anything is streamed; each event is then read again here, through the
 * services and the subscriber's own principal, as the matching query would read it.
 */
@Resolver()
export class LiveResolver {
  @Subscription(() => RunView, {
    description: 'Every run of one check as it is recorded, in order. Either kind can come back: needs both read scopes, as `run(id:)`.',
    subscribe: ({ args, context }: Subscribed) => context.services.live.runs(context.principal, args.checkId as string),
  })
  @everyReadScope
  async runRecorded(@Root() event: RunEvent, @Arg('checkId', () => ID) _checkId: string, @Ctx() { em, principal, services }: RequestContext) {
    return runView(await services.runs.get(em, principal.organizationId, event.run));
  }

  @Subscription(() => CheckStatusEventView, {
    description:
      "Whenever a check's status changes (a run turns it DOWN or back UP; `pause…` and `resume…` PAUSED and back): every check of the organization, or only those " +
      'in `checkIds` or with any of `tags`. It may deliver a check of either kind: needs both read scopes.',
    subscribe: ({ args, context }: Subscribed) =>
      context.services.live.statuses(
        context.principal,
        listArgument(args.checkIds, 'checkIds', MAX_SESSION_CHECKS),
        listArgument(args.tags, 'tags', MAX_TAGS),
      ),
  })
  @everyReadScope
  async checkStatusChanged(
    @Root() event: StatusEvent,
    // Declared in reverse: the schema lists a field's arguments last parameter first (src/graphql/schema.ts).
    @Arg('tags', () => [String], { nullable: true }) _tags: string[] | null,
    @Arg('checkIds', () => [ID], { nullable: true }) _checkIds: string[] | null,
    @Ctx() { em, principal, services }: RequestContext,
  ): Promise<CheckStatusEventView> {
    const kind = kindOfId(event.check)!;
    const api = KIND_APIS.find((a) => a.kind.name === kind.name)!;
    const check = await services.checks[kind.name as CheckKindName].get(em, principal.organizationId, event.check);
    const view = new CheckStatusEventView();
    view.check = api.resolver.view.from(check);
    view.status = event.status as CheckStatusEnum;
    view.previousStatus = event.previous as CheckStatusEnum;
    view.run = event.run ? runView(await services.runs.get(em, principal.organizationId, event.run)) : null;
    view.at = new Date(event.at);
    return view;
  }

  @Subscription(() => AlertEventView, {
    description: "Whenever one of the organization's alerts opens, is acknowledged or resolved.",
    subscribe: ({ context }: Subscribed) => context.services.live.alerts(context.principal),
  })
  @RequiresScope('alerts:read')
  async alertChanged(@Root() event: AlertEvent, @Ctx() { em, principal, services }: RequestContext): Promise<AlertEventView> {
    const view = new AlertEventView();
    view.alert = AlertView.from(await services.alerts.get(em, principal.organizationId, event.alert));
    view.change = event.change as AlertChange;
    view.at = new Date(event.at);
    return view;
  }

  @Subscription(() => CheckSessionView, {
    description:
      'A check session as it is now, then each time one of its runs lands; completes once it is PASSED or FAILED (a run ' +
      "failed, or its deadline passed: TIMED_OUT runs). Needs what `checkSession(id:)` needs. `tracer trigger --wait` uses it.",
    subscribe: ({ args, context }: Subscribed) => context.services.live.session(context.principal, args.id as string),
  })
  @Authenticated()
  checkSessionUpdated(@Root() session: CheckSessionView, @Arg('id', () => ID) _id: string): CheckSessionView {
    return session;
  }
}
