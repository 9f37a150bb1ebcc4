import type { CheckKind } from '../../check-kind';
import { checkMonitor } from '../../check-runner';
import { AssertionResultType } from '../../check.types';
import { Monitor } from './monitor.entity';

/** A monitor: one HTTP request, judged by its expected status codes and assertions. */
export const monitorKind = {
  name: 'monitor' as const,
  table: 'monitors',
  entity: Monitor,
  idPrefix: 'mon',
  column: 'monitor_id',
  property: 'monitor',
  label: 'Monitor',
  enumValue: 'MONITOR',
  runType: 'MonitorRun',
  runDetail: { field: 'assertions', type: () => [AssertionResultType], value: (run) => run.assertions },
  scopes: { read: 'monitors:read', write: 'monitors:write', run: 'monitors:run' },
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
