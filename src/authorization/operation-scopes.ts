import {
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLNamedType,
  type GraphQLType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  Kind,
  astFromValue,
  getNamedType,
  isAbstractType,
  isCompositeType,
  isObjectType,
  SchemaMetaFieldDef,
  TypeMetaFieldDef,
  TypeNameMetaFieldDef,
  typeFromAST,
} from 'graphql';
import { introspectionList } from './introspection-size';
import { LIST_SIZES, PAGE_ARGS, seriesBuckets, type ListSize } from './list-sizes';
import type { Scope } from './scopes';
import { SCOPES } from './scopes';
import type { ScopeIndex } from './scope-index';

/** What one operation needs: every scope, and which response path (with aliases) needs which; and its size. */
export interface OperationRequirements {
  scopes: readonly Scope[];
  paths: ReadonlyArray<{ path: string; scopes: readonly Scope[] }>;
  /** `@requiresAnyScope` fields: at each path, one of `scopes` is enough. */
  anyOf: ReadonlyArray<{ path: string; scopes: readonly Scope[] }>;
  /** Deepest field nesting (a type reference's `ofType` adds none). */
  depth: number;
  aliases: number;
  rootFields: number;
  /** `__schema` selections, once fragments are expanded: one answers the whole schema. */
  schemaFields: number;
  /** The root fields' names (not aliases), each once. */
  rootNames: readonly string[];
  /**
   * Fields to resolve, each multiplied by the page sizes (`first`, `limit`) above it, as terms: `weight` fields
   * under pages given by `vars` (variable names; literal sizes are already in the weight). See `costOf`.
   */
  costTerms: ReadonlyArray<{ weight: number; vars: readonly string[] }>;
  /** Variables' declared defaults: page sizes (numbers) and series arguments (enum names). */
  variableDefaults: ReadonlyMap<string, number | string>;
}

/** The cost of an operation for these variables; a page variable that is absent counts as the largest page. */
export function costOf(needs: OperationRequirements, variables: Record<string, unknown> | undefined): number {
  let total = 0;
  const valueOf = (v: string) => variables?.[v] ?? needs.variableDefaults.get(v);
  for (const { weight, vars } of needs.costTerms) {
    let n = weight;
    for (const v of vars) {
      if (v.startsWith(SERIES)) {
        // `series:<window>:<interval>`, each an enum name or `$variable`
        const [w, i] = v.slice(SERIES.length).split(':').map((a) => (a.startsWith('$') ? valueOf(a.slice(1)) : a));
        n *= seriesBuckets(typeof w === 'string' ? w : undefined, typeof i === 'string' ? i : undefined);
        continue;
      }
      const value = valueOf(v);
      n *= typeof value === 'number' && Number.isInteger(value) && value >= 1 ? Math.min(value, VARIABLE_PAGE) : VARIABLE_PAGE;
    }
    total += n;
  }
  return Math.ceil(total - 1e-9); // introspection lists count average sizes: fractions that add up to whole fields
}

/** A cost factor that is a statistics series' bucket count, by its window and interval arguments. */
const SERIES = 'series:';

/** Past this, the walk stops counting: the document is refused as too complex whatever the configured limit. */
export const COST_CEILING = 10_000_000;
/** The largest page any field allows (`first` ≤ 100, `limit` ≤ 50): what an unknown page variable counts as. */
const VARIABLE_PAGE = 100;

const cache = new WeakMap<OperationDefinitionNode, OperationRequirements>();

/**
 * Where a selection set sits: its depth, the page sizes above it (literal product and variable names), and
 * whether its parents are a whole enumeration of the schema (see introspectionList).
 */
type Level = { depth: number; lit: number; vars: string[]; enumerating: boolean; maxVars: number };

/**
 * Below a `@requiresAnyScope` field: its scopes, and whether the selection set is on the objects it answers (the
 * items of an interface or union it returns, possibly through a connection). Those objects are only ever of types
 * whose scopes the key holds (the field's service leaves the others out, checkObjects refuses any that would
 * still come), so a selection on them does not need its object type's own scopes again: `... on Journey { steps }`
 * under `checks` asks nothing of a key that reads only monitors, since no journey is there to select from.
 */
type Gate = { scopes: ReadonlySet<Scope>; items: boolean };

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
  const anyOf = new Map<string, readonly Scope[]>();
  const all = new Set<Scope>();
  const size = { depth: 0, aliases: 0, rootFields: 0, schemaFields: 0 };
  const terms = new Map<string, { weight: number; vars: string[] }>();
  let bound = 0; // the cost with every page variable at its largest: bounds the walk's own work
  const root = schema.getRootType(operation.operation);
  const rootNames = new Set<string>();
  if (!root) return { scopes: [], paths: [], anyOf: [], ...size, rootNames: [], costTerms: [], variableDefaults: new Map() }; // validation refuses it first

  const walk = (set: SelectionSetNode, parent: GraphQLCompositeType, prefix: string, inFragments: ReadonlySet<string>, level: Level, gate?: Gate) => {
    for (const sel of set.selections) {
      if (bound > COST_CEILING) return; // fragments reused many times: stop, it is refused anyway
      if (sel.kind === Kind.INLINE_FRAGMENT) {
        const narrowed = sel.typeCondition ? narrow(parent, typeFromAST(schema, sel.typeCondition)) : parent;
        if (narrowed && isCompositeType(narrowed)) walk(sel.selectionSet, narrowed, prefix, inFragments, level, gate);
        continue;
      }
      if (sel.kind === Kind.FRAGMENT_SPREAD) {
        const frag = fragments.get(sel.name.value);
        if (!frag || inFragments.has(frag.name.value)) continue; // validation already rejected cycles
        const narrowed = narrow(parent, typeFromAST(schema, frag.typeCondition));
        if (narrowed && isCompositeType(narrowed))
          walk(frag.selectionSet, narrowed, prefix, new Set([...inFragments, frag.name.value]), level, gate);
        continue;
      }
      // Introspection and __typename count like any field (a valid key, no scope). Only `ofType` adds no depth: it
      // is a type reference's wrapper (`[Run!]!` is NON_NULL → LIST → NON_NULL → Run), not a level of data, and the
      // standard introspection query nests it nine deep.
      const name = sel.name.value;
      if (name === '__schema') size.schemaFields++;
      const depth = name === 'ofType' && parent.name === '__Type' ? level.depth : level.depth + 1;
      size.depth = Math.max(size.depth, depth);
      if (sel.alias) size.aliases++;
      if (level.depth === 0) {
        size.rootFields++;
        rootNames.add(name);
      }
      // The field counts once; a list of scalars also counts each of its items (a list of objects counts its
      // items through their fields, below).
      const list = listSizeOf(schema, parent, name);
      const returned = fieldOf(schema, parent, name);
      const items = list && 'max' in list && !(returned && isCompositeType(returned)) ? list.max : 0;
      const key = level.vars.join(',');
      const term = terms.get(key) ?? { weight: 0, vars: level.vars };
      term.weight += level.lit * (1 + items);
      terms.set(key, term);
      bound += level.lit * (1 + items) * level.maxVars;
      const path = prefix + (sel.alias?.value ?? name);
      // On an abstract parent the field resolves on one of its object types: require what any of them needs.
      const objects = isAbstractType(parent) ? schema.getPossibleTypes(parent) : isObjectType(parent) ? [parent] : [];
      const needed = byPath.get(path) ?? new Set<Scope>();
      // Gated (see Gate): on an answered object, its own type's gate scopes are held whenever the field resolves;
      // a field returning an interface or union needs its objects' gate scopes only through the gate.
      const returnsAbstract = !!returned && isAbstractType(returned);
      const gatedAway = new Set<Scope>();
      if (gate && returnsAbstract) for (const t of schema.getPossibleTypes(returned)) for (const s of index.typeScopesOf(t.name)) if (gate.scopes.has(s)) gatedAway.add(s);
      for (const obj of objects) {
        const own = gate?.items ? index.typeScopesOf(obj.name).filter((s) => gate.scopes.has(s)) : [];
        for (const s of index.scopesFor(obj.name, name)) if (!own.includes(s) && !gatedAway.has(s)) needed.add(s);
      }
      if (needed.size) {
        byPath.set(path, needed);
        for (const s of needed) all.add(s);
      }
      const any = objects.length === 1 ? index.anyScopesFor(objects[0].name, name) : [];
      if (any.length) anyOf.set(path, any);
      // The gate reaches the answered objects: through the field that has it, a wrapper type with no scopes of its
      // own (a connection), and a field returning the interface (`nodes`); nothing below them.
      const opens = any.length ? { scopes: new Set(any), items: false } : undefined;
      const inner = opens ?? gate;
      const childGate = !inner || !returned ? undefined : returnsAbstract ? { scopes: inner.scopes, items: true } : !inner.items && isObjectType(returned) && !index.typeScopesOf(returned.name).length ? inner : undefined;
      if (sel.selectionSet && returned && isCompositeType(returned))
        walk(sel.selectionSet, returned, `${path}.`, inFragments, { ...childLevel(schema, parent, sel, level, list), depth }, childGate);
    }
  };
  walk(operation.selectionSet, root, '', new Set(), { depth: 0, lit: 1, vars: [], enumerating: false, maxVars: 1 });
  // Variables' declared defaults apply when a request leaves them out.
  const defaults = new Map<string, number | string>();
  for (const v of operation.variableDefinitions ?? [])
    if (v.defaultValue?.kind === Kind.INT) defaults.set(v.variable.name.value, Number(v.defaultValue.value));
    else if (v.defaultValue?.kind === Kind.ENUM) defaults.set(v.variable.name.value, v.defaultValue.value);

  return {
    scopes: SCOPES.filter((s) => all.has(s)),
    paths: [...byPath].map(([path, scopes]) => ({ path, scopes: SCOPES.filter((s) => scopes.has(s)) })),
    anyOf: [...anyOf].map(([path, scopes]) => ({ path, scopes })),
    ...size,
    rootNames: [...rootNames],
    costTerms: bound > COST_CEILING ? [{ weight: COST_CEILING + 1, vars: [] }] : [...terms.values()],
    variableDefaults: defaults,
  };
}

/**
 * The type a fragment's fields resolve on. Under an object type it is that object, whatever the fragment's type
 * condition (validation refuses a condition the object cannot be): `fragment F on Check { status }` spread in a
 * `monitor` needs what Monitor.status needs, not every kind's scope. Under an abstract type it is the condition
 * (every possible type of it: never less than the object the field will resolve on).
 */
function narrow(parent: GraphQLCompositeType, condition: GraphQLType | undefined): GraphQLType | undefined {
  return isObjectType(parent) ? parent : condition;
}

/** The named type a field returns, meta fields (`__schema`, `__type`, `__typename`) included. */
function fieldOf(schema: GraphQLSchema, parent: GraphQLCompositeType, name: string): GraphQLNamedType | undefined {
  const def =
    name === '__schema' && parent === schema.getQueryType()
      ? SchemaMetaFieldDef
      : name === '__type' && parent === schema.getQueryType()
        ? TypeMetaFieldDef
        : name === '__typename'
          ? TypeNameMetaFieldDef
          : 'getFields' in parent
            ? parent.getFields()[name]
            : undefined;
  return def && getNamedType(def.type);
}

/**
 * The declared size of a list field (LIST_SIZES); on an abstract parent, the largest of its object types'. Meta
 * fields and introspection's lists are not in the table (introspectionList counts those).
 */
function listSizeOf(schema: GraphQLSchema, parent: GraphQLCompositeType, name: string): ListSize | undefined {
  if (name.startsWith('__') || parent.name.startsWith('__')) return undefined;
  const own = LIST_SIZES[`${parent.name}.${name}`];
  if (own || !isAbstractType(parent)) return own;
  let largest: ListSize | undefined;
  for (const obj of schema.getPossibleTypes(parent)) {
    const size = LIST_SIZES[`${obj.name}.${name}`];
    if (size && (!largest || ('max' in size && (!('max' in largest) || size.max > largest.max)))) largest = size;
  }
  return largest;
}

/**
 * The declared defaults of a field's argument, as GraphQL writes them (an enum's name, a number): one for each
 * type the field may resolve on (an abstract parent's own field and its object types'); `undefined` for a type
 * whose field has the argument without a default. Empty when no such field has the argument.
 */
function argDefaults(schema: GraphQLSchema, parent: GraphQLCompositeType, field: string, argName: string): unknown[] {
  const owners: GraphQLCompositeType[] = [parent, ...(isAbstractType(parent) ? schema.getPossibleTypes(parent) : [])];
  const out: unknown[] = [];
  for (const owner of owners) {
    const arg = 'getFields' in owner ? owner.getFields()[field]?.args.find((a) => a.name === argName) : undefined;
    if (!arg) continue;
    const ast = arg.defaultValue === undefined ? undefined : astFromValue(arg.defaultValue, arg.type);
    out.push(ast?.kind === Kind.INT ? Number(ast.value) : ast?.kind === Kind.ENUM ? ast.value : undefined);
  }
  return out;
}

/**
 * What a field's selection set multiplies by: its page size (`first`, `limit`), its list's declared size
 * (LIST_SIZES: a maximum, or a series' buckets), or the introspection list's size.
 */
function childLevel(schema: GraphQLSchema, parent: GraphQLCompositeType, sel: FieldNode, level: Level, list: ListSize | undefined): Omit<Level, 'depth'> {
  const name = sel.name.value;
  if (name === '__schema') return { ...level, enumerating: true };
  if (parent.name.startsWith('__') || name === '__type') {
    const size = introspectionList(schema, parent.name, name, level.enumerating);
    return size ? { ...level, lit: level.lit * size.items, enumerating: size.enumerating } : { ...level, enumerating: false };
  }
  if (list && 'max' in list) return { ...level, lit: level.lit * list.max };
  if (list && 'series' in list) {
    // Each argument as a literal enum name, `$variable` (its value counts, at request time), or omitted (the default).
    const arg = (argName: string, fallback: string) => {
      const node = sel.arguments?.find((a) => a.name.value === argName)?.value;
      return node?.kind === Kind.ENUM ? node.value : node?.kind === Kind.VARIABLE ? `$${node.name.value}` : node ? '?' : fallback;
    };
    // An omitted argument is the schema's default (as an enum name); none, or one that differs between the
    // possible types of an abstract parent, counts as the largest ('?').
    const def = (argName: string) => {
      const defaults = new Set(argDefaults(schema, parent, name, argName));
      const [only] = defaults;
      return defaults.size === 1 && typeof only === 'string' ? only : '?';
    };
    const key = `${SERIES}${arg('window', def('window'))}:${arg('interval', def('interval'))}`;
    return { ...level, vars: [...level.vars, key], maxVars: level.maxVars * seriesBuckets(undefined, undefined) };
  }
  const pageArg = sel.arguments?.find((a) => PAGE_ARGS.includes(a.name.value));
  if (!pageArg) {
    // Left out, a page argument is its declared default (`first: Int! = 20`: 20 items, not 1); one without a
    // default, or not a whole number, counts as the largest page. A field without a page argument is no page.
    const defaults = PAGE_ARGS.flatMap((a) => argDefaults(schema, parent, name, a));
    if (!defaults.length) return level;
    const page = Math.max(...defaults.map((d) => (typeof d === 'number' && Number.isInteger(d) && d >= 1 ? Math.min(d, VARIABLE_PAGE) : VARIABLE_PAGE)));
    return { ...level, lit: level.lit * page };
  }
  if (pageArg.value.kind === Kind.INT) return { ...level, lit: level.lit * Math.max(1, Number(pageArg.value.value)) };
  if (pageArg.value.kind === Kind.VARIABLE) return { ...level, vars: [...level.vars, pageArg.value.name.value], maxVars: level.maxVars * VARIABLE_PAGE };
  return { ...level, lit: level.lit * VARIABLE_PAGE };
}
