import { DirectiveLocation, GraphQLDirective, GraphQLNonNull, GraphQLString } from 'graphql';
import { Directive } from 'type-graphql';
import type { Scope } from './scopes';

/**
 * The authorization vocabulary of the schema (docs/explanation/security-model.md).
 *
 * - `@requiresScope(scope:)` on a type or a field: the caller's key must hold that scope (or `all`). Repeatable;
 *   requirements compose by AND across the field, its parent type and the type it returns. A field can never
 *   lower its type's requirement.
 * - `@authenticated` on a root field: a valid key is enough.
 * Every field of Query, Mutation and Subscription carries one of the two, or the schema build fails.
 */
export const AUTH_DIRECTIVES_SDL = /* GraphQL */ `
  directive @requiresScope(scope: String!) repeatable on OBJECT | FIELD_DEFINITION
  directive @authenticated on FIELD_DEFINITION
`;

export const requiresScopeDirective = new GraphQLDirective({
  name: 'requiresScope',
  description: 'The API key must hold this scope (or `all`). Repeatable; composes by AND with the parent and returned types.',
  locations: [DirectiveLocation.OBJECT, DirectiveLocation.FIELD_DEFINITION],
  isRepeatable: true,
  args: { scope: { type: new GraphQLNonNull(GraphQLString) } },
});

export const authenticatedDirective = new GraphQLDirective({
  name: 'authenticated',
  description: 'Any valid API key may use this field; no scope is needed.',
  locations: [DirectiveLocation.FIELD_DEFINITION],
});

/** `@RequiresScope('monitors:write')` on a type-graphql class or field; the Scope type rejects unknown strings. */
export const RequiresScope = (scope: Scope) => Directive(`@requiresScope(scope: ${JSON.stringify(scope)})`);

/** `@Authenticated()` on a root field that any valid key may call. */
export const Authenticated = () => Directive('@authenticated');
