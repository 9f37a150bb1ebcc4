import type { DashboardKind, DetailCheck, ListRow } from './kind';
import { journeyKind } from './journey';
import { monitorKind } from './monitor';
import { heartbeatKind } from './heartbeat';
import { dnsMonitorKind, tcpMonitorKind } from './network';

/** A kind whatever its row, check and run types: what the router holds (each entry is typed where it is written). */
export type AnyKind = DashboardKind<ListRow, DetailCheck, { id: string; status: string }>;

/** Every kind the dashboard shows, in the nav's order; the first is the home page. */
export const KINDS: readonly AnyKind[] = [monitorKind, journeyKind, tcpMonitorKind, dnsMonitorKind, heartbeatKind];
