import { rateLimited } from '../../errors';
import type { Principal } from './principal';
import type { KeyVerifier } from './key-verifier';
import type { RequestRateLimiter } from './rate-limit';
import { DAY_MS } from '../common/time';

export interface IncomingRequest {
  headers: { authorization?: string; cookie?: string; origin?: string; referer?: string; host?: string };
  ip: string;
  /**
   * Required: every caller is an HTTP request, and the origin check of a cookie-authenticated request reads it. A
   * caller that is not one must name a method; a missing one is judged unsafe (fail closed), never skipped.
   */
  method: string;
  protocol?: string;
}

/**
 * The other way in: a session cookie (modules/accounts). Authentication modules below this one are passed in, so
 * this file stays the one place that decides which credential a request is judged by.
 */
export interface SessionAuthenticator {
  /** The session token in the request's Cookie header, if any. */
  token(cookieHeader: string | undefined): string | undefined;
  /** The cookie's principal, or the session 401; FORBIDDEN when a state-changing request comes from another origin. */
  verify(token: string, req: IncomingRequest): Promise<Principal>;
}

/** Where response headers go (a Fastify reply); absent for executions that are not HTTP requests. */
export interface HeaderSink {
  header(name: string, value: string): unknown;
}

/** Keys expiring within this many days get `X-Api-Key-Expires-Soon` on every response. */
export const EXPIRY_WARNING_DAYS = 7;
const WARNING_MS = EXPIRY_WARNING_DAYS * DAY_MS;

/**
 * The one context builder, for GraphQL and REST alike (docs/explanation/architecture.md). Nothing else reads the
 * Authorization header or the session cookie. A Bearer key, or without an Authorization header a session cookie,
 * becomes one Principal; everything after sees only that. Throws the UNAUTHORIZED AppError for every authentication failure, RATE_LIMITED (429)
 * when the key used up its requests for the minute. Sets the per-key headers: `RateLimit-Limit/-Remaining/-Reset`
 * on every authenticated response, `X-Api-Key-Expires-Soon: <ISO date>` when the key expires within 7 days.
 * What the request then carries (`C`, the app's RequestContext) is made by `create` from the verified principal:
 * authentication knows nothing of the modules behind it.
 */
export class ContextBuilder<C> {
  constructor(
    private readonly verifier: KeyVerifier,
    private readonly rateLimiter: RequestRateLimiter,
    private readonly now: () => Date,
    private readonly create: (principal: Principal, ip: string) => C,
    private readonly sessions?: SessionAuthenticator,
  ) {}

  async build(req: IncomingRequest, reply?: HeaderSink): Promise<C> {
    // A request with an Authorization header is judged by it alone; only without one is a session cookie read.
    const token = req.headers.authorization === undefined ? this.sessions?.token(req.headers.cookie) : undefined;
    const principal = token === undefined ? await this.verifier.verify(req.headers.authorization, req.ip) : await this.sessions!.verify(token, req);
    const rate = this.rateLimiter.take(principal.keyId);
    const headers: Record<string, string> = {
      'ratelimit-limit': String(rate.limit),
      'ratelimit-remaining': String(rate.remaining),
      'ratelimit-reset': String(rate.reset),
    };
    if (principal.expiresAt && principal.expiresAt.getTime() - this.now().getTime() <= WARNING_MS)
      headers['x-api-key-expires-soon'] = principal.expiresAt.toISOString();
    if (!rate.allowed) throw rateLimited(rate.reset, `Rate limit exceeded: ${rate.limit} requests per minute for this key`, headers);
    if (reply) for (const name in headers) reply.header(name, headers[name]);
    return this.create(principal, req.ip);
  }
}
