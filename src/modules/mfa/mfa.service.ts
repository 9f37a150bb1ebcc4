import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { AppError, badInput, conflict, forbidden, rateLimited } from '../../errors';
import { ALL } from '../../authorization/scopes';
import type { Principal } from '../auth/principal';
import type { FailureLimiter } from '../auth/failure-limiter';
import type { SecretBox } from '../checks/secret-box';
import type { SessionEnds } from '../accounts/session-ends';
import { Member } from '../members/member.entity';
import { Organization } from '../organization/organization.entity';
import { lockOrganization } from '../organization/organization.service';
import { audit, type Actor } from '../audit/audit';
import { MfaRecoveryCode, MfaTotp } from './mfa.entity';
import { looksLikeTotp, newTotpSecret, totpStep, totpUri } from './totp';
import { newRecoveryCode, RECOVERY_CODE_COUNT, recoveryCodeHash } from './recovery-codes';

export interface MfaServiceDeps {
  now: () => Date;
  /** The credentials' key: the TOTP secret is sealed with it at rest. */
  secrets: SecretBox;
  /** How a change reaches every instance's session cache (a session knows whether its member has two-factor). */
  ends: SessionEnds;
  /** Wrong codes to turn two-factor off count here, per member, like sign-in failures. */
  limiter: FailureLimiter;
  /** The `issuer` of the otpauth URI: what the authenticator app shows the account under. */
  issuer: string;
}

/** The member a sign-in is for: who a recovery code's audit event names. */
export interface SignInMember {
  id: string;
  organizationId: string;
  name: string;
  ip: string | null;
}

const needsSession = () => new AppError('BAD_USER_INPUT', 'Two-factor belongs to a signed-in member: this request carries no session (API keys have no second factor)');
const wrongCode = () => badInput([{ field: 'otp', message: 'is not a current code of the authenticator or an unused recovery code' }]);

/**
 * Two-factor sign-in (TOTP, RFC 6238, and single-use recovery codes) and the organization's `requireMfa`. A
 * member turns it on in two steps, `setup` (a new secret, shown once) and `confirm` (a code from the app proves it
 * was saved, and the recovery codes are handed out once); `disable` takes a code too. Every change is announced
 * like an ended session, so every instance re-reads the member's sessions at once (a session under `requireMfa`
 * is limited while its member has no second factor).
 */
export class MfaService {
  constructor(private readonly deps: MfaServiceDeps) {}

  /**
   * A new pending secret for the caller (replacing one not confirmed yet): the otpauth URI and the secret for
   * manual entry. CONFLICT when two-factor is already on (turn it off first).
   */
  async setup(em: EntityManager, principal: Principal): Promise<{ uri: string; secret: string }> {
    const session = principal.session;
    if (!session) throw needsSession();
    const secret = newTotpSecret();
    await em.transactional(async (tx) => {
      const member = await tx.findOneOrFail(Member, { id: session.memberId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (member.mfaEnabledAt) throw conflict('Two-factor is already on; turn it off first to set up another authenticator');
      await tx.nativeDelete(MfaTotp, { member: member.id });
      tx.persist(tx.create(MfaTotp, { member: member.id, secretSealed: this.deps.secrets.seal(secret), createdAt: this.deps.now() }));
    });
    return { uri: totpUri(this.deps.issuer, session.email, secret), secret };
  }

  /**
   * Turns two-factor on with a code from the app set up by `setup`: answers the recovery codes, shown this once
   * (only their hashes are kept). The code's step is spent: it does not sign in again.
   */
  async confirm(em: EntityManager, principal: Principal, actor: Actor, otp: unknown): Promise<{ recoveryCodes: string[] }> {
    const session = principal.session;
    if (!session) throw needsSession();
    if (typeof otp !== 'string' || !looksLikeTotp(otp.trim())) throw badInput([{ field: 'otp', message: 'must be the 6-digit code the authenticator app shows' }]);
    // Guesses count per member, as for disable and sign-in: one subject for every place a code is tried.
    const subject = `mfa:${session.memberId}`;
    const wait = this.deps.limiter.retryAfter(subject);
    if (wait > 0) throw rateLimited(wait, 'Too many wrong codes; retry later');
    this.deps.limiter.fail(subject);
    const now = this.deps.now();
    const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newRecoveryCode);
    await em.transactional(async (tx) => {
      const member = await tx.findOneOrFail(Member, { id: session.memberId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (member.mfaEnabledAt) throw conflict('Two-factor is already on');
      const pending = await tx.findOne(MfaTotp, { member: member.id, confirmedAt: null });
      if (!pending) throw conflict('No authenticator is being set up: call POST /auth/mfa/totp/setup first');
      const step = await totpStep(this.deps.secrets.open(pending.secretSealed), otp.trim(), now, null);
      if (step === undefined) throw badInput([{ field: 'otp', message: 'is not the current code of the authenticator just set up' }]);
      pending.confirmedAt = now;
      pending.lastStep = step;
      member.mfaEnabledAt = now;
      await tx.nativeDelete(MfaRecoveryCode, { member: member.id });
      for (const code of codes) tx.persist(tx.create(MfaRecoveryCode, { member: member.id, codeHash: recoveryCodeHash(code)!, createdAt: now }));
      audit(tx, actor, 'mfa.enabled', member.id, now);
      await tx.flush();
      await this.deps.ends.announce(tx, member.id);
    });
    this.deps.limiter.forgive(subject);
    this.deps.ends.forget(session.memberId);
    return { recoveryCodes: codes };
  }

  /**
   * Turns two-factor off with a current code or an unused recovery code (a session alone is not enough: a
   * borrowed browser must not remove the second factor). Wrong codes count per member; too many is RATE_LIMITED.
   */
  async disable(em: EntityManager, principal: Principal, actor: Actor, otp: unknown): Promise<void> {
    const session = principal.session;
    if (!session) throw needsSession();
    if (typeof otp !== 'string' || !otp.trim()) throw badInput([{ field: 'otp', message: 'is required: a code of the authenticator or a recovery code' }]);
    const subject = `mfa:${session.memberId}`;
    const wait = this.deps.limiter.retryAfter(subject);
    if (wait > 0) throw rateLimited(wait, 'Too many wrong codes; retry later');
    this.deps.limiter.fail(subject); // counted before any await, forgiven on success (as sign-in does)
    const now = this.deps.now();
    await em.transactional(async (tx) => {
      const member = await tx.findOneOrFail(Member, { id: session.memberId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (!member.mfaEnabledAt) throw conflict('Two-factor is not on');
      if (!(await this.spend(tx, member.id, otp.trim(), now))) throw wrongCode();
      member.mfaEnabledAt = null;
      await tx.nativeDelete(MfaTotp, { member: member.id });
      await tx.nativeDelete(MfaRecoveryCode, { member: member.id });
      audit(tx, actor, 'mfa.disabled', member.id, now);
      await tx.flush();
      await this.deps.ends.announce(tx, member.id);
    });
    this.deps.limiter.forgive(subject);
    this.deps.ends.forget(session.memberId);
  }

  /**
   * At sign-in, after the password: true when `otp` is a current TOTP code not used before, or an unused recovery
   * code (spent now, and audited); false for anything else, a missing code included. The caller counts a false.
   */
  async passes(em: EntityManager, member: SignInMember, otp: unknown): Promise<boolean> {
    if (typeof otp !== 'string' || !otp.trim()) return false;
    const code = otp.trim();
    const now = this.deps.now();
    // A TOTP code is spent by one conditional update: no transaction needed. A recovery code and its audit event
    // are written together.
    if (looksLikeTotp(code)) return this.spendTotp(em, member.id, code, now);
    return em.transactional(async (tx) => {
      if (!(await this.spendRecoveryCode(tx, member.id, code, now))) return false;
      audit(tx, { keyId: member.id, organizationId: member.organizationId, name: member.name, ip: member.ip }, 'mfa.recovery_code_used', member.id, now);
      return true;
    });
  }

  /**
   * Sets the organization's `requireMfa`. Only an OWNER (a principal holding `all`) may: it binds every member,
   * owners included. Sessions of the organization are re-read on every instance at once.
   */
  async setRequired(em: EntityManager, principal: Principal, actor: Actor, required: boolean): Promise<Organization> {
    if (!principal.held.has(ALL)) throw forbidden({ missingScopes: [ALL] }, 'Only an owner (a principal holding `all`) may change whether two-factor is required');
    const org = await em.transactional(async (tx) => {
      await lockOrganization(tx, actor.organizationId);
      const found = await tx.findOneOrFail(Organization, { id: actor.organizationId });
      if (found.requireMfa !== required) {
        found.requireMfa = required;
        audit(tx, actor, 'organization.updated', found.id, this.deps.now(), ['requireMfa']);
        await tx.flush();
        await this.deps.ends.announce(tx, found.id);
      }
      return found;
    });
    this.deps.ends.forget(actor.organizationId);
    return org;
  }

  /** A current TOTP code or an unused recovery code of the member, spent inside `tx`; false for anything else. */
  private async spend(tx: EntityManager, memberId: string, otp: string, now: Date): Promise<boolean> {
    return looksLikeTotp(otp) ? this.spendTotp(tx, memberId, otp, now) : this.spendRecoveryCode(tx, memberId, otp, now);
  }

  /**
   * A current TOTP code whose step is later than the last one used: that step becomes the last used, so the same
   * code (or an older one) is refused from then on, on every instance.
   */
  private async spendTotp(em: EntityManager, memberId: string, otp: string, now: Date): Promise<boolean> {
    const totp = await em.findOne(MfaTotp, { member: memberId, confirmedAt: { $ne: null } });
    if (!totp) return false;
    const step = await totpStep(this.deps.secrets.open(totp.secretSealed), otp, now, totp.lastStep);
    if (step === undefined) return false;
    // Compared and set in one statement: two sign-ins with the same code at once cannot both pass.
    return (await em.nativeUpdate(MfaTotp, { id: totp.id, $or: [{ lastStep: null }, { lastStep: { $lt: step } }] }, { lastStep: step })) === 1;
  }

  /** An unused recovery code of the member, marked used by the statement that checks it is unused. */
  private async spendRecoveryCode(em: EntityManager, memberId: string, otp: string, now: Date): Promise<boolean> {
    const hash = recoveryCodeHash(otp);
    if (!hash) return false;
    return (await em.nativeUpdate(MfaRecoveryCode, { member: memberId, codeHash: hash, usedAt: null }, { usedAt: now })) === 1;
  }
}
