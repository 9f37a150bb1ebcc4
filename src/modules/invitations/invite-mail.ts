import type { AccountMail } from '../accounts/account-mailer';

/**
 * The invitation email: fixed words around the organization's and the inviter's names (names hold no control
 * characters, so none can start a line or a header of its own) and the single-use link.
 */
export function inviteMail(m: { organization: string; invitedBy: string; role: string; url: string; expiresAt: Date }): AccountMail {
  return {
    subject: `[tracer] Invitation to ${m.organization}`,
    text:
      `"${m.invitedBy}" invited you to the organization "${m.organization}" on tracer, a monitoring service, as ${m.role}.\n\n` +
      `To accept, open this link and choose your name and password (it works once, until ${m.expiresAt.toISOString()}):\n\n${m.url}\n\n` +
      'If you did not expect this email, ignore it: no account is made unless the link is used.\n',
  };
}

