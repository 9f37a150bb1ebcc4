import type { CheckResolverTypes } from '../../check.resolver-base';
import type { TcpMonitor } from './tcp-monitor.entity';
import { tcpMonitorKind } from './tcp-monitor.kind';
import { CreateTcpMonitorInput, tcpMonitorColumns, TcpMonitorConnection, TcpMonitorsArgs, TcpMonitorView, UpdateTcpMonitorInput } from './tcp-monitor.types';

/** What the TCP check's resolver is made of: `createCheckResolver` builds its queries and mutations from these. */
export const tcpMonitorResolver: CheckResolverTypes<TcpMonitor, TcpMonitorView> = {
  kind: tcpMonitorKind,
  view: TcpMonitorView,
  connection: TcpMonitorConnection,
  listArgs: TcpMonitorsArgs,
  createInput: CreateTcpMonitorInput,
  updateInput: UpdateTcpMonitorInput,
  columns: tcpMonitorColumns,
  descriptions: {
    update: 'Only the fields given change; `send` and `expect` are cleared with "".',
    delete: 'Deletes the TCP check with its runs and alerts; answers its id.',
    run: 'Runs the check now, through the queue ahead of scheduled slots, in one of its locations, and answers the finished run (bounded by its timeout plus a margin).',
  },
};
