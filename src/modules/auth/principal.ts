import type { Permission } from '../../authorization/scopes';

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

/**
 * What a request needs to know about its key, read once and kept by the key cache: the row, its organization's name,
 * a Principal. Declared beside Principal because each refers to the other.
 */
export interface KeyRecord {
  id: string;
  organizationId: string;
  organizationName: string;
  organizationCreatedAt: Date;
  name: string;
  hash: string;
  permissions: Permission[];
  expiresAt: Date | null;
  revokedAt: Date | null;
  createdAt: Date;
  createdBy: string;
  lastUsedAt: Date | null;
  failedAuthCount: number;
  lastFailedAuthAt: Date | null;
  replacedBy: string | null;
  /** Built once per record, so a request allocates nothing for it. */
  principal: Principal;
}
