import type { Header } from './check.types';
import { isSecretHeader } from './secrets';

export interface OutgoingRequest {
  method: string;
  headers: Header[];
  body: string | null;
}

/**
 * What goes on to another origin: headers that only say what the client accepts and what it has cached, never who
 * it is. An allow-list, because a credential can hide under any name (`X-Tenant`, `X-Customer-Id`…); the rest of
 * a monitor's headers were given for its own host. Content-Type is not on it: the body stays behind too.
 */
const CROSS_ORIGIN_HEADERS = new Set(['accept', 'accept-encoding', 'accept-language', 'user-agent', 'cache-control', 'pragma', 'if-none-match', 'if-modified-since']);

/** Headers that describe the body (the fetch standard's "request-body-header names", plus the framing ones). */
const BODY_HEADERS = new Set(['content-type', 'content-length', 'content-encoding', 'content-language', 'content-location', 'transfer-encoding']);

const withoutBody = (r: OutgoingRequest): OutgoingRequest => ({
  method: r.method,
  headers: r.headers.filter((h) => !BODY_HEADERS.has(h.name.toLowerCase())),
  body: null,
});

/**
 * The request to send after a redirect from `from` to `to` (the fetch standard's HTTP-redirect fetch, §4.4):
 * 303 turns anything but GET and HEAD into a GET without body, as 301 and 302 do a POST. When the redirect leaves
 * the origin (scheme, host and port) only the allow-listed headers go on (CROSS_ORIGIN_HEADERS, and none marked
 * secret), and the body stays behind: they were given for the first host, and the next one is whoever that host
 * names. Once dropped they stay dropped for the rest of the chain.
 */
export function redirectedRequest(status: number, from: URL, to: URL, req: OutgoingRequest): OutgoingRequest {
  let next = req;
  if ((status === 303 && req.method !== 'GET' && req.method !== 'HEAD') || ((status === 301 || status === 302) && req.method === 'POST'))
    next = { ...withoutBody(next), method: 'GET' };
  if (to.origin !== from.origin) {
    next = withoutBody(next);
    // Host is not on the list either: set for the first origin, it would address the second one's virtual host by the first's name.
    next.headers = next.headers.filter((h) => CROSS_ORIGIN_HEADERS.has(h.name.toLowerCase()) && !isSecretHeader(h));
  }
  return next;
}
