import * as crypto from 'node:crypto';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { FastifyBaseLogger } from 'fastify';
import { rateLimited, serviceUnavailable, unauthorized } from '../../errors';
import type { FailureLimiter } from './failure-limiter';
import { apiKeyIdOf, parseKey } from './key-format';
import type { Permission } from '../../authorization/scopes';
import type { LastUsedTracker } from './last-used';
import { KeyCache } from './key-cache';
import type { KeyRecord, Principal } from './principal';
import { describeFault } from '../../db/faults';
import type { BcryptPool } from './bcrypt-pool';
import { clientGroup } from './client-address';

/** Counters the tests and the benchmark read to prove what the hot path did (and did not) do. */
export interface VerifierStats {
  /** bcrypt.compare calls started. */
  bcryptCompares: number;
  /** Key rows read from the database. */
  keyLookups: number;
  /** Requests whose Authorization header was exactly one verified before (no parse, checksum or SHA-256). */
  headerHits: number;
}

interface KeyRow {
  id: string;
  organization_id: string;
  organization_name: string;
  organization_created_at: string | Date;
  name: string;
  hash: string;
  permissions: Permission[];
  expires_at: string | Date | null;
  revoked_at: string | Date | null;
  created_at: string | Date;
  created_by: string;
  created_by_type: string;
  created_by_name: string;
  creator_removed: boolean;
  last_used_at: string | Date | null;
  failed_auth_count: number;
  last_failed_auth_at: string | Date | null;
  replaced_by: string | null;
}

const MAX_VERIFIED = 10_000;

/** An Authorization header taken apart (KeyVerifier.parse). */
interface ParsedKey {
  id: string;
  key: string;
  digest: Buffer;
  /** This process verified the key's secret before (its digest is known). */
  trusted: boolean;
  /** The header itself when it is the canonical `Bearer <key>`: the one spelling remembered. */
  canonical: string | undefined;
}

type FailureReason = 'no bearer credentials' | 'malformed key or bad checksum' | 'unknown key id' | 'revoked key' | 'expired key' | 'wrong secret';
/** Failures that name a key whose row exists: they count on that key's audit trail. */
const KEY_FOUND: ReadonlySet<FailureReason> = new Set(['revoked key', 'expired key', 'wrong secret']);
// crypto.hash (Node ≥ 20.12) is the one-shot form: no Hash object per request.
const oneShot = (crypto as { hash?: (alg: string, data: string, enc: 'buffer') => Buffer }).hash;
const sha256 = oneShot ? (s: string) => oneShot('sha256', s, 'buffer') : (s: string) => createHash('sha256').update(s).digest();
const toDate = (v: string | Date | null) => (v === null ? null : v instanceof Date ? v : new Date(v));

/**
 * Turns an Authorization header into a Principal, or throws the one UNAUTHORIZED error
 * (docs/explanation/security-model.md). After a key's first request this does no SQL and no bcrypt: the row comes from
 * the key cache (kept right across instances by LISTEN/NOTIFY) and the secret from the memory of verified secrets.
 * Every failure looks the same to the client; the log records the cause.
 */
export class KeyVerifier {
  readonly stats: VerifierStats = { bcryptCompares: 0, keyLookups: 0, headerHits: 0 };
  /**
   * keyId → sha256 of the key that bcrypt accepted, and the Authorization header it came in. Only successes are
   * remembered, and one header per key.
   */
  private verified = new Map<string, { digest: Buffer; header: string | undefined }>();
  /**
   * The same headers the other way round (header → keyId): a request whose header is exactly one already verified
   * names the same key and secret, so the parse, the checksum and the SHA-256 are skipped (they were a third of the
   * verification's CPU on a warm key). Only the canonical `Bearer <key>` is kept (a fixed length: ≤ 10,000 × 70
   * bytes); any other spelling takes the whole path each time. A header that is not here takes the whole path,
   * whose comparison is timing-safe; the lookup itself only tells whether the whole header is a verified one,
   * which the answer tells anyway. Emptied for a key with its entry in `verified` (forget, eviction).
   *
   * This holds verified keys themselves in memory, where `verified` held only digests. Decided: a process that
   * answers a key already holds it in every request in flight, and a dump of its memory is a compromise of the
   * instance whatever it holds; nothing here is ever written anywhere.
   */
  private byHeader = new Map<string, string>();
  /** Keys whose changed row is being read back into the cache (see forget). */
  private readonly readingBack = new Map<string, symbol>();
  /** One bcrypt per key at a time: concurrent first requests share the same compare. */
  private inFlight = new Map<string, Promise<boolean>>();
  /** One row lookup per key at a time (see load). */
  private readonly loading = new Map<string, Promise<KeyRecord | undefined>>();

  readonly cache: KeyCache;

  constructor(
    private readonly orm: MikroORM,
    private readonly lastUsed: LastUsedTracker,
    private readonly log: FastifyBaseLogger,
    private readonly now: () => Date,
    private readonly limiter: FailureLimiter,
    private readonly bcrypt: Pick<BcryptPool, 'compare'>,
    opts: { cacheMaxAgeMs: number },
  ) {
    this.cache = new KeyCache(opts.cacheMaxAgeMs);
  }

  async verify(header: string | undefined, ip: string): Promise<Principal> {
    const seen = header === undefined ? undefined : this.byHeader.get(header);
    if (seen !== undefined) this.stats.headerHits++;
    // A header seen before is trusted as it stands; any other is parsed, and trusted if its digest is known.
    const parsed = seen === undefined ? this.parse(header, ip) : undefined;
    const id = seen ?? parsed!.id;
    const unverified = parsed?.trusted === false ? parsed : undefined;
    const client = `ip:${clientGroup(ip)}`;

    let row = this.cache.get(id);
    if (!row) {
      // A lookup is work: refused (429) while this address keeps naming keyIds that do not exist.
      if (unverified) this.throttle(ip, id, client);
      row = await this.load(id);
      if (!row) return this.fail('unknown key id', ip, id, [client]);
    }
    // Revoked and expired keys cost nothing more to refuse: always 401, never counted, never 429 (the reference:
    // "Any requests using them will fail with 401 Unauthorized").
    if (row.revokedAt) return this.fail('revoked key', ip, id);
    const now = this.now();
    if (row.expiresAt && row.expiresAt.getTime() <= now.getTime()) return this.fail('expired key', ip, id);
    if (unverified) {
      // Wrong secrets count per (keyId, address): guesses from elsewhere never lock the key's owner out. The total
      // bcrypt work is bounded by the pool's queue.
      const pair = `key:${id}|${client}`;
      this.throttle(ip, id, client, pair);
      if (!(await this.secretMatches(id, unverified, row.hash))) return this.fail('wrong secret', ip, id, [client, pair]);
    }

    this.lastUsed.record(id, now, ip);
    return row.principal;
  }

  /** The key id, key and digest of a header not known before; `trusted` when this process verified its secret. */
  private parse(header: string | undefined, ip: string): ParsedKey {
    const key = bearerToken(header);
    if (key === null) return this.fail('no bearer credentials', ip);
    const keyId = parseKey(key);
    if (keyId === null) return this.fail('malformed key or bad checksum', ip);
    const id = apiKeyIdOf(keyId);
    const digest = sha256(key);
    // A key this process already verified keeps working while its keyId or its address is under attack:
    // knowing a public keyId must not let anyone lock its owner out.
    const known = this.verified.get(id);
    return { id, key, digest, trusted: known !== undefined && timingSafeEqual(known.digest, digest), canonical: header === `Bearer ${key}` ? header : undefined };
  }

  /** 429 before the work when any of `subjects` failed too often this minute. */
  private throttle(ip: string, id: string, ...subjects: string[]): void {
    let wait = 0;
    for (const s of subjects) wait = Math.max(wait, this.limiter.retryAfter(s));
    if (wait > 0) {
      this.log.info({ keyId: id, ip }, 'authentication rate limited');
      throw rateLimited(wait);
    }
  }

  /**
   * The key's principal as its row stands now, or undefined once it is revoked, expired or gone: for a connection
   * that proved the secret when it opened (live/), asked again when the key changes. Neither a request nor a failed
   * authentication: nothing is counted or recorded.
   */
  async current(id: string): Promise<Principal | undefined> {
    const row = this.cache.get(id) ?? (await this.load(id));
    if (!row || row.revokedAt) return undefined;
    if (row.expiresAt && row.expiresAt.getTime() <= this.now().getTime()) return undefined;
    return row.principal;
  }

  /** Forget what this process knows of a key (revocation, roll): called before the change is answered. */
  forget(id: string): void {
    const wasCached = this.cache.invalidate(id);
    this.unremember(id);
    // A key in use here is read back at once: once revoked it is then refused from the cache, at no cost, and so
    // always with 401 (never a 429 of the lookup limiter, whatever else its address sent). A read-back that this
    // invalidation overtook would be refused by the cache (its epoch moved), so it is started again.
    if (wasCached || this.readingBack.has(id)) this.readBack(id);
  }

  private readBack(id: string): void {
    const epoch = this.cache.epoch;
    const token = Symbol(id);
    this.readingBack.set(id, token);
    this.readKey(id)
      .then(
        (rows) => rows[0] && this.cache.set(toRecord(rows[0]), epoch),
        () => {}, // the next request reads it, and answers 503 if the database is still away
      )
      .finally(() => {
        if (this.readingBack.get(id) === token) this.readingBack.delete(id);
      });
  }

  /** The NOTIFY listener's view: untrusted while it is down; trusted again only after the cache is emptied. */
  setTrusted(trusted: boolean): void {
    this.cache.clear();
    this.cache.trusted = trusted;
  }

  /**
   * One lookup per key at a time: a burst of first requests of the same key (an instance just started, a thousand
   * live connections opening at once) shares one read instead of queueing one each for the pool's few connections
   * until they time out.
   */
  private load(id: string): Promise<KeyRecord | undefined> {
    let pending = this.loading.get(id);
    if (!pending) {
      pending = this.lookup(id).finally(() => this.loading.delete(id));
      this.loading.set(id, pending);
    }
    return pending;
  }

  private async lookup(id: string): Promise<KeyRecord | undefined> {
    this.stats.keyLookups++;
    const epoch = this.cache.epoch;
    let rows: KeyRow[];
    try {
      rows = await this.readKey(id);
    } catch (err) {
      // Whatever broke, the key could not be checked: 503, never 401 (the key may be fine) and never a 500 trace.
      this.log.error({ err: describeFault(err), keyId: id }, 'key lookup failed');
      throw serviceUnavailable();
    }
    if (!rows[0]) return undefined;
    const record = toRecord(rows[0]);
    this.cache.set(record, epoch);
    return record;
  }

  private readKey(id: string): Promise<KeyRow[]> {
    return this.orm.em.getConnection().execute<KeyRow[]>(
      `select k.id, k.organization_id, o.name as organization_name, o.created_at as organization_created_at, k.name, k.hash, k.permissions, k.expires_at,
              k.revoked_at, k.created_at, k.created_by, k.created_by_type, k.created_by_name, k.creator_removed, k.last_used_at, k.failed_auth_count, k.last_failed_auth_at, k.replaced_by
         from api_keys k join organizations o on o.id = k.organization_id
        where k.id = ?`,
      [id],
    );
  }

  private async secretMatches(id: string, { key, digest, canonical }: ParsedKey, hash: string): Promise<boolean> {
    // Again: a concurrent first request may have verified it while this one read the row.
    const known = this.verified.get(id);
    if (known && timingSafeEqual(known.digest, digest)) return true;
    const flightKey = `${id}:${digest.toString('hex')}`;
    let pending = this.inFlight.get(flightKey);
    if (!pending) {
      this.stats.bcryptCompares++;
      pending = this.bcrypt.compare(key, hash).finally(() => this.inFlight.delete(flightKey));
      this.inFlight.set(flightKey, pending);
    }
    const ok = await pending;
    if (ok) this.remember(id, digest, canonical);
    return ok;
  }

  /** `header`: the request's, when it is the canonical `Bearer <key>` (a fixed length), to be known again. */
  private remember(id: string, digest: Buffer, header: string | undefined): void {
    this.unremember(id); // the newest verification last: past the bound, the oldest is forgotten first
    this.verified.set(id, { digest, header });
    if (header !== undefined) this.byHeader.set(header, id);
    if (this.verified.size > MAX_VERIFIED) this.unremember(this.verified.keys().next().value!);
  }

  private unremember(id: string): void {
    const known = this.verified.get(id);
    if (!known) return;
    this.verified.delete(id);
    if (known.header !== undefined) this.byHeader.delete(known.header);
  }

  /** The one 401. `counted`: the limiter subjects this failure counts on (only failures that cost work count). */
  private fail(reason: FailureReason, ip: string, keyId?: string, counted: string[] = []): never {
    for (const s of counted) this.limiter.fail(s);
    // The key exists (its row was read): its failure count is the audit trail, count and time only.
    if (keyId && KEY_FOUND.has(reason)) this.lastUsed.recordFailure(keyId, this.now());
    this.log.info({ keyId, ip, reason }, 'authentication failed');
    throw unauthorized();
  }
}

function toRecord(r: KeyRow): KeyRecord {
  // The driver hands text[] back as an array, but be strict: a malformed value must never widen permissions.
  const permissions = Array.isArray(r.permissions) ? r.permissions : [];
  const record = {
    id: r.id,
    organizationId: r.organization_id,
    organizationName: r.organization_name,
    organizationCreatedAt: toDate(r.organization_created_at)!,
    name: r.name,
    hash: r.hash,
    permissions,
    expiresAt: toDate(r.expires_at),
    revokedAt: toDate(r.revoked_at),
    createdAt: toDate(r.created_at)!,
    createdBy: r.created_by,
    createdByType: r.created_by_type,
    createdByName: r.created_by_name,
    creatorRemoved: r.creator_removed === true,
    lastUsedAt: toDate(r.last_used_at),
    failedAuthCount: Number(r.failed_auth_count),
    lastFailedAuthAt: toDate(r.last_failed_auth_at),
    replacedBy: r.replaced_by,
  } as KeyRecord;
  record.principal = {
    keyId: r.id,
    organizationId: r.organization_id,
    name: r.name,
    permissions,
    held: new Set(permissions),
    expiresAt: record.expiresAt,
    actor: { type: 'API_KEY', id: r.id, name: r.name },
    record,
  };
  return record;
}

/** `Bearer <key>`: the scheme is case-insensitive (RFC 7235), exactly one credential, nothing else. */
export function bearerToken(header: string | undefined): string | null {
  if (!header) return null;
  const m = /^([A-Za-z]+) +([^\s]+)$/.exec(header);
  if (!m || m[1].toLowerCase() !== 'bearer') return null;
  return m[2];
}
