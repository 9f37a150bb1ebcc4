import { checkResolvers } from '../modules/checks/check.resolver-base';
import { KIND_APIS } from '../modules/checks/kinds/apis';
import { runFields } from '../modules/runs/check-runs.resolver';

/**
 * Every kind's resolver: its queries and mutations (checks/), the run fields the runs module adds (`run<Kind>`,
 * `recentRuns`), then its view's own fields. type-graphql lists fields in the order their decorators ran, so the
 * resolvers are made here, when this file loads, kind after kind: schema.ts imports it before the runs module's
 * queries (`monitorRuns`, …), the order of the printed schema.
 */
export const CHECK_RESOLVERS = checkResolvers(KIND_APIS.map((api) => api.resolver), runFields);
