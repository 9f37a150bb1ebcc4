import {
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  Kind,
  getNamedType,
  isAbstractType,
  isCompositeType,
  isObjectType,
  typeFromAST,
} from 'graphql';
import type { Scope } from '../modules/auth/scopes';
import { SCOPES } from '../modules/auth/scopes';
import type { ScopeIndex } from './scope-index';

/** What one operation needs: every scope, and which response path (with aliases) needs which. */
export interface OperationRequirements {
  scopes: readonly Scope[];
  paths: ReadonlyArray<{ path: string; scopes: readonly Scope[] }>;
}

const cache = new WeakMap<OperationDefinitionNode, OperationRequirements>();

/**
 * Walks an operation (named fragments, inline fragments, aliases, and every possible type of an abstract
 * selection) and collects what it requires. Apollo reuses the parsed document for repeated queries, so the
 * result is cached on the operation node: the per-request check is set lookups only.
 */
export function operationRequirements(
  schema: GraphQLSchema,
  index: ScopeIndex,
  document: DocumentNode,
  operation: OperationDefinitionNode,
): OperationRequirements {
  let found = cache.get(operation);
  if (!found) {
    found = collect(schema, index, document, operation);
    cache.set(operation, found);
  }
  return found;
}

function collect(
  schema: GraphQLSchema,
  index: ScopeIndex,
  document: DocumentNode,
  operation: OperationDefinitionNode,
): OperationRequirements {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const def of document.definitions) if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);

  const byPath = new Map<string, Set<Scope>>();
  const all = new Set<Scope>();
  const root = schema.getRootType(operation.operation);
  if (!root) return { scopes: [], paths: [] }; // validation refuses such a document before this runs

  const walk = (set: SelectionSetNode, parent: GraphQLCompositeType, prefix: string, inFragments: ReadonlySet<string>) => {
    for (const sel of set.selections) {
      if (sel.kind === Kind.INLINE_FRAGMENT) {
        const narrowed = sel.typeCondition ? typeFromAST(schema, sel.typeCondition) : parent;
        if (narrowed && isCompositeType(narrowed)) walk(sel.selectionSet, narrowed, prefix, inFragments);
        continue;
      }
      if (sel.kind === Kind.FRAGMENT_SPREAD) {
        const frag = fragments.get(sel.name.value);
        if (!frag || inFragments.has(frag.name.value)) continue; // validation already rejected cycles
        const narrowed = typeFromAST(schema, frag.typeCondition);
        if (narrowed && isCompositeType(narrowed))
          walk(frag.selectionSet, narrowed, prefix, new Set([...inFragments, frag.name.value]));
        continue;
      }
      const name = sel.name.value;
      if (name.startsWith('__')) continue; // __typename and introspection: a valid key, no scope
      const path = prefix + (sel.alias?.value ?? name);
      // On an abstract parent the field resolves on one of its object types: require what any of them needs.
      const objects = isAbstractType(parent) ? schema.getPossibleTypes(parent) : isObjectType(parent) ? [parent] : [];
      const needed = byPath.get(path) ?? new Set<Scope>();
      for (const obj of objects) for (const s of index.scopesFor(obj.name, name)) needed.add(s);
      if (needed.size) {
        byPath.set(path, needed);
        for (const s of needed) all.add(s);
      }
      const fieldDef = 'getFields' in parent ? parent.getFields()[name] : undefined;
      const returned = fieldDef && getNamedType(fieldDef.type);
      if (sel.selectionSet && returned && isCompositeType(returned)) walk(sel.selectionSet, returned, `${path}.`, inFragments);
    }
  };
  walk(operation.selectionSet, root, '', new Set());

  return {
    scopes: SCOPES.filter((s) => all.has(s)),
    paths: [...byPath].map(([path, scopes]) => ({ path, scopes: SCOPES.filter((s) => scopes.has(s)) })),
  };
}
