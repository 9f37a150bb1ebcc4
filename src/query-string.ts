/**
 * Fastify's query-string parser, decoding by the WHATWG URL rules (`URLSearchParams`), the ones Apollo applies to
 * a GET /graphql: every part of the app reads the same values from the same URL. Fastify's default parser leaves
 * a value with a bad %-escape (`%ZZ`, a broken UTF-8 sequence) undecoded, where `URLSearchParams` decodes the
 * rest and keeps the bad escape as text, so the two disagreed about what a GET query was.
 *
 * A name given once is a string, a repeated one an array of its values (as Fastify's default). No prototype:
 * `?__proto__=x` is just a parameter.
 */
export function parseQueryString(search: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = Object.create(null);
  if (!search) return out;
  for (const [name, value] of new URLSearchParams(search)) {
    const seen = out[name];
    out[name] = seen === undefined ? value : Array.isArray(seen) ? [...seen, value] : [seen, value];
  }
  return out;
}
