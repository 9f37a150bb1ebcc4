import type { Header } from './check.types';

/**
 * Header values that are credentials are write-only: views show `[masked]`, runs record `[masked]`, and an update
 * that sends `[masked]` back for a header keeps the stored value (so a dashboard can round-trip a monitor).
 */
export const MASK = '[masked]';
const SENSITIVE = /authorization|cookie|token|secret|password|passwd|api[-_]?key|session|credential|signature/i;

export const isSensitiveName = (name: string) => SENSITIVE.test(name);

export const maskHeaders = (headers: Header[]): Header[] =>
  headers.map((h) => (isSensitiveName(h.name) ? { name: h.name, value: MASK } : h));

/** New headers from a client, with `[masked]` values replaced by what is stored under the same name. */
export function unmaskHeaders(incoming: Header[], stored: Header[]): Header[] {
  return incoming.map((h) => {
    if (h.value !== MASK) return h;
    const prior = stored.find((s) => s.name.toLowerCase() === h.name.toLowerCase());
    return prior ? { name: h.name, value: prior.value } : h;
  });
}

/** Shorter pieces are not worth the name of a secret, and masking them would blank ordinary text ("en", "1"). */
const MIN_FRAGMENT = 4;

/**
 * The credential values a request sent (see valueFragments), longest first so a value is masked before its parts.
 */
export function credentialFragments(headers: Header[]): string[] {
  return sortedFragments(headers.filter((h) => isSensitiveName(h.name)).flatMap((h) => valueFragments(h.value)));
}

export const sortedFragments = (fragments: Iterable<string>): string[] => [...new Set(fragments)].sort((a, b) => b.length - a.length);

/**
 * A secret value and the pieces of it a server may echo on their own: the token after an Authorization scheme
 * (`Bearer <token>`), Basic's decoded `user:password` and its password, each cookie's value, and each of them as
 * it reads inside a JSON string.
 */
export function valueFragments(value: string): string[] {
  const parts = [value];
  const scheme = /^([A-Za-z][\w.+-]*)\s+(\S.*)$/.exec(value);
  if (scheme) {
    parts.push(scheme[2]);
    if (scheme[1].toLowerCase() === 'basic') {
      const decoded = Buffer.from(scheme[2], 'base64').toString('utf8');
      if (decoded.includes(':') && Buffer.from(decoded, 'utf8').toString('base64') === scheme[2]) parts.push(decoded, decoded.slice(decoded.indexOf(':') + 1));
    }
  }
  for (const pair of value.split(';')) {
    const eq = pair.indexOf('=');
    if (eq > 0) parts.push(pair.trim(), pair.slice(eq + 1).trim());
  }
  return parts.filter((p) => p.length >= MIN_FRAGMENT).flatMap((p) => [p, JSON.stringify(p).slice(1, -1)]);
}

/** `text` with every credential fragment replaced by `[masked]`: what a run may record of a response. */
export function scrubCredentials(text: string, fragments: string[]): string {
  let out = text;
  for (const f of fragments) if (out.includes(f)) out = out.split(f).join(MASK);
  return out;
}
