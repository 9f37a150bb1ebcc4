import { CHECK_SCOPES } from '../../../../authorization/scopes';
import type { CheckKind } from '../../check-kind';
import { retryPolicyOf } from '../../probed-check';
import { retryBudgetMs, retryBudgetSql } from '../../retry';
import { DnsMonitor } from './dns-monitor.entity';
import { checkDns, MAX_ANSWERS } from './dns-probe';
import { DnsResultType } from './dns-run.types';

export const MAX_EXPECTED_VALUES = 20; // dns-monitor.types.ts

/** A DNS check: one query of one record type, asserted on its answers. Counts as a monitor. */
export const dnsMonitorKind = {
  name: 'dnsMonitor' as const,
  table: 'dns_monitors',
  plural: 'dnsMonitors',
  allowance: 'monitors',
  entity: DnsMonitor,
  idPrefix: 'dns',
  label: 'DnsMonitor',
  enumValue: 'DNS_MONITOR',
  typeName: 'DnsMonitor',
  runType: 'DnsMonitorRun',
  listSizes: {
    'DnsMonitor.expectedValues': { max: MAX_EXPECTED_VALUES },
    'DnsResult.answers': { max: MAX_ANSWERS },
  },
  runDetail: {
    field: 'dns',
    type: () => DnsResultType,
    value: (run) => ({ answers: (run.detail?.answers as string[] | undefined) ?? [] }),
    reads: ['detail'],
  },
  scopes: CHECK_SCOPES.monitors,
  // No credentials: nothing is stored sealed.
  credentials: { column: 'expected_values', hasPlaintext: () => false, reseal: (d) => d.expectedValues },
  // Each attempt takes at most its timeout; the lease covers every attempt and wait (retry.ts).
  totalTimeoutMs: (d) => retryBudgetMs(d.timeoutMs, retryPolicyOf(d)),
  totalTimeoutSql: () => retryBudgetSql('t.timeout_ms'),
  retryPolicy: (d) => retryPolicyOf(d),
  degradedAfterMs: (d) => d.degradedResponseTimeMs,
  probe: (d, { options }) => checkDns(d, options.http.allowPrivateTargets),
  notificationPage: 'dns-monitors',
} satisfies CheckKind<DnsMonitor>;
