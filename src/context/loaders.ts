import type { EntityManager } from '@mikro-orm/postgresql';
import type { Services } from './services';

/**
 * The request's batching loaders (DataLoader), one property per loader. Empty here: each module that batches adds
 * its own by declaration merging next to its loader (`declare module '../../context/loaders'`), so this file knows
 * nothing of the modules.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface Loaders {}

/** What a loader is made from: the request's EntityManager fork and the services. */
export interface LoaderScope {
  readonly em: EntityManager;
  readonly services: Services;
}

/** A module's loader: its name on `context.loaders` and how one request's instance is made. */
export interface LoaderDefinition<K extends keyof Loaders = keyof Loaders> {
  name: K;
  make(scope: LoaderScope): Loaders[K];
}

export const defineLoader = <K extends keyof Loaders>(name: K, make: (scope: LoaderScope) => Loaders[K]): LoaderDefinition<K> => ({ name, make });

/** The loaders registered for the app; each request gets its own instances, made on first use. */
export class LoaderRegistry {
  private readonly definitions = new Map<keyof Loaders, LoaderDefinition>();

  register(...definitions: LoaderDefinition[]): this {
    for (const d of definitions) {
      if (this.definitions.has(d.name)) throw new Error(`loader ${String(d.name)} is registered twice`);
      this.definitions.set(d.name, d);
    }
    return this;
  }

  /** One request's loaders: each is made the first time a resolver reads it (`me` reads none). */
  create(scope: LoaderScope): Loaders {
    const loaders = {} as Record<keyof Loaders, unknown>;
    for (const [name, d] of this.definitions)
      Object.defineProperty(loaders, name, {
        enumerable: true,
        get() {
          const made = d.make(scope);
          Object.defineProperty(loaders, name, { value: made, enumerable: true });
          return made;
        },
        configurable: true,
      });
    return loaders as Loaders;
  }
}
