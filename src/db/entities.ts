import { Organization } from '../modules/organization/organization.entity';
import { ApiKey } from '../modules/api-keys/api-key.entity';

/** Every entity, listed explicitly: no folder scanning, so the compiled app, the tests and the scripts agree. */
export const ENTITIES = [Organization, ApiKey];
