import { isAbstractType, isObjectType, specifiedDirectives, type GraphQLSchema, type GraphQLTypeResolver } from 'graphql';
import { buildSchema, getMetadataStorage, type NonEmptyArray } from 'type-graphql';
import { DateTimeResolver } from 'graphql-scalars';
import { printSchemaWithDirectives } from '@graphql-tools/utils';
import { authenticatedDirective, requiresAnyScopeDirective, requiresScopeDirective } from '../authorization/directives';
import { ScopeIndex } from '../authorization/scope-index';
import { guardResolvers } from '../authorization/scope-guard';
import { describeScopes } from '../authorization/scope-descriptions';
import { validateInput } from './validation';
import { assertListSizes } from '../authorization/list-sizes';
import { MeResolver } from '../modules/me/me.resolver';
import { ApiKeyResolver } from '../modules/api-keys/api-key.resolver';
import { KIND_APIS } from '../modules/checks/kinds/apis';
// Before the runs' queries: the order type-graphql lists fields in is the order these files make them (check-resolvers.ts).
import { CHECK_RESOLVERS } from './check-resolvers';
import { RUN_RESOLVERS } from '../modules/runs/run.resolver';
import { AlertResolver } from '../modules/alerts/alert.resolver';
import { OrganizationResolver } from '../modules/organization/organization.resolver';
import { MemberResolver } from '../modules/members/member.resolver';
import { AuditResolver } from '../modules/audit/audit.resolver';
import { BillingResolver } from '../modules/billing/billing.resolver';
import { LocationResolver } from '../modules/locations/location.resolver';
import { NotificationResolver } from '../modules/notifications/notification.resolver';
import { MaintenanceResolver } from '../modules/maintenance/maintenance.resolver';
import { CheckSessionResolver } from '../modules/check-sessions/check-session.resolver';
import { CheckListResolver } from '../modules/checks/check-list.resolver';
import { SessionResolver } from '../modules/accounts/session.resolver';
import { MfaResolver } from '../modules/mfa/mfa.resolver';
import { InvitationResolver } from '../modules/invitations/invitation.resolver';
import { SsoResolver } from '../modules/sso/sso.resolver';
import { resolveRunType } from '../modules/runs/run.types';
import { OrganizationOverviewResolver } from '../modules/stats/overview.resolver';
import { checkStatsResolver } from '../modules/stats/stats.resolver';
import { LiveResolver } from '../modules/live/live.resolver';
import { EscalationResolver } from '../modules/escalation/escalation.resolver';
import { AlertTimelineResolver } from '../modules/escalation/timeline.resolver';
import { HeartbeatPingResolver } from '../modules/heartbeats/heartbeat-ping.resolver';
import { StatusPageResolver } from '../modules/status-pages/status-page.resolver';
import { IncidentResolver } from '../modules/status-pages/incident.resolver';
import { resolveCheckType } from '../modules/live/live.types';

// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export const RESOLVERS: NonEmptyArray<Function> = [
  MeResolver,
  ApiKeyResolver,
  OrganizationResolver,
  MemberResolver,
  ...CHECK_RESOLVERS, // each kind's queries, mutations and fields, with its runs' (check-resolvers.ts)
  ...KIND_APIS.map((api) => checkStatsResolver(api.view)), // each kind's statistics fields
  HeartbeatPingResolver, // a heartbeat's pingUrl and rotateHeartbeatToken
  ...RUN_RESOLVERS,
  AlertResolver,
  BillingResolver,
  AuditResolver,
  LocationResolver,
  NotificationResolver,
  MaintenanceResolver,
  CheckSessionResolver,
  CheckListResolver,
  SessionResolver,
  MfaResolver,
  InvitationResolver,
  SsoResolver,
  OrganizationOverviewResolver,
  LiveResolver,
  EscalationResolver,
  AlertTimelineResolver,
  StatusPageResolver,
  IncidentResolver,
];

/**
 * Every interface's and union's type resolver, as a plain function. type-graphql wraps each in an async function,
 * which graphql-js awaits but graphql-jit cannot (it answers "must resolve to an Object type"): the schema build
 * puts these back, and fails on an abstract type missing here.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const TYPE_RESOLVERS: Record<string, GraphQLTypeResolver<any, unknown>> = { Run: resolveRunType, Check: resolveCheckType };

const NO_PUB_SUB = {
  publish: () => {
    throw new Error('subscriptions publish through live/live-events.ts');
  },
  subscribe: () => {
    throw new Error('every subscription has its own `subscribe`');
  },
};

export interface AppSchema {
  schema: GraphQLSchema;
  index: ScopeIndex;
}

/** Builds the schema from the resolver classes, checks its authorization rules, and guards every resolver. */
export async function buildAppSchema(): Promise<AppSchema> {
  argumentsInDecoratorOrder();
  const raw = await buildSchema({
    resolvers: RESOLVERS,
    // `directives` replaces the schema's list: graphql's own (@skip, @include, @deprecated, @specifiedBy) must be
    // named too, or every document using @skip/@include fails validation as an unknown directive.
    directives: [...specifiedDirectives, requiresScopeDirective, requiresAnyScopeDirective, authenticatedDirective],
    scalarsMap: [{ type: Date, scalar: DateTimeResolver }],
    validateFn: validateInput,
    // Every kind's object type, where the Check interface used to add its implementations (check-interface.ts): first,
    // as then, so the printed schema keeps its order.
    orphanedTypes: KIND_APIS.map((a) => a.view),
    emitSchemaFile: false,
    // Every subscription brings its own event stream (`subscribe`, live/live.resolver.ts): type-graphql's topics
    // and this pub/sub are never used, but a schema with subscriptions must name one.
    pubSub: NO_PUB_SUB,
  });
  plainReads(raw);
  assertListSizes(raw); // every list has a size for the cost of a document
  const index = new ScopeIndex(raw); // throws SchemaAuthError on any rule broken
  const schema = guardResolvers(describeScopes(raw, index), index);
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isAbstractType(type) || type.name.startsWith('__')) continue;
    const resolve = TYPE_RESOLVERS[type.name];
    if (!resolve) throw new Error(`${type.name} is abstract: add its synchronous type resolver to TYPE_RESOLVERS (src/graphql/schema.ts)`);
    type.resolveType = resolve;
  }
  return { schema, index };
}

/**
 * A field's arguments are listed in the order type-graphql collected their `@Arg` decorators, which run last
 * parameter first (`stats(location, window)` for `stats(window, location)`). But running a resolver sorts that same
 * array by parameter position, in place (type-graphql's resolvers/helpers.js `getParams`). A field resolver of
 * another class (`stats` on Monitor and Journey) is added, by the first schema build in the process, to its object
 * type's `fields` with the params array of that build, and every later build keeps that field and that array. Each
 * build works on a clone of the metadata storage, so that field is in the type's `fields` but never in the global
 * `fields` list: both are walked. Without this, a schema built after an app of an earlier build had run `stats`
 * (test files sharing a worker) listed `window, location`. Putting every stored field's arguments back in
 * collection order makes each build print and serve what a fresh process does (the committed schema).
 */
function argumentsInDecoratorOrder(): void {
  const storage = getMetadataStorage();
  const fields = [storage.fields, ...storage.objectTypes.map((t) => t.fields ?? []), ...storage.interfaceTypes.map((t) => t.fields ?? [])];
  for (const list of fields) for (const field of list) field.params?.sort((a, b) => b.index - a.index);
}

/**
 * type-graphql gives every field without a resolver of its own a wrapper that runs the field's middlewares and
 * then reads `root[property]`. A field with no middleware and no roles, whose property has its GraphQL name, is
 * exactly GraphQL's default read: its wrapper is removed, so graphql-js reads the property directly and the
 * compiled executor inlines the read (on a page of 50 monitors, hundreds of calls fewer per request). A field
 * with a field resolver, middlewares or a renamed property keeps what type-graphql made.
 */
type FieldMetadata = NonNullable<ReturnType<typeof getMetadataStorage>['objectTypes'][number]['fields']>[number];

function plainReads(schema: GraphQLSchema): void {
  const storage = getMetadataStorage();
  // Classes are matched to the schema's types by name: a name two classes share (one of them not in this schema)
  // is left alone rather than guessed. No global middlewares are configured (buildAppSchema passes none): with
  // one, no field would be a plain read.
  const named = new Map<string, number>();
  for (const o of storage.objectTypes) named.set(o.name, (named.get(o.name) ?? 0) + 1);
  for (const objectType of storage.objectTypes) {
    const type = schema.getType(objectType.name);
    if (!isObjectType(type) || named.get(objectType.name) !== 1) continue;
    const fields = type.getFields();
    // As type-graphql builds a type's fields: its superclass's (an abstract base, check-view-base.ts) first, then
    // its interfaces', then its own (a later one wins).
    const effective = new Map<string, FieldMetadata>();
    const collect = (target: unknown): void => {
      const meta = storage.objectTypes.find((o) => o.target === target);
      if (!meta) return;
      collect(Object.getPrototypeOf(target));
      const interfaces = storage.interfaceTypes.filter((i) => meta.interfaceClasses?.includes(i.target));
      for (const field of [...interfaces.flatMap((i) => i.fields ?? []), ...(meta.fields ?? [])]) effective.set(field.schemaName, field);
    };
    collect(objectType.target);
    for (const field of effective.values()) {
      if (field.name !== field.schemaName || field.middlewares?.length || field.roles?.length || !fields[field.schemaName]) continue;
      if (storage.fieldResolvers.some((r) => r.methodName === field.name && r.getObjectType?.() === field.target)) continue;
      fields[field.schemaName].resolve = undefined;
    }
  }
}

/**
 * The committed `schema/schema.graphql`: every directive printed, and each requirement also written out in the
 * descriptions (describeScopes), which is what introspection carries to Sandbox and codegen.
 */
export function printAppSchema(schema: GraphQLSchema): string {
  return `${printSchemaWithDirectives(schema).trim()}\n`;
}
