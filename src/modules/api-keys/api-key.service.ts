import type { EntityManager } from '@mikro-orm/postgresql';
import { LockMode } from '@mikro-orm/core';
import { badInput, conflict, forbidden, notFound } from '../../errors';
import { apiKeyIdOf, generateKey } from '../auth/key-format';
import { ALL, isScope, missingScopes, normalizePermissions, type Permission } from '../../authorization/scopes';
import type { Principal } from '../auth/principal';
import { Organization } from '../organization/organization.entity';
import { lockOrganization } from '../organization/organization-lock';
import { audit, systemActorOf, type Actor } from '../audit/audit';
import { systemActor, type ActorRef, type SystemActor } from '../audit/actor';
import { DAY_MS } from '../common/time';
import { nameErrors } from '../common/names';
import { paginate, type Page, type PageArgs } from '../common/pagination';
import { ApiKey } from './api-key.entity';

export type ExpiryChoice = 'THIRTY_DAYS' | 'NINETY_DAYS' | 'ONE_YEAR' | 'NEVER';
export type GraceChoice = 'NONE' | 'ONE_HOUR' | 'ONE_DAY' | 'SEVEN_DAYS';

const EXPIRY_DAYS: Record<ExpiryChoice, number | null> = { THIRTY_DAYS: 30, NINETY_DAYS: 90, ONE_YEAR: 365, NEVER: null };
const GRACE_MS: Record<GraceChoice, number> = { NONE: 0, ONE_HOUR: 3_600_000, ONE_DAY: DAY_MS, SEVEN_DAYS: 7 * DAY_MS };

export interface NewKeyInput {
  name: string;
  permissions: readonly string[];
  expiresIn?: ExpiryChoice | null;
  expiresAt?: Date | null;
}

export interface CreatedKey {
  apiKey: ApiKey;
  /** The plaintext key. Returned here once and nowhere else. */
  key: string;
}

export interface ApiKeyServiceDeps {
  bcryptCost: number;
  /** Where hashing runs: a worker-thread pool, never the event loop. */
  bcrypt: { hash(data: string, cost: number): Promise<string> };
  now: () => Date;
  /**
   * A key row is changing (revoked, rolled): tell the other instances, inside the transaction that changes it
   * (PostgreSQL delivers a NOTIFY on commit), so a change is committed and announced, or neither.
   */
  announce: (em: EntityManager, id: string) => Promise<void>;
  /** After the change is committed, before it is answered: this process forgets what it knew of the key. */
  forget: (id: string) => void;
  /** A key's newest use that the batched writer has not stored yet. */
  pendingUse: (id: string) => Date | undefined;
  /** Working keys (unrevoked, unexpired: a rolled key in its grace period too) an organization may have; one more is CONFLICT. */
  maxActiveKeys: number;
}

/** The earlier of two expiries, where null is "never". */
const earliest = (a: Date | null, b: Date | null): Date | null => (!a ? b : !b ? a : a.getTime() <= b.getTime() ? a : b);

/** The rules of API keys: who may create what, how long it lives, how it is revoked and rolled. */
export class ApiKeyService {
  constructor(private readonly deps: ApiKeyServiceDeps) {}

  /**
   * A page of the organization's keys, newest first, each with its newest use (also one not yet written by the
   * batched writer). With `unusedForDays`, only active keys not used for that many days (never-used keys count from
   * their creation): the keys to review and revoke. (A key whose use is still pending is dropped from its page
   * after the read, so such a page can be shorter than `first`; its cursor is still right.)
   */
  async list(em: EntityManager, organizationId: string, args: PageArgs & { unusedForDays?: number | null }): Promise<Page<ApiKey>> {
    const { unusedForDays } = args;
    if (!unusedForDays) {
      const page = await paginate(em, ApiKey, { organization: organizationId }, 'createdAt', args);
      return { ...page, nodes: page.nodes.map((k) => this.withPendingUse(k)) };
    }
    const now = this.deps.now();
    const cutoff = new Date(now.getTime() - unusedForDays * DAY_MS);
    const page = await paginate(
      em,
      ApiKey,
      {
        organization: organizationId,
        revokedAt: null,
        $and: [
          { $or: [{ expiresAt: null }, { expiresAt: { $gt: now } }] },
          { $or: [{ lastUsedAt: { $lte: cutoff } }, { lastUsedAt: null, createdAt: { $lte: cutoff } }] },
        ],
      },
      'createdAt',
      args,
    );
    // A use the batched writer has not stored yet still counts.
    const nodes = page.nodes.map((k) => this.withPendingUse(k)).filter((k) => !k.lastUsedAt || k.lastUsedAt.getTime() <= cutoff.getTime());
    return { ...page, nodes };
  }

  /** The key as read with its newest use, stored or still pending; a copy, so the entity itself is not changed. */
  withPendingUse<K extends { id: string; lastUsedAt: Date | null }>(key: K): K {
    const pending = this.deps.pendingUse(key.id);
    return pending ? { ...key, lastUsedAt: pending } : key;
  }

  /**
   * Creates a key for the caller's organization, recording the caller as its creator (`createdBy`). No caller can
   * create a key with more power than itself, whether a key or a signed-in member (whose scopes are its role's):
   * every permission must be one the caller holds (only `all` grants `all`), and the new key may not outlive a
   * calling key. A session has no expiry of its own to compare: a member may choose any expiry (docs/reference/api-keys.md).
   */
  async create(em: EntityManager, caller: Principal, input: NewKeyInput, ip: string | null): Promise<CreatedKey> {
    await this.assertNotReplaced(em, caller); // first, so a replaced key hears why before any other refusal
    const { permissions, expiresAt, now } = this.check(input);
    assertCanGrant(caller, permissions);
    if (caller.expiresAt && (!expiresAt || expiresAt.getTime() > caller.expiresAt.getTime()))
      throw forbidden(
        { field: input.expiresAt ? 'expiresAt' : 'expiresIn' },
        `A new key cannot expire later than the key creating it (${caller.expiresAt.toISOString()})`,
      );
    const secret = await this.secret();
    return em.transactional(async (tx) => {
      await this.assertBelowCap(tx, caller.organizationId, now);
      // After the organization's lock, which a roll takes first too: a roll of the caller committed meanwhile is seen.
      await this.assertNotReplaced(tx, caller);
      const created = this.row(tx, secret, caller.organizationId, caller.actor, { name: input.name.trim(), permissions, expiresAt, createdAt: now });
      audit(tx, actorOf(caller, ip), 'api_key.created', created.apiKey.id, now);
      return created;
    });
  }

  /** Creates a key with no caller to compare against: the CLI and first-start bootstrap (local administrators). */
  async createTrusted(em: EntityManager, organizationId: string, createdBy: SystemActor, input: NewKeyInput): Promise<CreatedKey> {
    const { permissions, expiresAt, now } = this.check(input);
    const secret = await this.secret();
    const actor = systemActorOf(organizationId, createdBy);
    return em.transactional(async (tx) => {
      await this.assertBelowCap(tx, organizationId, now);
      const created = this.row(tx, secret, organizationId, systemActor(createdBy), { name: input.name.trim(), permissions, expiresAt, createdAt: now });
      audit(tx, actor, 'api_key.created', created.apiKey.id, now);
      return created;
    });
  }

  /**
   * The per-organization cap on working keys: every key that still works counts, a rolled key in its grace period
   * too. The organization row is locked first, so concurrent creations and rolls are counted one after another and
   * the cap holds exactly. A roll with a grace period adds one working key (for a while the old key and its
   * replacement both work; its caller has locked the organization already); a roll with NONE adds none and is not
   * counted.
   */
  private async assertBelowCap(tx: EntityManager, organizationId: string, now: Date, action: 'create' | 'roll' = 'create'): Promise<void> {
    if (action === 'create') await lockOrganization(tx, organizationId);
    const max = this.deps.maxActiveKeys;
    const active = await tx.count(ApiKey, { organization: organizationId, revokedAt: null, $or: [{ expiresAt: null }, { expiresAt: { $gt: now } }] });
    if (active < max) return;
    throw conflict(
      action === 'create'
        ? `The organization has ${active} working API keys, the most it may have (MAX_KEYS_PER_ORGANIZATION ${max}; keys in a roll's grace period count); revoke unused keys first`
        : `The organization has ${active} working API keys, the most it may have (MAX_KEYS_PER_ORGANIZATION ${max}), and a grace period would keep the old key working next to its replacement; roll with gracePeriod NONE (the old key stops at once) or revoke unused keys first`,
    );
  }

  /**
   * A key that has been rolled works through its grace period for calls, never for managing keys: a leaked old key
   * must not roll or revoke its own replacement, nor mint itself a fresh key. Read from the row, not the cache.
   */
  private async assertNotReplaced(tx: EntityManager, caller: Principal): Promise<void> {
    const row = await tx.findOne(ApiKey, { id: caller.keyId, organization: caller.organizationId }, { fields: ['replacedBy'], refresh: true });
    if (row?.replacedBy)
      throw forbidden(
        { replacedBy: row.replacedBy },
        `This key was rolled and replaced by ${row.replacedBy}: until its grace period ends it may call the API, but it cannot create, roll or revoke keys; use its replacement`,
      );
  }

  /**
   * Revokes a key of the caller's organization; revoking again answers the first revocation unchanged. Revoking
   * takes the power rolling takes: a key may revoke itself, or a key whose permissions it could grant (so an
   * `organization:write` key cannot switch off the `all` key of the organization's administrator). `caller` is
   * null for the CLI (a local administrator).
   */
  async revoke(em: EntityManager, caller: Principal | null, actor: Actor, id: string): Promise<ApiKey> {
    const key = await em.transactional(async (tx) => {
      const key = await tx.findOne(ApiKey, { id, organization: actor.organizationId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (!key) throw notFound('API key');
      if (caller) await this.assertNotReplaced(tx, caller);
      if (caller && caller.keyId !== key.id) assertCanGrant(caller, key.permissions, 'revoke');
      if (!key.revokedAt) {
        key.revokedAt = this.deps.now();
        audit(tx, actor, 'api_key.revoked', id, key.revokedAt);
      }
      await this.deps.announce(tx, key.id);
      return key;
    });
    this.deps.forget(key.id); // committed: the next request with this key fails here, and on every instance
    return key;
  }

  /**
   * Replaces a key with a new one of the same name and permissions (shown once, like a created key). The old key
   * keeps working until the end of the grace period, never later than its own expiry; the new key expires no later
   * than the old one, nor than the caller. Rolling is creating: the caller must be able to grant the old key's
   * permissions, so a key cannot roll its way to more power. Revoked, expired and already rolled keys: CONFLICT.
   * A roll with a grace period counts against the cap on working keys (both keys work for a while): at the cap it is
   * CONFLICT, and a roll with NONE (the old key stops at once) still works. A rolled key cannot roll (FORBIDDEN).
   */
  async roll(em: EntityManager, caller: Principal, ip: string | null, id: string, grace: GraceChoice): Promise<CreatedKey> {
    const actor = actorOf(caller, ip);
    const secret = await this.secret();
    const created = await em.transactional(async (tx) => {
      // The organization first (as creating does), then the key: two concurrent rolls of one key would otherwise
      // both succeed, and concurrent rolls of different keys would both pass the cap.
      await lockOrganization(tx, caller.organizationId);
      const old = await tx.findOne(ApiKey, { id, organization: caller.organizationId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (!old) throw notFound('API key');
      const now = this.deps.now();
      if (old.revokedAt) throw conflict('A revoked key cannot be rolled');
      if (old.expiresAt && old.expiresAt.getTime() <= now.getTime()) throw conflict('An expired key cannot be rolled');
      if (old.replacedBy) throw conflict(`This key was already rolled; roll its replacement ${old.replacedBy} instead`);
      await this.assertNotReplaced(tx, caller);
      assertCanGrant(caller, old.permissions);
      if (GRACE_MS[grace] > 0) await this.assertBelowCap(tx, caller.organizationId, now, 'roll');
      const result = this.row(tx, secret, caller.organizationId, caller.actor, {
        name: old.name,
        permissions: old.permissions,
        expiresAt: earliest(old.expiresAt, caller.expiresAt),
        createdAt: now,
      });
      old.expiresAt = earliest(old.expiresAt, new Date(now.getTime() + GRACE_MS[grace]));
      old.replacedBy = result.apiKey.id;
      audit(tx, actor, 'api_key.rotated', old.id, now);
      audit(tx, actor, 'api_key.created', result.apiKey.id, now);
      await this.deps.announce(tx, old.id); // cached rows of the old key carry its old expiry
      return result;
    });
    this.deps.forget(id);
    return created;
  }

  /** Input rules a GraphQL type cannot state; also guards callers that skip GraphQL (the CLI). */
  private check(input: NewKeyInput): { permissions: Permission[]; expiresAt: Date | null; now: Date } {
    const now = this.deps.now();
    const errors = [];
    const name = input.name?.trim() ?? '';
    if (name.length < 1 || name.length > 100) errors.push({ field: 'name', message: 'must be 1 to 100 characters' });
    else errors.push(...nameErrors('name', name));
    const unknown = input.permissions.filter((p) => !isScope(p) && p !== ALL);
    if (!input.permissions.length) errors.push({ field: 'permissions', message: 'must list at least one permission' });
    if (unknown.length) errors.push({ field: 'permissions', message: `unknown permission: ${unknown.join(', ')}` });
    if (input.expiresIn && input.expiresAt)
      errors.push({ field: 'expiresAt', message: 'give either expiresIn or expiresAt, not both' });
    if (input.expiresAt && input.expiresAt.getTime() <= now.getTime())
      errors.push({ field: 'expiresAt', message: 'must be in the future' });
    if (errors.length) throw badInput(errors);

    const days = EXPIRY_DAYS[input.expiresIn ?? 'NEVER'];
    const expiresAt = input.expiresAt ?? (days === null ? null : new Date(now.getTime() + days * DAY_MS));
    return { permissions: normalizePermissions(input.permissions as Permission[]), expiresAt, now };
  }

  /** A fresh key and its bcrypt hash: the slow part, done before any transaction or lock. */
  private async secret(): Promise<{ key: string; keyId: string; hash: string }> {
    const { key, keyId } = generateKey();
    return { key, keyId, hash: await this.deps.bcrypt.hash(key, this.deps.bcryptCost) };
  }

  /** A new key row in the unit of work of `em` (written by the caller's flush), and its plaintext. */
  private row(
    em: EntityManager,
    secret: { key: string; keyId: string; hash: string },
    organizationId: string,
    creator: ActorRef,
    fields: { name: string; permissions: Permission[]; expiresAt: Date | null; createdAt: Date },
  ): CreatedKey {
    const apiKey = em.create(ApiKey, {
      id: apiKeyIdOf(secret.keyId),
      organization: em.getReference(Organization, organizationId),
      ...fields,
      hash: secret.hash,
      createdBy: creator.id,
      createdByType: creator.type,
      createdByName: creator.name.slice(0, 254),
    });
    return { apiKey, key: secret.key };
  }
}

/** The audit log's actor for a principal (a key or a signed-in member) acting from `ip`. */
const actorOf = (caller: Principal, ip: string | null): Actor => ({ keyId: caller.keyId, organizationId: caller.organizationId, name: caller.name, ip });

/**
 * No privilege escalation: every permission must be one the caller holds, and only `all` grants `all`. The same
 * rule for a key and a signed-in member (who holds its role's scopes), and it decides who may revoke a key: only a
 * caller that could have granted it. FORBIDDEN names what is missing in `missingScopes`, as the scope check does.
 */
function assertCanGrant(caller: Principal, permissions: readonly Permission[], action: 'grant' | 'revoke' = 'grant'): void {
  if (caller.held.has(ALL)) return;
  const field = action === 'grant' ? { field: 'permissions' } : {};
  const who = caller.actor.type === 'MEMBER' ? "this member's role" : 'this key';
  if (permissions.includes(ALL))
    throw forbidden(
      { ...field, missingScopes: [ALL] },
      action === 'grant' ? `Only a caller holding \`all\` can grant \`all\`; ${who} does not` : `Only a caller holding \`all\` can revoke a key with \`all\`; ${who} does not`,
    );
  const beyond = missingScopes(caller.held, permissions);
  if (beyond.length)
    throw forbidden(
      { ...field, missingScopes: beyond },
      action === 'grant'
        ? `Cannot grant permissions ${who} does not hold: ${beyond.join(', ')}`
        : `Cannot revoke a key with permissions ${who} does not hold: ${beyond.join(', ')}`,
    );
}
