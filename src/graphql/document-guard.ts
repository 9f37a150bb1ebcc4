import { Kind, type DocumentNode, type FragmentDefinitionNode, type GraphQLError, type SelectionSetNode, type ValidationRule } from 'graphql';
import type { BaseContext, GraphQLRequestListener } from '@apollo/server';
import { AppError } from '../errors';
import { toGraphQLError } from '../errors/graphql';
import { COST_CEILING } from '../authorization/operation-scopes';

/**
 * Refuses a document whose fragments expand past `limit` fields before graphql-js validates it: its
 * overlapping-fields validation is exponential on fragments spread twice per level (seconds of CPU for a 1 kB
 * document).
 *
 * It judges the document Apollo itself parsed, between its parse and its validation (Apollo's request pipeline:
 * `parsingDidStart`'s end hook runs right after `parse(source)` and before `validate`). Nothing else's reading
 * of the request is trusted: a guard fed with Fastify's parsed query string once saw a GET query left
 * undecoded (a bad %-escape) while Apollo decoded it leniently and validated a fragment bomb. A source Apollo
 * cannot parse is answered by Apollo as GRAPHQL_PARSE_FAILED and never reaches validation either.
 *
 * An error thrown from a parsing hook would be Apollo's "unexpected error" (500), so an over-limit document is
 * swapped for an empty one that `refusalRule` (one of Apollo's validation rules) refuses with the guard's error:
 * Apollo answers it as a failed validation, 400 with QUERY_TOO_COMPLEX, and never caches it. Documents that
 * pass are cached by Apollo after validation and are not parsed or measured again.
 */
export function documentGuard(limit: number): { hooks: Pick<GraphQLRequestListener<BaseContext>, 'parsingDidStart'>; refusalRule: ValidationRule } {
  const refusals = new WeakMap<DocumentNode, GraphQLError>();
  const hooks: Pick<GraphQLRequestListener<BaseContext>, 'parsingDidStart'> = {
    async parsingDidStart(requestContext) {
      return async (parseError) => {
        if (parseError || !requestContext.document) return;
        const size = expandedSize(requestContext.document);
        if (size <= limit) return;
        const actual = Math.min(size, COST_CEILING);
        const refused: DocumentNode = { kind: Kind.DOCUMENT, definitions: [] };
        refusals.set(
          refused,
          toGraphQLError(new AppError('QUERY_TOO_COMPLEX', `The document expands to ${actual} fields; the limit is ${limit}`, { limit, actual })),
        );
        (requestContext as { document?: DocumentNode }).document = refused;
      };
    },
  };
  return {
    hooks,
    refusalRule: (context) => ({
      Document(node) {
        const refusal = refusals.get(node);
        if (refusal) context.reportError(refusal);
      },
    }),
  };
}

/**
 * How many field selections a document expands to once its fragments are inlined, computed in linear time (each
 * fragment's size is memoised).
 */
export function expandedSize(document: DocumentNode): number {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const def of document.definitions) if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
  const memo = new Map<string, number>();
  const onStack = new Set<string>();
  const sizeOf = (set: SelectionSetNode | undefined): number => {
    let n = 0;
    for (const sel of set?.selections ?? []) {
      if (sel.kind === Kind.FIELD) n += 1 + sizeOf(sel.selectionSet);
      else if (sel.kind === Kind.INLINE_FRAGMENT) n += sizeOf(sel.selectionSet);
      else {
        const name = sel.name.value;
        if (onStack.has(name)) continue; // a cycle: validation refuses it
        if (!memo.has(name)) {
          onStack.add(name);
          memo.set(name, sizeOf(fragments.get(name)?.selectionSet));
          onStack.delete(name);
        }
        n += memo.get(name)!;
      }
      if (n > COST_CEILING) return n;
    }
    return n;
  };
  let total = 0;
  for (const def of document.definitions) if (def.kind === Kind.OPERATION_DEFINITION) total += sizeOf(def.selectionSet);
  return total;
}
