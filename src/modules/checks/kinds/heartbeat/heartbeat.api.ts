import type { KindApi } from '../../kind-api';
import type { Heartbeat } from './heartbeat.entity';
import { heartbeatKind } from './heartbeat.kind';
import { heartbeatResolver } from './heartbeat.resolver';
import { HeartbeatService } from './heartbeat.service';
import { HeartbeatView } from './heartbeat.types';

/** The heartbeat's service, resolvers and object type: its line in kinds/apis.ts puts them in the wiring and the schema. */
export const heartbeatApi = {
  kind: heartbeatKind,
  service: HeartbeatService,
  resolver: heartbeatResolver,
  view: HeartbeatView,
} satisfies KindApi<Heartbeat>;
