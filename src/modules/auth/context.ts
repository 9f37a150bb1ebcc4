import { rateLimited } from '../../errors';
import type { Principal } from './principal';
import type { KeyVerifier } from './key-verifier';
import type { RequestRateLimiter } from './rate-limit';
import { DAY_MS } from '../common/time';

export interface IncomingRequest {
  headers: { authorization?: string };
  ip: string;
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
 * Authorization header. Throws the UNAUTHORIZED AppError for every authentication failure, RATE_LIMITED (429)
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
  ) {}

  async build(req: IncomingRequest, reply?: HeaderSink): Promise<C> {
    const principal = await this.verifier.verify(req.headers.authorization, req.ip);
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
