import type { EntityManager } from '@mikro-orm/postgresql';
import type { FastifyBaseLogger } from 'fastify';
import { badInput, rateLimited } from '../../errors';
import { clientGroup } from '../auth/client-address';
import type { FailureLimiter } from '../auth/failure-limiter';
import type { AccountMail, AccountMailer } from './account-mailer';
import { PasswordToken, SET_PASSWORD } from './password-token.entity';
import { newToken, tokenHash } from './session-token';
import type { PublicUrl } from '../common/public-url';

/** A forgot-password link works for an hour. */
export const RESET_LINK_MS = 3_600_000;

export interface PasswordRecoveryDeps {
  now: () => Date;
  /** The sign-in limiter: every request counts, per email and per address, under names of its own. */
  limiter: FailureLimiter;
  mailer: AccountMailer;
  publicUrl: PublicUrl;
  log: FastifyBaseLogger;
}

/**
 * Forgot password: `request` answers at once and alike for every address (so neither the answer nor its time says
 * whether an account exists); the lookup, the link and the email happen after the answer. The link is a
 * set-password link (`/auth/reset-password` spends it, and a new password ends every session of the member).
 */
export class PasswordRecovery {
  constructor(private readonly deps: PasswordRecoveryDeps) {}

  /**
   * Checks the input and the limits (BAD_USER_INPUT, RATE_LIMITED), then starts the work in the background and
   * returns; `em` is the request's fork, used only by that work. Answers the work, for tests and shutdown to await.
   */
  request(em: EntityManager, input: { email: unknown }, ip: string): Promise<void> {
    if (typeof input.email !== 'string' || !input.email.trim() || input.email.length > 254) throw badInput([{ field: 'email', message: 'must be an email address' }]);
    const email = input.email.trim().toLowerCase();
    const { limiter } = this.deps;
    const subjects = [`forgot:ip:${clientGroup(ip)}`, `forgot:email:${email}`];
    const wait = Math.max(...subjects.map((s) => limiter.retryAfter(s)));
    if (wait > 0) throw rateLimited(wait, 'Too many password reset requests; retry later');
    // Every request counts (none is a "success" to forgive): a flood of emails to one inbox stops at the limit.
    for (const s of subjects) limiter.fail(s);
    return this.send(em, email).catch((e) => this.deps.log.error({ err: (e as Error).message }, 'forgot-password: the reset link could not be made or sent'));
  }

  private async send(em: EntityManager, email: string): Promise<void> {
    // The membership sign-in uses (the oldest with a password), or else the oldest: an invited member who never set
    // a password may set one through its own inbox.
    const rows = await em.getConnection().execute<{ id: string }[]>(
      'select id from members where email = ? order by (password_hash is null), joined_at, id limit 1',
      [email],
    );
    const member = rows[0];
    if (!member) return;
    if (!this.deps.mailer.configured) {
      this.deps.log.warn({ memberId: member.id }, 'forgot-password: no SMTP_URL, so no reset link can be emailed; an operator can print one with `npm run members -- add`');
      return;
    }
    const token = newToken();
    const now = this.deps.now();
    await em.transactional(async (tx) => {
      await tx.nativeDelete(PasswordToken, { member: member.id, usedAt: null });
      tx.persist(tx.create(PasswordToken, { member: member.id, tokenHash: tokenHash(token), purpose: SET_PASSWORD, createdAt: now, expiresAt: new Date(now.getTime() + RESET_LINK_MS) }));
    });
    const url = `${this.deps.publicUrl}/dashboard/reset-password?token=${token}`;
    if (!(await this.deps.mailer.send(email, resetMail(url)))) this.deps.log.warn({ memberId: member.id }, 'forgot-password: the mail server did not take the reset email');
  }
}

/** The forgot-password email: fixed words and the single-use link; nothing of the account beyond its address. */
function resetMail(url: string): AccountMail {
  return {
    subject: '[tracer] Reset your password',
    text:
      'Someone asked to reset the password of the tracer account of this address.\n\n' +
      `To choose a new password, open this link within an hour (it works once; a new password ends every session of the account):\n\n${url}\n\n` +
      'If you did not ask for this, ignore this email: your password stays as it is.\n',
  };
}
