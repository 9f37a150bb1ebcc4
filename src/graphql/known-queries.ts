import { Kind, type DocumentNode, type ExecutionResult, type FragmentDefinitionNode, type GraphQLSchema, type OperationDefinitionNode, type SelectionSetNode } from 'graphql';
import type { BaseContext, GraphQLRequestListener } from '@apollo/server';
import type { ScopeIndex } from '../authorization/scope-index';
import { operationRequirements } from '../authorization/operation-scopes';
import { refusal, type DocumentLimits } from '../authorization/scope-guard';
import type { ScopeHolder } from '../authorization/scopes';
import { Lru } from '../modules/common/lru';
import { CompiledOperations, interpretOperation, stashResult, type CompiledOperation } from './executor';
import { jsonSizeUpTo } from './response-size';

/** What Apollo answers a single result with when the request's Accept leaves it the choice (its MEDIA_TYPES.APPLICATION_JSON). */
export const APOLLO_JSON = 'application/json; charset=utf-8';

/** The Accept values for which Apollo's content negotiation answers APOLLO_JSON (absent, any, or that type). */
const PLAIN_ACCEPT: ReadonlySet<string | undefined> = new Set([undefined, '*/*', 'application/json']);

/** Longest query text remembered: the key of the map is the text itself. */
const MAX_QUERY_CHARS = 4096;

interface Known {
  document: DocumentNode;
  operation: OperationDefinitionNode;
  /** Apollo's hash of the text: the key of its compiled operation, shared with Apollo's executor. */
  queryHash: string;
  /** Taken on the text's first answer here, not when learnt: Apollo's executor has compiled it by then (`compiled`). */
  run?: CompiledOperation;
}

/** A POST body as Fastify's JSON parser left it, when it is of the one plain shape the fast path takes. */
export interface PlainQueryBody {
  query: string;
  variables?: Record<string, unknown> | null;
  operationName?: string | null;
}

/**
 * Query texts Apollo has parsed, validated, resolved to a query operation and let through the scope check for some
 * caller, each run by the operation Apollo's executor compiled (one copy for both, ADR 0076). `/graphql` answers a
 * later request of the same text itself when it is a plain POST and its run ends cleanly, and hands everything else
 * to Apollo with the context it built (`answer` says which). It learns only from Apollo: a text Apollo never ran to
 * execution is never answered here.
 *
 * Only queries (never a mutation or a subscription), of a document with a single operation (and its fragments),
 * without introspection (`__schema`, `__type`) and without directives (`@include`/`@skip` and any other: their
 * handling stays Apollo's).
 */
export class KnownQueries {
  private readonly known: Lru<string, Known>;
  /** Off: every request goes through Apollo (tests ask both paths the same question). */
  enabled = true;
  /** Answers given here (tests count them). */
  served = 0;
  /** The operations compiled with graphql-jit, shared with Apollo's executor (apollo.ts gives it to `jitGateway`). */
  readonly compiled: CompiledOperations;

  constructor(
    private readonly schema: GraphQLSchema,
    private readonly index: ScopeIndex,
    private readonly limits: DocumentLimits,
    private readonly options: { jit: boolean; maxResponseBytes: number; max?: number },
  ) {
    this.known = new Lru(options.max ?? 1000);
    this.compiled = new CompiledOperations(schema);
  }

  /** Apollo's hook after the scope check passed and before execution: remembers a text that qualifies. */
  readonly hooks: Pick<GraphQLRequestListener<BaseContext>, 'executionDidStart'> = {
    executionDidStart: async ({ source, document, operation, request, queryHash }) => {
      if (!source || source.length > MAX_QUERY_CHARS || !operation || operation.operation !== 'query') return;
      if (request.extensions && Object.keys(request.extensions).length) return;
      if (this.known.get(source)) return;
      if (!isPlainDocument(document, operation)) return;
      if (operation.directives?.length || operation.variableDefinitions?.some((v) => v.directives?.length)) return;
      this.known.set(source, { document, operation, queryHash });
    },
  };

  /** The known query this body asks for, when the request is one the fast path may answer. */
  lookup(method: string, headers: Record<string, string | string[] | undefined>, body: unknown): { known: Known; body: PlainQueryBody } | undefined {
    if (!this.enabled || method !== 'POST' || headers['content-type'] !== 'application/json' || !PLAIN_ACCEPT.has(headers.accept as string | undefined)) return undefined;
    if (!isPlainBody(body)) return undefined;
    const known = this.known.get(body.query);
    if (!known) return undefined;
    // An operationName that names another operation is Apollo's to refuse.
    if (body.operationName != null && body.operationName !== known.operation.name?.value) return undefined;
    return { known, body };
  }

  /**
   * Runs the known operation for a caller, after the same scope and limit check Apollo's plugin makes. The serialised
   * answer, exactly as Apollo writes a clean result (`{"data":…}` and a newline); undefined when anything would make
   * Apollo's answer other than that (a refusal, any error, extensions, an answer over the size cap): the caller then
   * hands the request to Apollo. A run that happened but did not end cleanly is left on the context
   * (`stashResult`): with graphql-jit, Apollo's executor answers it instead of running the query a second time (a
   * query failing on a slow or stalled database would otherwise pay for its failure twice).
   */
  async answer(known: Known, principal: ScopeHolder | undefined, variables: Record<string, unknown> | undefined, context: object): Promise<string | undefined> {
    if (!principal) return undefined;
    if (refusal(principal, operationRequirements(this.schema, this.index, known.document, known.operation), this.limits, variables)) return undefined;
    known.run ??= this.options.jit ? this.compiled.get(known.queryHash, known.document, known.operation) : interpretOperation(this.schema, known.document, known.operation);
    const result: ExecutionResult = await known.run(context, variables);
    const answer = { data: result.data };
    // The size plugin measures `{ errors: undefined, data, extensions: undefined }`: the same bytes.
    if (result.errors !== undefined || result.extensions !== undefined || result.data == null || jsonSizeUpTo(answer, this.options.maxResponseBytes) > this.options.maxResponseBytes) {
      if (this.options.jit) stashResult(context, result);
      return undefined;
    }
    this.served++;
    return `${JSON.stringify(answer)}\n`;
  }
}

function isPlainBody(body: unknown): body is PlainQueryBody {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return false;
  const b = body as Record<string, unknown>;
  if (typeof b.query !== 'string') return false;
  for (const key in b) {
    if (key === 'query') continue;
    const v = b[key];
    if (key === 'operationName') {
      if (v !== null && typeof v !== 'string') return false;
    } else if (key === 'variables') {
      if (v !== null && (typeof v !== 'object' || Array.isArray(v))) return false;
    } else return false; // extensions (persisted queries…) and anything else: Apollo's
  }
  return true;
}

/**
 * One operation (the one Apollo resolved), the rest fragments, and no introspection field and no directive anywhere
 * in the selections the operation reaches.
 */
function isPlainDocument(document: DocumentNode, operation: OperationDefinitionNode): boolean {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const def of document.definitions) {
    if (def.kind === Kind.FRAGMENT_DEFINITION) {
      if (def.directives?.length) return false;
      fragments.set(def.name.value, def);
    } else if (def !== operation) return false;
  }
  const seen = new Set<string>();
  const plain = (set: SelectionSetNode): boolean => {
    for (const sel of set.selections) {
      if (sel.directives?.length) return false;
      if (sel.kind === Kind.FRAGMENT_SPREAD) {
        const name = sel.name.value;
        if (seen.has(name)) continue;
        seen.add(name);
        const fragment = fragments.get(name);
        if (!fragment || !plain(fragment.selectionSet)) return false;
      } else if (sel.kind === Kind.FIELD) {
        if (sel.name.value === '__schema' || sel.name.value === '__type') return false;
        if (sel.selectionSet && !plain(sel.selectionSet)) return false;
      } else if (!plain(sel.selectionSet)) return false;
    }
    return true;
  };
  return plain(operation.selectionSet);
}
