import { CHECK_SCOPES } from '../../../../authorization/scopes';
import type { CheckKind } from '../../check-kind';
import { checkMonitor } from '../../check-runner';
import { AssertionResultType } from '../../check.types';
import { Monitor } from './monitor.entity';

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
  totalTimeoutMs: (m) => m.timeoutMs,
  totalTimeoutSql: () => 't.timeout_ms',
  probe: (m, { options, secrets }) => checkMonitor(m, options, secrets),
  notificationPage: 'monitors',
} satisfies CheckKind<Monitor>;
