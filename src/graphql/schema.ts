import type { GraphQLSchema } from 'graphql';
import { buildSchema, type NonEmptyArray } from 'type-graphql';
import { DateTimeResolver } from 'graphql-scalars';
import { printSchemaWithDirectives } from '@graphql-tools/utils';
import { authenticatedDirective, requiresScopeDirective } from './directives';
import { ScopeIndex } from './scope-index';
import { guardResolvers } from './scope-guard';
import { validateInput } from './validation';
import { MeResolver } from '../modules/me/me.resolver';
import { ApiKeyResolver } from '../modules/api-keys/api-key.resolver';
import { MonitorResolver } from '../modules/monitors/monitor.resolver';
import { JourneyResolver } from '../modules/journeys/journey.resolver';
import { RunResolver } from '../modules/runs/run.resolver';
import { AlertResolver } from '../modules/alerts/alert.resolver';
import { OrganizationResolver } from '../modules/organization/organization.resolver';
import { MemberResolver } from '../modules/members/member.resolver';
import { AuditResolver } from '../modules/audit/audit.resolver';
import { BillingResolver } from '../modules/billing/billing.resolver';
import { LocationResolver } from '../modules/locations/location.resolver';
import { JourneyStatsResolver, MonitorStatsResolver, OrganizationOverviewResolver } from '../modules/stats/stats.resolver';

// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export const RESOLVERS: NonEmptyArray<Function> = [
  MeResolver,
  ApiKeyResolver,
  OrganizationResolver,
  MemberResolver,
  MonitorResolver,
  JourneyResolver,
  RunResolver,
  AlertResolver,
  BillingResolver,
  AuditResolver,
  LocationResolver,
  MonitorStatsResolver,
  JourneyStatsResolver,
  OrganizationOverviewResolver,
];

export interface AppSchema {
  schema: GraphQLSchema;
  index: ScopeIndex;
}

/** Builds the schema from the resolver classes, checks its authorization rules, and guards every resolver. */
export async function buildAppSchema(): Promise<AppSchema> {
  const raw = await buildSchema({
    resolvers: RESOLVERS,
    directives: [requiresScopeDirective, authenticatedDirective],
    scalarsMap: [{ type: Date, scalar: DateTimeResolver }],
    validateFn: validateInput,
    emitSchemaFile: false,
  });
  const index = new ScopeIndex(raw); // throws SchemaAuthError on any rule broken
  return { schema: guardResolvers(raw, index), index };
}

/** The committed `schema/schema.graphql`: every directive printed, so Sandbox and codegen users see the scopes. */
export function printAppSchema(schema: GraphQLSchema): string {
  return `${printSchemaWithDirectives(schema).trim()}\n`;
}
