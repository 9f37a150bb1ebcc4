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
    const em = this.orm.em.fork();
    return { principal, em, ip: req.ip, services: this.services, loaders: { recentRuns: new RecentRunsLoaders(em) } };
  }
}
