import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { Services } from '../../services';
import type { Principal } from './principal';
import type { KeyVerifier } from './key-verifier';
import { RecentRunsLoaders } from '../runs/recent-runs.loader';

/** What every resolver receives: the verified caller, its own EntityManager fork, and the services. */
export interface RequestContext {
  principal: Principal;
  em: EntityManager;
  ip: string;
  services: Services;
  /** Per-request batching (DataLoader), so nested lists cost one query per level. */
  loaders: { recentRuns: RecentRunsLoaders };
}

export interface IncomingRequest {
  headers: { authorization?: string };
  ip: string;
}

/**
 * The one context builder, for GraphQL and REST alike (ARCHITECTURE.md §1). Nothing else reads the
 * Authorization header. Throws the UNAUTHORIZED AppError for every authentication failure.
 */
export class ContextBuilder {
  constructor(
    private readonly verifier: KeyVerifier,
    private readonly orm: MikroORM,
    private readonly services: Services,
  ) {}

  async build(req: IncomingRequest): Promise<RequestContext> {
    const principal = await this.verifier.verify(req.headers.authorization, req.ip);
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

  get loaders(): RequestContext['loaders'] {
    return (this.batch ??= { recentRuns: new RecentRunsLoaders(this.em) });
  }
}
