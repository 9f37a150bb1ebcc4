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
/** The kinds' plurals (`monitors`, `tcpMonitors`) grouped by a scope of theirs, in the registry's order. */
function byScope(scope: (k: (typeof CHECK_KINDS)[number]) => string): [string, string[]][] {
  const groups = new Map<string, string[]>();
  for (const k of CHECK_KINDS) groups.set(scope(k), [...(groups.get(scope(k)) ?? []), apiPlural(k)]);
  return [...groups];
}
const orWords = (parts: readonly string[]) => (parts.length < 2 ? parts.join('') : `${parts.slice(0, -1).join(', ')} or ${parts[parts.length - 1]}`);
const runScopes = byScope((k) => k.scopes.run);

export const SELECTION_SCOPES: Readonly<Record<string, string>> = {
  // Each kind's run scope, named with the plurals of the kinds it covers (`monitors`, `tcpMonitors`).
  'Mutation.triggerChecks': inWords(runScopes.map(([scope, kinds]) => `\`${scope}\` for the ${inWords(kinds)} it selects`)),
  'Query.checkSession': inWords(runScopes.map(([scope, kinds], i) => `\`${scope}\` if ${i ? 'it' : 'the session'} ran ${orWords(kinds)}`)),
  'Subscription.checkSessionUpdated': inWords(runScopes.map(([scope, kinds], i) => `\`${scope}\` if ${i ? 'it' : 'the session'} ran ${orWords(kinds)}`)),
};

/**
 * Refuses with the same FORBIDDEN answer the scope check gives before execution (missing scopes and the response
 * path), so a client handles both alike.
 */
export function assertSelectionScopes(principal: ScopeHolder, needed: readonly Scope[], path: string): void {
  const missing = missingScopes(principal.held, needed);
  if (missing.length) throw forbidden({ missingScopes: missing, paths: [path] });
}
