import type { KindApi } from '../../kind-api';
import type { TcpMonitor } from './tcp-monitor.entity';
import { tcpMonitorKind } from './tcp-monitor.kind';
import { tcpMonitorResolver } from './tcp-monitor.resolver';
import { TcpMonitorService } from './tcp-monitor.service';
import { TcpMonitorView } from './tcp-monitor.types';

/** The TCP check's service, resolvers and object type: its line in kinds/apis.ts puts them in the wiring and the schema. */
export const tcpMonitorApi = {
  kind: tcpMonitorKind,
  service: TcpMonitorService,
  resolver: tcpMonitorResolver,
  view: TcpMonitorView,
} satisfies KindApi<TcpMonitor>;
