import { CHECK_SCOPES } from '../../../../authorization/scopes';
import type { CheckKind } from '../../check-kind';
import { Heartbeat } from './heartbeat.entity';
import { PingDetailType } from './ping.types';

/**
 * A heartbeat: pushed, not probed. Its runs are its pings (and its missed deadlines), recorded by heartbeats/ping.service.ts;
 * the slot scheduler skips it (`pushed`). A manual run (`runHeartbeat`, triggerChecks) judges it now: PASSED while its
 * deadline has not passed.
 */
export const heartbeatKind = {
  name: 'heartbeat' as const,
  table: 'heartbeats',
  allowance: 'monitors',
  entity: Heartbeat,
  idPrefix: 'hbt',
  label: 'Heartbeat',
  enumValue: 'HEARTBEAT',
  typeName: 'Heartbeat',
  runType: 'HeartbeatRun',
  pushed: true,
  listSizes: {},
  runDetail: { field: 'ping', type: () => PingDetailType, value: (run) => run.ping ?? { kind: 'MANUAL', exitCode: null, log: null } },
  scopes: CHECK_SCOPES.monitors,
  credentials: { column: 'token_sealed', hasPlaintext: () => false, reseal: (h) => h.tokenSealed },
  totalTimeoutMs: () => 1000,
  totalTimeoutSql: () => '1000',
  probe: async (h) => {
    const late = h.nextDeadlineAt !== null && h.nextDeadlineAt.getTime() <= Date.now();
    return {
      status: late ? 'FAILED' : 'PASSED', responseStatus: null, timings: null, assertions: [], steps: null,
      error: late ? 'No ping before the deadline' : null, ping: { kind: 'MANUAL', exitCode: null, log: null },
    };
  },
  notificationPage: 'heartbeats',
} satisfies CheckKind<Heartbeat>;
