import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import type { FastifyRequest } from 'fastify';
import { badInput } from '../errors';
import * as ops from '../client/generated/graphql';
import { camelKeys, camelName, snakeName } from '../key-case';
import { SERIES_INTERVALS, STATS_WINDOWS } from '../modules/stats/stats.service';
import { CHECK_KINDS } from '../modules/checks/kinds/registry';
import { apiPlural, restPlural } from '../modules/checks/check-kind';

/**
 * The REST mirror as data: each route is one GraphQL operation of src/client plus how to build its variables
 * and which part of the result to answer with. It runs through the same schema, context and scope check, so a
 * route cannot do anything its operation could not.
 */
export interface RestRoute {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  url: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  document: TypedDocumentNode<any, any>;
  variables?: (req: FastifyRequest) => Record<string, unknown>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  pick: (data: any) => unknown;
  /** Success status; 200 unless set. */
  status?: number;
}

/** A JSON object body, with snake_case keys turned into the GraphQL input's camelCase. */
function body(req: FastifyRequest): Record<string, unknown> {
  const b = req.body;
  if (!b || typeof b !== 'object' || Array.isArray(b)) throw badInput([{ field: 'body', message: 'must be a JSON object' }]);
  return camelKeys(b) as Record<string, unknown>;
}

/**
 * A body whose keys are the operation's own arguments (not one `input` object): exactly those, so a misspelt or
 * unknown field is a 400 naming it, as GraphQL input types answer, instead of being silently dropped.
 */
function args(req: FastifyRequest, names: string[]): Record<string, unknown> {
  if (req.body === undefined) return {}; // no body at all: every argument takes its default
  const b = body(req);
  const unknown = Object.keys(b).filter((k) => !names.includes(k));
  if (unknown.length) throw badInput(unknown.map((field) => ({ field, message: `is not a field of this request (it takes: ${names.map(snakeName).join(', ')})` })));
  return b;
}

const id = (req: FastifyRequest) => (req.params as { id: string }).id;

/**
 * Query parameters as the operation's variables: snake_case names become camelCase (`key_id` → `keyId`); those in
 * `whole` must be whole numbers (their value says the range, for the message). Absent parameters are left out.
 */
function query(req: FastifyRequest, names: string[], whole: Record<string, string> = {}): Record<string, unknown> {
  const q = req.query as Record<string, string | undefined>;
  const out: Record<string, unknown> = {};
  for (const k of [...Object.keys(whole), ...names]) {
    const v = q[k];
    if (v === undefined) continue;
    const name = camelName(k);
    if (!(k in whole)) out[name] = v;
    else if (/^\d+$/.test(v)) out[name] = Number(v);
    else throw badInput([{ field: name, message: `must be a whole number ${whole[k]}` }]);
  }
  return out;
}

/** `?first=&after=` of list routes, with the route's own filters. */
const page = (req: FastifyRequest, filters: string[] = []) => query(req, ['after', ...filters], { first: 'from 1 to 100' });

/**
 * A kind's operation of src/client/operations by its codegen'd name (`CreateMonitorDocument`): every kind's routes
 * are the same shape, so they are made from the kind's names. A kind without one of them fails the start, naming it.
 */
function kindOperation(name: string): RestRoute['document'] {
  const document = (ops as Record<string, unknown>)[`${name}Document`];
  if (!document) throw new Error(`no operation ${name} in src/client/operations (a check kind's REST routes need it; then npm run codegen)`);
  return document as RestRoute['document'];
}

/** A kind's routes under `/v1/<table>`: list, create, get, update, delete, pause, resume, run, its runs. */
function checkRoutes(kind: { name: string; table: string; plural?: string; label: string }): RestRoute[] {
  const base = `/v1/${restPlural(kind)}`;
  const N = kind.label;
  const op = kindOperation;
  const plural = apiPlural(kind);
  return [
    { method: 'GET', url: base, document: op(`${plural[0].toUpperCase()}${plural.slice(1)}`), variables: (r) => page(r, ['status', 'tag']), pick: (d) => d[plural] },
    { method: 'POST', url: base, document: op(`Create${N}`), variables: (r) => ({ input: body(r) }), pick: (d) => d[`create${N}`], status: 201 },
    { method: 'GET', url: `${base}/:id`, document: op(N), variables: (r) => ({ id: id(r) }), pick: (d) => d[kind.name] },
    { method: 'PATCH', url: `${base}/:id`, document: op(`Update${N}`), variables: (r) => ({ id: id(r), input: body(r) }), pick: (d) => d[`update${N}`] },
    { method: 'DELETE', url: `${base}/:id`, document: op(`Delete${N}`), variables: (r) => ({ id: id(r) }), pick: (d) => ({ id: d[`delete${N}`] }) },
    { method: 'POST', url: `${base}/:id/pause`, document: op(`Pause${N}`), variables: (r) => ({ id: id(r) }), pick: (d) => d[`pause${N}`] },
    { method: 'POST', url: `${base}/:id/resume`, document: op(`Resume${N}`), variables: (r) => ({ id: id(r) }), pick: (d) => d[`resume${N}`] },
    { method: 'POST', url: `${base}/:id/runs`, document: op(`Run${N}`), variables: (r) => ({ id: id(r), ...args(r, ['location']) }), pick: (d) => d[`run${N}`], status: 201 },
    { method: 'GET', url: `${base}/:id/runs`, document: op(`${N}Runs`), variables: (r) => ({ ...page(r, ['since', 'until', 'status', 'location']), [`${kind.name}Id`]: id(r) }), pick: (d) => d[`${kind.name}Runs`] },
  ];
}

/** `/v1/checks?kinds=TCP_MONITOR,DNS_MONITOR&tags=web,db&status=DOWN`: lists are comma-separated. */
function checksQuery(req: FastifyRequest): Record<string, unknown> {
  const out = page(req, ['status']);
  const q = req.query as Record<string, string | undefined>;
  for (const name of ['kinds', 'tags']) if (q[name] !== undefined) out[name] = q[name]!.split(',').filter(Boolean);
  return out;
}

/** `?window=` (default LAST_24_HOURS), `?interval=` (default HOUR) and `?location=` of the statistics routes. */
function statsQuery(req: FastifyRequest, withInterval: boolean): Record<string, unknown> {
  const q = req.query as Record<string, string | undefined>;
  const oneOf = (field: string, value: string | undefined, values: readonly string[], def: string) => {
    if (value === undefined) return def;
    if (!values.includes(value)) throw badInput([{ field, message: `must be one of ${values.join(', ')}` }]);
    return value;
  };
  return {
    id: id(req),
    window: oneOf('window', q.window, STATS_WINDOWS, 'LAST_24_HOURS'),
    ...(withInterval ? { interval: oneOf('interval', q.interval, SERIES_INTERVALS, 'HOUR') } : {}),
    ...(q.location !== undefined ? { location: q.location } : {}),
  };
}

/** A kind's statistics routes: its `stats` and `series` fields (`MonitorStats`, `MonitorSeries` operations). */
function statsRoutes(kind: { name: string; table: string; plural?: string; label: string }): RestRoute[] {
  const base = `/v1/${restPlural(kind)}`;
  const one = kind.name;
  return [
    { method: 'GET', url: `${base}/:id/stats`, document: kindOperation(`${kind.label}Stats`), variables: (r) => statsQuery(r, false), pick: (d) => d[one].stats },
    { method: 'GET', url: `${base}/:id/series`, document: kindOperation(`${kind.label}Series`), variables: (r) => statsQuery(r, true), pick: (d) => d[one].series },
  ];
}

export const ROUTES: RestRoute[] = [
  { method: 'GET', url: '/v1/me', document: ops.RestMeDocument, pick: (d) => d.me },
  { method: 'GET', url: '/v1/locations', document: ops.LocationsDocument, pick: (d) => d.locations },

  { method: 'GET', url: '/v1/api-keys', document: ops.ApiKeysDocument, variables: (r) => ({ ...page(r), ...query(r, [], { unused_for_days: 'from 1 to 3650' }) }), pick: (d) => d.apiKeys },
  { method: 'POST', url: '/v1/api-keys', document: ops.CreateApiKeyDocument, variables: (r) => ({ input: body(r) }), pick: (d) => d.createApiKey, status: 201 },
  { method: 'DELETE', url: '/v1/api-keys/:id', document: ops.RevokeApiKeyDocument, variables: (r) => ({ id: id(r) }), pick: (d) => d.revokeApiKey },
  {
    method: 'POST',
    url: '/v1/api-keys/:id/roll',
    document: ops.RollApiKeyDocument,
    variables: (r) => ({ id: id(r), ...args(r, ['gracePeriod']) }),
    pick: (d) => d.rollApiKey,
    status: 201,
  },
  { method: 'GET', url: '/v1/audit-events', document: ops.AuditEventsDocument, variables: (r) => page(r, ['action', 'key_id']), pick: (d) => d.auditEvents },

  { method: 'GET', url: '/v1/checks', document: ops.ChecksDocument, variables: (r) => checksQuery(r), pick: (d) => d.checks },
  ...CHECK_KINDS.flatMap(checkRoutes),
  { method: 'POST', url: '/v1/heartbeats/:id/rotate-token', document: ops.RotateHeartbeatTokenDocument, variables: (r) => ({ id: id(r) }), pick: (d) => d.rotateHeartbeatToken },
  ...CHECK_KINDS.flatMap(statsRoutes),
  { method: 'GET', url: '/v1/runs/:id', document: ops.RunDocument, variables: (r) => ({ id: id(r) }), pick: (d) => d.run },

  { method: 'POST', url: '/v1/check-sessions', document: ops.TriggerChecksDocument, variables: (r) => ({ input: body(r) }), pick: (d) => d.triggerChecks, status: 201 },
  { method: 'GET', url: '/v1/check-sessions/:id', document: ops.CheckSessionDocument, variables: (r) => ({ id: id(r) }), pick: (d) => d.checkSession },

  { method: 'GET', url: '/v1/alerts', document: ops.AlertsDocument, variables: (r) => page(r, ['status', 'check_id', 'since']), pick: (d) => d.alerts },
  { method: 'GET', url: '/v1/alerts/:id', document: ops.AlertDocument, variables: (r) => ({ id: id(r) }), pick: (d) => d.alert },
  { method: 'POST', url: '/v1/alerts/:id/acknowledge', document: ops.AcknowledgeAlertDocument, variables: (r) => ({ id: id(r) }), pick: (d) => d.acknowledgeAlert },
  { method: 'POST', url: '/v1/alerts/:id/resolve', document: ops.ResolveAlertDocument, variables: (r) => ({ id: id(r) }), pick: (d) => d.resolveAlert },
  { method: 'GET', url: '/v1/alerts/:id/timeline', document: ops.AlertTimelineDocument, variables: (r) => ({ id: id(r) }), pick: (d) => d.alert.timeline },
  { method: 'GET', url: '/v1/escalation-policies', document: ops.EscalationPoliciesDocument, variables: (r) => page(r), pick: (d) => d.escalationPolicies },
  { method: 'POST', url: '/v1/escalation-policies', document: ops.CreateEscalationPolicyDocument, variables: (r) => ({ input: body(r) }), pick: (d) => d.createEscalationPolicy, status: 201 },
  { method: 'PATCH', url: '/v1/escalation-policies/:id', document: ops.UpdateEscalationPolicyDocument, variables: (r) => ({ id: id(r), input: body(r) }), pick: (d) => d.updateEscalationPolicy },
  { method: 'DELETE', url: '/v1/escalation-policies/:id', document: ops.DeleteEscalationPolicyDocument, variables: (r) => ({ id: id(r) }), pick: (d) => ({ id: d.deleteEscalationPolicy }) },

  { method: 'GET', url: '/v1/organization', document: ops.OrganizationDocument, pick: (d) => d.organization },
  { method: 'GET', url: '/v1/organization/overview', document: ops.OrganizationOverviewDocument, pick: (d) => d.organization.overview },
  { method: 'PATCH', url: '/v1/organization', document: ops.UpdateOrganizationDocument, variables: (r) => args(r, ['name']), pick: (d) => d.updateOrganization },
  { method: 'GET', url: '/v1/organization/members', document: ops.MembersDocument, pick: (d) => d.organization.members },
  { method: 'POST', url: '/v1/organization/members', document: ops.InviteMemberDocument, variables: (r) => ({ input: body(r) }), pick: (d) => d.inviteMember, status: 201 },
  {
    method: 'PATCH',
    url: '/v1/organization/members/:id',
    document: ops.UpdateMemberRoleDocument,
    variables: (r) => ({ id: id(r), ...args(r, ['role']) }),
    pick: (d) => d.updateMemberRole,
  },
  { method: 'DELETE', url: '/v1/organization/members/:id', document: ops.RemoveMemberDocument, variables: (r) => ({ id: id(r) }), pick: (d) => ({ id: d.removeMember }) },
  { method: 'GET', url: '/v1/organization/invitations', document: ops.InvitationsDocument, pick: (d) => d.invitations },
  { method: 'DELETE', url: '/v1/organization/invitations/:id', document: ops.RevokeInvitationDocument, variables: (r) => ({ id: id(r) }), pick: (d) => ({ id: d.revokeInvitation }) },

  { method: 'GET', url: '/v1/billing', document: ops.BillingDocument, pick: (d) => d.billing },

  { method: 'GET', url: '/v1/notification-channels', document: ops.NotificationChannelsDocument, variables: (r) => page(r), pick: (d) => d.notificationChannels },
  { method: 'POST', url: '/v1/notification-channels', document: ops.CreateNotificationChannelDocument, variables: (r) => ({ input: body(r) }), pick: (d) => d.createNotificationChannel, status: 201 },
  { method: 'GET', url: '/v1/notification-channels/:id', document: ops.NotificationChannelDocument, variables: (r) => ({ id: id(r) }), pick: (d) => d.notificationChannel },
  { method: 'PATCH', url: '/v1/notification-channels/:id', document: ops.UpdateNotificationChannelDocument, variables: (r) => ({ id: id(r), input: body(r) }), pick: (d) => d.updateNotificationChannel },
  { method: 'DELETE', url: '/v1/notification-channels/:id', document: ops.DeleteNotificationChannelDocument, variables: (r) => ({ id: id(r) }), pick: (d) => ({ id: d.deleteNotificationChannel }) },
  { method: 'POST', url: '/v1/notification-channels/:id/test', document: ops.TestNotificationChannelDocument, variables: (r) => ({ id: id(r) }), pick: (d) => d.testNotificationChannel, status: 201 },
  { method: 'GET', url: '/v1/notification-deliveries', document: ops.NotificationDeliveriesDocument, variables: (r) => page(r, ['channel_id', 'status']), pick: (d) => d.notificationDeliveries },

  { method: 'GET', url: '/v1/maintenance-windows', document: ops.MaintenanceWindowsDocument, variables: (r) => page(r), pick: (d) => d.maintenanceWindows },
  { method: 'POST', url: '/v1/maintenance-windows', document: ops.CreateMaintenanceWindowDocument, variables: (r) => ({ input: body(r) }), pick: (d) => d.createMaintenanceWindow, status: 201 },
  { method: 'DELETE', url: '/v1/maintenance-windows/:id', document: ops.DeleteMaintenanceWindowDocument, variables: (r) => ({ id: id(r) }), pick: (d) => ({ id: d.deleteMaintenanceWindow }) },
];
