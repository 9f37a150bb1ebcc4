import type { CheckResolverTypes } from '../../check.resolver-base';
import type { DnsMonitor } from './dns-monitor.entity';
import { dnsMonitorKind } from './dns-monitor.kind';
import { CreateDnsMonitorInput, dnsMonitorColumns, DnsMonitorConnection, DnsMonitorsArgs, DnsMonitorView, UpdateDnsMonitorInput } from './dns-monitor.types';

/** What the DNS check's resolver is made of: `createCheckResolver` builds its queries and mutations from these. */
export const dnsMonitorResolver: CheckResolverTypes<DnsMonitor, DnsMonitorView> = {
  kind: dnsMonitorKind,
  view: DnsMonitorView,
  connection: DnsMonitorConnection,
  listArgs: DnsMonitorsArgs,
  createInput: CreateDnsMonitorInput,
  updateInput: UpdateDnsMonitorInput,
  columns: dnsMonitorColumns,
  descriptions: {
    update: 'Only the fields given change; `resolver` goes back to the system\'s with "".',
    delete: 'Deletes the DNS check with its runs and alerts; answers its id.',
    run: 'Runs the check now, through the queue ahead of scheduled slots, in one of its locations, and answers the finished run (bounded by its timeout plus a margin).',
  },
};
