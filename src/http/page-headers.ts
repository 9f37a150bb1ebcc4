/**
 * The headers of every page tracer serves to a browser (the dashboard, the Sandbox page, the confirmation link's
 * page): a Content-Security-Policy that allows nothing but what the page names, no <base>, never inside a frame
 * (by the CSP and X-Frame-Options alike), no type sniffing, no referrer. A page adds its own directives and headers.
 */
export function lockedDownPage(directives: string[], extra: Record<string, string> = {}): Record<string, string> {
  return {
    'content-security-policy': ["default-src 'none'", ...directives, "base-uri 'none'", "frame-ancestors 'none'"].join('; '),
    'x-frame-options': 'DENY',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    ...extra,
  };
}
