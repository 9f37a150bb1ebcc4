import { getNamedType, getNullableType, isInterfaceType, isListType, isObjectType, isIntrospectionType, type GraphQLSchema } from 'graphql';
import { MAX_TAGS } from '../modules/checks/scheduled-check';
import { MAX_STEPS } from '../modules/escalation/escalation.service';
import { MAX_SESSION_CHECKS } from '../modules/check-sessions/check-session.types';
import { MAX_PENDING_INVITATIONS } from '../modules/invitations/invitation.entity';
import { MAX_SSO_CONNECTIONS, MAX_SSO_DOMAINS } from '../modules/sso/sso.entity';
import { PERMISSIONS } from './scopes';
import { CHECK_KINDS } from '../modules/checks/kinds/registry';
import type { ListSize } from '../modules/common/list-size';
import { MAX_RETRIES } from '../modules/checks/retry';
import { SERIES_INTERVALS, STATS_WINDOWS, type SeriesInterval, type StatsWindow } from '../modules/stats/stats.service';

/**
 * How many items a list field of the schema can answer, for the cost of a document (operation-scopes.ts):
 *
 * - `{ page: true }`: the items are a page whose size an argument gives (`first`, `limit`): counted by that
 *   argument where the field or its connection takes it, already (a connection's `nodes`, `recentRuns(limit:)`);
 *   left out, by the argument's schema default (`first: Int! = 20`), or the largest page without one. Such a
 *   page without a page argument fails the build (it would count 1).
 * - `{ max }`: at most this many, the limit the input rules put on what is stored (a monitor's ≤ 50 headers, a
 *   journey's ≤ 20 steps); `estimate: true` where nothing bounds it and the number is a generous estimate.
 * - `{ series: true }`: a statistics series: window ÷ interval buckets, from the arguments (literals, the schema's
 *   defaults when omitted, the largest when given by a variable).
 *
 * Every list field of every object type needs an entry: the schema build fails on one without (see
 * `assertListSizes`), so a new list cannot be free in the cost. The sizes come from the rules next to each field:
 * keep them in step when a rule changes.
 */
export type { ListSize };

const HEADERS = 50; // check.types.ts: at most 50 headers
const LOCATIONS = 10; // scheduled-check.ts: at most 10 locations
const CHECK_IDS = 100; // notification channels and maintenance windows: at most 100 checks

/**
 * What every kind's object type has alike (`Monitor`, `MonitorConnection`: the shared resolver's list and
 * `recentRuns`, the statistics' `series`, the schedule's locations and tags; its runs query's connection), and the
 * lists of its own types, which the kind states (`CheckKind.listSizes`).
 */
const kindSizes = (kind: (typeof CHECK_KINDS)[number]): Record<string, ListSize> => ({
  [`${kind.typeName}Connection.nodes`]: { page: true },
  [`${kind.runType}Connection.nodes`]: { page: true },
  // A pushed kind (heartbeats) runs nowhere: no locations.
  ...('pushed' in kind && kind.pushed ? {} : { [`${kind.typeName}.locations`]: { max: LOCATIONS } }),
  [`${kind.typeName}.tags`]: { max: MAX_TAGS },
  [`${kind.typeName}.recentRuns`]: { page: true },
  [`${kind.typeName}.series`]: { series: true },
  [`${kind.runType}.attemptErrors`]: { max: MAX_RETRIES + 1 }, // checks/retry.ts: one attempt and at most 3 retries
  ...kind.listSizes,
});

export const LIST_SIZES: Readonly<Record<string, ListSize>> = {
  ...Object.assign({}, ...CHECK_KINDS.map(kindSizes)),
  'Query.locations': { max: 100, estimate: true }, // the locations with workers: a deployment's handful
  'Organization.members': { max: 1000, estimate: true }, // not paged; members are invited one by one
  'ApiKey.permissions': { max: PERMISSIONS.length },
  'Member.permissions': { max: PERMISSIONS.length },
  'Invitation.permissions': { max: PERMISSIONS.length },
  'Query.invitations': { max: MAX_PENDING_INVITATIONS },
  'Query.ssoConnections': { max: MAX_SSO_CONNECTIONS },
  'SsoConnection.emailDomains': { max: MAX_SSO_DOMAINS },
  'SsoConnection.domains': { max: MAX_SSO_DOMAINS },
  'Query.sessions': { max: 100 }, // the newest 100 of the caller's own (AccountService.list)
  'ApiKeyConnection.nodes': { page: true },
  'RunConnection.nodes': { page: true },
  'CheckConnection.nodes': { page: true },
  'AlertConnection.nodes': { page: true },
  'AuditEventConnection.nodes': { page: true },
  'NotificationChannelConnection.nodes': { page: true },
  'NotificationDeliveryConnection.nodes': { page: true },
  'MaintenanceWindowConnection.nodes': { page: true },
  'StatusPageConnection.nodes': { page: true },
  'IncidentConnection.nodes': { page: true },
  // status-pages/: at most 50 components a page, 100 checks a component, 100 updates an incident.
  'StatusPage.components': { max: 50 },
  'StatusComponent.checkIds': { max: CHECK_IDS },
  'Incident.componentIds': { max: 50 },
  'Incident.updates': { max: 100 },
  'Request.headers': { max: HEADERS },
  'Alert.locations': { max: LOCATIONS },
  'AuditEvent.changedFields': { max: 30, estimate: true }, // the fields of an update input: about 20
  'NotificationChannel.events': { max: 10 },
  'NotificationChannel.checkIds': { max: CHECK_IDS },
  'MaintenanceWindow.checkIds': { max: CHECK_IDS },
  'EscalationPolicyConnection.nodes': { page: true },
  'EscalationPolicy.steps': { max: MAX_STEPS },
  'EscalationPolicyStep.channelIds': { max: 10 }, // escalation.types.ts: at most 10 channels a step
  // Each notification and escalation of the alert: a policy's steps and repeats times their channels, or a few without one.
  'Alert.timeline': { max: 200, estimate: true },
  'CheckSession.tags': { max: MAX_TAGS },
  'CheckSession.runs': { max: MAX_SESSION_CHECKS * LOCATIONS }, // each check once in each of its locations
};

/** Buckets of a series: the window divided by the interval (LAST_90_DAYS by HOUR: 2,160). */
const WINDOW_HOURS: Record<StatsWindow, number> = { LAST_24_HOURS: 24, LAST_7_DAYS: 168, LAST_30_DAYS: 720, LAST_90_DAYS: 2160 };
const INTERVAL_HOURS: Record<SeriesInterval, number> = { HOUR: 1, DAY: 24 };

/** A series' buckets for a window and an interval; an unknown one (a variable) counts as the largest. */
export function seriesBuckets(window: string | undefined, interval: string | undefined): number {
  const w = (STATS_WINDOWS as readonly string[]).includes(window ?? '') ? WINDOW_HOURS[window as StatsWindow] : MAX_WINDOW_HOURS;
  const i = (SERIES_INTERVALS as readonly string[]).includes(interval ?? '') ? INTERVAL_HOURS[interval as SeriesInterval] : 1;
  return Math.ceil(w / i);
}
const MAX_WINDOW_HOURS = Math.max(...Object.values(WINDOW_HOURS));

/** Every list field of the schema's object types (introspection's aside: introspection-size.ts counts those). */
export function listFields(schema: GraphQLSchema): string[] {
  const out: string[] = [];
  for (const type of Object.values(schema.getTypeMap()))
    if (isObjectType(type) && !isIntrospectionType(type))
      for (const field of Object.values(type.getFields())) if (isListType(getNullableType(field.type))) out.push(`${type.name}.${field.name}`);
  return out;
}

/** The arguments that give a page's size (operation-scopes.ts counts them; left out, their schema default). */
export const PAGE_ARGS: readonly string[] = ['first', 'limit'];

/**
 * Page lists whose size no argument gives: a `{ page: true }` field without a page argument, or a connection's
 * `nodes` reached through a field without one. Such a list would count 1 item in the cost, whatever it answers.
 */
function unsizedPages(schema: GraphQLSchema): string[] {
  const hasPage = (field: { args: ReadonlyArray<{ name: string }> }) => field.args.some((a) => PAGE_ARGS.includes(a.name));
  const out: string[] = [];
  for (const [key, size] of Object.entries(LIST_SIZES)) {
    if (!('page' in size)) continue;
    const [typeName, fieldName] = key.split('.');
    const type = schema.getType(typeName);
    if (!isObjectType(type) || !type.getFields()[fieldName]) continue; // reported as stale
    if (fieldName !== 'nodes') {
      if (!hasPage(type.getFields()[fieldName])) out.push(`${key} is a page without a ${PAGE_ARGS.join(' or ')} argument`);
      continue;
    }
    for (const owner of Object.values(schema.getTypeMap()))
      if ((isObjectType(owner) || isInterfaceType(owner)) && !isIntrospectionType(owner))
        for (const field of Object.values(owner.getFields()))
          if (getNamedType(field.type) === type && !hasPage(field))
            out.push(`${owner.name}.${field.name} answers ${typeName}, whose nodes are a page, without a ${PAGE_ARGS.join(' or ')} argument`);
  }
  return out;
}

/**
 * Fails the schema build on a list field without a size, a size for a field that is not a list, or a page
 * whose size no argument gives.
 */
export function assertListSizes(schema: GraphQLSchema): void {
  const lists = listFields(schema);
  const missing = lists.filter((f) => !LIST_SIZES[f]);
  const stale = Object.keys(LIST_SIZES).filter((f) => !lists.includes(f));
  const unsized = unsizedPages(schema);
  if (missing.length || stale.length || unsized.length)
    throw new Error(
      [
        ...missing.map((f) => `${f} is a list without a size: add it to LIST_SIZES (src/authorization/list-sizes.ts)`),
        ...stale.map((f) => `LIST_SIZES names ${f}, which is not a list field of the schema`),
        ...unsized,
      ].join('\n'),
    );
}
