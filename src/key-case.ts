/** REST speaks snake_case; GraphQL camelCase. Only object keys are converted, never values. */
const toCamel = (s: string) => s.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
const toSnake = (s: string) => s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

function convertKeys(value: unknown, convert: (s: string) => string): unknown {
  if (Array.isArray(value)) return value.map((v) => convertKeys(v, convert));
  // graphql-js builds result objects with a null prototype; Dates and other classes pass through as they are.
  const proto = value && typeof value === 'object' ? Object.getPrototypeOf(value) : undefined;
  if (proto === Object.prototype || proto === null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as object)) if (!k.startsWith('__')) out[convert(k)] = convertKeys(v, convert); // __typename is GraphQL's
    return out;
  }
  return value;
}

export const camelKeys = (v: unknown) => convertKeys(v, toCamel);
export const snakeKeys = (v: unknown) => convertKeys(v, toSnake);
export const snakeName = toSnake;
export const camelName = toCamel;
