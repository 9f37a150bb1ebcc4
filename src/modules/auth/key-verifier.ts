import { createHash, timingSafeEqual } from 'node:crypto';
import bcrypt from 'bcryptjs';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { FastifyBaseLogger } from 'fastify';
import { unauthorized } from '../../errors';
import { apiKeyIdOf, parseKey } from './key-format';
import type { Principal } from './principal';
import { ApiKey } from '../api-keys/api-key.entity';
import type { LastUsedTracker } from './last-used';

/** Counters the tests read to prove what the hot path did (and did not) do. */
export interface VerifierStats {
  /** bcrypt.compare calls started. */
  bcryptCompares: number;
  /** Key rows read from the database. */
  keyLookups: number;
}


const MAX_VERIFIED = 10_000;
const sha256 = (s: string) => createHash('sha256').update(s).digest();

/**
 * Turns an Authorization header into a Principal, or throws the one UNAUTHORIZED error (ARCHITECTURE.md §2).
 * Every failure looks the same to the client; the log records the cause.
 */
export class KeyVerifier {
  readonly stats: VerifierStats = { bcryptCompares: 0, keyLookups: 0 };
  /** keyId → sha256 of the key that bcrypt accepted. Only successes are remembered. */
  private verified = new Map<string, Buffer>();
  /** One bcrypt per key at a time: concurrent first requests share the same compare. */
  private inFlight = new Map<string, Promise<boolean>>();

  constructor(
    private readonly orm: MikroORM,
    private readonly lastUsed: LastUsedTracker,
    private readonly log: FastifyBaseLogger,
    private readonly now: () => Date,
  ) {}

  async verify(header: string | undefined, ip: string): Promise<Principal> {
    const key = bearerToken(header);
    if (key === null) return this.fail('no bearer credentials');
    const keyId = parseKey(key);
    if (keyId === null) return this.fail('malformed key or bad checksum');

    const id = apiKeyIdOf(keyId);
    const row = await this.loadRow(id);
    if (!row) return this.fail('unknown key id', id);
    if (row.revokedAt) return this.fail('revoked key', id);
    const now = this.now();
    if (row.expiresAt && row.expiresAt.getTime() <= now.getTime()) return this.fail('expired key', id);
    if (!(await this.secretMatches(id, key, row.hash))) return this.fail('wrong secret', id);

    this.lastUsed.record(id, now, ip);
    return {
      keyId: id,
      organizationId: row.organization.id,
      name: row.name,
      permissions: row.permissions,
      held: new Set(row.permissions),
      expiresAt: row.expiresAt,
    };
  }

  /** Forget what this process knows of a key (called on revocation, before the revoke call answers). */
  forget(id: string): void {
    this.verified.delete(id);
  }

  private async loadRow(id: string): Promise<ApiKey | null> {
    this.stats.keyLookups++;
    // A throwaway fork: the row must be read fresh (revocation), and nothing of it outlives this request.
    return this.orm.em.fork().findOne(ApiKey, { id });
  }

  private async secretMatches(id: string, key: string, hash: string): Promise<boolean> {
    const digest = sha256(key);
    const known = this.verified.get(id);
    if (known && timingSafeEqual(known, digest)) return true;

    const flightKey = `${id}:${digest.toString('hex')}`;
    let pending = this.inFlight.get(flightKey);
    if (!pending) {
      this.stats.bcryptCompares++;
      pending = bcrypt.compare(key, hash).finally(() => this.inFlight.delete(flightKey));
      this.inFlight.set(flightKey, pending);
    }
    const ok = await pending;
    if (ok) this.remember(id, digest);
    return ok;
  }

  private remember(id: string, digest: Buffer): void {
    this.verified.delete(id); // re-insert: Map order is the LRU order
    this.verified.set(id, digest);
    if (this.verified.size > MAX_VERIFIED) this.verified.delete(this.verified.keys().next().value!);
  }

  private fail(reason: string, keyId?: string): never {
    this.log.info({ keyId, reason }, 'authentication failed');
    throw unauthorized();
  }
}

/** `Bearer <key>`: the scheme is case-insensitive (RFC 7235), exactly one credential, nothing else. */
export function bearerToken(header: string | undefined): string | null {
  if (!header) return null;
  const m = /^([A-Za-z]+) +([^\s]+)$/.exec(header);
  if (!m || m[1].toLowerCase() !== 'bearer') return null;
  return m[2];
}
