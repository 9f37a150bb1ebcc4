import { DirectiveLocation, GraphQLDirective, GraphQLList, GraphQLNonNull, GraphQLString } from 'graphql';
import { Directive } from 'type-graphql';
import type { Scope } from './scopes';

/**
 * The authorization vocabulary of the schema (docs/explanation/security-model.md).
 *
 * - `@requiresScope(scope:)` on a type or a field: the caller's key must hold that scope (or `all`). Repeatable;
 *   requirements compose by AND across the field, its parent type and the type it returns. A field can never
 *   lower its type's requirement.
 * - `@requiresAnyScope(scopes:)` on a field that returns objects of several types behind an interface, each type
 *   with its own scope (`checks`: monitors and journeys): the key must hold at least one of them, and then reads
 *   only the objects of the types it may read. The field's service leaves the others out; the resolver guard
 *   refuses a list that would still hold one (scope-guard.ts, checkObjects). Selections on those types need
 *   no more than that: an object of a type the key may not read is never there to select from.
 * - `@authenticated` on a root field: a valid key is enough.
 * Every field of Query, Mutation and Subscription carries one of the two, or the schema build fails.
 */
export const AUTH_DIRECTIVES_SDL = /* GraphQL */ `
  directive @requiresScope(scope: String!) repeatable on OBJECT | FIELD_DEFINITION
  directive @requiresAnyScope(scopes: [String!]!) on FIELD_DEFINITION
  directive @authenticated on FIELD_DEFINITION
`;

export const requiresScopeDirective = new GraphQLDirective({
  name: 'requiresScope',
  description: 'The API key must hold this scope (or `all`). Repeatable; composes by AND with the parent and returned types.',
  locations: [DirectiveLocation.OBJECT, DirectiveLocation.FIELD_DEFINITION],
  isRepeatable: true,
  args: { scope: { type: new GraphQLNonNull(GraphQLString) } },
});

export const requiresAnyScopeDirective = new GraphQLDirective({
  name: 'requiresAnyScope',
  description:
    'The API key must hold at least one of these scopes (or `all`); the field then answers only the objects whose type the key may read. ' +
    'Composes by AND with `@requiresScope`.',
  locations: [DirectiveLocation.FIELD_DEFINITION],
  args: { scopes: { type: new GraphQLNonNull(new GraphQLList(new GraphQLNonNull(GraphQLString))) } },
});

export const authenticatedDirective = new GraphQLDirective({
  name: 'authenticated',
  description: 'Any valid API key may use this field; no scope is needed.',
  locations: [DirectiveLocation.FIELD_DEFINITION],
});

/** `@RequiresScope('monitors:write')` on a type-graphql class or field; the Scope type rejects unknown strings. */
export const RequiresScope = (scope: Scope) => Directive(`@requiresScope(scope: ${JSON.stringify(scope)})`);

/** `@RequiresAnyScope(['monitors:read', 'journeys:read'])` on a field whose objects' types each need one of them. */
export const RequiresAnyScope = (scopes: readonly Scope[]) => Directive(`@requiresAnyScope(scopes: ${JSON.stringify(scopes)})`);

/** `@Authenticated()` on a root field that any valid key may call. */
export const Authenticated = () => Directive('@authenticated');
