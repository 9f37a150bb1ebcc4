import type { Header } from './check.types';

/**
 * Header values that are credentials are write-only: views show `[masked]`, runs record `[masked]`, and an update
 * that sends `[masked]` back for a header keeps the stored value (so a dashboard can round-trip a monitor).
 */
export const MASK = '[masked]';
/**
 * A header is a credential when its name says so, case-insensitively: `Ocp-Apim-Subscription-Key`, `X-Auth-Key`,
 * `Authorization`, `Proxy-Authorization`, `Cookie`, `X-Session-Id`, `X-Hub-Signature`… Broad on purpose: sealing a
 * harmless header costs its reader a `[masked]`, leaving a credential unsealed costs the credential.
 */
const SENSITIVE = /key|token|secret|auth|signature|session|cookie|password|passwd|credential/i;

export const isSensitiveName = (name: string) => SENSITIVE.test(name);

/** A header sealed like a credential: named like one, or marked `secret: true` by whoever set it. */
export const isSecretHeader = (h: Header): boolean => h.secret === true || isSensitiveName(h.name);

/**
 * A header as stored: the `secret` mark only where it was given and the name does not already make the header a
 * credential, so the JSON of every other header is unchanged (a round trip of what a reader saw, where a
 * credential's name reads `secret: true`, changes nothing).
 */
export const storedHeader = (h: Header): Header =>
  h.secret === true && !isSensitiveName(h.name) ? { name: h.name, value: h.value, secret: true } : { name: h.name, value: h.value };

/** Headers as a reader sees them: every sealed value `[masked]`, and `secret` saying which are sealed. */
export const maskHeaders = (headers: Header[]): Header[] =>
  headers.map((h) => (isSecretHeader(h) ? { name: h.name, value: MASK, secret: true } : { name: h.name, value: h.value, secret: false }));

/**
 * New headers from a client, with `[masked]` values replaced by what is stored under the same name. A header
 * stored marked secret stays so unless the client says `secret: false`: a client that does not know the mark (and
 * sends `[masked]` back, or a new value, without it) must not unseal it.
 */
export function unmaskHeaders(incoming: Header[], stored: Header[]): Header[] {
  return incoming.map((h) => {
    const prior = stored.find((s) => s.name.toLowerCase() === h.name.toLowerCase());
    const secret = h.secret ?? prior?.secret === true;
    if (h.value === MASK && prior) return storedHeader({ name: h.name, value: prior.value, secret: secret || prior.secret === true });
    return storedHeader({ name: h.name, value: h.value, secret });
  });
}

/** Shorter pieces are not worth the name of a secret, and masking them would blank ordinary text ("en", "1"). */
export const MIN_FRAGMENT = 4;

/**
 * A secret value as a server may echo it: whole, and the pieces of it that may appear on their own (the token
 * after an Authorization scheme (`Bearer <token>`), Basic's decoded `user:password` and its password, each
 * `k=v` pair of a cookie-like list and its value), each also as it reads inside a JSON string.
 */
export function valueFragments(value: string): { whole: string[]; pieces: string[] } {
  const parts: string[] = [];
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
  return { whole: forms([value]), pieces: forms(parts) };
}

/** Characters a JSON string escapes; a value without them reads the same inside one. */
const JSON_ESCAPED = /["\\\u0000-\u001f\u2028\u2029\ud800-\udfff]/;

function forms(list: string[]): string[] {
  const out: string[] = [];
  for (const p of list) {
    if (p.length < MIN_FRAGMENT) continue;
    out.push(p);
    if (JSON_ESCAPED.test(p)) out.push(JSON.stringify(p).slice(1, -1));
  }
  return out;
}
