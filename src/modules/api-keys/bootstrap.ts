import type { EntityManager } from '@mikro-orm/postgresql';
import type { OrganizationService } from '../organization/organization.service';
import type { ApiKeyService } from './api-key.service';

/**
 * First start on an empty database: make a default organization and a full-access key so the API is usable at
 * once. Returns the key for server.ts to print once; later starts (any organization exists) do nothing.
 */
export async function bootstrapFirstKey(em: EntityManager, services: { organizations: OrganizationService; apiKeys: ApiKeyService }): Promise<string | undefined> {
  if ((await services.organizations.count(em)) > 0) return undefined;
  const { org } = await services.organizations.findOrCreate(em, 'Default Organization');
  const { key } = await services.apiKeys.createTrusted(em, org.id, 'bootstrap', { name: 'Bootstrap admin key', permissions: ['all'] });
  return key;
}
