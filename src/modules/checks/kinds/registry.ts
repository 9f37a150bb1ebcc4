import type { CheckKind } from '../check-kind';
import { journeyKind } from './journey/journey.kind';
import { monitorKind } from './monitor/monitor.kind';
import { heartbeatKind } from './heartbeat/heartbeat.kind';
import { tcpMonitorKind } from './tcp/tcp-monitor.kind';
import { dnsMonitorKind } from './dns/dns-monitor.kind';

/**
 * Every kind of check, in the order the scheduler claims them and lists show them. A new kind is its own folder
 * (entity, service, resolver, types, `<name>.kind.ts`, `<name>.api.ts`) plus its line here and in apis.ts.
 */
export const CHECK_KINDS = [monitorKind, journeyKind, tcpMonitorKind, dnsMonitorKind, heartbeatKind] as const;

/** One of the registered kinds, with its own entity type. */
export type RegisteredKind = (typeof CHECK_KINDS)[number];

/** A kind's name as jobs, runs and alert sources carry it: 'monitor' | 'journey' | 'heartbeat'. */
export type CheckKindName = RegisteredKind['name'];

const ALL: readonly CheckKind[] = CHECK_KINDS;
const byName = new Map(ALL.map((k) => [k.name, k]));

/** The kind of that name; a name no kind has is a bug (jobs and rows only carry registered names). */
export function checkKind(name: string): CheckKind {
  const kind = byName.get(name);
  if (!kind) throw new Error(`unknown check kind "${name}"`);
  return kind;
}

/** The kind whose ids start with this id's prefix (`mon_…`), if any. */
export const kindOfId = (id: string): CheckKind | undefined => ALL.find((k) => id.startsWith(`${k.idPrefix}_`));

/** The kind with this GraphQL enum value (`MONITOR`). */
export const kindOfEnum = (value: string): CheckKind | undefined => ALL.find((k) => k.enumValue === value);

/**
 * The kind of a check id stored in a shared table (`runs.check_id`, …): those reference `checks`, whose ids are
 * every kind's, so the prefix is what tells them apart. An id no kind has is a bug.
 */
export function kindOfCheckId(id: string): CheckKind {
  const kind = kindOfId(id);
  if (!kind) throw new Error(`no check kind has the id "${id}"`);
  return kind;
}
