/**
 * Every operation of the API, written down once: the GraphQL document the tests send, the scopes it must demand
 * (the spec, written here, not read from the implementation: test/api/privileges.test.ts checks it against the
 * generated table of docs/reference/scopes.md), variables on a seeded organization, and variables that name nothing that exists.
 * The REST route that mirrors each one is the product's own (src/rest/routes.ts), read, not copied: its path and
 * body are built from the same variables. The security sweep, the scope-table test and the executor comparison
 * all read this list; `registryGaps` fails them when the schema or the REST mirror gains an operation it lacks.
 */
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { Kind, type GraphQLSchema, type OperationDefinitionNode } from 'graphql';
import * as ops from '../../src/client/generated/graphql';
import { ROUTES, type RestRoute } from '../../src/rest/routes';
import { snakeName } from '../../src/key-case';
import { SCOPES, type Permission, type Scope } from '../../src/authorization/scopes';
import { ROLE_PERMISSIONS } from '../../src/modules/members/roles';
import type { TestApp } from './app';
import type { Client } from './client';

/** The objects a seeded organization holds (`seedOrganization`). */
export interface Ids {
  monitor: string;
  journey: string;
  heartbeat: string;
  tcpMonitor: string;
  dnsMonitor: string;
  monitorRun: string;
  journeyRun: string;
  alert: string;
  member: string;
  /** A pending invitation (to VIEWER). */
  invitation: string;
  /** A check session that ran the monitor. */
  session: string;
  key: string;
  /** A key that a key with only organization:write may roll (rolling cannot grant more than the caller holds). */
  rollable: string;
  /** Likewise one it may revoke: revoking takes the power to grant the key's permissions. */
  revocable: string;
  channel: string;
  window: string;
  /** An SSO connection (its domain is the seeded organization's own, sso-<n>.example, VERIFIED). */
  ssoConnection: string;
  ssoDomain: string;
  policy: string;
  statusPage: string;
  incident: string;
}

type Variables = Record<string, unknown>;

export interface Operation {
  /** The root field's name, or a name of its own where one root field has several documents (`members`). */
  name: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  document: TypedDocumentNode<any, any>;
  /** What the schema must demand of a key. */
  scopes: Scope[];
  /** `@requiresAnyScope`: one of these is enough too (`checks`: any kind's read scope). */
  anyScopes?: Scope[];
  /**
   * Scopes the service demands beyond `scopes` for `variables` on the seeded organization: giving a role, or
   * changing or removing a member, needs every scope of the roles involved (no escalation, MemberService);
   * `all` where only an OWNER may (setRequireMfa).
   */
  roleScopes?: readonly Permission[];
  /** The service decides the scopes from the objects it selects (SELECTION_SCOPES): `scopes` holds them for the seeded ids. */
  bySelection?: boolean;
  /** Takes an object id: another organization's gives NOT_FOUND. */
  byId?: boolean;
  /** Acts on the caller's own sessions: under an API key there are none, so it finds nothing (NOT_FOUND). */
  sessionOnly?: boolean;
  /** Variables on a seeded organization; `target` serves `/ok`. Called once per request (fresh e-mails). */
  variables: (ids: Ids, target: string) => Variables;
  /** Variables naming nothing that exists, or invalid input: a call that passes authorization is refused later. */
  absent: Variables;
}

const step = (url: string) => [{ name: 's', request: { method: 'GET', url, headers: [] }, assertions: [], extractions: [] }];
const windowInput = () => ({ name: 'w', startsAt: new Date(Date.now() + 3_600_000).toISOString(), endsAt: new Date(Date.now() + 7_200_000).toISOString() });
const NO_KEY = 'key_000000000000';

/** A TCP and a DNS check (`tcpMonitor`, `dnsMonitor`): the monitor's operations, their inputs their own. */
function monitorKindOperations(n: 'tcpMonitor' | 'dnsMonitor', prefix: string, input: (target: string) => Variables, badInput: Variables): Operation[] {
  const N = n[0].toUpperCase() + n.slice(1);
  const doc = (name: string) => (ops as unknown as Record<string, TypedDocumentNode>)[`${name}Document`];
  const none = `${prefix}_none`;
  const rw: Scope[] = ['monitors:read', 'monitors:write'];
  return [
    { name: `${n}s`, scopes: ['monitors:read'], document: doc(`${N}s`), variables: () => ({}), absent: {} },
    { name: n, scopes: ['monitors:read'], byId: true, document: doc(N), variables: (i) => ({ id: i[n] }), absent: { id: none } },
    { name: `create${N}`, scopes: rw, document: doc(`Create${N}`), variables: (_, target) => ({ input: input(target) }), absent: { input: badInput } },
    { name: `update${N}`, scopes: rw, byId: true, document: doc(`Update${N}`), variables: (i) => ({ id: i[n], input: { name: 'y' } }), absent: { id: none, input: { name: 'y' } } },
    { name: `pause${N}`, scopes: rw, byId: true, document: doc(`Pause${N}`), variables: (i) => ({ id: i[n] }), absent: { id: none } },
    { name: `resume${N}`, scopes: rw, byId: true, document: doc(`Resume${N}`), variables: (i) => ({ id: i[n] }), absent: { id: none } },
    { name: `run${N}`, scopes: ['monitors:run'], byId: true, document: doc(`Run${N}`), variables: (i) => ({ id: i[n] }), absent: { id: none } },
    { name: `${n}Runs`, scopes: ['monitors:read'], byId: true, document: doc(`${N}Runs`), variables: (i) => ({ [`${n}Id`]: i[n] }), absent: { [`${n}Id`]: none } },
    { name: `${n}Stats`, scopes: ['monitors:read'], byId: true, document: doc(`${N}Stats`), variables: (i) => ({ id: i[n], window: 'LAST_7_DAYS' }), absent: { id: none, window: 'LAST_7_DAYS' } },
    { name: `${n}Series`, scopes: ['monitors:read'], byId: true, document: doc(`${N}Series`), variables: (i) => ({ id: i[n], window: 'LAST_7_DAYS', interval: 'DAY' }), absent: { id: none, window: 'LAST_7_DAYS', interval: 'DAY' } },
  ];
}
const tcpInput = (target: string) => ({ name: 'x', host: new URL(target).hostname, port: Number(new URL(target).port), timeoutMs: 1000 });
// Its resolver refuses at once (nothing listens on UDP port 9 of 127.0.0.1): the run is FAILED, quickly.
const dnsInput = () => ({ name: 'x', hostname: 'example.test', recordType: 'A', resolver: '127.0.0.1:9', timeoutMs: 300 });

/** In the order the sweep runs them: the deletes last, as they remove what the other rows use. */
export const OPERATIONS: readonly Operation[] = [
  { name: 'me', scopes: [], document: ops.MeDocument, variables: () => ({}), absent: {} },
  { name: 'sessions', scopes: [], document: ops.SessionsDocument, variables: () => ({}), absent: {} },
  {
    name: 'revokeSession',
    scopes: [],
    byId: true,
    sessionOnly: true,
    document: ops.RevokeSessionDocument,
    variables: () => ({ id: 'ses_0000000000000000' }),
    absent: { id: 'ses_none' },
  },
  { name: 'locations', scopes: [], document: ops.LocationsDocument, variables: () => ({}), absent: {} },
  { name: 'apiKeys', scopes: ['organization:read'], document: ops.ApiKeysDocument, variables: () => ({}), absent: {} },
  {
    name: 'createApiKey',
    scopes: ['organization:write'],
    document: ops.CreateApiKeyDocument,
    variables: () => ({ input: { name: 'x', permissions: ['organization:write'] } }),
    absent: { input: { name: ' ', permissions: ['monitors:read'] } },
  },
  { name: 'auditEvents', scopes: ['organization:read'], document: ops.AuditEventsDocument, variables: () => ({}), absent: {} },
  {
    name: 'rollApiKey',
    scopes: ['organization:write'],
    byId: true,
    document: ops.RollApiKeyDocument,
    variables: (i) => ({ id: i.rollable, gracePeriod: 'ONE_HOUR' }),
    absent: { id: NO_KEY, gracePeriod: 'NONE' },
  },
  { name: 'revokeApiKey', scopes: ['organization:write'], byId: true, document: ops.RevokeApiKeyDocument, variables: (i) => ({ id: i.revocable }), absent: { id: NO_KEY } },

  { name: 'monitors', scopes: ['monitors:read'], document: ops.MonitorsDocument, variables: () => ({}), absent: {} },
  { name: 'monitor', scopes: ['monitors:read'], byId: true, document: ops.MonitorDocument, variables: (i) => ({ id: i.monitor }), absent: { id: 'mon_none' } },
  {
    name: 'createMonitor',
    scopes: ['monitors:read', 'monitors:write'],
    document: ops.CreateMonitorDocument,
    variables: (_, target) => ({ input: { name: 'x', url: `${target}/ok` } }),
    absent: { input: { name: 'x', url: 'not a url' } },
  },
  {
    name: 'updateMonitor',
    scopes: ['monitors:read', 'monitors:write'],
    byId: true,
    document: ops.UpdateMonitorDocument,
    variables: (i) => ({ id: i.monitor, input: { name: 'y' } }),
    absent: { id: 'mon_none', input: { name: 'y' } },
  },
  { name: 'pauseMonitor', scopes: ['monitors:read', 'monitors:write'], byId: true, document: ops.PauseMonitorDocument, variables: (i) => ({ id: i.monitor }), absent: { id: 'mon_none' } },
  { name: 'resumeMonitor', scopes: ['monitors:read', 'monitors:write'], byId: true, document: ops.ResumeMonitorDocument, variables: (i) => ({ id: i.monitor }), absent: { id: 'mon_none' } },
  { name: 'runMonitor', scopes: ['monitors:run'], byId: true, document: ops.RunMonitorDocument, variables: (i) => ({ id: i.monitor }), absent: { id: 'mon_none' } },
  { name: 'monitorRuns', scopes: ['monitors:read'], byId: true, document: ops.MonitorRunsDocument, variables: (i) => ({ monitorId: i.monitor }), absent: { monitorId: 'mon_none' } },

  { name: 'journeys', scopes: ['journeys:read'], document: ops.JourneysDocument, variables: () => ({}), absent: {} },
  { name: 'journey', scopes: ['journeys:read'], byId: true, document: ops.JourneyDocument, variables: (i) => ({ id: i.journey }), absent: { id: 'jrn_none' } },
  {
    name: 'createJourney',
    scopes: ['journeys:read', 'journeys:write'],
    document: ops.CreateJourneyDocument,
    variables: (_, target) => ({ input: { name: 'x', steps: step(`${target}/ok`) } }),
    absent: { input: { name: 'x', steps: [] } },
  },
  {
    name: 'updateJourney',
    scopes: ['journeys:read', 'journeys:write'],
    byId: true,
    document: ops.UpdateJourneyDocument,
    variables: (i) => ({ id: i.journey, input: { name: 'y' } }),
    absent: { id: 'jrn_none', input: { name: 'y' } },
  },
  { name: 'pauseJourney', scopes: ['journeys:read', 'journeys:write'], byId: true, document: ops.PauseJourneyDocument, variables: (i) => ({ id: i.journey }), absent: { id: 'jrn_none' } },
  { name: 'resumeJourney', scopes: ['journeys:read', 'journeys:write'], byId: true, document: ops.ResumeJourneyDocument, variables: (i) => ({ id: i.journey }), absent: { id: 'jrn_none' } },
  { name: 'runJourney', scopes: ['journeys:run'], byId: true, document: ops.RunJourneyDocument, variables: (i) => ({ id: i.journey }), absent: { id: 'jrn_none' } },
  { name: 'journeyRuns', scopes: ['journeys:read'], byId: true, document: ops.JourneyRunsDocument, variables: (i) => ({ journeyId: i.journey }), absent: { journeyId: 'jrn_none' } },

  { name: 'heartbeats', scopes: ['monitors:read'], document: ops.HeartbeatsDocument, variables: () => ({}), absent: {} },
  { name: 'heartbeat', scopes: ['monitors:read'], byId: true, document: ops.HeartbeatDocument, variables: (i) => ({ id: i.heartbeat }), absent: { id: 'hbt_none' } },
  {
    name: 'createHeartbeat',
    scopes: ['monitors:read', 'monitors:write'],
    document: ops.CreateHeartbeatDocument,
    variables: () => ({ input: { name: 'x', periodSeconds: 3600 } }),
    absent: { input: { name: 'x', cron: 'not a cron' } },
  },
  {
    name: 'updateHeartbeat',
    scopes: ['monitors:read', 'monitors:write'],
    byId: true,
    document: ops.UpdateHeartbeatDocument,
    variables: (i) => ({ id: i.heartbeat, input: { name: 'y' } }),
    absent: { id: 'hbt_none', input: { name: 'y' } },
  },
  { name: 'pauseHeartbeat', scopes: ['monitors:read', 'monitors:write'], byId: true, document: ops.PauseHeartbeatDocument, variables: (i) => ({ id: i.heartbeat }), absent: { id: 'hbt_none' } },
  { name: 'resumeHeartbeat', scopes: ['monitors:read', 'monitors:write'], byId: true, document: ops.ResumeHeartbeatDocument, variables: (i) => ({ id: i.heartbeat }), absent: { id: 'hbt_none' } },
  {
    name: 'rotateHeartbeatToken',
    scopes: ['monitors:read', 'monitors:write'],
    byId: true,
    document: ops.RotateHeartbeatTokenDocument,
    variables: (i) => ({ id: i.heartbeat }),
    absent: { id: 'hbt_none' },
  },
  { name: 'runHeartbeat', scopes: ['monitors:run'], byId: true, document: ops.RunHeartbeatDocument, variables: (i) => ({ id: i.heartbeat }), absent: { id: 'hbt_none' } },
  { name: 'heartbeatRuns', scopes: ['monitors:read'], byId: true, document: ops.HeartbeatRunsDocument, variables: (i) => ({ heartbeatId: i.heartbeat }), absent: { heartbeatId: 'hbt_none' } },
  {
    name: 'heartbeatStats',
    scopes: ['monitors:read'],
    byId: true,
    document: ops.HeartbeatStatsDocument,
    variables: (i) => ({ id: i.heartbeat, window: 'LAST_7_DAYS' }),
    absent: { id: 'hbt_none', window: 'LAST_7_DAYS' },
  },
  {
    name: 'heartbeatSeries',
    scopes: ['monitors:read'],
    byId: true,
    document: ops.HeartbeatSeriesDocument,
    variables: (i) => ({ id: i.heartbeat, window: 'LAST_24_HOURS', interval: 'HOUR' }),
    absent: { id: 'hbt_none', window: 'LAST_24_HOURS', interval: 'HOUR' },
  },
  ...monitorKindOperations('tcpMonitor', 'tcp', tcpInput, { name: 'x', host: 'not a host', port: 1 }),
  ...monitorKindOperations('dnsMonitor', 'dns', dnsInput, { name: 'x', hostname: 'not a host', recordType: 'A' }),
  { name: 'checks', scopes: [], anyScopes: ['monitors:read', 'journeys:read'], document: ops.ChecksDocument, variables: () => ({}), absent: { tags: ['NOT A TAG'] } },

  {
    name: 'monitorStats',
    scopes: ['monitors:read'],
    byId: true,
    document: ops.MonitorStatsDocument,
    variables: (i) => ({ id: i.monitor, window: 'LAST_7_DAYS' }),
    absent: { id: 'mon_none', window: 'LAST_7_DAYS' },
  },
  {
    name: 'monitorSeries',
    scopes: ['monitors:read'],
    byId: true,
    document: ops.MonitorSeriesDocument,
    variables: (i) => ({ id: i.monitor, window: 'LAST_7_DAYS', interval: 'DAY' }),
    absent: { id: 'mon_none', window: 'LAST_7_DAYS', interval: 'DAY' },
  },
  {
    name: 'journeyStats',
    scopes: ['journeys:read'],
    byId: true,
    document: ops.JourneyStatsDocument,
    variables: (i) => ({ id: i.journey, window: 'LAST_7_DAYS' }),
    absent: { id: 'jrn_none', window: 'LAST_7_DAYS' },
  },
  {
    name: 'journeySeries',
    scopes: ['journeys:read'],
    byId: true,
    document: ops.JourneySeriesDocument,
    variables: (i) => ({ id: i.journey, window: 'LAST_24_HOURS', interval: 'HOUR' }),
    absent: { id: 'jrn_none', window: 'LAST_24_HOURS', interval: 'HOUR' },
  },

  { name: 'runs', scopes: ['monitors:read', 'journeys:read'], byId: true, document: ops.RunsDocument, variables: (i) => ({ monitorId: i.monitor }), absent: { monitorId: 'mon_none' } },
  { name: 'run', scopes: ['monitors:read', 'journeys:read'], byId: true, document: ops.RunDocument, variables: (i) => ({ id: i.journeyRun }), absent: { id: 'run_none' } },

  { name: 'alerts', scopes: ['alerts:read'], document: ops.AlertsDocument, variables: () => ({}), absent: {} },
  { name: 'alert', scopes: ['alerts:read'], byId: true, document: ops.AlertDocument, variables: (i) => ({ id: i.alert }), absent: { id: 'alr_none' } },
  { name: 'acknowledgeAlert', scopes: ['alerts:read', 'alerts:write'], byId: true, document: ops.AcknowledgeAlertDocument, variables: (i) => ({ id: i.alert }), absent: { id: 'alr_none' } },
  { name: 'resolveAlert', scopes: ['alerts:read', 'alerts:write'], byId: true, document: ops.ResolveAlertDocument, variables: (i) => ({ id: i.alert }), absent: { id: 'alr_none' } },

  { name: 'organization', scopes: ['organization:read'], document: ops.OrganizationDocument, variables: () => ({}), absent: {} },
  {
    name: 'organizationOverview',
    scopes: ['organization:read', 'monitors:read', 'journeys:read', 'alerts:read'],
    document: ops.OrganizationOverviewDocument,
    variables: () => ({}),
    absent: {},
  },
  { name: 'updateOrganization', scopes: ['organization:write'], document: ops.UpdateOrganizationDocument, variables: () => ({ name: 'Acme' }), absent: { name: '' } },
  // OWNER only: binds every member, owners included. `false` leaves the seeded organization's sessions as they are.
  { name: 'setRequireMfa', scopes: ['organization:write'], roleScopes: ['all'], document: ops.SetRequireMfaDocument, variables: () => ({ requireMfa: false }), absent: { requireMfa: 'yes' } },
  { name: 'ssoConnections', scopes: ['organization:read'], document: ops.SsoConnectionsDocument, variables: () => ({}), absent: {} },
  // OWNER only. A fresh domain each call (a domain belongs to one connection); the input's rules are the service's,
  // so `absent` is refused by the schema (an unknown role) before the owner check.
  {
    name: 'createSsoConnection',
    scopes: ['organization:read', 'organization:write'],
    roleScopes: ['all'],
    document: ops.CreateSsoConnectionDocument,
    variables: () => ({ input: { issuer: 'https://idp.example.com', clientId: 'tracer', clientSecret: 'secret', emailDomains: [`sso-${Math.random().toString(36).slice(2)}.example`], defaultRole: 'VIEWER' } }),
    absent: { input: { issuer: 'https://idp.example.com', clientId: 'tracer', clientSecret: 'secret', emailDomains: ['example.com'], defaultRole: 'NOBODY' } },
  },
  // OWNER only. The seeded domain is already VERIFIED (seedOrganization), so no DNS server is asked.
  {
    name: 'verifySsoDomain',
    scopes: ['organization:read', 'organization:write'],
    roleScopes: ['all'],
    document: ops.VerifySsoDomainDocument,
    variables: (i) => ({ connectionId: i.ssoConnection, domain: i.ssoDomain }),
    absent: { connectionId: 'sso_none', domain: 'example.com' },
  },
  // `false` leaves the seeded organization's sign-in as it is.
  { name: 'setEnforceSso', scopes: ['organization:write'], roleScopes: ['all'], document: ops.SetEnforceSsoDocument, variables: () => ({ enforceSso: false }), absent: { enforceSso: 'yes' } },
  { name: 'members', scopes: ['organization:read'], document: ops.MembersDocument, variables: () => ({}), absent: {} },
  {
    name: 'inviteMember',
    scopes: ['organization:read', 'organization:write'],
    document: ops.InviteMemberDocument,
    roleScopes: ROLE_PERMISSIONS.VIEWER as Scope[],
    variables: () => ({ input: { email: `x${Math.random()}@example.com`, role: 'VIEWER' } }),
    absent: { input: { email: 'not an email', role: 'VIEWER' } },
  },
  { name: 'invitations', scopes: ['organization:read'], document: ops.InvitationsDocument, variables: () => ({}), absent: {} },
  {
    name: 'revokeInvitation',
    scopes: ['organization:write'],
    roleScopes: ROLE_PERMISSIONS.VIEWER as Scope[], // the seeded invitation is to VIEWER
    byId: true,
    document: ops.RevokeInvitationDocument,
    variables: (i) => ({ id: i.invitation }),
    absent: { id: 'inv_none' },
  },
  {
    name: 'updateMemberRole',
    scopes: ['organization:read', 'organization:write'],
    byId: true,
    document: ops.UpdateMemberRoleDocument,
    roleScopes: SCOPES, // the seeded member is an ADMIN
    variables: (i) => ({ id: i.member, role: 'ADMIN' }),
    absent: { id: 'mem_none', role: 'ADMIN' },
  },
  { name: 'removeMember', scopes: ['organization:write'], roleScopes: SCOPES, byId: true, document: ops.RemoveMemberDocument, variables: (i) => ({ id: i.member }), absent: { id: 'mem_none' } },

  { name: 'billing', scopes: ['billing:read'], document: ops.BillingDocument, variables: () => ({}), absent: {} },

  { name: 'notificationChannels', scopes: ['organization:read'], document: ops.NotificationChannelsDocument, variables: () => ({}), absent: {} },
  {
    name: 'notificationChannel',
    scopes: ['organization:read'],
    byId: true,
    document: ops.NotificationChannelDocument,
    variables: (i) => ({ id: i.channel }),
    absent: { id: 'nch_none' },
  },
  // Events carrying nothing more than the organization's own (key expiry): alert and quota events need their read
  // scopes too (test/api/notifications-input.test.ts).
  {
    name: 'createNotificationChannel',
    scopes: ['organization:read', 'organization:write'],
    document: ops.CreateNotificationChannelDocument,
    variables: (_, target) => ({ input: { name: 'x', type: 'WEBHOOK', url: `${target}/ok`, events: ['API_KEY_EXPIRING'] } }),
    absent: { input: { name: 'x', type: 'WEBHOOK', url: 'not a url', events: ['API_KEY_EXPIRING'] } },
  },
  {
    name: 'updateNotificationChannel',
    scopes: ['organization:read', 'organization:write'],
    byId: true,
    document: ops.UpdateNotificationChannelDocument,
    variables: (i) => ({ id: i.channel, input: { name: 'y' } }),
    absent: { id: 'nch_none', input: { name: 'y' } },
  },
  {
    name: 'testNotificationChannel',
    scopes: ['organization:write', 'alerts:read'],
    byId: true,
    document: ops.TestNotificationChannelDocument,
    variables: (i) => ({ id: i.channel }),
    absent: { id: 'nch_none' },
  },
  { name: 'notificationDeliveries', scopes: ['alerts:read'], document: ops.NotificationDeliveriesDocument, variables: () => ({}), absent: {} },
  { name: 'maintenanceWindows', scopes: ['alerts:read'], document: ops.MaintenanceWindowsDocument, variables: () => ({}), absent: {} },
  {
    name: 'createMaintenanceWindow',
    scopes: ['alerts:read', 'alerts:write'],
    document: ops.CreateMaintenanceWindowDocument,
    variables: () => ({ input: windowInput() }),
    absent: { input: { name: '', startsAt: '2030-01-01T00:00:00Z', endsAt: '2030-01-01T01:00:00Z' } },
  },
  { name: 'alertTimeline', scopes: ['alerts:read'], byId: true, document: ops.AlertTimelineDocument, variables: (i) => ({ id: i.alert }), absent: { id: 'alr_none' } },
  { name: 'escalationPolicies', scopes: ['alerts:read'], document: ops.EscalationPoliciesDocument, variables: () => ({}), absent: {} },
  {
    name: 'createEscalationPolicy',
    scopes: ['alerts:read', 'alerts:write'],
    document: ops.CreateEscalationPolicyDocument,
    variables: (i) => ({ input: { name: 'p', steps: [{ afterMinutes: 0, channelIds: [i.channel] }] } }),
    absent: { input: { name: 'p', steps: [{ afterMinutes: 0, channelIds: ['nch_none'] }] } },
  },
  {
    name: 'updateEscalationPolicy',
    scopes: ['alerts:read', 'alerts:write'],
    byId: true,
    document: ops.UpdateEscalationPolicyDocument,
    variables: (i) => ({ id: i.policy, input: { name: 'q' } }),
    absent: { id: 'esc_none', input: { name: 'q' } },
  },
  { name: 'statusPages', scopes: ['status_pages:read'], document: ops.StatusPagesDocument, variables: () => ({}), absent: {} },
  { name: 'statusPage', scopes: ['status_pages:read'], byId: true, document: ops.StatusPageDocument, variables: (i) => ({ id: i.statusPage }), absent: { id: 'stp_none' } },
  {
    name: 'incidents',
    scopes: ['status_pages:read'],
    byId: true,
    document: ops.IncidentsDocument,
    variables: (i) => ({ statusPageId: i.statusPage }),
    absent: { statusPageId: 'stp_none' },
  },
  {
    name: 'createStatusPage',
    scopes: ['status_pages:read', 'status_pages:write'],
    document: ops.CreateStatusPageDocument,
    variables: () => ({ input: { name: 'p', slug: `p-${Math.random().toString(36).slice(2, 10)}` } }),
    absent: { input: { name: 'p', slug: 'Not A Slug' } },
  },
  {
    name: 'updateStatusPage',
    scopes: ['status_pages:read', 'status_pages:write'],
    byId: true,
    document: ops.UpdateStatusPageDocument,
    variables: (i) => ({ id: i.statusPage, input: { name: 'q' } }),
    absent: { id: 'stp_none', input: { name: 'q' } },
  },
  {
    name: 'createIncident',
    scopes: ['status_pages:read', 'status_pages:write'],
    byId: true,
    document: ops.CreateIncidentDocument,
    variables: (i) => ({ input: { statusPageId: i.statusPage, title: 't', impact: 'MINOR', status: 'INVESTIGATING', message: 'm' } }),
    absent: { input: { statusPageId: 'stp_none', title: 't', impact: 'MINOR', status: 'INVESTIGATING', message: 'm' } },
  },
  {
    name: 'addIncidentUpdate',
    scopes: ['status_pages:read', 'status_pages:write'],
    byId: true,
    document: ops.AddIncidentUpdateDocument,
    variables: (i) => ({ input: { incidentId: i.incident, status: 'MONITORING', message: 'm' } }),
    absent: { input: { incidentId: 'inc_none', status: 'MONITORING', message: 'm' } },
  },
  {
    name: 'publishIncident',
    scopes: ['status_pages:read', 'status_pages:write'],
    byId: true,
    document: ops.PublishIncidentDocument,
    variables: (i) => ({ id: i.incident }),
    absent: { id: 'inc_none' },
  },
  // The service decides their scopes from what they select (here a monitor): the same 403, the same NOT_FOUND.
  {
    name: 'triggerChecks',
    scopes: ['monitors:run'],
    bySelection: true,
    byId: true,
    document: ops.TriggerChecksDocument,
    variables: (i) => ({ input: { checkIds: [i.monitor] } }),
    absent: { input: { checkIds: ['mon_none'] } },
  },
  { name: 'checkSession', scopes: ['monitors:run'], bySelection: true, byId: true, document: ops.CheckSessionDocument, variables: (i) => ({ id: i.session }), absent: { id: 'cks_none' } },

  // Last: they remove what the other rows use.
  { name: 'deleteMonitor', scopes: ['monitors:write'], byId: true, document: ops.DeleteMonitorDocument, variables: (i) => ({ id: i.monitor }), absent: { id: 'mon_none' } },
  { name: 'deleteTcpMonitor', scopes: ['monitors:write'], byId: true, document: ops.DeleteTcpMonitorDocument, variables: (i) => ({ id: i.tcpMonitor }), absent: { id: 'tcp_none' } },
  { name: 'deleteDnsMonitor', scopes: ['monitors:write'], byId: true, document: ops.DeleteDnsMonitorDocument, variables: (i) => ({ id: i.dnsMonitor }), absent: { id: 'dns_none' } },
  { name: 'deleteJourney', scopes: ['journeys:write'], byId: true, document: ops.DeleteJourneyDocument, variables: (i) => ({ id: i.journey }), absent: { id: 'jrn_none' } },
  { name: 'deleteHeartbeat', scopes: ['monitors:write'], byId: true, document: ops.DeleteHeartbeatDocument, variables: (i) => ({ id: i.heartbeat }), absent: { id: 'hbt_none' } },
  {
    name: 'deleteNotificationChannel',
    scopes: ['organization:write'],
    byId: true,
    document: ops.DeleteNotificationChannelDocument,
    variables: (i) => ({ id: i.channel }),
    absent: { id: 'nch_none' },
  },
  { name: 'deleteSsoConnection', scopes: ['organization:write'], roleScopes: ['all'], byId: true, document: ops.DeleteSsoConnectionDocument, variables: (i) => ({ id: i.ssoConnection }), absent: { id: 'sso_none' } },
  {
    name: 'deleteEscalationPolicy',
    scopes: ['alerts:write'],
    byId: true,
    document: ops.DeleteEscalationPolicyDocument,
    variables: (i) => ({ id: i.policy }),
    absent: { id: 'esc_none' },
  },
  {
    name: 'deleteMaintenanceWindow',
    scopes: ['alerts:write'],
    byId: true,
    document: ops.DeleteMaintenanceWindowDocument,
    variables: (i) => ({ id: i.window }),
    absent: { id: 'mnt_none' },
  },
  // The seeded page's domain is already VERIFIED (seedOrganization), so no DNS server is asked.
  {
    name: 'verifyStatusPageDomain',
    scopes: ['status_pages:read', 'status_pages:write'],
    byId: true,
    document: ops.VerifyStatusPageDomainDocument,
    variables: (i) => ({ id: i.statusPage }),
    absent: { id: 'stp_none' },
  },
  {
    name: 'deleteStatusPage',
    scopes: ['status_pages:write'],
    byId: true,
    document: ops.DeleteStatusPageDocument,
    variables: (i) => ({ id: i.statusPage }),
    absent: { id: 'stp_none' },
  },
];

/** `query monitors`, `mutation createMonitor`: the root field a document calls. */
/** Whether a holder of `held` (`all` included) may call `op`, by its scopes. */
export function allows(held: readonly string[], op: Pick<Operation, 'scopes' | 'anyScopes'>): boolean {
  const has = (s: string) => held.includes('all') || held.includes(s);
  return op.scopes.every(has) && (!op.anyScopes?.length || op.anyScopes.some(has));
}

/** The scopes a refusal of `op` to `held` names: those of `scopes` it lacks, and every one of `anyScopes` when it holds none. */
export function missingFor(held: readonly string[], op: Pick<Operation, 'scopes' | 'anyScopes'>): string[] {
  const has = (s: string) => held.includes('all') || held.includes(s);
  const any = op.anyScopes?.length && !op.anyScopes.some(has) ? op.anyScopes : [];
  return [...new Set([...op.scopes.filter((s) => !has(s)), ...any])].sort();
}

export function rootFieldOf(document: TypedDocumentNode<unknown, unknown>): string {
  const op = document.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)!;
  const first = op.selectionSet.selections.find((s) => s.kind === Kind.FIELD);
  return `${op.operation} ${first?.kind === Kind.FIELD ? first.name.value : '?'}`;
}

/**
 * Every subscription (graphql-transport-ws on /graphql, never HTTP): the same spec as OPERATIONS, swept over a
 * WebSocket by test/api/subscriptions.test.ts (each scope alone and all of them; another organization's ids).
 * `variables` name the seeded organization's objects; `absent` ids that exist nowhere.
 */
export const SUBSCRIPTIONS: readonly Operation[] = [
  {
    name: 'runRecorded',
    scopes: ['monitors:read', 'journeys:read'],
    byId: true,
    document: ops.RunRecordedDocument,
    variables: (ids) => ({ checkId: ids.monitor }),
    absent: { checkId: 'mon_000000000000' },
  },
  {
    name: 'checkStatusChanged',
    scopes: ['monitors:read', 'journeys:read'],
    byId: true,
    document: ops.CheckStatusChangedDocument,
    variables: (ids) => ({ checkIds: [ids.monitor, ids.journey] }),
    absent: { checkIds: ['mon_000000000000'] },
  },
  { name: 'alertChanged', scopes: ['alerts:read'], document: ops.AlertChangedDocument, variables: () => ({}), absent: {} },
  {
    name: 'checkSessionUpdated',
    scopes: ['monitors:run'],
    bySelection: true,
    byId: true,
    document: ops.CheckSessionUpdatedDocument,
    variables: (ids) => ({ id: ids.session }),
    absent: { id: 'cks_000000000000' },
  },
];

/**
 * The operations whose document is the root field's own (not a second document of the same field, such as
 * `members` of `query organization`): one per root field, for checks keyed by root field.
 */
export const ROOT_OPERATIONS: readonly Operation[] = OPERATIONS.filter((o) => rootFieldOf(o.document).split(' ')[1] === o.name);

/**
 * The REST routes that mirror an operation: those that run its document; else, where REST runs a document of its
 * own for the root field (`GET /v1/me`), those of the same root field.
 */
export function routesOf(op: Operation): RestRoute[] {
  const same = ROUTES.filter((r) => r.document === op.document);
  if (same.length) return same;
  const field = rootFieldOf(op.document);
  return ROUTES.filter((r) => rootFieldOf(r.document) === field && !OPERATIONS.some((o) => o.document === r.document));
}

/**
 * The REST request a route answers for the same variables: `:id` from `id` (or the one `…Id` variable), the rest
 * as the query string of a GET, else as the body (an `input` object as it is), in REST's snake_case.
 */
export function restRequest(route: RestRoute, variables: Variables): [method: string, path: string, body?: unknown] {
  const rest = { ...variables };
  let path = route.url;
  if (path.includes(':id')) {
    const idVar = 'id' in rest ? 'id' : Object.keys(rest).find((k) => k.endsWith('Id'))!;
    path = path.replace(':id', String(rest[idVar]));
    delete rest[idVar];
  }
  const fields = Object.entries((rest.input as Variables | undefined) ?? rest).map(([k, v]) => [snakeName(k), v] as const);
  if (route.method === 'GET') {
    const query = new URLSearchParams(fields.map(([k, v]) => [k, String(v)])).toString();
    return [route.method, query ? `${path}?${query}` : path];
  }
  return fields.length ? [route.method, path, Object.fromEntries(fields)] : [route.method, path];
}

/** What the registry lacks: root fields of the schema no operation calls, REST routes no operation reaches. */
export function registryGaps(schema: GraphQLSchema): { fields: string[]; routes: string[] } {
  const fields = [
    ...Object.keys(schema.getQueryType()!.getFields()).map((f) => `query ${f}`),
    ...Object.keys(schema.getMutationType()!.getFields()).map((f) => `mutation ${f}`),
    ...Object.keys(schema.getSubscriptionType()?.getFields() ?? {}).map((f) => `subscription ${f}`),
  ];
  const called = new Set([...OPERATIONS, ...SUBSCRIPTIONS].map((o) => rootFieldOf(o.document)));
  const reached = new Set(OPERATIONS.flatMap(routesOf));
  return { fields: fields.filter((f) => !called.has(f)), routes: ROUTES.filter((r) => !reached.has(r)).map((r) => `${r.method} ${r.url}`) };
}

/**
 * An organization on the BUSINESS plan holding one of everything the operations take an id of: a failing
 * monitor (so an alert is open), a journey, a run of each, a check session, a member, keys, a channel and a
 * maintenance window. `target` serves `/ok` (200) and `/down` (500).
 */
export async function seedOrganization(t: TestApp, name: string, target: string): Promise<{ ids: Ids; admin: Client }> {
  const org = await t.org(name);
  await t.db.orm.em.fork().nativeUpdate('Organization', { id: org.id }, { plan: 'BUSINESS' });
  const { client } = await t.key(org, ['all']);
  const monitor = (await client.gql(ops.CreateMonitorDocument, { input: { name: 'down', url: `${target}/down`, failureThreshold: 1 } })).data!.createMonitor.id;
  const journey = (await client.gql(ops.CreateJourneyDocument, { input: { name: 'j', steps: step(`${target}/ok`) as never } })).data!.createJourney.id;
  const heartbeat = (await client.gql(ops.CreateHeartbeatDocument, { input: { name: 'h', periodSeconds: 3600 } })).data!.createHeartbeat.id;
  const tcpMonitor = (await client.gql(ops.CreateTcpMonitorDocument, { input: tcpInput(target) as never })).data!.createTcpMonitor.id;
  const dnsMonitor = (await client.gql(ops.CreateDnsMonitorDocument, { input: dnsInput() as never })).data!.createDnsMonitor.id;
  const monitorRun = (await client.gql(ops.RunMonitorDocument, { id: monitor })).data!.runMonitor.id;
  const journeyRun = (await client.gql(ops.RunJourneyDocument, { id: journey })).data!.runJourney.id;
  const alert = (await client.gql(ops.AlertsDocument, {})).data!.alerts.nodes[0].id;
  const session = (await client.gql(ops.TriggerChecksDocument, { input: { checkIds: [monitor] } })).data!.triggerChecks.id;
  const member = (await t.app.services.members.invite(t.db.orm.em.fork(), null, { keyId: 'cli', organizationId: org.id, name: 'cli', ip: null }, { email: 'owner@example.com', role: 'ADMIN' })).id;
  const invitation = (await client.gql(ops.InviteMemberDocument, { input: { email: 'invited@example.com', role: 'VIEWER' } })).data!.inviteMember.invitation.id;
  // Revoking takes the power to grant: a key with organization:write may revoke a key holding no more than that.
  const key = (await t.key(org, ['organization:write'])).id;
  const rollable = (await t.key(org, ['organization:write'])).id;
  const revocable = (await t.key(org, ['organization:write'])).id;
  const channel = (await client.gql(ops.CreateNotificationChannelDocument, { input: { name: 'c', type: 'WEBHOOK', url: `${target}/ok`, events: ['API_KEY_EXPIRING'] } })).data!
    .createNotificationChannel.channel.id;
  const window = (await client.gql(ops.CreateMaintenanceWindowDocument, { input: windowInput() })).data!.createMaintenanceWindow.id;
  const policy = (await client.gql(ops.CreateEscalationPolicyDocument, { input: { name: 'p', steps: [{ afterMinutes: 0, channelIds: [channel] }] } })).data!.createEscalationPolicy.id;
  const ssoDomain = `sso-${org.id.slice(4).toLowerCase()}.example`;
  const ssoConnection = (
    await client.gql(ops.CreateSsoConnectionDocument, {
      input: { issuer: 'https://idp.example.com', clientId: 'tracer', clientSecret: 'secret', emailDomains: [ssoDomain], defaultRole: 'VIEWER' },
    })
  ).data!.createSsoConnection.id;
  // Proven as if its TXT record had been found (test/api/sso-domains.test.ts asks a real DNS server).
  await t.db.orm.em.fork().getConnection().execute(`update sso_domains set status = 'VERIFIED', verified_at = now(), checked_at = now() where connection_id = ?`, [ssoConnection]);
  const statusPage = (
    await client.gql(ops.CreateStatusPageDocument, {
      input: { name: 'Public', slug: `s-${Math.random().toString(36).slice(2, 10)}`, customDomain: `status.${ssoDomain}`, components: [{ name: 'API', checkIds: [monitor] }] },
    })
  ).data!.createStatusPage.id;
  // Its custom domain proven as if its TXT record had been found (test/api/status-page-domains.test.ts asks a real DNS server).
  await t.db.orm.em.fork().getConnection().execute(`update status_pages set domain_status = 'VERIFIED', domain_verified_at = now(), domain_checked_at = now() where id = ?`, [statusPage]);
  const incident = (
    await client.gql(ops.CreateIncidentDocument, { input: { statusPageId: statusPage, title: 'Slow', impact: 'MINOR', status: 'INVESTIGATING', message: 'Looking' } })
  ).data!.createIncident.id;
  return { ids: { monitor, journey, heartbeat, tcpMonitor, dnsMonitor, monitorRun, journeyRun, alert, member, invitation, session, key, rollable, revocable, channel, window, ssoConnection, ssoDomain, policy, statusPage, incident }, admin: client };
}
