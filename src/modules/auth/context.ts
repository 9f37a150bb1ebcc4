import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { Services } from '../../services';
import { rateLimited } from '../../errors';
import type { Principal } from './principal';
import type { KeyVerifier } from './key-verifier';
import type { RequestRateLimiter } from './rate-limit';
import { RecentRunsLoaders } from '../runs/recent-runs.loader';
import { QuotaLoader } from '../billing/quota.loader';
import { StatsLoaders } from '../stats/stats.loader';
import type { Actor } from '../audit/audit';
import { DAY_MS } from '../common/time';

/** What every resolver receives: the verified caller, its own EntityManager fork, and the services. */
export interface RequestContext {
  principal: Principal;
  em: EntityManager;
  ip: string;
  /** The caller as the audit log records it: key, organization, address. */
  actor: Actor;
  services: Services;
  /** Per-request batching (DataLoader), so nested lists cost one query per level. */
  loaders: { recentRuns: RecentRunsLoaders; quota: QuotaLoader; stats: StatsLoaders };
}

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
 * The one context builder, for GraphQL and REST alike (ARCHITECTURE.md §1). Nothing else reads the
 * Authorization header. Throws the UNAUTHORIZED AppError for every authentication failure, RATE_LIMITED (429)
 * when the key used up its requests for the minute. Sets the per-key headers: `RateLimit-Limit/-Remaining/-Reset`
 * on every authenticated response, `X-Api-Key-Expires-Soon: <ISO date>` when the key expires within 7 days.
 */
export class ContextBuilder {
  constructor(
    private readonly verifier: KeyVerifier,
    private readonly orm: MikroORM,
    private readonly services: Services,
    private readonly rateLimiter: RequestRateLimiter,
  ) {}

  async build(req: IncomingRequest, reply?: HeaderSink): Promise<RequestContext> {
    const principal = await this.verifier.verify(req.headers.authorization, req.ip);
    const rate = this.rateLimiter.take(principal.keyId);
    const headers: Record<string, string> = {
      'ratelimit-limit': String(rate.limit),
      'ratelimit-remaining': String(rate.remaining),
      'ratelimit-reset': String(rate.reset),
    };
    if (principal.expiresAt && principal.expiresAt.getTime() - this.services.now().getTime() <= WARNING_MS)
      headers['x-api-key-expires-soon'] = principal.expiresAt.toISOString();
    if (!rate.allowed) throw rateLimited(rate.reset, `Rate limit exceeded: ${rate.limit} requests per minute for this key`, headers);
    if (reply) for (const name in headers) reply.header(name, headers[name]);
    return new LazyContext(principal, req.ip, this.services, this.orm);
  }
}

/**
 * The EntityManager fork and the loaders are made on first use: `me`, the most frequent request, needs neither.
 */
class LazyContext implements RequestContext {
  private forked: EntityManager | undefined;
  private batch: RequestContext['loaders'] | undefined;

  constructor(
    readonly principal: Principal,
    readonly ip: string,
    readonly services: Services,
    private readonly orm: MikroORM,
  ) {}

  get em(): EntityManager {
    return (this.forked ??= this.orm.em.fork());
  }

  get actor(): Actor {
    const { keyId, organizationId, name } = this.principal;
    return { keyId, organizationId, name, ip: this.ip };
  }

  get loaders(): RequestContext['loaders'] {
    return (this.batch ??= {
      recentRuns: new RecentRunsLoaders(this.em),
      quota: new QuotaLoader(this.em, this.services.billing),
      stats: new StatsLoaders(this.em, this.services.stats),
    });
  }
}
