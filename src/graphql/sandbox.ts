/**
 * The Apollo Sandbox page that `GET /graphql` shows a browser (Accept: text/html), where people paste their keys.
 * It loads Sandbox's embed script from Apollo's CDN, which opens Sandbox in a frame from sandbox.embed.apollographql.com;
 * the operations it runs are sent from this page to this server. So the page needs internet access, and its script
 * is pinned: a build published later under a moving name (`v2`, `_latest`) does not reach this page unreviewed.
 */

import { lockedDownPage } from '../http/page-headers';

/** The embed script's build on Apollo's CDN (a commit of Apollo's embeddable-sandbox). Raise it deliberately. */
export const SANDBOX_VERSION = '02e2da0fccbe0240ef03d2396d6c98559bab5b06';

/** The one script the page loads, as Apollo Server's landing page plugin names it for `version` (without its query). */
export const SANDBOX_SCRIPT = `https://embeddable-sandbox.cdn.apollographql.com/${SANDBOX_VERSION}/embeddable-sandbox.umd.production.min.js`;

/** The frame the script opens. */
const SANDBOX_FRAME = 'https://sandbox.embed.apollographql.com';

/**
 * The page's response headers. Apollo's page carries a CSP in a meta tag that allows every version on three CDNs and
 * cannot forbid framing (frame-ancestors is ignored in a meta tag); this one is sent as a header: the page's own
 * inline script and style (by the nonce Apollo gives them), the pinned script, Sandbox's frame, requests to this
 * server only, nothing else (Apollo's favicon, manifest and web font are left out), and never inside a frame.
 */
export function sandboxPageHeaders(html: string): Record<string, string> {
  const nonce = /nonce="?([0-9a-f]{16,128})/.exec(html)?.[1];
  const inline = nonce ? ` 'nonce-${nonce}'` : '';
  return lockedDownPage([`script-src${inline} ${SANDBOX_SCRIPT}`, `style-src${inline}`, `frame-src ${SANDBOX_FRAME}`, "connect-src 'self'", "form-action 'none'"]);
}
