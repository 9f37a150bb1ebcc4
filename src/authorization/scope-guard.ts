import { defaultFieldResolver, getNamedType, isAbstractType, type GraphQLAbstractType, type GraphQLResolveInfo, type GraphQLSchema } from 'graphql';
import { MapperKind, mapSchema } from '@graphql-tools/utils';
import type { ApolloServerPlugin, GraphQLRequestListener } from '@apollo/server';
import { AppError, forbidden, unauthorized, type ErrorCode } from '../errors';
import { missingScopes, SCOPES, type Scope, type ScopeHolder } from './scopes';
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
  // A `@requiresAnyScope` field with none of its scopes held: all of them are named (any one would do).
  const noneOf = needs.anyOf.filter((a) => !holdsAny(principal, a.scopes));
  if (!missing.length && !noneOf.length) return undefined;
  const paths = [
    ...needs.paths.filter((p) => p.scopes.some((s) => missing.includes(s))).map((p) => p.path),
    ...noneOf.map((a) => a.path),
  ];
  const named = new Set<Scope>([...missing, ...noneOf.flatMap((a) => a.scopes)]);
  return forbidden({ missingScopes: SCOPES.filter((s) => named.has(s)), paths: [...new Set(paths)] });
}

const holdsAny = (principal: ScopeHolder, scopes: readonly Scope[]) => scopes.some((s) => !missingScopes(principal.held, [s]).length);

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
 * connection's `nodes` (a connection type has no scopes of its own) are still guarded. A field returning an interface
 * or union checks each object it answers for its own type's scopes (checkObjects) rather than every possible type's,
 * and a `@requiresAnyScope` field one of its scopes.
 */
export function guardResolvers(schema: GraphQLSchema, index: ScopeIndex): GraphQLSchema {
  return mapSchema(schema, {
    [MapperKind.OBJECT_FIELD]: (config, fieldName, typeName) => {
      const needed = index.guardScopesFor(typeName, fieldName);
      const any = index.anyScopesFor(typeName, fieldName);
      const isRoot = index.rootTypes.has(typeName);
      const checkedOnEntry = index.typeScopesOf(typeName);
      // An interface or union some of whose types have scopes: each object it answers is checked (checkObjects).
      const returned = getNamedType(config.type);
      const objects = isAbstractType(returned) && schema.getPossibleTypes(returned).some((t) => index.typeScopesOf(t.name).length) ? returned.name : undefined;
      if (!isRoot && !any.length && !objects && needed.every((s) => checkedOnEntry.includes(s))) return config;
      const resolve = config.resolve ?? defaultFieldResolver;
      const subscribe = config.subscribe;
      return {
        ...config,
        resolve(source, args, context: HasPrincipal, info) {
          assertGranted(context?.principal, needed, any);
          if (isRoot && context.principal!.mfaSetupRequired && !MFA_SETUP_ALLOWS.has(fieldName)) throw mfaSetupRequired();
          const value = resolve(source, args, context, info);
          return objects ? checkObjects(value, objects, context, info, index) : value;
        },
        // A subscription's event stream is opened only for a caller holding what its events need.
        ...(subscribe && {
          subscribe(source: unknown, args: Record<string, unknown>, context: HasPrincipal, info: Parameters<typeof subscribe>[3]) {
            assertGranted(context?.principal, needed, any);
            return subscribe(source, args, context, info);
          },
        }),
      };
    },
  });
}

function assertGranted(principal: ScopeHolder | undefined, needed: readonly Scope[], any: readonly Scope[] = []): void {
  if (!principal) throw unauthorized();
  const missing = [...missingScopes(principal.held, needed)];
  if (any.length && !holdsAny(principal, any)) missing.push(...any);
  if (missing.length) throw forbidden({ missingScopes: missing });
}

/**
 * The objects a field returning an interface or union answers (one, or a list), each checked for its own type's
 * scopes, with the type resolver the schema has when the field runs (src/graphql/schema.ts sets the real schema's
 * after this wrapping). The field resolvers check only their own and their parent's scopes (ScopeIndex.guardScopesFor),
 * which is what lets a `@requiresAnyScope` field answer the types a key may read; an object of another type makes the
 * field FORBIDDEN, never read. Thrown from the field, so graphql-js and graphql-jit both answer it as the field's error.
 */
function checkObjects(value: unknown, typeName: string, context: HasPrincipal, info: GraphQLResolveInfo, index: ScopeIndex): unknown {
  if (value instanceof Promise) return value.then((v: unknown) => checkObjects(v, typeName, context, info, index));
  const abstract = info.schema.getType(typeName) as GraphQLAbstractType;
  for (const item of Array.isArray(value) ? value : [value]) {
    if (item === null || item === undefined) continue;
    const name = abstract.resolveType?.(item, context, info, abstract);
    if (typeof name !== 'string') throw forbidden(); // not told which type: not shown
    const needed = index.typeScopesOf(name);
    if (needed.length) assertGranted(context?.principal, needed);
  }
  return value;
}
