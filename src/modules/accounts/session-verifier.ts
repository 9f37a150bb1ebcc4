import type { MikroORM } from '@mikro-orm/postgresql';
import type { FastifyBaseLogger } from 'fastify';
import { AppError, rateLimited, serviceUnavailable } from '../../errors';
import { describeFault } from '../../db/faults';
import { KeyCache } from '../auth/key-cache';
import type { FailureLimiter } from '../auth/failure-limiter';
import { clientGroup } from '../auth/client-address';
import type { Principal, SessionRecord } from '../auth/principal';
import { ROLE_PERMISSIONS } from '../members/roles';
import type { MemberRole } from '../members/member.entity';
import { looksLikeToken, tokenHash } from './session-token';

/** The one 401 of a session cookie, whatever the cause (unknown, ended, idle, past its maximum age). */
export const sessionRefused = () => new AppError('UNAUTHORIZED', 'Invalid or expired session');

/** lastSeenAt is written at most this often per session and instance: a minute is nothing to a 12-hour idle limit. */
const SEEN_WRITE_MS = 60_000;

interface SessionRow {
  id: string;
  token_hash: string;
  organization_id: string;
  organization_name: string;
  organization_created_at: string | Date;
  member_id: string;
  email: string;
  member_name: string | null;
  role: MemberRole;
  joined_at: string | Date;
  mfa_enabled_at: string | Date | null;
  require_mfa: boolean;
  created_at: string | Date;
  last_seen_at: string | Date;
  expires_at: string | Date;
}

const toDate = (v: string | Date) => (v instanceof Date ? v : new Date(v));

/**
 * Turns a session cookie's token into a Principal, or throws the one 401. Like the key verifier: rows are cached in
 * process (keyed by the token's hash) and dropped on every instance by the same NOTIFY listener, so after the first
 * request a session costs a SHA-256 and a map lookup, no SQL; a cached row is read again after `cacheMaxAgeMs`.
 * Looking up a token this process does not know is work, counted per address by the failure limiter.
 */
export class SessionVerifier {
  readonly cache: KeyCache<SessionRecord>;
  readonly stats = { lookups: 0 };

  constructor(
    private readonly orm: MikroORM,
    private readonly log: FastifyBaseLogger,
    private readonly now: () => Date,
    private readonly limiter: FailureLimiter,
    private readonly opts: { idleMs: number; cacheMaxAgeMs: number },
  ) {
    this.cache = new KeyCache<SessionRecord>(opts.cacheMaxAgeMs, 10_000, undefined, (r) => r.tokenHash);
  }

  async verify(token: string, ip: string): Promise<Principal> {
    if (!looksLikeToken(token)) return this.fail('malformed token', ip);
    const hash = tokenHash(token);
    let record = this.cache.get(hash);
    if (!record) {
      const client = `ip:${clientGroup(ip)}`;
      const wait = this.limiter.retryAfter(client);
      if (wait > 0) throw rateLimited(wait);
      record = await this.load(hash);
      if (!record) {
        this.limiter.fail(client);
        return this.fail('unknown session', ip);
      }
    }
    const now = this.now().getTime();
    if (record.expiresAt.getTime() <= now) return this.fail('session past its maximum age', ip, record.id);
    if (now - record.lastSeenAt.getTime() > this.opts.idleMs) return this.fail('session idle too long', ip, record.id);
    if (now - record.lastSeenAt.getTime() >= SEEN_WRITE_MS) this.seen(record, new Date(now));
    return record.principal;
  }

  /**
   * The session's principal as its row stands now, or undefined once it ended, expired or went idle: for a
   * connection that signed in when it opened (live/), asked again when sessions change. Counts nothing.
   */
  async current(tokenHash: string): Promise<Principal | undefined> {
    const record = this.cache.get(tokenHash) ?? (await this.load(tokenHash));
    if (!record) return undefined;
    const now = this.now().getTime();
    if (record.expiresAt.getTime() <= now || now - record.lastSeenAt.getTime() > this.opts.idleMs) return undefined;
    return record.principal;
  }

  /** Drops what this process knows of sessions (one ended, or a member's all): the next request reads its row. */
  forget(): void {
    this.cache.clear();
  }

  setTrusted(trusted: boolean): void {
    this.cache.clear();
    this.cache.trusted = trusted;
  }

  private seen(record: SessionRecord, at: Date): void {
    record.lastSeenAt = at;
    this.orm.em
      .getConnection()
      .execute('update sessions set last_seen_at = greatest(last_seen_at, ?) where id = ?', [at, record.id])
      .catch((err: unknown) => this.log.warn({ err: describeFault(err), sessionId: record.id }, 'could not record a session\'s last use'));
  }

  private async load(hash: string): Promise<SessionRecord | undefined> {
    this.stats.lookups++;
    const epoch = this.cache.epoch;
    let rows: SessionRow[];
    try {
      rows = await this.orm.em.getConnection().execute<SessionRow[]>(
        `select s.id, s.token_hash, s.organization_id, o.name as organization_name, o.created_at as organization_created_at, s.member_id,
                m.email, m.name as member_name, m.role, m.joined_at, m.mfa_enabled_at, o.require_mfa, s.created_at, s.last_seen_at, s.expires_at
           from sessions s join members m on m.id = s.member_id join organizations o on o.id = s.organization_id
          where s.token_hash = ?`,
        [hash],
      );
    } catch (err) {
      this.log.error({ err: describeFault(err) }, 'session lookup failed');
      throw serviceUnavailable();
    }
    if (!rows[0]) return undefined;
    const record = toRecord(rows[0]);
    this.cache.set(record, epoch);
    return record;
  }

  private fail(reason: string, ip: string, sessionId?: string): never {
    this.log.info({ sessionId, ip, reason }, 'session refused');
    throw sessionRefused();
  }
}

function toRecord(r: SessionRow): SessionRecord {
  // An unknown role (a row from a later version) grants nothing rather than something.
  const permissions = ROLE_PERMISSIONS[r.role] ?? [];
  const name = r.member_name ?? r.email;
  const record = {
    id: r.id,
    tokenHash: r.token_hash,
    organizationId: r.organization_id,
    organizationName: r.organization_name,
    organizationCreatedAt: toDate(r.organization_created_at),
    memberId: r.member_id,
    email: r.email,
    memberName: r.member_name,
    role: r.role,
    joinedAt: toDate(r.joined_at),
    mfaEnabled: r.mfa_enabled_at !== null,
    requireMfa: r.require_mfa,
    createdAt: toDate(r.created_at),
    lastSeenAt: toDate(r.last_seen_at),
    expiresAt: toDate(r.expires_at),
  } as SessionRecord;
  record.principal = {
    keyId: r.member_id,
    organizationId: r.organization_id,
    name,
    permissions,
    held: new Set(permissions),
    expiresAt: null,
    actor: { type: 'MEMBER', id: r.member_id, name },
    session: record,
    // Re-read on every instance when the member or the organization changes it (MfaService announces).
    mfaSetupRequired: r.require_mfa && r.mfa_enabled_at === null,
  };
  return record;
}
