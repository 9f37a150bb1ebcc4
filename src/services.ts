import type { ApiKeyService } from './modules/api-keys/api-key.service';
import type { OrganizationService } from './modules/organization/organization.service';

/** The app's services, built once in createApp and reached by resolvers through the context. */
export interface Services {
  apiKeys: ApiKeyService;
  organizations: OrganizationService;
  now: () => Date;
}
