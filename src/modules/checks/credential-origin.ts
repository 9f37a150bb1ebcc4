import type { Header } from './check.types';
import { isSecretHeader, MASK } from './secrets';
import { TEMPLATE_VARIABLE } from './template';

/**
 * A stored credential is kept only for the origin (scheme, host and port) it was given for. A client that reads a
 * monitor sees `[masked]` and may send it back to keep the value; if it changes the URL to another host at the
 * same time, keeping the value would hand the credential to that host without anyone having typed it for it.
 */

/** The origin of a check URL (`https://api.example.com:8443`), `{{name}}` placeholders kept apart; null if not a URL. */
export function originOf(url: string): string | null {
  // Each placeholder becomes a distinct host-safe marker, so `https://{{a}}.x` and `https://{{b}}.x` differ.
  const probe = url.replace(TEMPLATE_VARIABLE, (_, name: string) => `tpl${Buffer.from(name).toString('hex')}`);
  try {
    const u = new URL(probe);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.origin : null;
  } catch {
    return null;
  }
}

/** True when both URLs parse and their origins differ (an unparseable URL is refused by its own rule). */
export function originChanges(from: string, to: string): boolean {
  const [a, b] = [originOf(from), originOf(to)];
  return a !== null && b !== null && a !== b;
}

/**
 * The stored credential headers an update would carry along: those sent back as `[masked]`, or, when the update
 * gives no header list at all (`incoming` undefined), every stored one, since they would be kept implicitly.
 */
export function carriedCredentials(incoming: Header[] | undefined, stored: Header[]): string[] {
  const credentials = stored.filter(isSecretHeader);
  if (!incoming) return credentials.map((s) => s.name);
  return incoming
    .filter((h) => h.value === MASK && credentials.some((s) => s.name.toLowerCase() === h.name.toLowerCase()))
    .map((h) => h.name);
}

export const mustGiveAgain = (names: string[], from: string, to: string) =>
  `${names.join(', ')} must be given again (or left out): the URL's origin changes from ${originOf(from)} to ${originOf(to)}, ` +
  'and a stored credential is only sent to the origin it was given for';
