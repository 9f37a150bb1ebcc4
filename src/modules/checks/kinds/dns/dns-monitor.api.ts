import type { KindApi } from '../../kind-api';
import type { DnsMonitor } from './dns-monitor.entity';
import { dnsMonitorKind } from './dns-monitor.kind';
import { dnsMonitorResolver } from './dns-monitor.resolver';
import { DnsMonitorService } from './dns-monitor.service';
import { DnsMonitorView } from './dns-monitor.types';

/** The DNS check's service, resolvers and object type: its line in kinds/apis.ts puts them in the wiring and the schema. */
export const dnsMonitorApi = {
  kind: dnsMonitorKind,
  service: DnsMonitorService,
  resolver: dnsMonitorResolver,
  view: DnsMonitorView,
} satisfies KindApi<DnsMonitor>;
