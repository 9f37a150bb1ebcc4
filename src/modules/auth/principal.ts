import type { Permission } from '../../authorization/scopes';

/** Who acts behind a principal: a member signed in with a session, or an API key. */
export interface PrincipalActor {
  type: 'MEMBER' | 'API_KEY';
  /** `mem_…` or `key_…` */
  id: string;
  /** The member's name (or email when it has none), or the key's name. */
  name: string;
}

/**
 * Who is calling, however it authenticated (an API key or a session cookie): its organization, its permissions
 * and its actor. Everything after the context builder (`@requiresScope`, services, the audit log) reads only this.
 */
export interface Principal {
  /**
   * The id the caller is counted and recorded by: the key (`key_…`), or under a session the member (`mem_…`).
   * Rate limits, audit events and check sessions use it as they did when only keys could call.
   */
  keyId: string;
  organizationId: string;
  name: string;
  permissions: readonly Permission[];
  /** The same permissions as a Set, for the per-request scope check. */
  held: ReadonlySet<string>;
  /** When the key expires (a key it creates may not outlive it); null for sessions and keys that never expire. */
  expiresAt: Date | null;
  actor: PrincipalActor;
  /** The key's row as verified (absent under a session, and for principals built by hand in mechanism tests). */
  record?: KeyRecord;
  /** The session as verified (absent under a key). */
  session?: SessionRecord;
  /**
   * A member of an organization that requires two-factor, without it: may call only `me`, the two-factor setup
   * routes and sign-out; anything else is MFA_SETUP_REQUIRED (403). Never set for a key.
   */
  mfaSetupRequired?: boolean;
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
  createdByType: string;
  createdByName: string;
  /** As the row was read: a removal flags it on the row at once, and a cached record within KEY_CACHE_MAX_AGE_MS. */
  creatorRemoved: boolean;
  lastUsedAt: Date | null;
  failedAuthCount: number;
  lastFailedAuthAt: Date | null;
  replacedBy: string | null;
  /** Built once per record, so a request allocates nothing for it. */
  principal: Principal;
}

/** A session and its member as a request needs them, read once and kept by the session cache (modules/accounts). */
export interface SessionRecord {
  /** `ses_…`; the cache is keyed by the token's hash, never by the token. */
  id: string;
  tokenHash: string;
  organizationId: string;
  organizationName: string;
  organizationCreatedAt: Date;
  memberId: string;
  email: string;
  memberName: string | null;
  role: string;
  joinedAt: Date;
  /** Whether the member has two-factor on (`Member.mfaEnabled`). */
  mfaEnabled: boolean;
  /** The organization's `requireMfa`. */
  requireMfa: boolean;
  createdAt: Date;
  /** As this instance last knew it (its own writes included): the idle timeout counts from here. */
  lastSeenAt: Date;
  expiresAt: Date;
  principal: Principal;
}
