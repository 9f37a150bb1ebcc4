import type { Config } from '../config';
import type { Database } from '../db/database';
import type { BcryptPool } from '../modules/auth/bcrypt-pool';
import { keyChangeAnnouncer } from '../modules/auth/key-events';
import { ApiKeyService, type ApiKeyServiceDeps } from '../modules/api-keys/api-key.service';
import { OrganizationService } from '../modules/organization/organization.service';
import { BillingService } from '../modules/billing/billing.service';
import type { Notifier } from '../modules/notifications/notifier';
import { QuotaAlerts } from '../modules/alerts/quota-alert';
import { CHECK_KINDS } from '../modules/checks/kinds/registry';

/** What this process knows of keys beyond the database: the API's key cache and its batched last-use writes. */
export type KeyMemory = Pick<ApiKeyServiceDeps, 'forget' | 'pendingUse'>;

/** A process that serves no requests (a CLI) caches no key, and no use of a key is ever pending in it. */
export const NO_KEY_MEMORY: KeyMemory = { forget: () => {}, pendingUse: () => undefined };

/**
 * The key service every process that changes keys (the server, the CLI) uses alike: the cost, the cap, where
 * hashing runs, and how a change is announced. On PostgreSQL other instances hear of it by NOTIFY; the embedded
 * database has one process at a time (it is locked), so there is no one else to tell.
 */
export function apiKeyService(config: Config, database: Database, bcrypt: BcryptPool, now: () => Date, memory: KeyMemory): ApiKeyService {
  return new ApiKeyService({
    bcryptCost: config.BCRYPT_COST,
    bcrypt,
    maxActiveKeys: config.MAX_KEYS_PER_ORGANIZATION,
    announce: keyChangeAnnouncer(database.kind),
    now,
    ...memory,
  });
}

/**
 * Organizations and their plans, as every process builds them. Without a notifier (a CLI opens no queue) nothing
 * billing does is sent to the organization's channels.
 */
export function accountServices(config: Config, now: () => Date, notifier?: Notifier): { organizations: OrganizationService; billing: BillingService } {
  return {
    organizations: new OrganizationService(now, config.DEFAULT_PLAN),
    billing: new BillingService(now, config.RUN_RETENTION_DAYS, new QuotaAlerts(notifier), CHECK_KINDS),
  };
}
