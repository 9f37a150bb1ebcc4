import DataLoader from 'dataloader';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { BillingService, QuotaState } from './billing.service';
import { defineLoader } from '../../context/loaders';

/**
 * `quotaExhausted` of every monitor and journey in a response, from one query per request: keyed by organization,
 * so a page of 100 checks (all of the caller's organization) reads its standing once.
 */
export class QuotaLoader {
  private readonly loader: DataLoader<string, QuotaState>;

  constructor(em: EntityManager, billing: BillingService) {
    this.loader = new DataLoader(async (ids) => {
      const states = await billing.quotaStates(em, ids);
      return ids.map((id) => states.get(id) ?? new Error(`No organization ${id}`));
    });
  }

  load(organizationId: string): Promise<QuotaState> {
    return this.loader.load(organizationId);
  }
}

declare module '../../context/loaders' {
  interface Loaders {
    quota: QuotaLoader;
  }
}

/** The billing module's loader on `context.loaders` (registered in src/wiring/api.ts). */
export const quotaLoader = defineLoader('quota', ({ em, services }) => new QuotaLoader(em, services.billing));
