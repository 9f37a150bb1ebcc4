import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { Services } from '../../services';
import type { Principal } from './principal';
import type { KeyVerifier } from './key-verifier';

/** What every resolver receives: the verified caller, its own EntityManager fork, and the services. */
export interface RequestContext {
  principal: Principal;
  em: EntityManager;
  ip: string;
  services: Services;
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
    return { principal, em: this.orm.em.fork(), ip: req.ip, services: this.services };
  }
}
