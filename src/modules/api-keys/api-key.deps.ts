import type { Config } from '../../config';
import type { Database } from '../../db/database';
import type { BcryptPool } from '../auth/bcrypt-pool';
import { publishKeyChange } from '../auth/key-events';
import type { ApiKeyServiceDeps } from './api-key.service';

/**
 * What every process that changes keys (the server, the CLI) gives the key service alike: the cost, the cap,
 * where hashing runs, and how a change is announced. On PostgreSQL other instances hear of it by NOTIFY; the
 * embedded database has one process at a time (it is locked), so there is no one else to tell.
 */
export function apiKeyDeps(config: Config, database: Database, bcrypt: BcryptPool): Pick<ApiKeyServiceDeps, 'bcryptCost' | 'bcrypt' | 'announce' | 'maxActiveKeys'> {
  return {
    bcryptCost: config.BCRYPT_COST,
    bcrypt,
    maxActiveKeys: config.MAX_KEYS_PER_ORGANIZATION,
    announce: database.kind === 'postgresql' ? publishKeyChange : async () => {},
  };
}
