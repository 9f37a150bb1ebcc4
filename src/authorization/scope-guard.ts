import { defaultFieldResolver, type GraphQLSchema } from 'graphql';
import { MapperKind, mapSchema } from '@graphql-tools/utils';
import type { ApolloServerPlugin, GraphQLRequestListener } from '@apollo/server';
import { AppError, forbidden, unauthorized, type ErrorCode } from '../errors';
import { missingScopes, type Scope, type ScopeHolder } from './scopes';
import type { ScopeIndex } from './scope-index';
import { COST_CEILING, costOf, operationRequirements, type OperationRequirements } from './operation-scopes';
import { toGraphQLError } from '../errors/graphql';

interface HasPrincipal {
  principal?: ScopeHolder;
}

/**
 * The one enforcement point (docs/explanation/architecture.md): before execution, the operation's requirements are
 * compared with the key's permissions; if anything is missing the whole operation is refused with 403 and no resolver
 * runs (so of two mutations, neither runs).
 */
export interface DocumentLimits {
  depth: number;
  aliases: number;
  rootFields: number;
  cost: number;
}

/**
 * Why an operation may not run for this key: a limit it exceeds (400, one code each) or the scopes it lacks (403
 * with the response paths that need them); undefined when it may. The plugin below and the REST routes ask this.
 */
export function refusal(principal: ScopeHolder, needs: OperationRequirements, limits: DocumentLimits, variables: Record<string, unknown> | undefined): AppError | undefined {
  try {
    assertWithinLimits(needs, limits, variables);
  } catch (e) {
    if (e instanceof AppError) return e;
    throw e;
  }
  if (principal.mfaSetupRequired && needs.rootNames.some((n) => !MFA_SETUP_ALLOWS.has(n))) return mfaSetupRequired();
  const missing = missingScopes(principal.held, needs.scopes);
  if (!missing.length) return undefined;
  const paths = needs.paths.filter((p) => p.scopes.some((s) => missing.includes(s))).map((p) => p.path);
  return forbidden({ missingScopes: missing, paths });
}

/**
 * What a member asked to set up two-factor first (`Organization.requireMfa`) may still ask GraphQL (and its REST
 * mirror, `GET /v1/me`): who it is. The setup routes and sign-out are plain HTTP routes outside this check.
 */
export const MFA_SETUP_ALLOWS: ReadonlySet<string> = new Set(['me', '__typename']);

export const mfaSetupRequired = () =>
  new AppError('MFA_SETUP_REQUIRED', 'Your organization requires two-factor sign-in: set it up (POST /auth/mfa/totp/setup, then /auth/mfa/totp/confirm) before anything else');

/** Refuses oversized documents (400, one code each) before any resolver runs; measured in the same cached walk. */
function assertWithinLimits(needs: OperationRequirements, limits: DocumentLimits, variables: Record<string, unknown> | undefined): void {
  const refuse = (code: ErrorCode, message: string, actual: number, limit: number) => {
    throw new AppError(code, message, { limit, actual: Math.min(actual, COST_CEILING) });
  };
  if (needs.depth > limits.depth) refuse('QUERY_TOO_DEEP', `The query is ${needs.depth} fields deep; the limit is ${limits.depth}`, needs.depth, limits.depth);
  if (needs.aliases > limits.aliases) refuse('TOO_MANY_ALIASES', `The query uses ${needs.aliases} aliases; the limit is ${limits.aliases}`, needs.aliases, limits.aliases);
  if (needs.rootFields > limits.rootFields)
    refuse('TOO_MANY_ROOT_FIELDS', `The query asks for ${needs.rootFields} root fields; the limit is ${limits.rootFields}`, needs.rootFields, limits.rootFields);
  // One `__schema` answers the whole schema (~100 kB here); a second copy in the same document serves no client.
  if (needs.schemaFields > 1)
    refuse('QUERY_TOO_COMPLEX', `The query asks for __schema ${needs.schemaFields} times; the limit is 1`, needs.schemaFields, 1);
  const cost = costOf(needs, variables);
  if (cost > limits.cost)
    refuse('QUERY_TOO_COMPLEX', `The query would resolve about ${cost} fields; the limit is ${limits.cost} (ask for smaller pages)`, cost, limits.cost);
}

export function scopeCheckHooks(index: ScopeIndex, limits: DocumentLimits): Pick<GraphQLRequestListener<HasPrincipal>, 'didResolveOperation'> {
  return {
    async didResolveOperation({ contextValue, document, operation, schema, request }) {
      const principal = contextValue.principal;
      if (!principal) throw toGraphQLError(unauthorized());
      if (!operation) return; // Apollo refuses a document without a matching operation before executing
      // The requirements and the limits' measures are cached on the operation node: per request, set lookups only.
      const appError = refusal(principal, operationRequirements(schema, index, document, operation), limits, request.variables);
      if (appError) throw toGraphQLError(appError);
    },
  };
}

/** The check above as an Apollo plugin of its own (the server combines it with its other hooks in one listener). */
export function scopeCheckPlugin(index: ScopeIndex, limits: DocumentLimits): ApolloServerPlugin<HasPrincipal> {
  const listener = scopeCheckHooks(index, limits);
  return { requestDidStart: async () => listener };
}

/**
 * Defence in depth: every resolver that needs something checks it again with a Set lookup, so the rule holds
 * for any execution that does not pass through the plugin above (a test calling `execute`, a future transport).
 *
 * An object only reaches a response as the value of a field that returns its type, and that field's requirement
 * includes every type it can return (ScopeIndex.scopesFor): so when a field of a non-root type needs nothing beyond
 * its own type's scopes, they were checked when its object was returned, and the field is left unwrapped. The
 * fields of a `Monitor` are then plain property reads (a page of 50 monitors is 300 fields, and the compiled
 * executor inlines an unwrapped read); `Organization.overview`, which needs more than organization:read, and each
 * connection's `nodes` (a connection type has no scopes of its own) are still guarded.
 */
export function guardResolvers(schema: GraphQLSchema, index: ScopeIndex): GraphQLSchema {
  return mapSchema(schema, {
    [MapperKind.OBJECT_FIELD]: (config, fieldName, typeName) => {
      const needed = index.scopesFor(typeName, fieldName);
      const isRoot = index.rootTypes.has(typeName);
      const checkedOnEntry = index.typeScopesOf(typeName);
      if (!isRoot && needed.every((s) => checkedOnEntry.includes(s))) return config;
      const resolve = config.resolve ?? defaultFieldResolver;
      const subscribe = config.subscribe;
      return {
        ...config,
        resolve(source, args, context: HasPrincipal, info) {
          assertGranted(context?.principal, needed);
          if (isRoot && context.principal!.mfaSetupRequired && !MFA_SETUP_ALLOWS.has(fieldName)) throw mfaSetupRequired();
          return resolve(source, args, context, info);
        },
        // A subscription's event stream is opened only for a caller holding what its events need.
        ...(subscribe && {
          subscribe(source: unknown, args: Record<string, unknown>, context: HasPrincipal, info: Parameters<typeof subscribe>[3]) {
            assertGranted(context?.principal, needed);
            return subscribe(source, args, context, info);
          },
        }),
      };
    },
  });
}

function assertGranted(principal: ScopeHolder | undefined, needed: readonly Scope[]): void {
  if (!principal) throw unauthorized();
  const missing = missingScopes(principal.held, needed);
  if (missing.length) throw forbidden({ missingScopes: missing });
}
