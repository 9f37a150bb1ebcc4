import { GraphQLObjectType, type GraphQLSchema } from 'graphql';
import { getDirective, MapperKind, mapSchema } from '@graphql-tools/utils';
import type { ScopeIndex } from './scope-index';
import { SELECTION_SCOPES } from './selection-scopes';

/**
 * The sentence a field's or type's description ends with, from the same index the enforcement point reads, so
 * what Sandbox and codegen show is what is enforced. Introspection carries descriptions but not applied
 * directives, which is why the requirement is written out here and not left to `@requiresScope` alone.
 */
export function scopeSentence(scopes: readonly string[]): string {
  const quoted = scopes.map((s) => `\`${s}\``);
  const list = quoted.length <= 2 ? quoted.join(' and ') : `${quoted.slice(0, -1).join(', ')} and ${quoted.at(-1)}`;
  return `Requires ${list}.`;
}

/** Root fields marked `@authenticated`: any valid key; a field that checks more on what it selects says so itself. */
export const AUTHENTICATED_SENTENCE = 'Requires a valid API key; no scope of its own.';

/** A `@requiresAnyScope` field: one of its scopes (with `scopes`, every one of those too). */
export function anyScopeSentence(any: readonly string[], scopes: readonly string[]): string {
  const quoted = any.map((s) => `\`${s}\``);
  const one = `${quoted.slice(0, -1).join(', ')} or ${quoted.at(-1)}`;
  const also = scopes.length ? ` and ${scopes.map((s) => `\`${s}\``).join(', ')}` : '';
  return `Requires ${one} (any one; it answers only the objects whose type the key may read)${also}.`;
}

/** A field returning an interface or union: what each of its objects needs is its own type's. */
export const OBJECTS_SENTENCE = 'Each object requires the scope of its own type.';

/** A field whose scopes depend on what it selects (src/authorization/selection-scopes.ts). */
export const selectionSentence = (scopes: string) => `Requires ${scopes} (checked on what it selects; FORBIDDEN names what is missing).`;

const append = (description: string | null | undefined, sentence: string) => (description ? `${description}\n\n${sentence}` : sentence);

/**
 * Appends the requirement to every object type with `@requiresScope` (its own scopes) and to every field that needs
 * any scope (everything the enforcement point requires for it: its own, its parent type's and its returned types').
 */
export function describeScopes(schema: GraphQLSchema, index: ScopeIndex): GraphQLSchema {
  return mapSchema(schema, {
    [MapperKind.OBJECT_TYPE]: (type) => {
      const own = (getDirective(schema, type, 'requiresScope') ?? []).map((d) => d.scope as string);
      if (!own.length) return type;
      const config = type.toConfig();
      return new GraphQLObjectType({
        ...config,
        description: append(config.description, scopeSentence(index.typeScopesOf(type.name))),
      });
    },
    [MapperKind.OBJECT_FIELD]: (config, fieldName, typeName) => {
      const needed = index.scopesFor(typeName, fieldName);
      const any = index.anyScopesFor(typeName, fieldName);
      if (any.length) return { ...config, description: append(config.description, anyScopeSentence(any, needed)) };
      // A field returning an interface or union checks each object for its own type (scope-guard.ts, checkObjects).
      const own = index.guardScopesFor(typeName, fieldName);
      if (!index.rootTypes.has(typeName) && own.length < needed.length)
        return { ...config, description: append(config.description, `${own.length ? `${scopeSentence(own)} ` : ''}${OBJECTS_SENTENCE}`) };
      if (needed.length) return { ...config, description: append(config.description, scopeSentence(needed)) };
      const selection = SELECTION_SCOPES[`${typeName}.${fieldName}`];
      if (selection) return { ...config, description: append(config.description, selectionSentence(selection)) };
      if (index.rootTypes.has(typeName)) return { ...config, description: append(config.description, AUTHENTICATED_SENTENCE) };
      return config;
    },
  });
}
