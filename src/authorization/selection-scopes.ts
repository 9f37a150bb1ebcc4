import { forbidden } from '../errors';
import { missingScopes, type Scope, type ScopeHolder } from './scopes';

/**
 * Root fields whose scopes depend on what they select, so no directive can state them: they are `@authenticated`
 * and their service calls `assertSelectionScopes`. Written here once for the descriptions (introspection) and the
 * scope table of docs/reference/scopes.md.
 */
export const SELECTION_SCOPES: Readonly<Record<string, string>> = {
  'Mutation.triggerChecks': '`monitors:run` for the monitors it selects and `journeys:run` for the journeys it selects',
  'Query.checkSession': '`monitors:run` if the session ran monitors and `journeys:run` if it ran journeys',
};

/**
 * Refuses with the same FORBIDDEN answer the scope check gives before execution (missing scopes and the response
 * path), so a client handles both alike.
 */
export function assertSelectionScopes(principal: ScopeHolder, needed: readonly Scope[], path: string): void {
  const missing = missingScopes(principal.held, needed);
  if (missing.length) throw forbidden({ missingScopes: missing, paths: [path] });
}
