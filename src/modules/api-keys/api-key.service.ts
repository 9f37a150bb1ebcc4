import bcrypt from 'bcryptjs';
import type { EntityManager } from '@mikro-orm/postgresql';
import { badInput, forbidden, notFound } from '../../errors';
import { apiKeyIdOf, generateKey } from '../auth/key-format';
import { ALL, grants, isScope, normalizePermissions, type Permission } from '../auth/scopes';
import type { Principal } from '../auth/principal';
import { Organization } from '../organization/organization.entity';
import { ApiKey } from './api-key.entity';

export type ExpiryChoice = 'THIRTY_DAYS' | 'NINETY_DAYS' | 'ONE_YEAR' | 'NEVER';

const DAY_MS = 86_400_000;
const EXPIRY_DAYS: Record<ExpiryChoice, number | null> = { THIRTY_DAYS: 30, NINETY_DAYS: 90, ONE_YEAR: 365, NEVER: null };

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
  now: () => Date;
  /** A key row changed (revoked): drop it from this process's cache and tell the other instances. */
  keyChanged: (id: string) => Promise<void>;
}

/** The rules of API keys: who may create what, how long it lives, how it is revoked. */
export class ApiKeyService {
  constructor(private readonly deps: ApiKeyServiceDeps) {}

  list(em: EntityManager, organizationId: string): Promise<ApiKey[]> {
    return em.find(ApiKey, { organization: organizationId }, { orderBy: { createdAt: 'desc', id: 'desc' } });
  }

  /**
   * Creates a key for the caller's organization. A key can never create a key with more power than itself:
   * every permission must be one the caller holds (only `all` grants `all`), and the new key may not outlive it.
   */
  async create(em: EntityManager, caller: Principal, input: NewKeyInput): Promise<CreatedKey> {
    const { permissions, expiresAt, now } = this.check(input);
    if (!caller.held.has(ALL)) {
      if (permissions.includes(ALL)) throw forbidden({ field: 'permissions' }, 'Only a key with `all` can grant `all`');
      const beyond = permissions.filter((p) => isScope(p) && !grants(caller.held, p));
      if (beyond.length)
        throw forbidden({ field: 'permissions', missingScopes: beyond }, `Cannot grant permissions this key does not hold: ${beyond.join(', ')}`);
    }
    if (caller.expiresAt && (!expiresAt || expiresAt.getTime() > caller.expiresAt.getTime()))
      throw forbidden(
        { field: input.expiresAt ? 'expiresAt' : 'expiresIn' },
        `A new key cannot expire later than the key creating it (${caller.expiresAt.toISOString()})`,
      );
    return this.insert(em, caller.organizationId, caller.keyId, { name: input.name.trim(), permissions, expiresAt, createdAt: now });
  }

  /** Creates a key with no caller to compare against: the CLI and first-start bootstrap (local administrators). */
  async createTrusted(em: EntityManager, organizationId: string, createdBy: 'cli' | 'bootstrap', input: NewKeyInput): Promise<CreatedKey> {
    const { permissions, expiresAt, now } = this.check(input);
    return this.insert(em, organizationId, createdBy, { name: input.name.trim(), permissions, expiresAt, createdAt: now });
  }

  /** Revokes a key of the caller's organization; revoking again answers the first revocation unchanged. */
  async revoke(em: EntityManager, organizationId: string, id: string): Promise<ApiKey> {
    const key = await em.findOne(ApiKey, { id, organization: organizationId });
    if (!key) throw notFound('API key');
    if (!key.revokedAt) {
      key.revokedAt = this.deps.now();
      await em.flush();
    }
    await this.deps.keyChanged(key.id); // before answering: the next request with this key must fail
    return key;
  }

  /** Input rules a GraphQL type cannot state; also guards callers that skip GraphQL (the CLI). */
  private check(input: NewKeyInput): { permissions: Permission[]; expiresAt: Date | null; now: Date } {
    const now = this.deps.now();
    const errors = [];
    const name = input.name?.trim() ?? '';
    if (name.length < 1 || name.length > 100) errors.push({ field: 'name', message: 'must be 1 to 100 characters' });
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

  private async insert(
    em: EntityManager,
    organizationId: string,
    createdBy: string,
    fields: { name: string; permissions: Permission[]; expiresAt: Date | null; createdAt: Date },
  ): Promise<CreatedKey> {
    const { key, keyId } = generateKey();
    const apiKey = em.create(ApiKey, {
      id: apiKeyIdOf(keyId),
      organization: em.getReference(Organization, organizationId),
      ...fields,
      hash: await bcrypt.hash(key, this.deps.bcryptCost),
      createdBy,
    });
    await em.flush();
    return { apiKey, key };
  }
}
