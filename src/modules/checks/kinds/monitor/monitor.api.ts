import type { KindApi } from '../../kind-api';
import type { Monitor } from './monitor.entity';
import { monitorKind } from './monitor.kind';
import { monitorResolver } from './monitor.resolver';
import { MonitorService } from './monitor.service';
import { MonitorView } from './monitor.types';

/** The monitor's service, resolvers and object type: its line in kinds/apis.ts puts them in the wiring and the schema. */
export const monitorApi = {
  kind: monitorKind,
  service: MonitorService,
  resolver: monitorResolver,
  view: MonitorView,
} satisfies KindApi<Monitor>;
