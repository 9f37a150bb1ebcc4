import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { Services } from './services';
import type { Principal } from '../modules/auth/principal';
import { storedAddress } from '../modules/auth/client-address';
import type { Actor } from '../modules/audit/audit';
import type { LoaderRegistry, Loaders } from './loaders';

/** What every resolver receives: the verified caller, its own EntityManager fork, and the services. */
export interface RequestContext {
  principal: Principal;
  em: EntityManager;
  /**
   * For statements that read rows without making entities (list pages, `paginate`): the request's fork when it
   * has one, otherwise the ORM's root manager, which costs nothing to take (and, like a fork, follows a transaction
   * through MikroORM's transaction context). Never for `find`, `persist` or anything else that uses an identity
   * map: that is `em`.
   */
  reader: EntityManager;
  /** The client address as it is stored (audit log, keys): an IP address, or null when the request's is not one. */
  ip: string | null;
  /** The caller as the audit log records it: the member or key (its kind read from its id), organization, address. */
  actor: Actor;
  services: Services;
  /** Per-request batching (DataLoader), so nested lists cost one query per level; registered by the modules. */
  loaders: Loaders;
}

/** Makes the context of an authenticated request (the context builder of modules/auth calls it). */
export class RequestContextFactory {
  constructor(
    private readonly orm: MikroORM,
    private readonly services: Services,
    private readonly loaders: LoaderRegistry,
  ) {}

  create(principal: Principal, ip: string): RequestContext {
    return new LazyContext(principal, storedAddress(ip), this.services, this.orm, this.loaders);
  }
}

/**
 * The EntityManager fork and the loaders are made on first use: `me`, the most frequent request, needs neither.
 */
class LazyContext implements RequestContext {
  private forked: EntityManager | undefined;
  private batch: Loaders | undefined;

  constructor(
    readonly principal: Principal,
    readonly ip: string | null,
    readonly services: Services,
    private readonly orm: MikroORM,
    private readonly registry: LoaderRegistry,
  ) {}

  get em(): EntityManager {
    return (this.forked ??= this.orm.em.fork());
  }

  get reader(): EntityManager {
    // A fork is ~3 µs and a few kB of garbage: a list page, which reads through pg directly, does not need one.
    return this.forked ?? this.orm.em;
  }

  get actor(): Actor {
    const { keyId, organizationId, name } = this.principal;
    return { keyId, organizationId, name, ip: this.ip };
  }

  get loaders(): Loaders {
    return (this.batch ??= this.registry.create(this));
  }
}
