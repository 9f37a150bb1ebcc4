import { UNCONFIRMED_EMAIL } from '../notifier';
import { confirmationMessage, emailMessage } from '../render';
import type { MailChannel } from './provider';

/**
 * An email address, through SMTP_URL: the notification in words (the acknowledge link of an open alert, a status
 * page subscriber's unsubscribe link and RFC 8058 one-click header). Until its address is confirmed it gets its
 * confirmation email and nothing else.
 */
export const email: MailChannel = {
  type: 'EMAIL',
  required: ['email'],
  optional: [],
  mail(ctx) {
    if (ctx.payload.type === 'email.confirmation') {
      if (!ctx.unconfirmed) return { skip: 'Not sent: the address is confirmed already' };
      return confirmationMessage(ctx.confirmationUrl!);
    }
    // Emitted before its address changed (and lost its confirmation): not sent to the new one.
    if (ctx.unconfirmed) return { skip: UNCONFIRMED_EMAIL };
    const unsubscribe = ctx.unsubscribeUrl;
    // RFC 8058: a one-click unsubscribe (a POST to the link) that mail clients can offer.
    const headers = unsubscribe ? { 'List-Unsubscribe': `<${unsubscribe}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' } : undefined;
    return { ...emailMessage(ctx.readable, unsubscribe), headers };
  },
};
