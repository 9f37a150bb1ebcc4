import { type GraphQLSchema, isAbstractType, isEnumType, isInputObjectType, isInterfaceType, isObjectType } from 'graphql';

/**
 * How many items an introspection list answers, for the cost of a document: the schema is known, so its own sizes
 * are the bound. `enumerating` says the parent objects are a whole enumeration of their kind (`__schema.types` is
 * every type once, their `fields` every field once, and so on): then the list counts its average size, and the
 * product along the chain is the exact total (types × fields per type = all fields). Reached through a type
 * reference (`type`, `ofType`, `interfaces`, `__type(name:)`) the same list counts its largest size.
 *
 * Returns undefined for a field that is not an introspection list of objects.
 */
export function introspectionList(
  schema: GraphQLSchema,
  parentType: string,
  field: string,
  enumerating: boolean,
): { items: number; enumerating: boolean } | undefined {
  const list = sizesOf(schema).get(`${parentType}.${field}`);
  if (!list) return undefined;
  return enumerating ? { items: list.total / list.parents, enumerating: list.enumerates } : { items: list.max, enumerating: false };
}

interface ListSize {
  /** Items over every parent of that kind, and how many parents there are. */
  total: number;
  parents: number;
  max: number;
  /** The items are each object of their kind once (a field's args), not references to others (its interfaces). */
  enumerates: boolean;
}

const cache = new WeakMap<GraphQLSchema, Map<string, ListSize>>();

function sizesOf(schema: GraphQLSchema): Map<string, ListSize> {
  let sizes = cache.get(schema);
  if (sizes) return sizes;
  const types = Object.values(schema.getTypeMap());
  const directives = schema.getDirectives();
  const fields = types.flatMap((t) => (isObjectType(t) || isInterfaceType(t) ? Object.values(t.getFields()) : []));
  const count = (parents: readonly unknown[], per: (p: never) => number, enumerates: boolean): ListSize => {
    const counts = parents.map((p) => per(p as never));
    return { total: counts.reduce((a, b) => a + b, 0), parents: Math.max(1, parents.length), max: Math.max(0, ...counts), enumerates };
  };
  type T = (typeof types)[number];
  sizes = new Map<string, ListSize>([
    ['__Schema.types', { total: types.length, parents: 1, max: types.length, enumerates: true }],
    ['__Schema.directives', { total: directives.length, parents: 1, max: directives.length, enumerates: true }],
    ['__Type.fields', count(types, (t: T) => (isObjectType(t) || isInterfaceType(t) ? Object.keys(t.getFields()).length : 0), true)],
    ['__Type.inputFields', count(types, (t: T) => (isInputObjectType(t) ? Object.keys(t.getFields()).length : 0), true)],
    ['__Type.enumValues', count(types, (t: T) => (isEnumType(t) ? t.getValues().length : 0), true)],
    ['__Type.interfaces', count(types, (t: T) => (isObjectType(t) || isInterfaceType(t) ? t.getInterfaces().length : 0), false)],
    ['__Type.possibleTypes', count(types, (t: T) => (isAbstractType(t) ? schema.getPossibleTypes(t).length : 0), false)],
    ['__Field.args', count(fields, (f: (typeof fields)[number]) => f.args.length, true)],
    ['__Directive.args', count(directives, (d: (typeof directives)[number]) => d.args.length, true)],
  ]);
  cache.set(schema, sizes);
  return sizes;
}
