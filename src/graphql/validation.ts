import { getMetadataStorage, validate, type ValidationError } from 'class-validator';
import { getMetadataStorage as getTypeGraphQLMetadata, type ResolverData } from 'type-graphql';
import { badInput, type FieldError } from '../errors';
import type { Services } from '../context/services';

/**
 * An input whose service has rules a GraphQL type cannot state (a URL tracer can check, a JSONPath that parses…).
 * The input only names the service's rules; the rules stay in the service.
 */
export interface ServiceRules {
  serviceErrors(services: Services): FieldError[];
}

const hasServiceRules = (v: object): v is ServiceRules => typeof (v as Partial<ServiceRules>).serviceErrors === 'function';

/**
 * type-graphql's validateFn: runs class-validator on every input object and argument and reports failures in the
 * shared BAD_USER_INPUT shape (`fields: [{ field, message }]`) that REST and the dashboard show next to a field.
 *
 * When class-validator refuses an input, its service's rules are asked too and their fields added (a field already
 * named keeps only the type's message): the service would never run, and a user fixing `name` should not only
 * then learn that `url` is wrong as well. When class-validator accepts it, the service applies the same rules to
 * the whole object, after the NOT_FOUND and state checks that come first.
 */
export async function validateInput(value: unknown, _type?: unknown, data?: ResolverData<object>): Promise<void> {
  if (data?.args) refuseNul(data.args);
  if (value === null || typeof value !== 'object') return;
  const items = Array.isArray(value) ? value : [value];
  const fields: FieldError[] = [];
  for (const item of items) {
    if (!item || typeof item !== 'object' || item.constructor === Object) continue;
    const memo = memoKey(item);
    if (memo !== undefined && accepted.get(item.constructor)?.has(memo)) continue;
    const before = fields.length;
    collect(await validate(item, { forbidUnknownValues: false, validationError: { target: false, value: false } }), '', fields);
    if (memo !== undefined && fields.length === before) remember(item.constructor, memo);
  }
  if (!fields.length) return;
  const services = (data?.context as { services?: Services } | undefined)?.services;
  if (services) {
    const named = new Set(fields.map((f) => f.field));
    for (const item of items)
      if (item && typeof item === 'object' && hasServiceRules(item))
        fields.push(...item.serviceErrors(services).filter((f) => !named.has(f.field)));
  }
  throw badInput(fields);
}

/**
 * U+0000 in any string argument or input field is BAD_USER_INPUT naming the field. PostgreSQL's text cannot hold
 * it (the statement failed: a 500), and no name, URL or id needs it. Every argument of every resolver passes here
 * (type-graphql calls validateFn for each one, scalars included), so this holds for every field, GraphQL and REST
 * alike. An input object's fields are named as class-validator names them (`name`, `steps[0].request.url`), a
 * scalar argument by its own name.
 */
function refuseNul(args: Record<string, unknown>): void {
  let fields: FieldError[] | undefined;
  const visit = (v: unknown, path: string, depth: number): void => {
    if (typeof v === 'string') {
      if (v.includes('\u0000')) (fields ??= []).push({ field: path, message: 'must not contain the NUL character (U+0000)' });
    } else if (Array.isArray(v)) {
      if (depth < MAX_INPUT_DEPTH) v.forEach((x, i) => visit(x, `${path}[${i}]`, depth + 1));
    } else if (v && typeof v === 'object' && depth < MAX_INPUT_DEPTH) {
      for (const k in v) visit((v as Record<string, unknown>)[k], path ? `${path}.${k}` : k, depth + 1);
    }
  };
  for (const name in args) {
    const v = args[name];
    if (v && typeof v === 'object' && !Array.isArray(v)) visit(v, '', 1);
    else visit(v, name, 1);
  }
  if (fields) throw badInput(fields);
}
/** Inputs nest a few levels (a journey's steps' request headers): far below this. */
const MAX_INPUT_DEPTH = 16;

/**
 * Small arguments objects class-validator accepted, by class and value. Every constraint here is one of
 * class-validator's pure built-ins (PURE_CONSTRAINTS: no custom or async constraint, none reading the clock), so
 * the same value of the same class gets the same answer: `monitors(first: 50)` on each dashboard refresh is
 * validated once, not at ~10 µs a request. Only acceptances are kept (a refused input is validated again and reported in full); values
 * are keyed by their JSON, which within one class is unambiguous (each property has one GraphQL type, so one
 * runtime type); values longer than MEMO_MAX_CHARS are not kept, and each class keeps at most MEMO_PER_CLASS.
 */
const accepted = new WeakMap<object, Set<string>>();
const MEMO_MAX_CHARS = 256;
const MEMO_PER_CLASS = 512;
/**
 * The class-validator constraints the memo may trust: pure functions of the value. A test holds every constraint
 * in use (`constraintsInUse()`) to this list; add one here only if it is pure too: a constraint reading the clock,
 * the database or validation groups would make the memo wrong.
 */
export const PURE_CONSTRAINTS: ReadonlySet<string> = new Set([
  'min', 'max', 'matches', 'isLength', 'maxLength', 'minLength', 'isIn', 'isEmail', 'isUrl',
  'arrayMaxSize', 'arrayMinSize', 'arrayNotEmpty', 'arrayUnique', 'isOptional', 'nestedValidation', 'isBoolean',
]);

/**
 * Every class-validator constraint on an arguments object or an input class (nested inputs are validated with
 * their parent), as `Class.property: constraint`, with `(async)` or `(groups)` added where it has either.
 */
export function constraintsInUse(): string[] {
  const out: string[] = [];
  const storage = getMetadataStorage();
  const types = getTypeGraphQLMetadata();
  for (const { target } of [...types.argumentTypes, ...types.inputTypes])
    for (const m of storage.getTargetValidationMetadatas(target, '', false, false)) {
      const async = m.constraintCls && storage.getTargetValidatorConstraints(m.constraintCls).some((c) => c.async);
      out.push(`${target.name}.${m.propertyName}: ${m.name ?? m.type}${async ? ' (async)' : ''}${m.groups?.length ? ' (groups)' : ''}`);
    }
  return out;
}

/** Only arguments objects (`@ArgsType`: pagination, filters) are kept; inputs of mutations are larger and rarer. */
let argsTypes: ReadonlySet<unknown> | undefined;
const isArgsType = (type: unknown) => (argsTypes ??= new Set(getTypeGraphQLMetadata().argumentTypes.map((t) => t.target))).has(type);

function memoKey(item: object): string | undefined {
  if (!isArgsType(item.constructor)) return undefined;
  const json = JSON.stringify(item);
  return json !== undefined && json.length <= MEMO_MAX_CHARS ? json : undefined;
}

function remember(type: object, key: string): void {
  let keys = accepted.get(type);
  if (!keys) accepted.set(type, (keys = new Set()));
  else if (keys.size >= MEMO_PER_CLASS) keys.clear();
  keys.add(key);
}

/** Field paths like `steps[0].request.url`: list items by index, nested fields by name. */
function collect(errors: ValidationError[], parent: string, out: FieldError[]): void {
  for (const e of errors) {
    const field = /^\d+$/.test(e.property) ? `${parent}[${e.property}]` : parent ? `${parent}.${e.property}` : e.property;
    for (const message of Object.values(e.constraints ?? {})) out.push({ field, message });
    if (e.children?.length) collect(e.children, field, out);
  }
}
