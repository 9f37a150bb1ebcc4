import type { CheckEntity, CheckKind } from './check-kind';
import type { KindServiceClass } from './check.service-base';
import type { CheckResolverTypes } from './check.resolver-base';

/**
 * What a kind adds to the API besides its data (its `CheckKind`): its service, which the wiring builds once and
 * requests reach as `services.checks.<name>`, and its GraphQL resolvers, which the schema build lists. It is not on
 * the `CheckKind` itself because the run path (scheduler, worker, recorder, runs) reads the registry, and the
 * resolvers read the runs module: one list holding both would be a cycle.
 */
export interface KindApi<E extends CheckEntity = CheckEntity> {
  readonly kind: CheckKind<E>;
  readonly service: KindServiceClass<E>;
  /** What its resolver is made of (its GraphQL types and words): src/graphql/check-resolvers.ts makes it, with the runs' fields. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly resolver: CheckResolverTypes<E, any>;
  /** Its object type (`MonitorView`), which the schema also gives the statistics fields (`stats`, `series`). */
  readonly view: new () => { id: string; organizationId: string };
}
