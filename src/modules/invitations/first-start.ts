import type { EntityManager } from '@mikro-orm/postgresql';
import type { OrganizationService } from '../organization/organization.service';
import type { ApiKeyService } from '../api-keys/api-key.service';
import { bootstrapFirstKey } from '../api-keys/bootstrap';
import type { InvitationService } from './invitation.service';

export const DEFAULT_ORGANIZATION = 'Default Organization';

/**
 * First start on an empty database (no organization): "Default Organization", and what the settings ask for to
 * reach it: a setup link that makes its first OWNER (SETUP_LINK) and a full-access key (BOOTSTRAP_KEY), for
 * server.ts to print once. Later starts find an organization and do nothing.
 */
export async function firstStart(
  em: EntityManager,
  services: { organizations: OrganizationService; apiKeys: ApiKeyService; invitations: InvitationService },
  opts: { key: boolean; setupLink: boolean },
): Promise<{ bootstrapKey?: string; setupLink?: string }> {
  if ((!opts.key && !opts.setupLink) || (await services.organizations.count(em)) > 0) return {};
  const bootstrapKey = opts.key ? await bootstrapFirstKey(em, services) : undefined;
  if (!opts.setupLink) return { bootstrapKey };
  const { org } = await services.organizations.findOrCreate(em, DEFAULT_ORGANIZATION);
  return { bootstrapKey, setupLink: await services.invitations.createSetupLink(em, org.id) };
}
