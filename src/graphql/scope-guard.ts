import { defaultFieldResolver, type GraphQLSchema } from 'graphql';
import { MapperKind, mapSchema } from '@graphql-tools/utils';
import type { ApolloServerPlugin } from '@apollo/server';
import { forbidden, unauthorized } from '../errors';
import { grants, SCOPES, type Scope } from '../modules/auth/scopes';
import type { Principal } from '../modules/auth/principal';
import type { ScopeIndex } from './scope-index';
import { operationRequirements } from './operation-scopes';
import { toGraphQLError } from './errors';

interface HasPrincipal {
  principal?: Principal;
}

/**
 * The one enforcement point (ARCHITECTURE.md §3): before execution, the operation's requirements are compared
 * with the key's permissions; if anything is missing the whole operation is refused with 403 and no resolver
 * runs (so of two mutations, neither runs).
 */
export function scopeCheckPlugin(index: ScopeIndex): ApolloServerPlugin<HasPrincipal> {
  // One listener object for every request: nothing allocated per request.
  const listener: Awaited<ReturnType<NonNullable<ApolloServerPlugin<HasPrincipal>['requestDidStart']>>> = {
        async didResolveOperation({ contextValue, document, operation, schema }) {
          const principal = contextValue.principal;
          if (!principal) throw toGraphQLError(unauthorized());
          if (!operation) return; // Apollo refuses a document without a matching operation before executing
          const needs = operationRequirements(schema, index, document, operation);
          if (principal.held.has('all') || needs.scopes.every((s) => principal.held.has(s))) return;
          const missing = needs.scopes.filter((s) => !grants(principal.held, s));
          const paths = needs.paths.filter((p) => p.scopes.some((s) => missing.includes(s))).map((p) => p.path);
          throw toGraphQLError(forbidden({ missingScopes: missing, paths }));
        },
  };
  return { requestDidStart: async () => listener };
}

/**
 * Defence in depth: every resolver that needs something checks it again with a Set lookup, so the rule holds
 * for any execution that does not pass through the plugin above (a test calling `execute`, a future transport).
 */
export function guardResolvers(schema: GraphQLSchema, index: ScopeIndex): GraphQLSchema {
  return mapSchema(schema, {
    [MapperKind.OBJECT_FIELD]: (config, fieldName, typeName) => {
      const needed = index.scopesFor(typeName, fieldName);
      const isRoot = index.rootTypes.has(typeName);
      if (!needed.length && !isRoot) return config;
      const resolve = config.resolve ?? defaultFieldResolver;
      return {
        ...config,
        resolve(source, args, context: HasPrincipal, info) {
          assertGranted(context?.principal, needed);
          return resolve(source, args, context, info);
        },
      };
    },
  });
}

function assertGranted(principal: Principal | undefined, needed: readonly Scope[]): void {
  if (!principal) throw unauthorized();
  for (const s of needed)
    if (!grants(principal.held, s))
      throw forbidden({ missingScopes: SCOPES.filter((x) => needed.includes(x) && !grants(principal.held, x)) });
}
