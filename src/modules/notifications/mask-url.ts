import { isIP } from 'node:net';

/**
 * Second-level labels under a two-letter country code that are a registry's, not a registrant's (`co.uk`,
 * `com.au`, `ne.jp`…): the registrable host is then three labels. A short list, not the Public Suffix List: a
 * name it misses shows one label less, never one more.
 */
const SECOND_LEVEL = new Set(['co', 'com', 'net', 'org', 'gov', 'edu', 'ac', 'or', 'ne', 'go', 'gv', 'ltd', 'plc', 'nic', 'mil']);

/**
 * A channel URL as it reads back: the scheme, the registrable host, the port, and `/…` when there was a path or a
 * query; never credentials. Tokens live in the path (`webhook.site/<uuid>`, `api.telegram.org/bot<token>/…`,
 * Slack's `/services/…`) and in subdomains (`<token>.m.pipedream.net`), so labels left of the registrable host read
 * `*` (`https://*.pipedream.net/…`). IP addresses and hosts of one or two labels read as they are. Idempotent:
 * a masked URL masks to itself, and the older, longer masked forms mask to this one.
 */
export function maskUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return '[masked]';
  }
  const rest = (u.pathname && u.pathname !== '/') || u.search || u.hash ? '/…' : '';
  return `${u.protocol}//${maskHost(u)}${rest}`;
}

/** The host and port as a masked URL shows them: what delivery errors name (they read back in the delivery log). */
export function maskHost(u: URL): string {
  return `${registrable(u.hostname)}${u.port ? `:${u.port}` : ''}`;
}

/** A host name as channel URLs read back: the registrable name, the labels left of it as `*`. */
export function registrable(hostname: string): string {
  if (hostname.startsWith('[') || isIP(hostname)) return hostname;
  const labels = hostname.replace(/\.$/, '').split('.');
  const keep = labels.length >= 3 && labels[labels.length - 1].length === 2 && SECOND_LEVEL.has(labels[labels.length - 2]) ? 3 : 2;
  return labels.length > keep ? `*.${labels.slice(-keep).join('.')}` : labels.join('.');
}
