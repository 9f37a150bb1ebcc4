import type { Permission } from '../../authorization/scopes';
import type { KeyRecord } from './key-cache';

/** Who is calling: the verified API key, its organization and its permissions. */
export interface Principal {
  /** `key_<keyId>` */
  keyId: string;
  organizationId: string;
  name: string;
  permissions: readonly Permission[];
  /** The same permissions as a Set, for the per-request scope check. */
  held: ReadonlySet<string>;
  expiresAt: Date | null;
  /** The key's row as verified (absent for principals built by hand in mechanism tests). */
  record?: KeyRecord;
}
