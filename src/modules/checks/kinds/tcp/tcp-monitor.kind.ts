import { CHECK_SCOPES } from '../../../../authorization/scopes';
import type { CheckKind } from '../../check-kind';
import { TcpMonitor } from './tcp-monitor.entity';
import { checkTcp } from './tcp-probe';
import { TcpResultType } from './tcp-run.types';

/** A TCP check: a connection to host:port, optionally a line sent and a substring expected back. Counts as a monitor. */
export const tcpMonitorKind = {
  name: 'tcpMonitor' as const,
  table: 'tcp_monitors',
  plural: 'tcpMonitors',
  allowance: 'monitors',
  entity: TcpMonitor,
  idPrefix: 'tcp',
  label: 'TcpMonitor',
  enumValue: 'TCP_MONITOR',
  typeName: 'TcpMonitor',
  runType: 'TcpMonitorRun',
  listSizes: {},
  runDetail: {
    field: 'tcp',
    type: () => TcpResultType,
    value: (run) => ({ received: (run.detail?.received as string | undefined) ?? null }),
    reads: ['detail'],
  },
  scopes: CHECK_SCOPES.monitors,
  // No credentials: nothing is stored sealed.
  credentials: { column: 'send', hasPlaintext: () => false, reseal: (t) => t.send },
  totalTimeoutMs: (t) => t.timeoutMs,
  totalTimeoutSql: () => 't.timeout_ms',
  probe: (t, { options }) => checkTcp(t, options.http.allowPrivateTargets),
  notificationPage: 'tcp-monitors',
} satisfies CheckKind<TcpMonitor>;
