import { CHECK_SCOPES } from '../../../../authorization/scopes';
import type { CheckKind } from '../../check-kind';
import { retryPolicyOf } from '../../probed-check';
import { retryBudgetMs, retryBudgetSql } from '../../retry';
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
  // Each attempt takes at most its timeout; the lease covers every attempt and wait (retry.ts).
  totalTimeoutMs: (t) => retryBudgetMs(t.timeoutMs, retryPolicyOf(t)),
  totalTimeoutSql: () => retryBudgetSql('t.timeout_ms'),
  retryPolicy: (t) => retryPolicyOf(t),
  degradedAfterMs: (t) => t.degradedResponseTimeMs,
  probe: (t, { options }) => checkTcp(t, options.http.allowPrivateTargets),
  notificationPage: 'tcp-monitors',
} satisfies CheckKind<TcpMonitor>;
