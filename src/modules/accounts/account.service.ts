import type { EntityManager } from '@mikro-orm/postgresql';
import { AppError, badInput, notFound, rateLimited } from '../../errors';
import type { FailureLimiter } from '../auth/failure-limiter';
import { clientGroup, storedAddress } from '../auth/client-address';
import type { Principal } from '../auth/principal';
import { Member } from '../members/member.entity';
import { Session } from './session.entity';
import { PasswordToken, SET_PASSWORD } from './password-token.entity';
import type { PasswordHasher } from './password-hash';
import { assertPasswordAcceptable, PASSWORD_MAX } from './password-policy';
import { looksLikeToken, newToken, tokenHash } from './session-token';
import { endMemberSessions, type SessionEnds } from './session-ends';
import { DAY_MS } from '../common/time';
import { newId } from '../common/ids';
import { audit, type Actor } from '../audit/audit';
import { describeFault } from '../../db/faults';

export const SIGN_IN_REFUSED = 'Invalid email or password';
/** A link to set a password (`members add`) is good for this long. */
export const SET_PASSWORD_LINK_MS = DAY_MS;

export interface AccountServiceDeps {
  now: () => Date;
  /** The key verifier's limiter: sign-in failures count per (email, address) and per address, as key failures do. */
  limiter: FailureLimiter;
  ends: SessionEnds;
  /** argon2, bounded: a sign-in or reset beyond its queue is 503 before any hash. */
  passwords: PasswordHasher;
  sessionMaxDays: number;
  sessionIdleMinutes: number;
  /** The second factor of members who turned it on (modules/mfa); absent, no member is asked for one. */
  secondFactor?: SecondFactor;
  /** Organization.enforceSso (modules/sso): absent, every member may sign in with a password. */
  ssoPolicy?: SsoPolicy;
  /** Where a failed sign-in's audit event that could not be written is reported (it is written off the answer's path). */
  log?: { warn(obj: object, msg: string): void };
}

/** Checks a sign-in's `otp` for a member with two-factor on: a current TOTP code or an unused recovery code. */
export interface SecondFactor {
  passes(em: EntityManager, member: { id: string; organizationId: string; name: string; ip: string | null }, otp: unknown): Promise<boolean>;
}

/** Whether a member must sign in through their organization's SSO connection rather than with a password. */
export interface SsoPolicy {
  requiredFor(em: EntityManager, member: { organizationId: string; email: string }): Promise<boolean>;
}

export const SSO_NEEDED = 'This organization signs its members in through single sign-on: use "Continue with SSO" (/auth/sso/start)';

export const MFA_NEEDED = 'A one-time code is needed: the code of your authenticator app, or a recovery code, as `otp`';

interface Credentials {
  id: string;
  organization_id: string;
  name: string | null;
  email: string;
  password_hash: string | null;
  mfa_enabled_at: string | Date | null;
  /** Organization.enforceSso: only then is the SSO policy asked (no query on the common path). */
  enforce_sso: boolean;
}

/** The member as the audit log names it: its name, or its email when it has none (as a session's principal does). */
const memberActor = (m: Credentials, ip: string): Actor => ({ keyId: m.id, organizationId: m.organization_id, name: m.name ?? m.email, ip: storedAddress(ip) });

/**
 * People's credentials and sessions: sign in, sign out, a session list of one's own, the single-use links that
 * set a password. Every way a session ends (sign-out, revoke, a new password, a member removed or given another
 * role) deletes the rows and announces it, so every instance refuses the cookie at once.
 */
export class AccountService {
  /** Failed sign-ins' audit events being written (see signIn). */
  private readonly recording = new Set<Promise<void>>();

  constructor(private readonly deps: AccountServiceDeps) {}

  /**
   * Checks the credentials and opens a session: the new token, its member and organization. A wrong email and a
   * wrong password take the same path (an unknown email is verified against a decoy hash) and throw the same 401;
   * failures count per (email, address) and per address, so guesses from elsewhere never lock the owner out.
   */
  async signIn(em: EntityManager, input: { email: unknown; password: unknown; otp?: unknown }, ip: string, userAgent: string | undefined) {
    const fields = [];
    if (typeof input.email !== 'string' || !input.email.trim()) fields.push({ field: 'email', message: 'is required' });
    if (typeof input.password !== 'string' || !input.password) fields.push({ field: 'password', message: 'is required' });
    if (fields.length) throw badInput(fields);
    const email = (input.email as string).trim().toLowerCase().slice(0, 254);
    const password = (input.password as string).slice(0, PASSWORD_MAX + 1);
    const client = `ip:${clientGroup(ip)}`;
    const pair = `email:${email}|${client}`;
    const { limiter } = this.deps;
    const wait = Math.max(limiter.retryAfter(client), limiter.retryAfter(pair));
    if (wait > 0) throw rateLimited(wait, 'Too many failed sign-in attempts; retry later');
    // Counted as a failure before any await, and forgiven once it succeeds: attempts in flight at once are counted
    // as they start, so N parallel guesses cannot all pass the check above before the first is refused.
    limiter.fail(client);
    limiter.fail(pair);

    // An email may belong to members of several organizations: it signs in to the oldest membership that has a
    // password (choosing among organizations comes with invitations, docs/adr/0054).
    const conn = em.getConnection();
    const rows = await conn.execute<Credentials[]>(
      `select m.id, m.organization_id, m.name, m.email, m.password_hash, m.mfa_enabled_at, o.enforce_sso
       from members m join organizations o on o.id = m.organization_id
       where m.email = ? and m.password_hash is not null order by m.joined_at, m.id limit 1`,
      [email],
    );
    const found = rows[0];
    if (!(await this.deps.passwords.matches(found?.password_hash ?? null, password)) || !found) {
      if (found) this.recordFailure(em, found, ip);
      throw new AppError('UNAUTHORIZED', SIGN_IN_REFUSED);
    }
    // Like MFA_REQUIRED, told only to whoever has the password: a stranger learns nothing of the member's organization.
    if (found.enforce_sso && this.deps.ssoPolicy && (await this.deps.ssoPolicy.requiredFor(em, { organizationId: found.organization_id, email: found.email }))) {
      limiter.forgive(client);
      limiter.forgive(pair);
      throw new AppError('SSO_REQUIRED', SSO_NEEDED);
    }
    // Asked only once the password is right, so MFA_REQUIRED tells nothing to whoever lacks it; a missing or wrong
    // code stays counted as a failure, as a wrong password is. Only a wrong one is audited: a sign-in without a code
    // is the first step of every two-factor sign-in (the dashboard asks for the code when told MFA_REQUIRED).
    if (found.mfa_enabled_at && this.deps.secondFactor) {
      // Wrong codes also count per member (the subject two-factor's confirm and disable count on): from many
      // addresses, someone holding the password still gets only so many guesses at a 6-digit code.
      const given = input.otp !== undefined && input.otp !== null && input.otp !== '';
      const subject = `mfa:${found.id}`;
      const codeWait = limiter.retryAfter(subject);
      if (codeWait > 0) throw rateLimited(codeWait, 'Too many wrong one-time codes; retry later');
      if (given) limiter.fail(subject);
      const who = { id: found.id, organizationId: found.organization_id, name: found.name ?? found.email, ip: storedAddress(ip) };
      if (!(await this.deps.secondFactor.passes(em, who, input.otp))) {
        if (given) this.recordFailure(em, found, ip);
        throw new AppError('MFA_REQUIRED', MFA_NEEDED);
      }
      if (given) limiter.forgive(subject);
    }
    limiter.forgive(client);
    limiter.forgive(pair);
    const member = await em.findOneOrFail(Member, { id: found.id }, { populate: ['organization'] });
    const token = newToken();
    const now = this.deps.now();
    // The member's sessions that ended by age are deleted as a new one begins: rows do not pile up unread.
    const idleSince = new Date(now.getTime() - this.deps.sessionIdleMinutes * 60_000);
    await em.nativeDelete(Session, { member: member.id, $or: [{ expiresAt: { $lte: now } }, { lastSeenAt: { $lt: idleSince } }] });
    // Opened only if the password checked is still the member's: a reset (or a removal) that landed while the hash
    // was being verified ended every session, and this one, begun with the old password, must not outlive it.
    // `for share` waits for a reset's uncommitted update and then re-reads the row, so a reset in progress either
    // commits first (no row) or waits for this insert and then deletes the session with the others.
    const expiresAt = new Date(now.getTime() + this.deps.sessionMaxDays * DAY_MS);
    // The session and its `member.signed_in` event are written together, or neither.
    await em.transactional(async (tx) => {
      const opened = await tx.execute<{ affectedRows: number }>(
        `insert into sessions (id, organization_id, member_id, token_hash, created_at, last_seen_at, expires_at, ip, user_agent)
         select ?, organization_id, id, ?, ?, ?, ?, ?, ? from members where id = ? and password_hash = ? for share`,
        [newId('ses'), tokenHash(token), now, now, expiresAt, storedAddress(ip), userAgent ? userAgent.slice(0, 256) : null, found.id, found.password_hash],
        'run',
      );
      if (opened.affectedRows !== 1) throw new AppError('UNAUTHORIZED', SIGN_IN_REFUSED);
      audit(tx, memberActor(found, ip), 'member.signed_in', found.id, now);
    });
    return { token, member, organization: member.organization.getEntity() };
  }

  /**
   * Audits a wrong password for a member that exists (`member.sign_in_failed`, the member as actor and target; an
   * unknown email has no organization to record it in). Written off the answer's path: awaiting the insert would
   * make a known email answer later than an unknown one, which is what the decoy hash is there to prevent. Never the
   * password. The limiter bounds how many such events an address can cause.
   */
  private recordFailure(em: EntityManager, found: Credentials, ip: string): void {
    const fork = em.fork();
    audit(fork, memberActor(found, ip), 'member.sign_in_failed', found.id, this.deps.now());
    // After the 401 is written (setImmediate runs once the promise chain that sends it has run): the embedded
    // database executes statements on this thread, so even a write not awaited would otherwise delay the answer.
    const write: Promise<void> = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => fork.flush())
      .catch((err: unknown) => this.deps.log?.warn({ err: describeFault(err), memberId: found.id }, 'could not record a failed sign-in'))
      .finally(() => this.recording.delete(write));
    this.recording.add(write);
  }

  /** Waits for failed sign-ins' audit events still being written (before the database closes). */
  async settled(): Promise<void> {
    await Promise.all([...this.recording]);
  }

  /** Ends the session behind `principal` (sign-out): everywhere, before this answers; audited as `member.signed_out`. */
  async signOut(em: EntityManager, principal: Principal, actor: Actor): Promise<void> {
    const s = principal.session;
    if (s) await this.end(em, { id: s.id }, s.id, (tx) => audit(tx, actor, 'member.signed_out', s.memberId, this.deps.now()));
  }

  /** The caller's own sessions, the newest 100 first; none under an API key. */
  async list(em: EntityManager, principal: Principal): Promise<Session[]> {
    if (!principal.session) return [];
    return em.find(Session, { member: principal.session.memberId }, { orderBy: { createdAt: 'desc', id: 'desc' }, limit: 100 });
  }

  /** Ends one of the caller's own sessions (audited as `session.revoked`); anyone else's (or any id under an API key) is NOT_FOUND. */
  async revoke(em: EntityManager, principal: Principal, actor: Actor, id: string): Promise<string> {
    const memberId = principal.session?.memberId;
    if (!memberId || !(await this.end(em, { id, member: memberId }, id, (tx) => audit(tx, actor, 'session.revoked', id, this.deps.now())))) throw notFound('Session');
    return id;
  }

  /**
   * Makes a single-use link token that sets `memberId`'s password (valid 24 hours); earlier unused links of the
   * member stop working. Answers the token, shown once: only its hash is stored.
   */
  async passwordLink(em: EntityManager, memberId: string): Promise<{ token: string; expiresAt: Date }> {
    const token = newToken();
    const now = this.deps.now();
    const expiresAt = new Date(now.getTime() + SET_PASSWORD_LINK_MS);
    await em.transactional(async (tx) => {
      await tx.nativeDelete(PasswordToken, { member: memberId, usedAt: null });
      tx.persist(tx.create(PasswordToken, { member: tx.getReference(Member, memberId), tokenHash: tokenHash(token), purpose: SET_PASSWORD, createdAt: now, expiresAt }));
    });
    return { token, expiresAt };
  }

  /**
   * Sets a password through a link token: the token is spent, and every session of the member ends (a new
   * password locks out whoever had the old one). An unknown, used or expired token is one BAD_USER_INPUT.
   */
  async resetPassword(em: EntityManager, input: { token: unknown; password: unknown }): Promise<void> {
    const invalid = () => badInput([{ field: 'token', message: 'is invalid, used or expired; ask for a new link' }]);
    if (!looksLikeToken(input.token)) throw invalid();
    if (typeof input.password !== 'string') throw badInput([{ field: 'password', message: 'is required' }]);
    const password = input.password;
    const hash = tokenHash(input.token);
    const now = this.deps.now();
    // Only a link made to set a password sets one: a token made for anything else (later, invitations) is invalid.
    const link = await em.findOne(PasswordToken, { tokenHash: hash, purpose: SET_PASSWORD, usedAt: null, expiresAt: { $gt: now } }, { populate: ['member'] });
    if (!link) throw invalid();
    assertPasswordAcceptable(password, link.member.getEntity().email);
    const passwordHash = await this.deps.passwords.hash(password);
    await em.transactional(async (tx) => {
      // Spent by the statement that checks it is unspent: two concurrent uses cannot both pass.
      const spent = await tx.nativeUpdate(PasswordToken, { id: link.id, usedAt: null }, { usedAt: now });
      if (spent !== 1) throw invalid();
      await tx.nativeUpdate(Member, { id: link.member.id }, { passwordHash });
      await this.endAll(tx, link.member.id);
    });
    this.deps.ends.forget(link.member.id);
  }

  /**
   * Changes the signed-in member's password: the current one must be given (a wrong one counts as a failed sign-in,
   * per member), the new one passes the same rules as every password. Every other session of the member ends;
   * the one making the change stays. Audited as `member.password_changed`.
   */
  async changePassword(em: EntityManager, principal: Principal, actor: Actor, input: { currentPassword: unknown; newPassword: unknown }, ip: string): Promise<void> {
    const session = principal.session;
    if (!session) throw new AppError('BAD_USER_INPUT', 'A password belongs to a signed-in member: this request carries no session (an API key has none)');
    const fields = [];
    if (typeof input.currentPassword !== 'string') fields.push({ field: 'currentPassword', message: 'is required' });
    if (typeof input.newPassword !== 'string') fields.push({ field: 'newPassword', message: 'is required' });
    if (fields.length) throw badInput(fields);
    const { limiter } = this.deps;
    const subject = `password:${session.memberId}`;
    const client = `ip:${clientGroup(ip)}`;
    const wait = Math.max(limiter.retryAfter(subject), limiter.retryAfter(client));
    if (wait > 0) throw rateLimited(wait, 'Too many wrong passwords; retry later');
    limiter.fail(subject);
    limiter.fail(client);
    const rows = await em.getConnection().execute<{ password_hash: string | null }[]>('select password_hash from members where id = ?', [session.memberId]);
    const current = rows[0]?.password_hash ?? null;
    // A member made by single sign-on has no password yet: there is none to give, so none is asked for.
    if (current !== null && !(input.currentPassword && (await this.deps.passwords.matches(current, (input.currentPassword as string).slice(0, PASSWORD_MAX + 1)))))
      throw badInput([{ field: 'currentPassword', message: 'is not your current password' }]);
    limiter.forgive(subject);
    limiter.forgive(client);
    try {
      assertPasswordAcceptable(input.newPassword as string, session.email);
    } catch (e) {
      // The rules speak of `password`; here the field is `newPassword`.
      if (e instanceof AppError) throw badInput(((e.details.fields as { message: string }[] | undefined) ?? []).map((f) => ({ field: 'newPassword', message: f.message })));
      throw e;
    }
    const passwordHash = await this.deps.passwords.hash(input.newPassword as string);
    const now = this.deps.now();
    await em.transactional(async (tx) => {
      // Only over the hash that was checked: a change or reset that landed meanwhile wins, and this one is refused.
      const changed = await tx.execute<{ affectedRows: number }>(
        'update members set password_hash = ? where id = ? and password_hash is not distinct from ?',
        [passwordHash, session.memberId, current],
        'run',
      );
      if (changed.affectedRows !== 1) throw badInput([{ field: 'currentPassword', message: 'is not your current password' }]);
      await tx.nativeDelete(Session, { member: session.memberId, id: { $ne: session.id } });
      await tx.nativeDelete(PasswordToken, { member: session.memberId, usedAt: null });
      await this.deps.ends.announce(tx, session.memberId);
      audit(tx, actor, 'member.password_changed', session.memberId, now);
    });
    this.deps.ends.forget(session.memberId);
  }

  private async endAll(tx: EntityManager, memberId: string): Promise<void> {
    await endMemberSessions(tx, this.deps.ends, memberId);
  }

  /** Deletes the sessions `where` names, and when there were some, announces it and records `event` in the same transaction. */
  private async end(em: EntityManager, where: { id: string; member?: string }, announced: string, event?: (tx: EntityManager) => void): Promise<boolean> {
    const deleted = await em.transactional(async (tx) => {
      const n = await tx.nativeDelete(Session, where);
      if (n) {
        await this.deps.ends.announce(tx, announced);
        event?.(tx);
      }
      return n;
    });
    this.deps.ends.forget(announced);
    return deleted > 0;
  }
}
