import type { KindApi } from '../kind-api';
import { CHECK_KINDS } from './registry';
// Imported in the list's order: type-graphql declares a kind's fields as its resolver module loads, and the
// printed schema lists them in that order.
import { monitorApi } from './monitor/monitor.api';
import { journeyApi } from './journey/journey.api';
import { heartbeatApi } from './heartbeat/heartbeat.api';
import { tcpMonitorApi } from './tcp/tcp-monitor.api';
import { dnsMonitorApi } from './dns/dns-monitor.api';

/**
 * Every kind's service and resolvers (its `<name>.api.ts`), in the registry's order: the wiring builds the services
 * from it (`services.checks`) and the schema lists the resolvers. Apart from `CHECK_KINDS` because the run path reads
 * that one and must not load resolvers (see kind-api.ts); the two must name the same kinds, in the same order.
 */
export const KIND_APIS: readonly KindApi[] = [monitorApi, journeyApi, tcpMonitorApi, dnsMonitorApi, heartbeatApi];

const apiNames = KIND_APIS.map((a) => a.kind.name).join(', ');
const kindNames = CHECK_KINDS.map((k) => k.name).join(', ');
if (apiNames !== kindNames) throw new Error(`kinds/apis.ts lists ${apiNames} but kinds/registry.ts lists ${kindNames}: every kind is in both, in the same order`);
