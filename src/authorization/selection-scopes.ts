import { forbidden } from '../errors';
import { missingScopes, type Scope, type ScopeHolder } from './scopes';
import { CHECK_KINDS } from '../modules/checks/kinds/registry';
import { apiPlural } from '../modules/checks/check-kind';

/** "a, b and c". */
const inWords = (parts: readonly string[]) => (parts.length < 2 ? parts.join('') : `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}`);

/**
 * Root fields whose scopes depend on what they select, so no directive can state them: they are `@authenticated`
 * and their service calls `assertSelectionScopes`. Written here once for the descriptions (introspection) and the
 * scope table of docs/reference/scopes.md.
 */
export const SELECTION_SCOPES: Readonly<Record<string, string>> = {
  // Each kind's run scope, named with its plural (its table's name: `monitors`).
  'Mutation.triggerChecks': inWords(CHECK_KINDS.map((k) => `\`${k.scopes.run}\` for the ${apiPlural(k)} it selects`)),
  'Query.checkSession': inWords(CHECK_KINDS.map((k, i) => `\`${k.scopes.run}\` if ${i ? 'it' : 'the session'} ran ${apiPlural(k)}`)),
  'Subscription.checkSessionUpdated': inWords(CHECK_KINDS.map((k, i) => `\`${k.scopes.run}\` if ${i ? 'it' : 'the session'} ran ${apiPlural(k)}`)),
};

/**
 * Refuses with the same FORBIDDEN answer the scope check gives before execution (missing scopes and the response
 * path), so a client handles both alike.
 */
export function assertSelectionScopes(principal: ScopeHolder, needed: readonly Scope[], path: string): void {
  const missing = missingScopes(principal.held, needed);
  if (missing.length) throw forbidden({ missingScopes: missing, paths: [path] });
}
