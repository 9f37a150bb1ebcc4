import type { CheckResolverTypes } from '../../check.resolver-base';
import type { Heartbeat } from './heartbeat.entity';
import { heartbeatKind } from './heartbeat.kind';
import { CreateHeartbeatInput, heartbeatColumns, HeartbeatConnection, HeartbeatsArgs, HeartbeatView, UpdateHeartbeatInput } from './heartbeat.types';

/** What the heartbeat's resolver is made of (src/graphql/check-resolvers.ts builds it); `pingUrl` and `rotateHeartbeatToken` are heartbeats/. */
export const heartbeatResolver: CheckResolverTypes<Heartbeat, HeartbeatView> = {
  kind: heartbeatKind,
  view: HeartbeatView,
  connection: HeartbeatConnection,
  listArgs: HeartbeatsArgs,
  createInput: CreateHeartbeatInput,
  updateInput: UpdateHeartbeatInput,
  columns: heartbeatColumns,
  descriptions: {
    update: 'Only the fields given change; a new period, cron, grace or time zone moves the deadline to one counted from now.',
    delete: 'Deletes the heartbeat with its runs and alerts; its ping URL answers 404 at once. Answers its id.',
    run: 'Judges the heartbeat now: PASSED while its deadline has not passed, FAILED after.',
  },
};
