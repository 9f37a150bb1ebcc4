import { CHECK_SCOPES } from '../../../../authorization/scopes';
import type { CheckKind } from '../../check-kind';
import { checkMonitor } from '../../check-runner';
import { AssertionResultType } from '../../check.types';
import { Monitor } from './monitor.entity';
import { retryPolicyOf } from '../../probed-check';
import { retryBudgetMs, retryBudgetSql } from '../../retry';

const HEADERS = 50; // monitor.types.ts: at most 50 headers
const STATUS_CODES = 20; // at most 20 expected status codes
const ASSERTIONS = 20; // at most 20 assertions

/** A monitor: one HTTP request, judged by its expected status codes and assertions. */
export const monitorKind = {
  name: 'monitor' as const,
  table: 'monitors',
  allowance: 'monitors',
  entity: Monitor,
  idPrefix: 'mon',
  label: 'Monitor',
  enumValue: 'MONITOR',
  typeName: 'Monitor',
  runType: 'MonitorRun',
  listSizes: {
    'Monitor.headers': { max: HEADERS },
    'Monitor.expectedStatusCodes': { max: STATUS_CODES },
    'Monitor.assertions': { max: ASSERTIONS },
    'MonitorRun.assertions': { max: ASSERTIONS },
  },
  runDetail: { field: 'assertions', type: () => [AssertionResultType], value: (run) => run.assertions },
  scopes: CHECK_SCOPES.monitors,
  credentials: {
    column: 'headers',
    hasPlaintext: (m, secrets) => secrets.hasPlaintext(m.headers),
    reseal: (m, secrets) => secrets.reseal(m.headers),
  },
  // Every attempt of the slot and the waits between them: the lease covers the retries.
  totalTimeoutMs: (m) => retryBudgetMs(m.timeoutMs, retryPolicyOf(m)),
  totalTimeoutSql: () => retryBudgetSql('t.timeout_ms'),
  retryPolicy: (m) => retryPolicyOf(m),
  degradedAfterMs: (m) => m.degradedResponseTimeMs,
  tlsExpiryWarningDays: (m) => m.tlsExpiryWarningDays,
  probe: (m, { options, secrets }) => checkMonitor(m, options, secrets),
  notificationPage: 'monitors',
} satisfies CheckKind<Monitor>;
