import type { Header } from './check.types';
import { isSensitiveName } from './secrets';

export interface OutgoingRequest {
  method: string;
  headers: Header[];
  body: string | null;
}

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
 * the origin (scheme, host and port) the credentials and the body stay behind: they were given for the first
 * host, and the next one is whoever that host names. Once dropped they stay dropped for the rest of the chain.
 */
export function redirectedRequest(status: number, from: URL, to: URL, req: OutgoingRequest): OutgoingRequest {
  let next = req;
  if ((status === 303 && req.method !== 'GET' && req.method !== 'HEAD') || ((status === 301 || status === 302) && req.method === 'POST'))
    next = { ...withoutBody(next), method: 'GET' };
  if (to.origin !== from.origin) {
    next = withoutBody(next);
    // isSensitiveName covers Authorization, Proxy-Authorization and Cookie as well as anything named like a secret.
    // Host too: a Host header set for the first origin would address the second one's virtual host by the first's name.
    next.headers = next.headers.filter((h) => !isSensitiveName(h.name) && h.name.toLowerCase() !== 'host');
  }
  return next;
}
