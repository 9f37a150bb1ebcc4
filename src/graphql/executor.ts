import {
  execute,
  getNamedType,
  GraphQLError,
  getVariableValues,
  isInputObjectType,
  Kind,
  typeFromAST,
  type DocumentNode,
  type ExecutionResult,
  type GraphQLInputObjectType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import { compileQuery, isCompiledQuery } from 'graphql-jit';
import type { ApolloServerOptionsWithGateway } from '@apollo/server';
import { Lru } from '../modules/common/lru';

type GatewayInterface = ApolloServerOptionsWithGateway<never>['gateway'];
type GatewayExecutor = NonNullable<Awaited<ReturnType<GatewayInterface['load']>>['executor']>;

/** One operation, ready to run: graphql-jit's compiled function, or the error that compiling it answered. */
export type CompiledOperation = (context: unknown, variables: Record<string, unknown> | undefined) => ExecutionResult | Promise<ExecutionResult>;

/**
 * Compiles an operation of the schema with graphql-jit. Its variable-coercion errors carry no `nodes`, so Apollo
 * (which recognises a bad variable by its node) would answer them as internal errors: on that path only, the
 * variables are coerced again by graphql-js, whose errors Apollo answers as BAD_USER_INPUT (400), exactly as
 * without jit.
 */
export function compileOperation(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode): CompiledOperation {
  // graphql-jit (0.8.9) leaves the defaults of input fields unset (and refuses a required one as "not provided"):
  // such an operation is interpreted by graphql-js, as it would be without jit.
  if (takesInputDefaults(schema, operation)) return interpretOperation(schema, document, operation);
  // graphql-jit builds results as plain objects: a response key such as `__proto__` sets the object's prototype
  // instead of a property (`{ me { __proto__: organization { id } } }` answered `{"me":{}}`). graphql-js builds
  // them without a prototype, so such a document is interpreted, as it would be without jit.
  if (hasPrototypeKey(document)) return interpretOperation(schema, document, operation);
  const compiled = compileQuery(schema, document, operation.name?.value);
  if (!isCompiledQuery(compiled)) return () => compiled;
  const definitions = operation.variableDefinitions ?? [];
  const coercionErrors = (variables: Record<string, unknown> | undefined, result: ExecutionResult): ExecutionResult => {
    const coerced = getVariableValues(schema, definitions, variables ?? {}, { maxErrors: 50 });
    return coerced.errors ? { errors: coerced.errors } : result;
  };
  return (context, variables) => {
    const result = compiled.query(undefined, context, variables ?? {});
    // A result without data is an error before execution: with graphql-jit, only a variable that did not coerce.
    if (!(result instanceof Promise)) return result.data === undefined && result.errors?.length ? coercionErrors(variables, result) : withExtensions(result);
    return result.then(withExtensions);
  };
}

/**
 * graphql-jit's errors leave `extensions` undefined when the thrown error has none (anything but an AppError: a
 * driver error, a bug). Apollo reads `error.extensions.code` before it calls formatError, so such an error failed
 * its formatting: answered a bare "Internal server error" without path, and was never logged. Each becomes
 * graphql-js's GraphQLError with the same message, locations, path and original error, as without jit.
 */
function withExtensions(result: ExecutionResult): ExecutionResult {
  if (!result.errors?.some((e) => !e.extensions)) return result;
  const errors = result.errors.map((e) => {
    if (e.extensions) return e;
    const fixed = new GraphQLError(e.message, { path: e.path, originalError: e.originalError });
    (fixed as { locations?: GraphQLError['locations'] }).locations = e.locations;
    return fixed;
  });
  return { ...result, errors };
}

/** Response keys (aliases or field names) that are properties of every plain object: `__proto__`, `constructor`… */
const PROTOTYPE_KEYS: ReadonlySet<string> = new Set(Object.getOwnPropertyNames(Object.prototype));

/** Whether a selection anywhere in the document (operations and fragments) answers under a PROTOTYPE_KEYS key. */
export function hasPrototypeKey(document: DocumentNode): boolean {
  const inSet = (set: SelectionSetNode | undefined): boolean =>
    !!set?.selections.some((sel) =>
      sel.kind === Kind.FIELD ? PROTOTYPE_KEYS.has((sel.alias ?? sel.name).value) || inSet(sel.selectionSet) : sel.kind === Kind.INLINE_FRAGMENT && inSet(sel.selectionSet),
    );
  return document.definitions.some((d) => (d.kind === Kind.OPERATION_DEFINITION || d.kind === Kind.FRAGMENT_DEFINITION) && inSet(d.selectionSet));
}

/** The same operation run by graphql-js's interpreter (GRAPHQL_JIT=false). */
export function interpretOperation(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode): CompiledOperation {
  const operationName = operation.name?.value;
  return (contextValue, variableValues) => execute({ schema, document, operationName, contextValue, variableValues }) as ExecutionResult | Promise<ExecutionResult>;
}

/** Whether a variable of the operation is (or holds) an input object with a field that has a default value. */
export function takesInputDefaults(schema: GraphQLSchema, operation: OperationDefinitionNode): boolean {
  const seen = new Set<GraphQLInputObjectType>();
  const visit = (type: GraphQLInputObjectType): boolean => {
    if (seen.has(type)) return false;
    seen.add(type);
    return Object.values(type.getFields()).some((f) => {
      if (f.defaultValue !== undefined) return true;
      const named = getNamedType(f.type);
      return isInputObjectType(named) && visit(named);
    });
  };
  return (operation.variableDefinitions ?? []).some((v) => {
    const named = getNamedType(typeFromAST(schema, v.type as never));
    return named !== undefined && isInputObjectType(named) && visit(named);
  });
}

const STASHED = Symbol('a result the fast path already computed');

/** The fast path (known-queries.ts) leaves a result it computed but may not answer itself for Apollo's executor (`takeStashedResult`). */
export function stashResult(context: object, result: ExecutionResult): void {
  (context as { [STASHED]?: ExecutionResult })[STASHED] = result;
}

/**
 * The result the fast path computed for this request, once: Apollo's jit executor (executor.ts) answers it instead
 * of running the same operation again. Apollo reaches the executor for the same text, operation and variables the
 * fast path ran (it parses the text it was given, resolves the same operation name and checks the same scopes).
 */
export function takeStashedResult(context: unknown): ExecutionResult | undefined {
  const c = context as { [STASHED]?: ExecutionResult } | null;
  const r = c?.[STASHED];
  if (r) delete c![STASHED];
  return r;
}

/**
 * Operations compiled by graphql-jit, each once, in a bounded LRU under Apollo's hash of the query text and the
 * operation's name. Apollo's executor (`jitGateway`) and the fast path (known-queries.ts) share one: each used to
 * compile and keep its own copy of the same operation (generated source and machine code, twice).
 */
export class CompiledOperations {
  private readonly cache: Lru<string, CompiledOperation>;

  constructor(
    private readonly schema: GraphQLSchema,
    max = 1000,
  ) {
    this.cache = new Lru(max);
  }

  get(queryHash: string, document: DocumentNode, operation: OperationDefinitionNode): CompiledOperation {
    const key = `${queryHash}\u0000${operation.name?.value ?? ''}`;
    let run = this.cache.get(key);
    if (!run) this.cache.set(key, (run = compileOperation(this.schema, document, operation)));
    return run;
  }

  /** Operations compiled and kept (tests: one per operation, whichever path asked first). */
  get size(): number {
    return this.cache.size;
  }
}

/**
 * graphql-jit as Apollo Server's executor, through its gateway hook (`load()` answers the schema and the executor).
 * Apollo still parses, validates and caches documents and runs every plugin before execution (the document guard,
 * the scope check and the limits), then calls the executor with the validated document and resolved operation,
 * which runs compiled (`compiled`, shared with the fast path).
 */
export function jitGateway(schema: GraphQLSchema, compiled = new CompiledOperations(schema)): GatewayInterface {
  const executor: GatewayExecutor = async (rc) => {
    // A plain query the fast path already ran, not cleanly (an error): its result, not a second run (ADR 0076).
    const stashed = takeStashedResult(rc.context);
    if (stashed) return stashed as Awaited<ReturnType<GatewayExecutor>>;
    const run = compiled.get(rc.queryHash, rc.document, rc.operation!); // Apollo resolves the operation before it executes
    return (await run(rc.context, rc.request.variables)) as Awaited<ReturnType<GatewayExecutor>>;
  };
  let listener: ((s: { apiSchema: GraphQLSchema; coreSupergraphSdl: string }) => void) | undefined;
  return {
    async load() {
      listener?.({ apiSchema: schema, coreSupergraphSdl: '' });
      return { schema, executor };
    },
    onSchemaLoadOrUpdate(callback) {
      listener = callback;
      return () => (listener = undefined);
    },
    async stop() {},
  };
}
